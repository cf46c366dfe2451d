// The schedule of a calendar with appointment types, in process: a large table (streamed `available`,
// cached blocks), where a booking hides the default starts its span meets; the cached reply must agree
// with one made from scratch after every booking and release (only the blocks near a change are made
// again: booked-spans.ts blocksNear).
import { expect, test } from "bun:test";
import { buildCalendarTable, generatedEntries } from "../roles/healthcenterserver/booking/calendar-slots.ts";
import { Schedule } from "../roles/healthcenterserver/booking/schedule.ts";
import { generateCalendarSlots } from "../roles/healthcenterserver/calendar/typed-slots.ts";
import type { AppointmentType, Rule } from "../roles/healthcenterserver/calendar/types.ts";
import { SlotTable } from "../shared/slot-table.ts";

const type = (name: string, minutes: number, before = 0, after = 0): AppointmentType => ({
  name,
  minutes,
  before,
  after,
  minNotice: null,
  maxAhead: null,
  cancelCutoff: null,
});
const types = [type("first", 30, 0, 10), type("followup", 15), type("long", 60, 15, 15)];

function schedule(): Schedule {
  const rules: Rule[] = Array.from({ length: 20 }, (_, i) => ({
    id: i + 1,
    doctor: `doc${i + 1}`,
    weekdays: [1, 2, 3, 4, 5],
    start: "08:00",
    end: "18:00",
    minutes: 15,
    everyWeeks: 1,
    nthOfMonth: [],
    validFrom: null,
    validUntil: null,
    types: i % 2 === 0 ? ["followup", "first", "long"] : ["first", "followup"],
  }));
  const slots = generateCalendarSlots(rules, [], types, "Europe/London", "2027-01-04", "2027-02-26");
  const doctors = new Map(rules.map((r, i) => [r.doctor, { number: i + 1, name: r.doctor, port: 41000 }]));
  const { table, calendar } = buildCalendarTable(generatedEntries(slots, doctors, 0), "Europe/London", types);
  const s = new Schedule(SlotTable.fromSlots([]));
  s.replace(table, calendar);
  return s;
}

const reply = (s: Schedule) => Buffer.concat([...s.availableChunks()]).toString();
/** `available` as each position's own offeredAs says it, line by line (formatFreeSlot's form). */
function expected(s: Schedule): string {
  let text = "";
  for (let p = 0; p < s.slots.length; p++)
    if (s.offeredAs(p)) text += `${s.slots.indexAt(p)} ${s.slots.dayAt(p)} ${s.slots.timeAt(p)}\n`;
  return `${text}\n`;
}

test("a typed booking hides the default starts its span meets; the streamed reply agrees with a fresh one", () => {
  const s = schedule();
  expect(s.smallReply()).toBeUndefined(); // large enough to be streamed in cached blocks
  const before = reply(s);
  let seed = 7;
  const random = () => (seed = (seed * 48271) % 2147483647) / 2147483647;
  const booked: { id: number; type: number }[] = [];
  for (let k = 0; k < 300; k++) {
    const id = s.slots.indexAt(Math.floor(random() * s.slots.length));
    const t = Math.floor(random() * 3);
    const d = s.decide(id, t);
    if (d.kind !== "free") continue;
    expect(s.reserve(id, `p${k}`, d.span)).toBe(true);
    booked.push({ id, type: t });
    // The cached reply (blocks made again only near the change) against each start's own answer.
    if (k < 120) expect(reply(s)).toBe(expected(s));
  }
  expect(booked.length).toBeGreaterThan(100);
  const fresh = schedule();
  for (const b of booked) {
    const d = fresh.decide(b.id, b.type);
    expect(d.kind).toBe("free");
    if (d.kind === "free") fresh.reserve(b.id, "x", d.span);
  }
  expect(reply(s)).toBe(reply(fresh));
  expect(reply(s)).not.toBe(before);
  // A booked long (60, 15 before and after) hides every start of its doctor whose span meets its own.
  const long = booked.find((b) => b.type === 2)!;
  const p = s.position(long.id)!;
  for (let q = 0; q < s.slots.length; q++) {
    if (s.slots.doctorAt(q) !== s.slots.doctorAt(p) || q === p) continue;
    const gap = s.calendar!.startMs[q]! - s.calendar!.startMs[p]!;
    if (gap > -30 * 60_000 && gap < 75 * 60_000) expect(s.offeredAs(q, 1)).toBe(false);
  }
  for (const b of booked) s.release(b.id);
  expect(reply(s)).toBe(before);
});
