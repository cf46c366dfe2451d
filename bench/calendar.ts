// The calendar's generator at start-up size: 500 doctors, 8 hours a day on weekdays, 15-minute
// slots, 8 weeks ahead (about 640,000 slots). Run alone (`bun bench/calendar.ts`) it prints one JSON
// row; `bun run bench` runs it in a child process so the bench's own heap stays out of the numbers.
import { join } from "node:path";
import { generateSlots } from "../roles/healthcenterserver/calendar/generate.ts";
import type { Rule } from "../roles/healthcenterserver/calendar/types.ts";
import { record, type Row } from "./report.ts";

const doctors = 500;
const runs = 5;

function rules(): Rule[] {
  return Array.from({ length: doctors }, (_, i) => ({
    id: i + 1,
    doctor: `doc${i + 1}`,
    weekdays: [1, 2, 3, 4, 5],
    start: "09:00",
    end: "17:00",
    minutes: 15,
    everyWeeks: 1,
    nthOfMonth: [],
    validFrom: null,
    validUntil: null,
  }));
}

function heapMiB(): number {
  Bun.gc(true);
  return process.memoryUsage().heapUsed / 2 ** 20;
}

/** Generation time (first run, and median of the next ones) and the heap the result holds, for 4 and 8 weeks. */
export function measure(): Row {
  const all = rules();
  // 2027-03-01 is a Monday; the range crosses Europe/London's change on 2027-03-28.
  const ranges = { 4: "2027-03-28", 8: "2027-04-25" } as const;
  const times: number[] = [];
  let slots = 0;
  for (let i = 0; i <= runs; i++) {
    const t0 = performance.now();
    slots = generateSlots(all, [], "Europe/London", "2027-03-01", ranges[8]).length;
    times.push(performance.now() - t0);
  }
  const warm = times.slice(1).sort((a, b) => a - b);
  const held: Record<number, number> = {};
  for (const weeks of [4, 8] as const) {
    const before = heapMiB();
    const kept = generateSlots(all, [], "Europe/London", "2027-03-01", ranges[weeks]);
    held[weeks] = heapMiB() - before;
    if (kept.length === 0) throw new Error("bench/calendar: no slots");
  }
  let t0 = performance.now();
  generateSlots(all, [], "Europe/London", "2027-04-26", "2027-04-26");
  const oneDay = performance.now() - t0;
  t0 = performance.now();
  const naiveSlots = naive(all, "2027-03-01", ranges[8]);
  const naiveMs = performance.now() - t0;
  if (naiveSlots !== slots) throw new Error(`bench/calendar: naive ${naiveSlots} slots, generator ${slots}`);
  return {
    scenario: "calendar: generate 8 weeks for 500 doctors (8 h/day, 15 min), target under 1 s",
    slots,
    first_ms: +times[0]!.toFixed(1),
    median_ms: +warm[Math.floor(warm.length / 2)]!.toFixed(1),
    one_more_day_ms: +oneDay.toFixed(2),
    naive_temporal_per_slot_ms: +naiveMs.toFixed(0),
    naive_over_median: +(naiveMs / warm[Math.floor(warm.length / 2)]!).toFixed(1),
    heap_mib_4_weeks: +held[4]!.toFixed(1),
    heap_mib_8_weeks: +held[8]!.toFixed(1),
    bytes_per_slot: Math.round((held[8]! * 2 ** 20) / slots),
  };
}

/**
 * The same slots the naive way, one Temporal conversion per slot (what the generator avoids), for
 * a ratio measured in the same run: the machine's load cancels out.
 */
function naive(all: Rule[], from: string, to: string): number {
  let count = 0;
  for (let d = Temporal.PlainDate.from(from); Temporal.PlainDate.compare(d, to) <= 0; d = d.add({ days: 1 })) {
    for (const r of all) {
      if (!r.weekdays.includes(d.dayOfWeek)) continue;
      const [h, m] = r.start.split(":").map(Number) as [number, number];
      const [eh, em] = r.end.split(":").map(Number) as [number, number];
      for (let min = h * 60 + m; min + r.minutes <= eh * 60 + em; min += r.minutes) {
        const time = `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;
        const zdt = d.toPlainDateTime(time).toZonedDateTime("Europe/London", { disambiguation: "earlier" });
        if (zdt.epochMilliseconds > 0) count++;
      }
    }
  }
  return count;
}

/** For bench.ts: the row, measured in a fresh process. */
export async function calendarGeneration(): Promise<void> {
  const child = Bun.spawn([process.execPath, join(import.meta.dir, "calendar.ts")], { stdout: "pipe" });
  const out = await new Response(child.stdout).text();
  if ((await child.exited) !== 0) throw new Error("bench/calendar.ts failed");
  record(JSON.parse(out.trim().split("\n").at(-1)!) as Row);
}

if (import.meta.main) console.log(JSON.stringify(measure()));
