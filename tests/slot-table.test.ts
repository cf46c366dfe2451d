// The compact schedule: the one-pass parser agrees with the general one line for line, indexes are
// found whatever their order, and `slots` pages skip runs of taken slots without missing any.
import { expect, test } from "bun:test";
import { DataError } from "../shared/errors.ts";
import { parseSlotTable } from "../shared/slot-file.ts";
import { SlotTable } from "../shared/slot-table.ts";
import { Schedule } from "../roles/healthcenterserver/booking/schedule.ts";

const problem = (text: string) => {
  try {
    parseSlotTable("a.txt", text);
  } catch (err) {
    expect(err).toBeInstanceOf(DataError);
    return (err as Error).message;
  }
  throw new Error("parsed without a problem");
};

test("lines the fast path doubts get the general path's exact message", () => {
  expect(problem("1 Tue 01pm doc1 41000\n1 Mon 03pm doc2 42000\n")).toBe("a.txt line 2: duplicate slot index 1");
  expect(problem("2 Tue 01pm doc1 41000\n1 Mon 03pm doc2 42000\n2 Mon 04pm doc2 42000\n")).toBe(
    "a.txt line 3: duplicate slot index 2",
  );
  expect(problem("1 Tue 01pm doc1 41000 extra")).toBe("a.txt line 1: expected `<index> <Day> <Time> <doctor> <port>`");
  expect(problem("# c\n\n0 Tue 01pm doc1 41000")).toBe('a.txt line 3: slot index "0" is not a positive whole number');
  expect(problem("1234567890123456 Tue 01pm doc1 41000")).toContain("is not a positive whole number");
  expect(problem("1 Tue 01pm doc1 65536")).toBe('a.txt line 1: port "65536" is not 1-65535');
  expect(problem("1 Tue 01pm ../etc 41000")).toBe('a.txt line 1: bad doctor name "../etc"');
  expect(problem(`1 ${"D".repeat(257)} 01pm doc1 41000`)).toBe("a.txt line 1: day and time must be printable ASCII");
  expect(problem("1 Tüe 01pm doc1 41000")).toBe("a.txt line 1: day and time must be printable ASCII");
});

test("blank lines, comments, tabs, CRLF, a BOM and no final newline parse as before", () => {
  const t = parseSlotTable(
    "a.txt",
    "\ufeff1 Tue 01pm doc1 41000\r\n\n  # note\n2\tMon  03pm doc2 42000\r\n\u00a03 Wed 10am doc1 41000",
  );
  expect(t.toArray()).toEqual([
    { index: 1, day: "Tue", time: "01pm", doctor: "doc1", port: 41000 },
    { index: 2, day: "Mon", time: "03pm", doctor: "doc2", port: 42000 },
    { index: 3, day: "Wed", time: "10am", doctor: "doc1", port: 41000 },
  ]);
  expect(t.doctors.list).toEqual(["doc1", "doc2"]);
});

test("an index is found whether the file numbers 1..n, counts up with gaps, or is in any order", () => {
  for (const indexes of [
    [1, 2, 3, 4],
    [3, 10, 11, 500],
    [40, 7, 1000000, 8],
  ]) {
    const t = SlotTable.fromSlots(
      indexes.map((index) => ({ index, day: "Mon", time: "09am", doctor: "doc1", port: 41000 })),
    );
    indexes.forEach((index, p) => expect(t.positionOf(index)).toBe(p));
    for (const missing of [0, 5, 9, 12, 999, 2.5, -1])
      if (!indexes.includes(missing)) expect(t.positionOf(missing)).toBe(-1);
  }
});

test("pages of `slots` skip runs of taken slots and match a plain scan, whatever changes", () => {
  const days = ["Mon", "Tue", "Wed"];
  const slots = Array.from({ length: 5000 }, (_, i) => ({
    index: 2 * i + 1,
    day: days[i % 3]!,
    time: "09am",
    doctor: `doc${i % 4}`,
    port: 41000,
  }));
  const schedule = new Schedule(slots);
  let seed = 7;
  const random = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
  for (let i = 0; i < 4000; i++) schedule.reserve(slots[i]!.index, `p${i}`); // a long taken run first
  schedule.freePage({ after: 0, limit: 1 }); // builds the index; later changes must keep it right
  for (let round = 0; round < 300; round++) {
    const slot = slots[random(slots.length)]!;
    if (schedule.holderOf(slot.index) === undefined) schedule.reserve(slot.index, "q");
    else schedule.release(slot.index);
    const query = {
      after: random(10_000),
      limit: 1 + random(50),
      day: round % 2 ? days[random(3)] : undefined,
      doctor: round % 3 ? undefined : `DOC${random(4)}`,
    };
    const expected = slots
      .filter(
        (s) =>
          s.index > query.after &&
          schedule.holderOf(s.index) === undefined &&
          (query.day === undefined || s.day === query.day) &&
          (query.doctor === undefined || s.doctor === query.doctor.toLowerCase()),
      )
      .slice(0, query.limit);
    expect(schedule.freePage(query)).toEqual(expected);
  }
});

test("a patient holding many slots (no booking limit) keeps exact counts as slots are taken and freed", () => {
  const schedule = new Schedule(
    Array.from({ length: 100 }, (_, i) => ({ index: i + 1, day: "Mon", time: "09am", doctor: "doc1", port: 41000 })),
  );
  for (let i = 1; i <= 40; i++) expect(schedule.reserve(i, "many")).toBe(true);
  schedule.reserve(50, "other");
  for (let i = 2; i <= 40; i += 2) schedule.release(i);
  expect(schedule.heldCount("many")).toBe(20);
  expect(schedule.heldBy("many")).toEqual(Array.from({ length: 20 }, (_, k) => 2 * k + 1));
  expect(schedule.heldBy("other")).toEqual([50]);
  schedule.correctHolder(1, "other");
  expect([schedule.heldCount("many"), schedule.heldCount("other"), schedule.freeCount]).toEqual([19, 2, 79]);
  expect(() => schedule.release(2)).toThrow(/invariant broken/);
});

test("available lines written as bytes are formatFreeSlot's, for any index and name length", async () => {
  const { formatFreeSlot } = await import("../shared/protocol.ts");
  const { freeSlotBytesMax, writeFreeSlot } = await import("../roles/healthcenterserver/booking/available-bytes.ts");
  for (const [index, day, time] of [
    [1, "Mon", "09am"],
    [10, "D", "t"],
    [999_999_999_999_999, "Wednesday", "10:30am"],
    [1_000_000, "Tue", "01pm"],
  ] as const) {
    const out = Buffer.alloc(freeSlotBytesMax(day.length, time.length));
    const end = writeFreeSlot(out, 0, index, Buffer.from(day), Buffer.from(time));
    expect(out.toString("latin1", 0, end)).toBe(formatFreeSlot({ index, day, time }));
  }
});
