import { expect, test } from "bun:test";
import { parseSlots } from "../shared/slot-file.ts";
import { embedded } from "../shared/fixtures.ts";
import { Schedule } from "../roles/healthcenterserver/booking/schedule.ts";

const seed = () => new Schedule(parseSlots("availabilities.txt", embedded["availabilities.txt"]!));

test("an index not in the schedule is invalid; a taken one is notavailable", () => {
  const s = seed();
  expect(s.decide(8).kind).toBe("invalid");
  expect(s.decide(-1).kind).toBe("invalid");
  expect(s.decide(2).kind).toBe("free");
  expect(s.reserve(2, "patient1")).toBe(true);
  expect(s.decide(2).kind).toBe("notavailable");
  expect(s.reserve(2, "patient2")).toBe(false);
  expect(s.holderOf(2)).toBe("patient1");
});

test("the available reply leaves out booked slots and ends with an empty line", () => {
  const s = seed();
  s.reserve(2, "patient1");
  s.reserve(3, "patient2");
  expect(s.wholeReply().toString()).toBe("1 Tue 01pm\n4 Wed 10am\n5 Sat 12pm\n6 Fri 04pm\n\n");
  expect(s.freeCount).toBe(4);
  s.release(3);
  expect(s.wholeReply().toString()).toBe("1 Tue 01pm\n3 Thu 02pm\n4 Wed 10am\n5 Sat 12pm\n6 Fri 04pm\n\n");
});

test("with many slots, a booking changes exactly that slot's line in the reply", () => {
  const text = Array.from({ length: 5000 }, (_, i) => `${i + 1} Mon 09am doc1 41000`).join("\n");
  const s = new Schedule(parseSlots("big.txt", text));
  const before = s.wholeReply().toString().split("\n");
  s.reserve(2500, "p");
  const after = s.wholeReply().toString().split("\n");
  expect(before.length - after.length).toBe(1);
  expect(after).not.toContain("2500 Mon 09am");
  expect(before.filter((l) => l !== "2500 Mon 09am")).toEqual(after);
});

test("the log listing is capped", () => {
  const text = Array.from({ length: 100 }, (_, i) => `${i + 1} Mon 09am doc1 41000`).join("\n");
  const listing = new Schedule(parseSlots("big.txt", text)).logListing().split("\n");
  expect(listing.length).toBe(21);
  expect(listing.at(-1)).toBe("... and 80 more free slots");
});

test("a large schedule streams `available` block by block, the same bytes as the whole reply", () => {
  const text = Array.from({ length: 20_000 }, (_, i) => `${i + 1} Mon 09am doc1 41000`).join("\n");
  const s = new Schedule(parseSlots("big.txt", text));
  s.reserve(7, "p");
  const chunks = [...s.availableChunks()];
  expect(chunks.length).toBeGreaterThan(10);
  for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(1024 * 1025);
  expect(Buffer.concat(chunks).equals(s.wholeReply())).toBe(true);
});

test("releasing a slot that is not taken is a broken invariant, not a silent no-op", () => {
  const s = seed();
  expect(() => s.release(2)).toThrow(/invariant broken/);
  expect(() => s.release(99)).toThrow(/invariant broken/);
  expect(s.freeCount).toBe(6);
});
