// The bench's contention part: two servers on one PostgreSQL, their patients racing for the same
// fresh slots in opposite orders (server A's in ascending order, B's in descending), the load that
// once deadlocked (docs/SCALING.md, "No deadlocks"). Reports bookings confirmed a second, errors
// (which must be 0), and selection latency; then checks every confirmed booking is stored.
import { mkdirSync, readdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { postgresBin, startPostgres } from "../tests/pg-helpers.ts";
import { start, stop, work } from "./procs.ts";
import { record } from "./report.ts";

type Options = { seconds: number; extraFlags: string[] };

/** Patients per server at each level, and a cap on rounds (each round books one fresh slot per pair). */
const levels = [8, 32];
const rounds_max = 2_000;

/** A logged-in patient: one request at a time, its reply line. */
async function patient(port: number, user: string): Promise<(line: string) => Promise<string>> {
  let buffer = "";
  let wake: (() => void) | undefined;
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      data: (_s, d) => {
        buffer += d.toString("latin1");
        wake?.();
      },
    },
  });
  const ask = async (line: string) => {
    socket.write(`${line}\n`);
    while (!buffer.includes("\n")) await new Promise<void>((r) => (wake = r));
    const nl = buffer.indexOf("\n");
    const reply = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    return reply;
  };
  if ((await ask(`authenticate ${user} pw`)) !== "success") throw new Error(`login of ${user} refused`);
  return ask;
}

function dataDir(bigDir: string, users: number): string {
  const dir = join(work, "contention-patients");
  mkdirSync(dir, { recursive: true });
  for (const f of readdirSync(bigDir)) if (f !== "users.txt") symlinkSync(join(bigDir, f), join(dir, f));
  writeFileSync(join(dir, "users.txt"), Array.from({ length: users }, (_, i) => `c${i + 1} pw\n`).join(""));
  return dir;
}

export async function pgContention(bigDir: string, o: Options): Promise<void> {
  const found = postgresBin();
  if (!("bin" in found)) return void record({ scenario: "PostgreSQL contention", skipped: found.missing });
  const pg = startPostgres(found.bin);
  const dir = dataDir(bigDir, 2 * Math.max(...levels));
  try {
    let base = 1;
    for (const [i, perServer] of levels.entries()) {
      const db = `contention_${i}`;
      pg.createDatabase(db);
      const args = ["--host", "127.0.0.1", "--port", "0", "--data", dir, "--bookings-per-patient", "0"];
      const dbArgs = ["--db", pg.url(db), "--db-password-file", pg.passwordFile, ...o.extraFlags];
      const servers = await Promise.all(
        [0, 1].map((s) =>
          start(
            "healthcenterserver",
            [...args, ...dbArgs],
            /port number: (\d+)/,
            join(work, `contention-${i}-${s}.log`),
          ),
        ),
      );
      const asks = await Promise.all(
        Array.from({ length: 2 * perServer }, (_, p) => patient(servers[p < perServer ? 0 : 1]!.port, `c${p + 1}`)),
      );
      const r = await race(asks, perServer, base, o.seconds);
      base += r.rounds * perServer;
      const stored = Number(pg.psql(db, "SELECT count(*) FROM bookings").trim());
      record({
        scenario: "PostgreSQL, 2 instances, same slots in opposite orders",
        patients: 2 * perServer,
        ...r,
        stored,
      });
      for (const s of servers) await stop(s.proc);
    }
  } finally {
    pg.stop();
  }
}

/** Rounds of the opposite-order race for `seconds` (bounded by rounds_max): counts and latencies. */
async function race(asks: ((line: string) => Promise<string>)[], perServer: number, base: number, seconds: number) {
  const ms: number[] = [];
  let booked = 0;
  let errors = 0;
  let rounds = 0;
  const started = performance.now();
  while (performance.now() - started < seconds * 1000 && rounds < rounds_max) {
    const first = base + rounds * perServer;
    await Promise.all(
      asks.map(async (ask, p) => {
        const k = p % perServer;
        const slot = p < perServer ? first + k : first + perServer - 1 - k;
        const t0 = performance.now();
        const reply = await ask(`selection ${slot}`);
        ms.push(performance.now() - t0);
        if (/^doc\d+ \d+$/.test(reply)) booked++;
        else if (reply !== "notavailable") errors++;
      }),
    );
    rounds++;
  }
  const elapsed = (performance.now() - started) / 1000;
  ms.sort((a, b) => a - b);
  const at = (q: number) => +ms[Math.min(ms.length - 1, Math.floor(ms.length * q))]!.toFixed(2);
  return {
    rounds,
    selections: ms.length,
    confirmed: booked,
    errors,
    bookings_per_s: Math.round(booked / elapsed),
    p50_ms: at(0.5),
    p99_ms: at(0.99),
    max_ms: +ms[ms.length - 1]!.toFixed(2),
  };
}
