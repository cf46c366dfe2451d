// Booking with the outbox on against booking with it off, in the same run: two servers on the same
// calendar (50 doctors, a month), one with a webhook (each booking also writes its confirmation and
// reminder rows in its transaction, and the sender posts them to a receiver in this process), one
// without; alternating rounds at 1 and 8 connections. Run alone: `bun bench/outbox.ts [SECONDS]`.
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { embedded } from "../shared/fixtures.ts";
import { join } from "node:path";
import { bookingRate, calendarDb } from "./calendar-server.ts";
import { lineClient } from "./line-client.ts";
import { cpuSeconds, dist, start, stop, work } from "./procs.ts";
import { record } from "./report.ts";

const root = join(import.meta.dir, "..");
const rounds = 4;

async function ids(port: number): Promise<number[]> {
  const c = await lineClient(port);
  const list = (await c.ask("available", true))
    .split("\n")
    .filter(Boolean)
    .map((l) => Number(l.split(" ")[0]));
  c.close();
  return list;
}

export async function outboxBooking(seconds: number, extraFlags: string[]): Promise<void> {
  let posted = 0;
  const receiver = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => (posted++, new Response("ok")) });
  writeFileSync(join(work, "hook.secret"), "bench-secret\n");
  writeFileSync(
    join(work, "notify.toml"),
    `[notify]\nwebhook = "http://127.0.0.1:${receiver.port}/"\nwebhook_secret_file = "hook.secret"\nquiet = "none"\n`,
  );
  // The seed's users, patient1 and patient2 with a phone: every message is really posted.
  const data = join(work, "notify-data");
  mkdirSync(data, { recursive: true });
  for (const [name, text] of Object.entries(embedded)) writeFileSync(join(data, name), text);
  for (const p of ["patient1", "patient2"])
    writeFileSync(join(data, `${p}insurance.txt`), "insurance1\nphone +15550100\n");
  const binary = existsSync(join(dist, "healthcenterserver")) ? "healthcenterserver" : process.execPath;
  const entry = binary === process.execPath ? [join(root, "roles", "healthcenterserver.ts")] : [];
  const base = [...entry, "--host", "127.0.0.1", "--port", "0", "--bookings-per-patient", "0", "--time-zone", "UTC"];
  const servers: Record<"off" | "on", { port: number; proc: Parameters<typeof stop>[0]; ids: number[] }> = {} as never;
  for (const side of ["off", "on"] as const) {
    const db = join(work, `outbox-${side}.db`);
    await calendarDb(db);
    const flags = [...base, "--db", db, "--data", data, "--horizon-weeks", "5", ...extraFlags];
    if (side === "on") flags.push("--config", join(work, "notify.toml"));
    const s = await start(binary, flags, /port number: (\d+)/, join(work, `outbox-${side}.log`));
    servers[side] = { ...s, ids: await ids(s.port) };
  }
  const booked = { off: 0, on: 0 };
  const cpu0 = { off: cpuSeconds(servers.off.proc.pid), on: cpuSeconds(servers.on.proc.pid) };
  for (const connections of [1, 8]) {
    const rate = { off: [] as number[], on: [] as number[] };
    for (let round = 0; round < rounds; round++)
      for (const side of ["off", "on"] as const) {
        const r = await bookingRate(servers[side].port, servers[side].ids, connections, seconds / rounds);
        rate[side].push(r);
        booked[side] += Math.round((r * seconds) / rounds);
      }
    const [off, on] = [Math.max(...rate.off), Math.max(...rate.on)];
    record({
      scenario: `outbox: booking at ${connections} connections, on vs off (best of ${rounds} alternating rounds)`,
      off_per_s: Math.round(off),
      on_per_s: Math.round(on),
      ratio: +(on / off).toFixed(2),
      webhooks_posted: posted,
    });
  }
  // CPU per booking over the whole run, the sender's posting of every confirmation included (waited
  // for, bounded): a measure that the machine's other load does not move as it moves rates.
  for (let i = 0; i < 600 && posted < booked.on * 0.99; i++) await Bun.sleep(100);
  const perBooking = (side: "off" | "on") => (cpuSeconds(servers[side].proc.pid) - cpu0[side]) / booked[side];
  record({
    scenario: "outbox: server CPU per booking, on vs off (the sender's posts included)",
    off_us: Math.round(perBooking("off") * 1e6),
    on_us: Math.round(perBooking("on") * 1e6),
    ratio: +(perBooking("on") / perBooking("off")).toFixed(2),
    webhooks_posted: posted,
  });
  for (const side of ["off", "on"] as const) await stop(servers[side].proc);
  receiver.stop(true);
}

if (import.meta.main) await outboxBooking(Number(process.argv[2] ?? 4), ["--quiet"]).finally(() => process.exit(0));
