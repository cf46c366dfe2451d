// patient --ics FILE: the patient's upcoming appointments as one calendar file (RFC 5545), from the
// server's `ics` reply (docs/PROTOCOL.md): each event has the UID and SEQUENCE of the server's
// messages for that appointment, so a calendar program that has the emails updates those events
// instead of adding copies. What the server says is checked before it goes into the file.
import { writeFileSync } from "node:fs";
import { exit_code, UsageError } from "../../shared/errors.ts";
import { icsCalendar, type IcsEvent } from "../../shared/ics.ts";
import { doctor_pattern } from "../../shared/tokens.ts";
import { AppointmentsClient, type ServerPlan } from "./appointments-client.ts";
import type { ParseResult } from "./replies.ts";
import { datedParts } from "./when.ts";

export type IcsFacts = { zone: string; clinic: string; address: string; events: IcsEvent[] };

const zone_pattern = /^[A-Za-z0-9_+/-]{1,64}$/;
const uid_pattern = /^[A-Za-z0-9@._-]{1,128}$/;

/** A JSON string from the server, control characters made spaces (iCalendar text allows none). */
function text(json: string): string | undefined {
  try {
    const value: unknown = JSON.parse(json);
    return typeof value === "string" ? value.replace(/[\x00-\x1f\x7f-\x9f]/g, " ").slice(0, 1000) : undefined;
  } catch {
    return undefined;
  }
}

function knownZone(zone: string): boolean {
  if (!zone_pattern.test(zone)) return false;
  try {
    Temporal.Now.instant().toZonedDateTimeISO(zone);
    return true;
  } catch {
    return false;
  }
}

/** `event <seq> <uid> <id> <start> <minutes> <doctor>`, in the clinic's zone. */
function parseEvent(words: string[], facts: IcsFacts): boolean {
  const [seq, uid, id, start, minutes, doctor, ...rest] = words;
  if (rest.length > 0 || !seq || !uid || !start || !minutes || !doctor) return false;
  if (!/^\d{1,6}$/.test(seq) || !uid_pattern.test(uid) || !/^\d{1,15}$/.test(id ?? "")) return false;
  if (!datedParts(start) || !/^\d{1,4}$/.test(minutes) || Number(minutes) < 1 || !doctor_pattern.test(doctor))
    return false;
  facts.events.push({
    uid,
    seq: Number(seq),
    cancelled: false,
    startMs: Temporal.Instant.from(start).epochMilliseconds,
    minutes: Number(minutes),
    doctor,
    clinic: facts.clinic,
    address: facts.address,
    zone: facts.zone,
  });
  return true;
}

/** The `ics` reply's lines (the empty line that ends it not included); unknown keys are left for later versions. */
export function parseIcsReply(lines: readonly string[]): ParseResult<IcsFacts> {
  if (lines.length === 1 && lines[0]!.startsWith("error ")) return { ok: false, error: lines[0]!.slice(6) };
  const facts: IcsFacts = { zone: "", clinic: "", address: "", events: [] };
  for (const line of lines) {
    const space = line.indexOf(" ");
    const [key, value] = space < 0 ? [line, ""] : [line.slice(0, space), line.slice(space + 1)];
    let ok = true;
    if (key === "zone") ok = facts.events.length === 0 && knownZone(value) && ((facts.zone = value), true);
    else if (key === "clinic" || key === "address") {
      const t = text(value);
      ok = t !== undefined && facts.events.length === 0 && ((facts[key] = t), true);
    } else if (key === "event") ok = facts.zone !== "" && parseEvent(value.split(" "), facts);
    if (!ok)
      return { ok: false, error: `unexpected line in the server's ics reply: ${JSON.stringify(line.slice(0, 80))}` };
  }
  if (facts.zone === "") return { ok: false, error: "the server's ics reply names no time zone" };
  return { ok: true, value: facts };
}

/** The calendar file's text: METHOD:PUBLISH (a file to import, not an invitation). */
export function icsFileText(facts: IcsFacts, nowMs: number): string {
  return icsCalendar(facts.events, "PUBLISH", nowMs, facts.zone);
}

/** Asks the server, writes `path` (`-`: stdout); exit 0, 1 for a refused login; a UsageError (2) otherwise. */
export async function writeIcsFile(plan: ServerPlan, path: string): Promise<number> {
  const client = await AppointmentsClient.open(plan);
  if (!client) {
    console.error(
      "error: the server refused the login: wrong user name or password (or too many failed tries; wait a minute)",
    );
    return exit_code.refused;
  }
  let reply: ParseResult<IcsFacts>;
  try {
    reply = parseIcsReply(await client.icsLines());
  } finally {
    client.close();
  }
  if (!reply.ok) {
    const old = reply.error === "unknown command" ? " (an older server: it cannot tell the appointments' UIDs)" : "";
    throw new UsageError(`no calendar file: the server said ${JSON.stringify(reply.error)}${old}`, { hint: false });
  }
  const ics = icsFileText(reply.value, Date.now());
  if (path === "-") {
    await Bun.write(Bun.stdout, ics);
    return exit_code.done;
  }
  try {
    writeFileSync(path, ics);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    throw new UsageError(`cannot write the calendar file ${path}: ${why}`, { hint: false });
  }
  const n = reply.value.events.length;
  console.log(`Wrote ${n} upcoming appointment${n === 1 ? "" : "s"} to ${path}.`);
  return exit_code.done;
}
