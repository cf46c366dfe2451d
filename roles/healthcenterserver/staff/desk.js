// The front desk on the staff page: book a free slot for a patient, move or cancel an appointment
// (a cancellation asks for a reason), and read one appointment's history. Shown only to a role that
// may book (the server checks every request again). Keyboard only works: every control is a form
// field or a button; clicking a slot in the grid fills its number in, as a shortcut.
const $ = (id) => document.getElementById(id);
let searchTimer;

document.addEventListener("staff-member", (e) => {
  const may = e.detail.may || [];
  $("desk").hidden = !may.includes("book");
  $("history").hidden = !may.includes("view") || !e.detail.name;
  clearInterval(outboxTimer);
  if (may.includes("view") && e.detail.name) {
    showOutbox();
    outboxTimer = setInterval(showOutbox, 10_000);
  } else $("outbox").hidden = true;
});

// Pending and failed messages (GET /api/outbox), for staff who may view; hidden without [notify].
let outboxTimer;
async function showOutbox() {
  const answer = await fetch("/api/outbox");
  $("outbox").hidden = !answer.ok;
  if (!answer.ok) return;
  const body = await answer.json();
  const c = body.counts;
  $("outbox-counts").textContent =
    `${c.pending} pending, ${c.sent} sent, ${c.failed} failed, ${c.skipped} skipped; ` +
    `the oldest due message has waited ${body.oldestPendingAgeS} s`;
  const rows = $("outbox-rows");
  rows.textContent = "";
  for (const [state, list] of [
    ["failed", body.failed],
    ["pending", body.pending],
  ])
    for (const m of list) {
      const tr = document.createElement("tr");
      tr.className = `outbox-${state}`;
      for (const v of [state, m.patient, `${m.kind} (${m.channel})`, m.appointment, m.due, m.tries, m.error]) {
        const td = document.createElement("td");
        td.textContent = String(v);
        tr.append(td);
      }
      rows.append(tr);
    }
}

$("desk-patient").addEventListener("input", () => {
  clearTimeout(searchTimer);
  searchTimer = setTimeout(async () => {
    const q = $("desk-patient").value.trim();
    const answer = await fetch(`/api/patients?q=${encodeURIComponent(q)}`);
    if (!answer.ok) return;
    const list = $("desk-patients");
    list.textContent = "";
    for (const name of (await answer.json()).patients) {
      const option = document.createElement("option");
      option.value = name;
      list.append(option);
    }
  }, 150);
});

async function change(kind) {
  const form = { patient: $("desk-patient").value.trim(), slot: $("desk-slot").value.trim() };
  if (kind === "move") form.to = $("desk-to").value.trim();
  const reason = $("desk-reason").value;
  if (kind === "cancel" || reason.trim() !== "") form.reason = reason;
  if ($("desk-override").checked) form.override = "1";
  // On a typed calendar a booking is of the type the week shows (the selector above it).
  if (kind === "book" && !$("types").hidden && $("view-type").value) form.type = $("view-type").value;
  const answer = await fetch(`/api/${kind}`, { method: "POST", body: new URLSearchParams(form) });
  let text;
  try {
    const body = await answer.json();
    const slot = `slot ${body.slot ? body.slot.index : form.slot}${form.type ? ` (${form.type})` : ""}`;
    text = answer.ok
      ? `${body.outcome}: ${slot} for ${form.patient}`
      : body.outcome === "policy"
        ? `${body.error} (to do it anyway: tick Override and give a reason)`
        : body.error;
  } catch {
    text = `${answer.status}: the server refused`;
  }
  $("desk-message").textContent = text;
  if (answer.ok && (kind === "cancel" || form.override)) $("desk-reason").value = "";
  if (answer.ok) $("desk-override").checked = false;
}

for (const kind of ["book", "move", "cancel"]) $(`desk-${kind}`).addEventListener("click", () => change(kind));
$("desk").addEventListener("submit", (e) => {
  e.preventDefault();
  change("book");
});

$("history").addEventListener("submit", async (e) => {
  e.preventDefault();
  const answer = await fetch(`/api/history?slot=${encodeURIComponent($("history-slot").value.trim())}`);
  const list = $("history-lines");
  list.textContent = "";
  const body = await answer.json();
  const lines = answer.ok ? body.lines : [body.error];
  if (lines.length === 0) lines.push("nothing recorded for this slot");
  for (const line of lines) {
    const item = document.createElement("li");
    item.textContent = line;
    list.append(item);
  }
});

// A shortcut for the mouse: a slot clicked in the grid fills in the slot fields.
$("grid").addEventListener("click", (e) => {
  const slot = e.target.closest(".slot");
  if (!slot || !slot.id.startsWith("slot-")) return;
  const index = slot.id.slice(5);
  $(slot.dataset.state === "free" && $("desk-slot").value ? "desk-to" : "desk-slot").value = index;
  $("history-slot").value = index;
});
