// Helpers for the notify tests: a real SMTP server (aiosmtpd) writing each message to a directory,
// a local webhook receiver, and the independent iCalendar parser (python3-icalendar).
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { root } from "./helpers.ts";
import { Log } from "../shared/log.ts";
import { openCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";
import { bumpVersion, doctorNumber, insertRule } from "../roles/healthcenterserver/store/calendar-records.ts";
import { parseDbTarget, readDbPassword } from "../roles/healthcenterserver/store/db-target.ts";
import { openCalendar } from "../roles/healthcenterserver/store/open-calendar.ts";
import type { Channel, OutboxPolicy } from "../roles/healthcenterserver/notify/outbox-plan.ts";
import { followChanges } from "../roles/healthcenterserver/notify/outbox-follower.ts";
import { OutboxSender, type SenderParts } from "../roles/healthcenterserver/notify/sender.ts";
import { parseQuiet } from "../roles/healthcenterserver/notify/when.ts";

const patientWho = (patient: string) => ({
  actor: patient,
  role: "patient",
  via: "tcp",
  address: "127.0.0.1",
  reason: "",
});

const python = "/usr/bin/python3";
export const london = "Europe/London";
/** The clinic the tests' messages come from. */
export const clinic = { name: "Riverside Clinic", address: "1 High St", zone: london, from: "clinic@example.org" };

type Row = {
  uid: string;
  kind: string;
  seq: number;
  channel: string;
  state: string;
  start_ms: number;
  due_ms: number;
  minutes: number;
};

async function freeTcpPort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** aiosmtpd on a free loopback port; `login` (USER:PASSWORD) makes it require AUTH. */
export async function startSmtpSink(dir: string, login?: string) {
  mkdirSync(dir, { recursive: true });
  const port = await freeTcpPort();
  const args = [python, join(root, "tests", "smtp-sink.py"), String(port), dir, ...(login ? [login] : [])];
  const proc = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  const { value } = await reader.read();
  if (!new TextDecoder().decode(value).includes("ready")) throw new Error("aiosmtpd did not start");
  const files = () =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".eml"))
      .sort()
      .map((f) => join(dir, f));
  return { port, proc, files };
}

export type Hooked = { raw: string; body: Record<string, unknown>; signature: string; key: string };

/** A webhook receiver on a free loopback port; `answer` decides each reply (default 200). */
export function webhookReceiver(answer: (n: number) => Response | Promise<Response> = () => new Response("ok")) {
  const received: Hooked[] = [];
  let n = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 60,
    async fetch(req) {
      const raw = await req.text();
      received.push({
        raw,
        body: JSON.parse(raw),
        signature: req.headers.get("x-signature") ?? "",
        key: req.headers.get("idempotency-key") ?? "",
      });
      return answer(++n);
    },
  });
  return { server, received };
}

export type ParsedEvent = {
  file: string;
  method: string;
  uid: string;
  sequence: number;
  status: string;
  tzid: string;
  utc: string;
  local: string;
  /** The end as a UTC instant, from DTEND (or DTSTART plus DURATION). */
  end_utc: string;
  location: string;
  summary: string;
};

/** Every event of these .eml or .ics files as python3-icalendar reads it. */
export function parseIcs(files: string[]): ParsedEvent[] {
  const run = Bun.spawnSync([python, join(root, "tests", "ics-parse.py"), ...files], { timeout: 30_000 });
  if (run.exitCode !== 0) throw new Error(`ics-parse.py: ${run.stderr.toString()}`);
  return run.stdout
    .toString()
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/**
 * A calendar with one rule (doc1, every day 00:00-23:45, 15 minutes, in London) and the outbox on. A second
 * store on the same database shares the rule: adding it again would make the first store's slots older than
 * the rules, and its bookings refused until it follows them (store/stale-rules.ts).
 */
export async function calendar(dbPath: string, dbPasswordFile: string | undefined, channels: Channel[]) {
  const db = await openCalendarDb(parseDbTarget(dbPath), readDbPassword(dbPasswordFile));
  const rule = { weekdays: [1, 2, 3, 4, 5, 6, 7], start: "00:00", end: "23:45", minutes: 15, everyWeeks: 1 };
  const doctor = (await doctorNumber(db, "doc1", 41000))!;
  if (Number((await db.all("SELECT count(*) AS n FROM calendar_rules"))[0]?.n) === 0) {
    await insertRule(db, doctor, { ...rule, nthOfMonth: [], validFrom: null, validUntil: null });
    await bumpVersion(db);
  }
  const outbox: OutboxPolicy = {
    zone: london,
    reminderMinutes: 1440,
    quiet: undefined,
    channels,
  };
  const settings = { dbPath, dbPasswordFile, dbWaitMs: 0, bookingsPerPatient: 0, timeZone: london, horizonWeeks: 1 };
  const opened = (await openCalendar({ ...settings, outbox }, new Log({ quiet: true })))!;
  // As the server's sessions and staff page do, every change says who asked: its audit record carries
  // the calendar event the follower turns into messages.
  const commit = opened.store.commit.bind(opened.store);
  opened.store.commit = (batch) => commit(batch.map((c) => ({ who: patientWho(c.patient), ...c })));
  const follow = () => followChanges(opened.db!, outbox, 1000);
  /** The outbox's rows once the follower has run. */
  const rows = async () =>
    (await follow(), await db.all("SELECT * FROM outbox ORDER BY id")).map((r) => ({
      ...r,
      seq: Number(r.seq),
      start_ms: Number(r.start_ms),
      due_ms: Number(r.due_ms),
      minutes: Number(r.minutes),
    })) as Row[];
  return {
    store: opened.store,
    db: opened.db,
    policy: outbox,
    follow,
    rows,
    close: async () => (await opened.store.close(), await db.close()),
  };
}

/**
 * A sender on `cal` for the test clinic, logging nothing, following the trail with `cal`'s policy: quiet
 * hours 21:00-08:00 and patient1's email and phone unless `parts` says otherwise.
 */
export function testSender(cal: Awaited<ReturnType<typeof calendar>>, parts: Partial<SenderParts>): OutboxSender {
  const contact = { email: "patient1@example.org", phone: "+15550100" };
  const full: SenderParts = { clinic, quiet: parseQuiet("21:00-08:00"), contactOf: () => contact, ...parts };
  return new OutboxSender(cal.db!, { ...full, policy: cal.policy }, new Log({ quiet: true }));
}
