// The staff page's script: renders the snapshot the event stream starts with, then applies each
// batch of committed changes. Text goes in with textContent only: names and days are data.
// A module script: strict, deferred, and its names stay out of the page's global scope.
const $ = (id) => document.getElementById(id);
let view = null;
let source = null;
/** On a calendar (days labelled "2026-12-08 Tue"): which week is shown, 0 = the first one listed. */
let week = 0;
let weekDays = null;
/** On a calendar whose rules offer types: the type the week shows ("": each rule's default). */
let viewType = "";

const dated = (day) => /^\d{4}-\d{2}-\d{2} /.test(day);

/** The Monday of a dated day's week, as YYYY-MM-DD. */
function mondayOf(day) {
  const d = new Date(`${day.slice(0, 10)}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d.toISOString().slice(0, 10);
}

/** Shows the week navigation on a calendar; the days of the chosen week, or null for a classic week. */
function chooseWeek(snap) {
  const mondays = [...new Set(snap.days.filter(dated).map(mondayOf))].sort();
  $("weeks").hidden = mondays.length === 0;
  if (mondays.length === 0) return null;
  week = Math.max(0, Math.min(week, mondays.length - 1));
  $("week-label").textContent = `Week of Monday ${mondays[week]}`;
  $("prev-week").disabled = week === 0;
  $("next-week").disabled = week === mondays.length - 1;
  return new Set(snap.days.filter((d) => dated(d) && mondayOf(d) === mondays[week]));
}

function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

function slotText(index, state) {
  if (state === 0) return `#${index} free`;
  if (state === 2) return `#${index} not free`;
  return typeof state === "string" ? `#${index} ${state}` : `#${index} booked`;
}

function setSlot(span, index, state) {
  span.dataset.state = state === 0 ? "free" : state === 2 ? "blocked" : "booked";
  span.textContent = slotText(index, state);
}

function setCount(cell) {
  if (cell.count) cell.count.textContent = `${cell.booked} of ${cell.slots} booked`;
}

function setTotal(d) {
  d.el.textContent = "";
  // On a typed view `booked` counts the starts a booked span meets too (d.blocked of them).
  const blocked = d.blocked === undefined ? "" : `, ${d.blocked} not free (a booked span)`;
  d.el.append(el("b", "", d.name), `${d.booked - (d.blocked ?? 0)} booked${blocked}, ${d.slots - d.booked} free`);
}

function render(snap) {
  view = { slots: new Map(), cells: new Map(), doctors: [] };
  weekDays = chooseWeek(snap);
  chooseType(snap);
  const totals = $("totals");
  totals.textContent = "";
  for (const d of snap.doctors) {
    const entry = { name: d.name, slots: d.slots, booked: d.booked, blocked: d.blocked, el: el("div", "total") };
    entry.el.dataset.doctor = d.name;
    setTotal(entry);
    totals.append(entry.el);
    view.doctors.push(entry);
  }
  const listed = new Map();
  for (const [index, cell, state] of snap.slots) {
    if (!listed.has(cell)) listed.set(cell, []);
    listed.get(cell).push([index, state]);
  }
  const byDoctor = snap.doctors.map(() => new Map());
  for (const [id, doctor, day, time, slots, booked] of snap.cells)
    byDoctor[doctor].set(`${day}/${time}`, { id, slots, booked });
  const grid = $("grid");
  grid.textContent = "";
  snap.doctors.forEach((d, doctor) => grid.append(doctorTable(snap, d.name, byDoctor[doctor], listed)));
  const hidden = [];
  if (snap.cellsTotal > snap.cells.length) hidden.push(`${snap.cellsTotal - snap.cells.length} more day-time cells`);
  if (snap.slotsTotal > snap.slots.length)
    hidden.push(`${snap.slotsTotal - snap.slots.length} slots counted but not listed`);
  const large = hidden.length ? `A large schedule: ${hidden.join("; ")}. Totals above count every slot.` : "";
  $("note").textContent = [snap.note ?? "", large].filter(Boolean).join(" ");
  $("signin").hidden = snap.names;
  $("signout").hidden = !snap.names;
  if (snap.names) showMember();
}

/** The type selector, on a calendar whose rules offer types (the snapshot lists them). */
function chooseType(snap) {
  $("types").hidden = !snap.types;
  if (!snap.types) return;
  const select = $("view-type");
  const values = ["", ...snap.types];
  // Made again only when the types change: a snapshot comes with each booking, the list may be in use.
  if ([...select.options].map((o) => o.value).join("\n") !== values.join("\n"))
    select.replaceChildren(
      ...values.map((v) => Object.assign(el("option", "", v || "each doctor's default"), { value: v })),
    );
  select.value = viewType = snap.type;
}

function doctorTable(snap, name, cells, listed) {
  const section = el("section");
  section.append(el("h2", "", name));
  const table = el("table");
  const head = el("tr");
  head.append(el("th", "", "Time"));
  const days = snap.days.filter(
    (d, day) => (!weekDays || weekDays.has(d)) && snap.times.some((_, time) => cells.has(`${day}/${time}`)),
  );
  const dayIds = days.map((d) => snap.days.indexOf(d));
  for (const d of days) head.append(el("th", "", d));
  const thead = el("thead");
  thead.append(head);
  table.append(thead);
  const body = el("tbody");
  snap.times.forEach((time, t) => {
    if (!dayIds.some((day) => cells.has(`${day}/${t}`))) return;
    const row = el("tr");
    row.append(el("th", "", time));
    for (const day of dayIds) row.append(cellElement(cells.get(`${day}/${t}`), listed));
    body.append(row);
  });
  table.append(body);
  const scroll = el("div", "scroll");
  scroll.append(table);
  section.append(scroll);
  return section;
}

function cellElement(cell, listed) {
  const td = el("td");
  if (!cell) return td;
  const entry = { slots: cell.slots, booked: cell.booked, count: undefined };
  view.cells.set(cell.id, entry);
  const mine = listed.get(cell.id) || [];
  for (const [index, state] of mine) {
    const span = el("span", "slot");
    span.id = `slot-${index}`;
    setSlot(span, index, state);
    td.append(span);
    view.slots.set(index, span);
  }
  if (mine.length < cell.slots) {
    entry.count = el("span", "count");
    setCount(entry);
    td.append(entry.count);
  }
  return td;
}

function apply(rows) {
  for (const [index, cellId, state, cellBooked, doctor, doctorBooked] of rows) {
    const span = view.slots.get(index);
    if (span) setSlot(span, index, state);
    const cell = view.cells.get(cellId);
    if (cell) {
      cell.booked = cellBooked;
      setCount(cell);
    }
    const d = view.doctors[doctor];
    if (d) {
      d.booked = doctorBooked;
      setTotal(d);
    }
  }
}

async function showMember() {
  const me = await (await fetch("/api/me")).json();
  $("who").textContent = me.name ? `Signed in: ${me.name} (${me.role})` : "";
  // desk.js shows the front desk's controls to a role that may use them.
  document.dispatchEvent(new CustomEvent("staff-member", { detail: me }));
}

function connect() {
  if (source) source.close();
  source = new EventSource(viewType ? `/api/events?type=${encodeURIComponent(viewType)}` : "/api/events");
  source.addEventListener("snapshot", (e) => {
    render(JSON.parse(e.data));
    $("status").textContent = `Live: updates as patients book (${new Date().toLocaleTimeString()})`;
  });
  source.addEventListener("changes", (e) => {
    if (view) apply(JSON.parse(e.data));
  });
  source.onerror = () => {
    $("status").textContent = "Connection lost; reconnecting…";
  };
}

$("signin").addEventListener("submit", async (e) => {
  e.preventDefault();
  const message = $("signin-message");
  const name = $("name").value.trim();
  const secret = $("password").value;
  const form = name ? { name, password: secret } : { token: secret };
  const answer = await fetch("/api/signin", { method: "POST", body: new URLSearchParams(form) });
  $("password").value = "";
  message.textContent = answer.ok ? "" : (await answer.text()).trim();
  if (answer.ok) connect();
});

// Leave on a calendar, for a role that may edit availability (POST /api/availability, as the command's except).
document.addEventListener("staff-member", (e) => {
  $("leave").hidden = !(e.detail.may || []).includes("availability") || weekDays === null;
});
$("leave").addEventListener("submit", async (e) => {
  e.preventDefault();
  const form = { verb: "except", doctor: $("leave-doctor").value.trim(), from: $("leave-from").value };
  if ($("leave-to").value) form.to = $("leave-to").value;
  if ($("leave-reason").value) form.reason = $("leave-reason").value;
  if ($("leave-keep").checked) form["keep-booked"] = "on";
  const answer = await fetch("/api/availability", { method: "POST", body: new URLSearchParams(form) });
  const body = await answer.json();
  $("leave-message").textContent = answer.ok ? body.lines.join(" ") : body.error;
});

$("view-type").addEventListener("change", () => {
  viewType = $("view-type").value;
  connect();
});

// A new snapshot for the other week: counts stay exact (the view holds only what it shows).
$("prev-week").addEventListener("click", () => {
  week -= 1;
  connect();
});
$("next-week").addEventListener("click", () => {
  week += 1;
  connect();
});

$("signout").addEventListener("submit", async (e) => {
  e.preventDefault();
  await fetch("/api/signout", { method: "POST" });
  connect();
});

connect();
