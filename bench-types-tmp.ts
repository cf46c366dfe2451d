// Temporary: typed vs plain calendar schedule costs, in one run (not committed).
import { generateCalendarSlots } from "./roles/healthcenterserver/calendar/typed-slots.ts";
import { buildCalendarTable, generatedEntries } from "./roles/healthcenterserver/booking/calendar-slots.ts";
import { Schedule } from "./roles/healthcenterserver/booking/schedule.ts";
import { SlotTable } from "./shared/slot-table.ts";
import type { AppointmentType, Rule } from "./roles/healthcenterserver/calendar/types.ts";

const types: AppointmentType[] = [
  { name: "first", minutes: 30, before: 0, after: 5, minNotice: null, maxAhead: null, cancelCutoff: null },
  { name: "followup", minutes: 15, before: 0, after: 0, minNotice: null, maxAhead: null, cancelCutoff: null },
];
function setup(typed: boolean) {
  const rules: Rule[] = Array.from({ length: 100 }, (_, i) => ({
    id: i + 1, doctor: `doc${i + 1}`, weekdays: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", minutes: 15,
    everyWeeks: 1, nthOfMonth: [], validFrom: null, validUntil: null, ...(typed ? { types: ["followup", "first"] } : {}),
  }));
  const t0 = performance.now();
  const slots = generateCalendarSlots(rules, [], types, "Europe/London", "2027-01-04", "2027-02-28");
  const doctors = new Map(rules.map((r, i) => [r.doctor, { number: i + 1, name: r.doctor, port: 41000 }]));
  const { table, calendar } = buildCalendarTable(generatedEntries(slots, doctors, 0), "Europe/London", types);
  const genMs = performance.now() - t0;
  const s = new Schedule(SlotTable.fromSlots([]));
  s.replace(table, calendar);
  return { s, genMs, n: table.length };
}
for (const typed of [false, true, false, true]) {
  const { s, genMs, n } = setup(typed);
  let seed = 1;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const t1 = performance.now();
  let booked = 0;
  for (let k = 0; k < 20000; k++) {
    const p = Math.floor(rnd() * n);
    const id = s.slots.indexAt(p);
    const d = s.decide(id);
    if (d.kind === "free" && s.reserve(id, "p", d.span)) booked++;
  }
  const bookUs = ((performance.now() - t1) * 1000) / 20000;
  const t2 = performance.now();
  for (let k = 0; k < 50; k++) s.freePage({ after: s.slots.indexAt(Math.floor(rnd() * n)), limit: 100 });
  const pageMs = (performance.now() - t2) / 50;
  const t3 = performance.now();
  const bytes = s.wholeReply().length + [...s.availableChunks()].reduce((a, b) => a + b.length, 0);
  const availMs = performance.now() - t3;
  console.log(`${typed ? "typed" : "plain"} points=${n} gen=${genMs.toFixed(0)}ms decide+reserve=${bookUs.toFixed(2)}µs booked=${booked} page=${pageMs.toFixed(3)}ms available=${availMs.toFixed(1)}ms (${bytes}B)`);
}
