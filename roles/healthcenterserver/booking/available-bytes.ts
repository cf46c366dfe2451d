// The `available` reply's lines written as bytes, for the cached blocks of a large schedule: the
// same text as protocol.ts's formatFreeSlot (a test holds them equal), without a string per line.

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
