// Helpers for the calendar tests: the availability CLI, list replies, and local dates in a zone.
import { bun, runToEnd, type Client } from "./helpers.ts";

export const zone = "Europe/London";

/** `healthcenterserver availability ...` on this database; its exit code and output. */
export function availability(db: string[], ...args: string[]) {
  return runToEnd([bun, "roles/healthcenterserver.ts", "availability", ...args, ...db, "--time-zone", zone]);
}

/** `healthcenterserver ARGS` (types, availability, ...) on this database, in the calendar's zone. */
export function operator(db: string[], ...args: string[]) {
  return runToEnd([bun, "roles/healthcenterserver.ts", ...args, ...db, "--time-zone", zone]);
}

/** Types first (30 min) and followup (15), and doc1's rule offering both, 09:00 to 11:00 every day. */
export async function firstAndFollowup(db: string[]): Promise<void> {
  const rule = ["availability", "add", "doc1", "--days", "mon-sun", "--start", "09:00", "--end", "11:00"];
  for (const args of [
    ["types", "add", "first", "--minutes", "30"],
    ["types", "add", "followup", "--minutes", "15"],
    [...rule, "--types", "first,followup", "--port", "41000"],
  ]) {
    const r = await operator(db, ...args);
    if (r.code !== 0) throw new Error(`${args.join(" ")}: exit ${r.code}: ${r.stderr}`);
  }
}

/** The lines of a list reply (slots, mine), up to the empty line. */
export async function listing(c: Client, request: string): Promise<string[]> {
  c.write(`${request}\n`);
  const lines: string[] = [];
  while (true) {
    const l = await c.line();
    if (l === undefined) throw new Error(`closed inside the reply to ${request}`);
    if (l === "") return lines;
    lines.push(l);
  }
}

/** A local date in the clinic's zone, `days` after today. */
export function localDate(days: number): string {
  return Temporal.Now.plainDateISO(zone).add({ days }).toString();
}

/** The instant of a local date and time in the clinic's zone, and its ISO form with offset. */
export function localStart(date: string, time: string): { ms: number; iso: string } {
  const z = Temporal.PlainDate.from(date).toZonedDateTime({ timeZone: zone, plainTime: time });
  return { ms: z.epochMilliseconds, iso: `${date}T${time}${z.offset}` };
}

/** Polls until `check` is true (a bounded number of times); returns the ms it took. */
export async function within(ms: number, check: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  for (let i = 0; i < 400; i++) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > ms * 10) break;
    await Bun.sleep(20);
  }
  throw new Error(`not within ${ms * 10} ms`);
}

export const rule_doc1 = ["add", "doc1", "--days", "mon-sun", "--start", "09:00", "--end", "17:00", "--minutes", "15"];
