// Today's appointments on the staff page, in time order with each status ("not marked": booked, over,
// and past the grace period), and buttons to mark arrived, seen or no-show for a role that may mark
// (a doctor: their own). The server checks every mark again. Buttons are real buttons: keyboard works.
const $ = (id) => document.getElementById(id);
let todayTimer;
let mayMark = false;

document.addEventListener("staff-member", (e) => {
  const may = e.detail.may || [];
  mayMark = may.includes("mark");
  clearInterval(todayTimer);
  if (may.includes("view") && e.detail.name) {
    showToday();
    todayTimer = setInterval(showToday, 15_000);
  } else $("today").hidden = true;
});

const marks = [
  ["arrived", "Arrived"],
  ["fulfilled", "Seen"],
  ["noshow", "No-show"],
];

async function showToday() {
  const answer = await fetch("/api/day");
  $("today").hidden = !answer.ok;
  if (!answer.ok) return;
  const body = await answer.json();
  const rows = $("today-rows");
  rows.textContent = "";
  for (const a of body.appointments) {
    const tr = document.createElement("tr");
    tr.id = `visit-${a.slot}`;
    tr.dataset.status = a.shown;
    const word =
      a.status === "cancelled" ? `${a.word} by the ${a.cancelledBy}${a.reason ? `: ${a.reason}` : ""}` : a.word;
    // Another doctor's appointment comes without the patient's name to a doctor's account.
    for (const v of [a.start.slice(11, 16), a.doctor, a.patient || "(booked)", a.slot, word]) {
      const td = document.createElement("td");
      td.textContent = String(v);
      tr.append(td);
    }
    tr.lastChild.className = "visit-status";
    const actions = document.createElement("td");
    if (mayMark && a.markable)
      for (const [status, label] of marks.filter(([s]) => a.marks.includes(s))) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.setAttribute("aria-label", `${label}: ${a.patient} at ${a.start.slice(11, 16)} (slot ${a.slot})`);
        button.addEventListener("click", () => mark(a, status));
        actions.append(button);
      }
    tr.append(actions);
    rows.append(tr);
  }
  if (body.appointments.length === 0) $("today-message").textContent = "No appointments today.";
}

async function mark(a, status) {
  const form = new URLSearchParams({ slot: String(a.slot), status });
  const answer = await fetch("/api/mark", { method: "POST", body: form });
  let text;
  try {
    const body = await answer.json();
    text = answer.ok ? `${a.patient} at ${a.start.slice(11, 16)}: ${body.word}` : body.error;
  } catch {
    text = `${answer.status}: the server refused`;
  }
  $("today-message").textContent = text;
  await showToday();
}
