// The bench's PostgreSQL part: durable booking with the bookings in a throwaway local PostgreSQL
// (tests/pg-helpers.ts), one instance and two instances sharing the database, beside the SQLite rows
// of the same run. Postgres runs on the same 2 cores as the load generator and the servers.
import { join } from "node:path";
import { postgresBin, startPostgres } from "../tests/pg-helpers.ts";
import { runSessions, type RunResult } from "./loadgen.ts";
import { cpuSeconds, rssMiB, start, stop, work } from "./procs.ts";
import { record } from "./report.ts";

type Options = { seconds: number; levels: number[]; sessionsMax: number; extraFlags: string[] };

/** CPU of processes that may end meanwhile (database backends). */
const totalCpu = (pids: number[]) => pids.reduce((sum, pid) => {
  try {
    return sum + cpuSeconds(pid);
  } catch {
    return sum;
  }
}, 0);

const perSession = (cpu: number, r: RunResult) => +((cpu / Math.max(1, r.sessions + r.errors)) * 1e6).toFixed(1);

export async function postgresBooking(bigDir: string, o: Options): Promise<void> {
  const found = postgresBin();
  if (!("bin" in found)) {
    record({ scenario: "booking on PostgreSQL", skipped: found.missing });
    return;
  }
  const pg = startPostgres(found.bin);
  try {
    for (const n of [1, 2]) {
      const db = `bench${n}`;
      pg.createDatabase(db);
      // Every booking session logs in as patient1: no per-patient limit here (as for SQLite).
      const args = ["--host", "127.0.0.1", "--port", "0", "--data", bigDir, "--db", pg.url(db), "--db-password-file", pg.passwordFile, "--bookings-per-patient", "0", ...o.extraFlags];
      const servers = await Promise.all(Array.from({ length: n }, (_, i) => start("healthcenterserver", args, /port number: (\d+)/, join(work, `pg${n}-${i}.log`))));
      const pids = servers.map((s) => s.proc.pid);
      const name = `booking on PostgreSQL, ${n} instance${n > 1 ? "s" : ""} (100k slots)`;
      const slots = { next: 1 };
      for (const c of o.levels) {
        const [cpu0, db0] = [totalCpu(pids), totalCpu(pg.serverPids())];
        // Patients spread over the instances (patient w talks to instance w mod n).
        const r = await runSessions(servers.map((s) => s.port), { kind: "booking", slots }, c, o.sessionsMax, o.seconds);
        record({
          scenario: name, concurrency: c, sessions: r.sessions, errors: r.errors,
          sessions_per_s: Math.round(r.sessions / r.seconds),
          p50_ms: +r.p50_ms.toFixed(3), p99_ms: +r.p99_ms.toFixed(3), max_ms: +r.max_ms.toFixed(3),
          server_cpu_us_per_session: perSession(totalCpu(pids) - cpu0, r),
          postgres_cpu_us_per_session: perSession(totalCpu(pg.serverPids()) - db0, r),
          server_rss_mib: +rssMiB(pids[0]!).toFixed(1),
        });
      }
      const stored = Number(pg.psql(db, "SELECT count(*) FROM bookings").trim());
      record({ scenario: `${name}: bookings confirmed / stored`, confirmed: slots.next - 1, stored });
      for (const s of servers) await stop(s.proc);
    }
  } finally {
    pg.stop();
  }
}
