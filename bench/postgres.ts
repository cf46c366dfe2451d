// The bench's PostgreSQL part: durable booking with the bookings in a throwaway local PostgreSQL
// (tests/pg-helpers.ts), one instance and two instances sharing the database, beside the SQLite rows
// of the same run; then both stores with the per-patient limit on (many patients, a few bookings
// each), the path that counts and locks per patient. Postgres runs on the same 2 cores as the load
// generator and the servers.
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { postgresBin, startPostgres, type Postgres } from "../tests/pg-helpers.ts";
import { runSessions, type RunResult } from "./loadgen.ts";
import { cpuSeconds, rssMiB, start, stop, work } from "./procs.ts";
import { record, sessionRow } from "./report.ts";

type Options = { seconds: number; levels: number[]; sessionsMax: number; extraFlags: string[] };

/** Enough patients that none reaches the default limit of 3 on 100,000 slots. */
const many_patients = 34_000;

/** CPU of processes that may end meanwhile (database backends). */
const totalCpu = (pids: number[]) =>
  pids.reduce((sum, pid) => {
    try {
      return sum + cpuSeconds(pid);
    } catch {
      return sum;
    }
  }, 0);

const perSession = (cpu: number, r: RunResult) => +((cpu / Math.max(1, r.sessions + r.errors)) * 1e6).toFixed(1);

/** The big schedule with p1/pw1 ... p<n>/pw<n> as its users. */
function manyPatientsDir(bigDir: string): string {
  const dir = join(work, "many-patients");
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(bigDir)) if (f !== "users.txt") symlinkSync(join(bigDir, f), join(dir, f));
  writeFileSync(
    join(dir, "users.txt"),
    Array.from({ length: many_patients }, (_, i) => `p${i + 1} pw${i + 1}\n`).join(""),
  );
  return dir;
}

type Run = {
  name: string;
  instances: number;
  db: (pg: Postgres) => string[];
  dataDir: string;
  patients?: number;
  limit: string[];
};

export async function postgresBooking(bigDir: string, o: Options): Promise<void> {
  const found = postgresBin();
  if (!("bin" in found)) {
    record({ scenario: "booking on PostgreSQL", skipped: found.missing });
    return;
  }
  const pg = startPostgres(found.bin);
  const manyDir = manyPatientsDir(bigDir);
  const onPg = (db: string) => (p: Postgres) => {
    p.createDatabase(db);
    return ["--db", p.url(db), "--db-password-file", p.passwordFile];
  };
  // The plain runs log in as patient1 every time: no per-patient limit (as for SQLite above).
  const unlimited = ["--bookings-per-patient", "0"];
  const runs: Run[] = [
    {
      name: "booking on PostgreSQL, 1 instance (100k slots)",
      instances: 1,
      db: onPg("bench1"),
      dataDir: bigDir,
      limit: unlimited,
    },
    {
      name: "booking on PostgreSQL, 2 instances (100k slots)",
      instances: 2,
      db: onPg("bench2"),
      dataDir: bigDir,
      limit: unlimited,
    },
    {
      name: "booking, limit 3 per patient, SQLite",
      instances: 1,
      db: () => ["--db", join(work, "limited.db")],
      dataDir: manyDir,
      patients: many_patients,
      limit: [],
    },
    {
      name: "booking, limit 3 per patient, PostgreSQL, 1 instance",
      instances: 1,
      db: onPg("limited"),
      dataDir: manyDir,
      patients: many_patients,
      limit: [],
    },
  ];
  try {
    for (const run of runs) await measure(run, pg, o);
  } finally {
    pg.stop();
  }
}

async function measure(run: Run, pg: Postgres, o: Options): Promise<void> {
  const dbArgs = run.db(pg);
  const onPostgres = dbArgs.some((a) => a.startsWith("postgres://"));
  const args = ["--host", "127.0.0.1", "--port", "0", "--data", run.dataDir, ...dbArgs, ...run.limit, ...o.extraFlags];
  const servers = await Promise.all(
    Array.from({ length: run.instances }, (_, i) =>
      start("healthcenterserver", args, /port number: (\d+)/, join(work, `${run.name.replace(/\W+/g, "-")}-${i}.log`)),
    ),
  );
  const pids = servers.map((s) => s.proc.pid);
  const slots = { next: 1 };
  for (const c of o.levels) {
    const dbPids = onPostgres ? pg.serverPids() : [];
    const [cpu0, db0] = [totalCpu(pids), totalCpu(dbPids)];
    // Patients spread over the instances (patient w talks to instance w mod n).
    const r = await runSessions(
      servers.map((s) => s.port),
      { kind: "booking", slots, patients: run.patients },
      c,
      o.sessionsMax,
      o.seconds,
    );
    record({
      ...sessionRow(run.name, c, r),
      server_cpu_us_per_session: perSession(totalCpu(pids) - cpu0, r),
      ...(onPostgres ? { postgres_cpu_us_per_session: perSession(totalCpu(pg.serverPids()) - db0, r) } : {}),
      server_rss_mib: +rssMiB(pids[0]!).toFixed(1),
    });
  }
  if (onPostgres) {
    const db = new URL(dbArgs[1]!).pathname.slice(1);
    record({
      scenario: `${run.name}: bookings confirmed / stored`,
      confirmed: slots.next - 1,
      stored: Number(pg.psql(db, "SELECT count(*) FROM bookings").trim()),
    });
  }
  for (const s of servers) await stop(s.proc);
}
