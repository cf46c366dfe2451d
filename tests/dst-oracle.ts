// An independent reading of a zone's clock, for checking the calendar's generator: it uses only
// Intl.DateTimeFormat (never Temporal, never roles/healthcenterserver/calendar/), finds each
// daylight-saving change by scanning and bisecting, and finds which instants show a wall time by
// brute force over every minute around a day.

const minute_ms = 60_000;
const day_ms = 86_400_000;
const margin_ms = 15 * 3_600_000;

const formats = new Map<string, Intl.DateTimeFormat>();
function wallFormat(zone: string): Intl.DateTimeFormat {
  let f = formats.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
    });
    formats.set(zone, f);
  }
  return f;
}

/** The wall clock at an instant, "YYYY-MM-DDTHH:MM". */
export function wallAt(zone: string, ms: number): string {
  const m = /^(\d\d)\/(\d\d)\/(\d{4}), (\d\d):(\d\d)$/.exec(wallFormat(zone).format(ms));
  if (m === null) throw new Error(`oracle: cannot read ${wallFormat(zone).format(ms)}`);
  return `${m[3]}-${m[1]}-${m[2]}T${m[4]}:${m[5]}`;
}

/** The offset in force at an instant, in minutes (wall time minus UTC, read from the formatted wall time). */
export function offsetAt(zone: string, ms: number): number {
  const floor = Math.floor(ms / minute_ms) * minute_ms;
  return (Date.parse(`${wallAt(zone, floor)}:00Z`) - floor) / minute_ms;
}

export type Transition = { atMs: number; beforeMin: number; afterMin: number };

/** Every change of offset between two instants: a scan every 6 hours, then bisection to the minute. */
export function transitions(zone: string, fromMs: number, toMs: number): Transition[] {
  const step = 6 * 3_600_000;
  const out: Transition[] = [];
  let prev = offsetAt(zone, fromMs);
  for (let t = fromMs + step; t <= toMs; t += step) {
    const now = offsetAt(zone, t);
    if (now === prev) continue;
    let lo = t - step; // offset prev
    let hi = t; // offset now
    while (hi - lo > minute_ms) {
      const mid = lo + Math.floor((hi - lo) / 2 / minute_ms) * minute_ms;
      if (offsetAt(zone, mid) === prev) lo = mid;
      else hi = mid;
    }
    out.push({ atMs: hi, beforeMin: prev, afterMin: now });
    prev = now;
  }
  return out;
}

/** Every instant (to the minute) around a local date, with the wall time it shows, in time order. */
export function minutesAround(zone: string, date: string): { ms: number; wall: string }[] {
  const dayStart = Date.parse(`${date}T00:00:00Z`);
  const out: { ms: number; wall: string }[] = [];
  for (let t = dayStart - margin_ms; t <= dayStart + day_ms + margin_ms; t += minute_ms)
    out.push({ ms: t, wall: wallAt(zone, t) });
  return out;
}

/**
 * The slots the calendar's policy promises for one window on one date, computed from the brute
 * force: slot k's wall time is start + k * length; its instant is the first minute that shows it
 * (none: no slot); a slot running past the window's end, or into the next slot, is not offered.
 */
export function expectedWindow(
  around: { ms: number; wall: string }[],
  date: string,
  startMin: number,
  endMin: number,
  lengthMin: number,
): number[] {
  const wallOf = (min: number) => {
    const ms = Date.parse(`${date}T00:00:00Z`) + min * minute_ms;
    return new Date(ms).toISOString().slice(0, 16);
  };
  const first = (wall: string) => around.find((a) => a.wall === wall)?.ms;
  const endWall = wallOf(endMin);
  // The window's end: the first instant whose wall time reaches it (the jump, if the end is skipped).
  const endMs = around.find((a) => a.wall >= endWall && a.ms > (first(wallOf(startMin)) ?? 0))!.ms;
  const starts: number[] = [];
  for (let m = startMin; m + lengthMin <= endMin; m += lengthMin) {
    const t = first(wallOf(m));
    if (t !== undefined) starts.push(t);
  }
  return starts.filter((t, i) => {
    const next = i + 1 < starts.length ? starts[i + 1]! : endMs;
    return t + lengthMin * minute_ms <= Math.min(next, endMs);
  });
}
