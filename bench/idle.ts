// 10,000 idle connections: the server's RSS growth for holding them (each logged in), and the
// read-mostly p99 at 8 patients (bench/loadgen.c) with and without them, in the same run.
import { join } from "node:path";
import type { Socket } from "bun";
import { runSessionsC, type RunResult } from "./loadgen.ts";
import { files_open_max, raiseOwnFilesLimit, rssMiB, start, stop, work } from "./procs.ts";
import { fixed, record } from "./report.ts";

export const idle_connections = 10_000;
const connect_batch = 250;
const concurrency = 8;
/** The load generator's source address: its ports apart from the idle connections' (see loadgen.c). */
const loadgen_source = "127.0.0.2";

/** Opens `count` connections and logs each in; resolves when every one has heard `success`. */
async function openIdle(port: number, count: number): Promise<Socket<undefined>[]> {
  const sockets: Socket<undefined>[] = [];
  const one = () =>
    new Promise<Socket<undefined>>((resolve, reject) => {
      Bun.connect({
        hostname: "127.0.0.1",
        port,
        socket: {
          open: (s) => void s.write("authenticate patient2 password222\n"),
          data: (s, b) =>
            b.toString().startsWith("success")
              ? resolve(s)
              : reject(new Error(`login answered ${b.toString().trim()}`)),
          close: () => reject(new Error("closed before logging in")),
          connectError: (_s, err) => reject(err),
        },
      }).catch(reject);
    });
  for (let opened = 0; opened < count; opened += connect_batch) {
    sockets.push(...(await Promise.all(Array.from({ length: Math.min(connect_batch, count - opened) }, one))));
  }
  return sockets;
}

export async function idleConnections(
  loadgen: string,
  seconds: number,
  extraFlags: string[],
  binary: string,
  build: string,
): Promise<void> {
  raiseOwnFilesLimit();
  if (files_open_max < idle_connections + 1000)
    throw new Error(
      `idle: ${idle_connections} connections need an open-files hard limit ` +
        `above ${idle_connections + 1000} (have ${files_open_max})`,
    );
  const args = ["--host", "127.0.0.1", "--port", "0", "--db", join(work, `idle-${build.replace(/\W/g, "")}.db`)];
  args.push("--max-connections", String(idle_connections + 64), "--idle-timeout", "600", ...extraFlags);
  const server = await start(
    binary,
    args,
    /port number: (\d+)/,
    join(work, `idle-${build.replace(/\W/g, "")}.log`),
    files_open_max,
  );
  const pid = server.proc.pid;
  await runSessionsC(loadgen, server.port, { kind: "booking", slots: { next: 1 } }, 1, 1, 5);
  const readMostly = () =>
    runSessionsC(
      loadgen,
      server.port,
      { kind: "read-mostly", bookedSlot: 1 },
      concurrency,
      200_000,
      seconds,
      loadgen_source,
    );
  // Memory first (no load run before it to leave garbage behind), then the run beside them, then without.
  await Bun.sleep(200);
  const rssBefore = rssMiB(pid);
  const t0 = performance.now();
  const sockets = await openIdle(server.port, idle_connections);
  const openMs = performance.now() - t0;
  await Bun.sleep(200);
  const rssWith = rssMiB(pid);
  const withIdle = await readMostly();
  for (const s of sockets) s.end();
  await Bun.sleep(500);
  const without: RunResult = await readMostly();
  await stop(server.proc);
  record({
    scenario: `${idle_connections} idle connections (logged in), read-mostly at ${concurrency} beside them`,
    build,
    open_ms: fixed(openMs, 0),
    rss_before_mib: fixed(rssBefore, 1),
    rss_with_mib: fixed(rssWith, 1),
    rss_growth_mib: fixed(rssWith - rssBefore, 1),
    kib_per_connection: fixed(((rssWith - rssBefore) * 1024) / idle_connections, 1),
    p50_without_ms: fixed(without.p50_ms, 3),
    p50_with_ms: fixed(withIdle.p50_ms, 3),
    p99_without_ms: fixed(without.p99_ms, 3),
    p99_with_ms: fixed(withIdle.p99_ms, 3),
    p99_ratio: fixed(withIdle.p99_ms / without.p99_ms, 2),
    sessions_per_s_without: Math.round(without.sessions / without.seconds),
    sessions_per_s_with: Math.round(withIdle.sessions / withIdle.seconds),
    errors: without.errors + withIdle.errors,
  });
}
