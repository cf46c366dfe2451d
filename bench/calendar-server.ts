// The server on a calendar: a month of free slots for 50 doctors (weekdays 09:00-17:00, 15-minute
// slots, about 35,000), read as one `slots from= to=` page of 1,000 (plain, by doctor, and a filter
// that matches nothing), the whole month streamed page by page, and booking on the calendar against
// booking on a classic file of as many slots, in the same run. Run alone: `bun bench/calendar-server.ts`
// (after `bun run build`).
import { join } from "node:path";
import { openCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";
import { bumpVersion, doctorNumber, insertRule } from "../roles/healthcenterserver/store/calendar-records.ts";
import { lineClient } from "./line-client.ts";
import { start, stop, work } from "./procs.ts";
import { record } from "./report.ts";
import { writeBigData } from "./scale-data.ts";

const doctors = 50;
const zone = "UTC";

const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.ceil((p / 100) * xs.length) - 1]!;

export async function calendarDb(path: string, count = doctors): Promise<void> {
  const db = await openCalendarDb({ kind: "sqlite", path }, undefined);
  for (let i = 1; i <= count; i++) {
    const n = (await doctorNumber(db, `doc${i}`, 41000 + i))!;
    const rule = { weekdays: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", minutes: 15, everyWeeks: 1 };
    await insertRule(db, n, { ...rule, nthOfMonth: [], validFrom: null, validUntil: null });
  }
  await bumpVersion(db);
  await db.close();
}

/** Pages and the streamed month on the calendar server. */
export async function readMonth(port: number, from: string, to: string): Promise<number> {
  const c = await lineClient(port);
  const timed = async (line: string) => {
    const t0 = performance.now();
    const reply = await c.ask(line, true);
    return { ms: performance.now() - t0, lines: reply.split("\n").length - 2 };
  };
  const range = `from=${from} to=${to}`;
  for (const [what, query] of [
    ["page of 1,000", `slots ${range}`],
    ["page of one doctor's", `slots ${range} doctor=doc37`],
    ["a filter matching nothing", `slots ${range} doctor=nobody`],
  ] as const) {
    const times: number[] = [];
    let lines = 0;
    for (let i = 0; i < 201; i++) {
      const r = await timed(query);
      if (i > 0) times.push(r.ms);
      lines = r.lines;
    }
    record({
      scenario: `calendar: slots ${what} (50 doctors, a month)`,
      lines,
      p50_ms: +percentile(times, 50).toFixed(2),
      p99_ms: +percentile(times, 99).toFixed(2),
    });
  }
  const months: number[] = [];
  let total = 0;
  for (let round = 0; round < 21; round++) {
    const t0 = performance.now();
    let after = 0;
    total = 0;
    while (true) {
      const reply = await c.ask(`slots ${range} after=${after}`, true);
      const lines = reply.split("\n").filter(Boolean);
      if (lines.length === 0) break;
      total += lines.length;
      after = Number(lines.at(-1)!.split(" ")[0]);
    }
    if (round > 0) months.push(performance.now() - t0);
  }
  record({
    scenario: "calendar: the whole month streamed in pages",
    slots: total,
    p50_ms: +percentile(months, 50).toFixed(1),
    p95_ms: +percentile(months, 95).toFixed(1),
  });
  c.close();
  return total;
}

const taken = new WeakMap<number[], number>();

/** Bookings a second, `connections` patients at once each booking the next id of `ids` not yet tried. */
export async function bookingRate(port: number, ids: number[], connections: number, seconds: number): Promise<number> {
  const r = await bookingRound(port, ids, connections, seconds);
  return r.booked / r.seconds;
}

/** Bookings done in about `seconds`, and the seconds they took. The clients connect and sign in before
 * the clock starts: only bookings are timed. */
export async function bookingRound(port: number, ids: number[], connections: number, seconds: number) {
  let next = taken.get(ids) ?? 0;
  let booked = 0;
  const clients = await Promise.all(Array.from({ length: connections }, () => lineClient(port)));
  const t0 = performance.now();
  const deadline = t0 + seconds * 1000;
  await Promise.all(
    clients.map(async (c) => {
      while (performance.now() < deadline && next < ids.length) {
        const reply = await c.ask(`selection ${ids[next++]}`, false);
        if (/^doc\d+ \d+/.test(reply)) booked++;
      }
    }),
  );
  const elapsed = (performance.now() - t0) / 1000;
  for (const c of clients) c.close();
  taken.set(ids, next);
  return { booked, seconds: elapsed };
}

export async function calendarServing(seconds: number, extraFlags: string[]): Promise<void> {
  const dbPath = join(work, "calendar.db");
  await calendarDb(dbPath);
  const base = ["--host", "127.0.0.1", "--port", "0", "--bookings-per-patient", "0", ...extraFlags];
  const cal = await start(
    "healthcenterserver",
    [...base, "--db", dbPath, "--time-zone", zone, "--horizon-weeks", "5"],
    /port number: (\d+)/,
    join(work, "calendar.log"),
  );
  const today = Temporal.Now.plainDateISO(zone);
  const slots = await readMonth(cal.port, today.toString(), today.add({ days: 30 }).toString());
  const dir = join(work, "classic-35k");
  writeBigData(dir, slots, doctors);
  const classic = await start(
    "healthcenterserver",
    [...base, "--data", dir, "--db", join(work, "classic-35k.db")],
    /port number: (\d+)/,
    join(work, "classic-35k.log"),
  );
  const c = await lineClient(cal.port);
  const ids = (await c.ask("available", true))
    .split("\n")
    .filter(Boolean)
    .map((l) => Number(l.split(" ")[0]));
  c.close();
  // Alternating rounds (classic, calendar, classic, calendar) so a busy moment of the machine falls on both.
  const classicIds = Array.from({ length: slots }, (_, i) => i + 1);
  for (const connections of [1, 8]) {
    const rate = { classic: [] as number[], calendar: [] as number[] };
    for (let round = 0; round < 2; round++) {
      rate.classic.push(await bookingRate(classic.port, classicIds, connections, seconds / 2));
      rate.calendar.push(await bookingRate(cal.port, ids, connections, seconds / 2));
    }
    const [classicRate, calendarRate] = [Math.max(...rate.classic), Math.max(...rate.calendar)];
    record({
      scenario: `calendar: booking at ${connections} connections, same run (best of 2 alternating rounds)`,
      classic_per_s: Math.round(classicRate),
      calendar_per_s: Math.round(calendarRate),
      ratio: +(calendarRate / classicRate).toFixed(2),
    });
  }
  await stop(classic.proc);
  await stop(cal.proc);
}

if (import.meta.main) await calendarServing(Number(process.argv[2] ?? 3), ["--quiet"]).finally(() => process.exit(0));
