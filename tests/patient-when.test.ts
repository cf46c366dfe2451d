// The patient reads dated slots and finds them by what people type (roles/patient/when.ts, replies.ts).
import { expect, test } from "bun:test";
import { parseFreeSlot, parseSlotLine, policySentence } from "../roles/patient/replies.ts";
import { describeWhen, matchesSearch } from "../roles/patient/when.ts";
import { parseSearch } from "../roles/patient/slot-picker.ts";
import type { SlotLine } from "../shared/protocol.ts";

const line = (text: string): SlotLine => {
  const r = parseSlotLine(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

test("a calendar line keeps its ISO start and length, and reads as Tue 8 Dec, 13:00, 15 min", () => {
  const s = line("299455800001 2026-12-08T13:00+00:00 15 doc1 41000 10.0.0.2");
  expect(s).toEqual({
    index: 299455800001,
    day: "Tue 8 Dec",
    time: "13:00",
    doctor: "doc1",
    port: 41000,
    host: "10.0.0.2",
    start: "2026-12-08T13:00+00:00",
    minutes: 15,
  });
  expect(describeWhen(s)).toBe("Tue 8 Dec, 13:00, 15 min");
  // Classic lines are read as before.
  expect(line("5 Sat 12pm doc2 42000")).toEqual({ index: 5, day: "Sat", time: "12pm", doctor: "doc2", port: 42000 });
  expect(describeWhen(line("5 Sat 12pm doc2 42000"))).toBe("Sat 12pm");
  // `available` on a calendar carries the date after the time.
  expect(parseFreeSlot("299455800001 Tue 13:00 2026-12-08")).toEqual({
    ok: true,
    value: { index: 299455800001, day: "Tue", time: "13:00 2026-12-08" },
  });
  expect(parseFreeSlot("1 Tue 01pm extra").ok).toBe(false);
});

test("search understands monday, mon, 8 dec, tomorrow, doc1, doctor1, morning, after 3pm", () => {
  const tue13 = line("299455800001 2026-12-08T13:00+00:00 15 doc1 41000");
  const tue16 = line("299457600002 2026-12-08T16:00+00:00 30 doc2 42000");
  const wed09 = line("299467800001 2026-12-09T09:00+00:00 15 doc1 41000");
  const today = "2026-12-07";
  const find = (q: string) => [tue13, tue16, wed09].filter((s) => matchesSearch(q, s, today)).map((s) => s.index);
  expect(find("tuesday")).toEqual([tue13.index, tue16.index]);
  expect(find("tue")).toEqual([tue13.index, tue16.index]);
  expect(find("wed")).toEqual([wed09.index]);
  expect(find("8 dec")).toEqual([tue13.index, tue16.index]);
  expect(find("tomorrow")).toEqual([tue13.index, tue16.index]);
  expect(find("doc1")).toEqual([tue13.index, wed09.index]);
  expect(find("doctor2")).toEqual([tue16.index]);
  expect(find("morning")).toEqual([wed09.index]);
  expect(find("after 3pm")).toEqual([tue16.index]);
  expect(find("tomorrow doc1 after 1pm")).toEqual([tue13.index]);
  expect(find("monday")).toEqual([]);
  // Classic slots: a day and a doctor still match.
  expect(matchesSearch("sat doc2", line("5 Sat 12pm doc2 42000"), today)).toBe(true);
  expect(matchesSearch("monday", line("2 Mon 03pm doc2 42000"), today)).toBe(true);
});

test("on a calendar the server-side search takes a date: tomorrow, 8 dec, 2026-12-08, beside a day or doctor", () => {
  const today = "2026-12-07";
  expect(parseSearch("tomorrow doc2", today)).toEqual({ from: "2026-12-08", to: "2026-12-08", doctor: "doc2" });
  expect(parseSearch("8 dec", today)).toEqual({ from: "2026-12-08", to: "2026-12-08" });
  expect(parseSearch("2 jan", today)).toEqual({ from: "2027-01-02", to: "2027-01-02" });
  expect(parseSearch("2026-12-09 Doctor1", today)).toEqual({ from: "2026-12-09", to: "2026-12-09", doctor: "doc1" });
  // 29 Feb is the next one to come, in a leap year however far; 30 Feb is no date.
  expect(parseSearch("29 feb", today)).toEqual({ from: "2028-02-29", to: "2028-02-29" });
  expect(parseSearch("29 feb", "2027-03-01")).toEqual({ from: "2028-02-29", to: "2028-02-29" });
  expect(parseSearch("29 feb", "2028-02-29")).toEqual({ from: "2028-02-29", to: "2028-02-29" });
  expect(parseSearch("30 feb", today).from).toBeUndefined();
  // Without a calendar (no today given) the words read as before.
  expect(parseSearch("Sat doc2")).toEqual({ day: "Sat", doctor: "doc2" });
});

test("a refusal's sentence gives the clinic's phone as the next step that fits it", () => {
  const phone = "020 7946 0000";
  expect(
    policySentence("too late to cancel: the clinic allows cancelling until 24 hours before (Mon 7 Dec, 09:00)", phone),
  ).toBe(
    "Too late to cancel: the clinic allows cancelling until 24 hours before (Mon 7 Dec, 09:00). To change it now, call the clinic: 020 7946 0000.",
  );
  expect(
    policySentence("too soon to book: the clinic takes bookings until 2 hours before (Tue 8 Dec, 07:00)", phone),
  ).toEndWith("(Tue 8 Dec, 07:00). To book it anyway, call the clinic: 020 7946 0000.");
  const noShows =
    "2 missed appointments in the last 6 months: online booking is closed for you; please call the clinic to book";
  expect(policySentence(noShows, phone)).toBe(
    "2 missed appointments in the last 6 months: online booking is closed for you; please call the clinic to book. The clinic's phone: 020 7946 0000.",
  );
  expect(policySentence(noShows, undefined)).toEndWith("please call the clinic to book.");
});
