// A calendar server for the visit tests: doc1 and doc2 every day in 15-minute slots, in a zone where
// it is now between 03:00 and 22:00 (so "two hours ago" and "in an hour" are today), staff accounts
// of every role, and appointments stored beforehand as a day at the clinic leaves them: some over,
// one under way, one later today, one tomorrow, one cancelled, and a patient's past year.
import { Database } from "bun:sqlite";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { bun, runToEnd, startServer, tempDir, writeDataDir, type Running } from "./helpers.ts";
import { staff_token, staffFile } from "./staff-helpers.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";

const quarter = 15 * 60_000;
const minute = 60_000;
const day = 24 * 60 * minute;

/** Of some zones, the one where the local time is nearest noon. */
export function zoneNearNoon(now = Date.now()): string {
  const zones = ["UTC", "Asia/Tokyo", "America/Los_Angeles", "Asia/Kolkata", "America/New_York", "Pacific/Auckland"];
  const hour = (z: string) => {
    const t = Temporal.Instant.fromEpochMilliseconds(now).toZonedDateTimeISO(z);
    return t.hour + t.minute / 60;
  };
  return zones.reduce((best, z) => (Math.abs(hour(z) - 12.5) < Math.abs(hour(best) - 12.5) ? z : best));
}

export const accounts: [string, string, string, string?][] = [
  ["desk", "front-desk", "desk-password-1"],
  ["drone", "doctor", "drone-password-1", "doc1"],
  ["drtwo", "doctor", "drtwo-password-1", "doc2"],
  ["boss", "admin", "boss-password-1"],
  ["audi", "auditor", "audi-password-1"],
];

export type Seeded = { doctor: number; startMs: number; minutes: number; patient: string; id: number };
export type VisitServer = {
  server: Running;
  base: string;
  db: string;
  zone: string;
  target: VisitDb;
  /** The seeded appointments by name (A over, B ended within the grace, C doc2's, D later today, E tomorrow...). */
  at: Record<string, Seeded>;
  stop(): Promise<void>;
};

/** Where the test's calendar lives: `--db ...` and how to run SQL on it (seeding, reading back). */
export type VisitDb = { args: string[]; exec(sql: string): void };

/** `--mark-grace 45m --no-show-limit 2` (and no per-patient limit) unless `args` says otherwise; SQLite unless `on`. */
export async function startVisitServer(
  args: string[] = ["--mark-grace", "45m", "--no-show-limit", "2", "--bookings-per-patient", "0"],
  on?: VisitDb,
) {
  const tmp = tempDir();
  const db = join(tmp.dir, "visits.db");
  const target: VisitDb = on ?? {
    args: ["--db", db],
    exec(sql) {
      const d = new Database(db);
      try {
        // The server writes too (its followers of the audit trail, after each change): wait for its lock.
        d.run("PRAGMA busy_timeout = 5000");
        d.run(sql);
      } finally {
        d.close();
      }
    },
  };
  const zone = zoneNearNoon();
  for (const [doctor, port] of [
    ["doc1", "41000"],
    ["doc2", "42000"],
  ] as const) {
    const cmd = ["availability", "add", doctor, "--days", "mon-sun", "--start", "00:00", "--end", "24:00"];
    const added = await runToEnd([
      bun,
      "roles/healthcenterserver.ts",
      ...cmd,
      "--minutes",
      "15",
      "--port",
      port,
      ...target.args,
      "--time-zone",
      zone,
    ]);
    if (added.code !== 0) throw new Error(added.stderr);
  }
  const q = Math.floor(Date.now() / quarter) * quarter;
  const plan: Record<string, [number, number, string]> = {
    A: [1, q - 120 * minute, "patient1"],
    B: [1, q - 30 * minute, "patient2"],
    C: [2, q - 60 * minute, "patient1"],
    D: [1, q + 60 * minute, "patient2"],
    E: [1, q + day, "patient2"],
    // patient3's past year: a no-show, a fulfilled visit, one over a year ago; G is cancelled (below).
    F: [1, q - 30 * day, "patient3"],
    J: [1, q - 10 * day, "patient3"],
    H: [1, q - 400 * day, "patient3"],
  };
  const at: Record<string, Seeded> = {};
  const insert = "INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at, status) VALUES ";
  const rows: string[] = [];
  const status: Record<string, string> = { F: "noshow", J: "fulfilled" };
  for (const [name, [doctor, startMs, patient]] of Object.entries(plan)) {
    rows.push(`(${doctor}, ${startMs}, 15, '${patient}', ${startMs - day}, '${status[name] ?? "booked"}')`);
    at[name] = { doctor, startMs, minutes: 15, patient, id: slotId(doctor, startMs) };
  }
  target.exec(`${insert}${rows.join(", ")}`);
  const closed = [];
  for (const [name, doctor, startMs, patient, by, reason] of [
    ["G", 1, q - 20 * day, "patient3", "patient", ""],
    ["I", 2, q - 90 * minute, "patient2", "clinic", "doctor ill"],
  ] as const) {
    closed.push(`(${doctor}, ${startMs}, 15, '${patient}', 0, 'cancelled', 0, '${by}', '${reason}')`);
    at[name] = { doctor, startMs, minutes: 15, patient, id: slotId(doctor, startMs) };
  }
  target.exec(
    "INSERT INTO appointments_closed (doctor, start_ms, minutes, patient, booked_at, status, closed_at, closed_by, reason) " +
      `VALUES ${closed.join(", ")}`,
  );
  const users = "patient1 password111\npatient2 password222\npatient3 password333\n";
  const data = await writeDataDir(join(tmp.dir, "data"), 6, {
    "staff.txt": await staffFile(accounts),
    "users.txt": users,
  });
  const tokenFile = join(tmp.dir, "staff.token");
  writeFileSync(tokenFile, staff_token + "\n");
  const server = await startServer([
    ...[...target.args, "--data", data, "--time-zone", zone, "--http", "127.0.0.1:0", "--staff-token-file", tokenFile],
    ...args,
  ]);
  const base = (await server.stdout.waitFor(/Staff page: (http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
  const stop = async () => {
    await server.stop();
    tmp.cleanup();
  };
  return { server, base, db, zone, at, stop, target } satisfies VisitServer;
}

/** The audit records about a subject ("slot 12"), oldest first. */
export function auditOf(db: string, subject: string) {
  const d = new Database(db, { readonly: true });
  try {
    return d
      .query("SELECT actor, role, action, before, after, reason FROM audit WHERE subject = ? ORDER BY seq")
      .all(subject) as { actor: string; role: string; action: string; before: string; after: string; reason: string }[];
  } finally {
    d.close();
  }
}

/** The stored status of each appointment holding time, by slot id. */
export function statusesIn(db: string): Map<number, string> {
  const d = new Database(db, { readonly: true });
  try {
    const rows = d.query("SELECT doctor, start_ms, status FROM appointments").all() as {
      doctor: number;
      start_ms: number;
      status: string;
    }[];
    return new Map(rows.map((r) => [slotId(r.doctor, r.start_ms), r.status]));
  } finally {
    d.close();
  }
}
