// The `available` reply's lines written as bytes, for the cached blocks of a large schedule: the
// same text as protocol.ts's formatFreeSlot (a test holds them equal), without a string per line.
import { log_slots_max } from "../../../shared/limits.ts";
import type { SlotTable } from "../../../shared/slot-table.ts";

/** A table's day and time names as bytes, and the most bytes one line of them takes. */
export type NameBytes = { days: Buffer[]; times: Buffer[]; most: number };

const ascii = (text: string) => Buffer.from(text, "latin1");
const longest = (names: string[]) => names.reduce((most, n) => Math.max(most, n.length), 0);

export function nameBytesOf(t: SlotTable): NameBytes {
  const [days, times] = [t.days.list, t.times.list];
  return { days: days.map(ascii), times: times.map(ascii), most: freeSlotBytesMax(longest(days), longest(times)) };
}

/**
 * The lines of positions start..end that `listed` takes, written straight into bytes (no string per
 * line): a cold million-slot reply leaves little garbage.
 */
export function encodeFreeBlock(
  t: SlotTable,
  names: NameBytes,
  start: number,
  end: number,
  listed: (position: number) => boolean,
): Buffer {
  const out = Buffer.allocUnsafe((end - start) * names.most);
  let at = 0;
  for (let p = start; p < end; p++) {
    if (listed(p)) at = writeFreeSlot(out, at, t.indexAt(p), names.days[t.dayIdAt(p)]!, names.times[t.timeIdAt(p)]!);
  }
  return Buffer.from(out.subarray(0, at)); // a copy of the exact size, so the cache holds no slack
}

/** Most bytes writeFreeSlot writes for a day and time of these lengths. */
export const freeSlotBytesMax = (dayLength: number, timeLength: number) => 16 + dayLength + 1 + timeLength + 1;

/**
 * formatFreeSlot's bytes (ASCII), written into `out` at `at` without making a string: for the
 * `available` reply of a large schedule. Returns the offset after the line.
 */
export function writeFreeSlot(out: Uint8Array, at: number, index: number, day: Uint8Array, time: Uint8Array): number {
  let digits = 1;
  for (let rest = Math.floor(index / 10); rest > 0; rest = Math.floor(rest / 10)) digits++;
  for (let i = at + digits - 1, rest = index; i >= at; i--, rest = Math.floor(rest / 10)) out[i] = 48 + (rest % 10);
  at += digits;
  out[at++] = 32;
  for (let i = 0; i < day.length; i++) out[at++] = day[i]!;
  out[at++] = 32;
  for (let i = 0; i < time.length; i++) out[at++] = time[i]!;
  out[at++] = 10;
  return at;
}

/** The server log's listing of the slots `listed` takes, as the seed prints it, capped; `free` counts them all. */
export function logLines(t: SlotTable, free: number, listed: (position: number) => boolean): string {
  const lines: string[] = [];
  for (let p = 0; p < t.length && lines.length < log_slots_max; p++) {
    if (listed(p)) lines.push(`${t.indexAt(p)} ${t.dayAt(p)} ${t.timeAt(p)} ${t.doctorAt(p)} ${t.portAt(p)}`);
  }
  if (free > lines.length) lines.push(`... and ${free - lines.length} more free slots`);
  return lines.join("\n");
}
