// The JS of one read-mostly session without the kernel: the real Connection and Session over a
// socket that takes every write, N sessions in a loop (connect, authenticate, available, selection
// of a taken slot, FIN, close). What our own code costs per session, apart from Bun and the kernel.
//   bun bench/session-js.ts [SESSIONS] [--log]   (--log: the phase lines in text format, to /dev/null)
import { openSync } from "node:fs";
import { parseUsers } from "../shared/datafiles.ts";
import { parseSlots } from "../shared/slot-file.ts";
import { embedded } from "../shared/fixtures.ts";
import { Log } from "../shared/log.ts";
import { Authenticator } from "../roles/healthcenterserver/login/auth.ts";
import { Booker } from "../roles/healthcenterserver/booking/booker.ts";
import { Schedule } from "../roles/healthcenterserver/booking/schedule.ts";
import { Connection } from "../roles/healthcenterserver/network/connection.ts";
import type { Committer } from "../roles/healthcenterserver/store/appointment-store.ts";
import { PatientSessions } from "../roles/healthcenterserver/session/patient-sessions.ts";

const sessions = Number(process.argv[2] ?? 200_000);
const logging = process.argv.includes("--log");
const users = parseUsers("users.txt", embedded["users.txt"]!);
const schedule = new Schedule(parseSlots("availabilities.txt", embedded["availabilities.txt"]!));
const committer = {
  commit: async (b: unknown[]) => b.map(() => ({ kind: "done" })),
  close: async () => {},
} as unknown as Committer;
const booker = new Booker(schedule, committer, (err) => {
  throw err;
});
const log = new Log({ quiet: !logging, format: "text", fd: openSync("/dev/null", "w") });
const patients = new PatientSessions({
  users,
  auth: new Authenticator(users),
  booker,
  schedule,
  doctors: new Map(),
  log,
  guard: (_c, fn) => fn(),
});
// Slot 1 taken, as in the bench's read-mostly session.
await new Promise<void>((done) => booker.book(1, "patient2", () => done()));

let written = 0;
const socket = {
  write: (b: Uint8Array) => ((written += b.length), b.length),
  end: () => {},
  pause: () => {},
  resume: () => {},
  terminate: () => {},
  remoteAddress: "127.0.0.1",
  remotePort: 40000,
};
const lines = ["authenticate patient1 password111\n", "available\n", "selection 1\n"].map((l) => Buffer.from(l));
const ready = { add: (c: { resume(): void }) => queueMicrotask(() => c.resume()) };
const limits = { lineBytesMax: 1024, writeQueueBytesMax: 1 << 20, ready };
const dropped = () => {};

async function run(n: number): Promise<number> {
  const t0 = process.cpuUsage(); // CPU, not wall time: the machine is shared
  for (let i = 0; i < n; i++) {
    const c = new Connection(socket as never, limits, dropped, 0);
    c.handler = patients.newHandler(c);
    for (const l of lines) c.onData(l, 0);
    await null; // the selection's answer comes in a microtask
    c.onClosed(); // the peer's FIN: Bun closes the socket
  }
  const used = process.cpuUsage(t0);
  return (used.user + used.system) / n;
}

await run(20_000); // warm up the JIT
const us = await run(sessions);
log.flush();
console.log(
  `${us.toFixed(2)} µs of our JS per read-mostly session (${logging ? "logging, text" : "--quiet"}), ` +
    `${sessions} sessions; ${written} bytes written`,
);
