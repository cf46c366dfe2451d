// PostgreSQL frozen (SIGSTOP of this test's own cluster): every change is answered within the
// commit timeout of its arrival, the ones queued behind a stuck commit included; an answer that
// cannot know says so (`error booking outcome unknown, see mine`); a `could not be saved` is true
// (never stored); the server learns the outcomes once the database answers; and the patient
// program settles an unknown outcome with `mine` instead of telling the patient to try again.
import { expect } from "bun:test";
import { join } from "node:path";
import { database_commit_timeout_ms } from "../shared/limits.ts";
import { bun, login, runToEnd, startServer, tempDir, writeDataDir, type Client } from "./helpers.ts";
import { postgresForFile } from "./pg-file.ts";

const tmp = tempDir();
const cluster = postgresForFile(() => tmp.cleanup());
const { pgTest, running } = cluster;

const unknown = "error booking outcome unknown, see mine";
const refused = "error booking could not be saved, try again";
const booked = /^doc\d \d+$/;

async function mine(c: Client): Promise<number[]> {
  c.write("mine\n");
  const slots: number[] = [];
  for (let l = await c.line(20_000); l !== ""; l = await c.line(20_000)) {
    if (l === undefined || l.startsWith("error")) throw new Error(`mine answered ${l}`);
    slots.push(Number(l.split(" ")[0]));
  }
  return slots;
}

pgTest(
  "PostgreSQL frozen: every booking answered within the bound, queued ones too; unknown outcomes say so and settle with mine; 'could not be saved' is never stored",
  async () => {
    cluster.pg.createDatabase("frozen");
    const users = Array.from({ length: 8 }, (_, i) => `p${i + 1} pw${i + 1}`).join("\n") + "\n";
    const dir = await writeDataDir(join(tmp.dir, "data"), 40, { "users.txt": users });
    const server = await startServer([
      ...["--data", dir, "--db", cluster.pg.url("frozen"), "--db-password-file", cluster.pg.passwordFile],
      ...["--bookings-per-patient", "0", "--quiet"],
    ]);
    running.push(server);
    const patients = await Promise.all(
      Array.from({ length: 6 }, (_, i) => login(server.port, `p${i + 1}`, `pw${i + 1}`)),
    );
    expect(await patients[0]!.request("selection 1")).toMatch(booked);

    const pids = cluster.pg.serverPids();
    for (const pid of pids) process.kill(pid, "SIGSTOP");
    const answers: { slot: number; reply: string; ms: number }[] = [];
    let cli: Promise<Awaited<ReturnType<typeof runToEnd>>> | undefined;
    try {
      // The patient program books first (its commit is the one that hangs), the others queue behind it.
      const where = ["--server", `127.0.0.1:${server.port}`, "--udp-timeout-ms", "200"];
      cli = runToEnd(
        [bun, "roles/patient.ts", "--user", "p7", "--insurance", "insurance1", "--slot", "7", ...where],
        "pw7\n",
        40_000,
      );
      await Bun.sleep(300);
      await Promise.all(
        patients.slice(1).map(async (c, i) => {
          await Bun.sleep(i * 700); // arrivals spread over the stuck commit's wait
          const started = Date.now();
          c.write(`selection ${i + 2}\n`);
          const reply = (await c.line(20_000)) ?? "(closed)";
          answers.push({ slot: i + 2, reply, ms: Date.now() - started });
        }),
      );
    } finally {
      await Bun.sleep(1_000);
      for (const pid of pids) process.kill(pid, "SIGCONT");
    }
    for (const a of answers) {
      expect([unknown, refused]).toContain(a.reply);
      expect(a.ms).toBeLessThan(database_commit_timeout_ms + 1_000); // before the patient's own 10 s timeout
    }
    expect(answers.some((a) => a.reply === unknown)).toBe(true);

    // Back: `mine` tells each outcome, a refusal was never stored, and memory follows the database.
    const stored = () => new Set(cluster.pg.psql("frozen", "SELECT slot FROM bookings").trim().split("\n").map(Number));
    for (const a of answers) {
      const held = await mine(patients[a.slot - 1]!);
      expect(held.includes(a.slot)).toBe(stored().has(a.slot));
      if (a.reply === refused) expect(stored().has(a.slot)).toBe(false);
    }
    const deadline = Date.now() + 10_000;
    while (true) {
      patients[0]!.write("available\n");
      const free: number[] = [];
      for (let l = await patients[0]!.line(); l !== "" && l !== undefined; l = await patients[0]!.line())
        free.push(Number(l.split(" ")[0]));
      const expected = Array.from({ length: 40 }, (_, i) => i + 1).filter((s) => !stored().has(s));
      if (JSON.stringify(free) === JSON.stringify(expected)) break;
      if (Date.now() > deadline) expect(free).toEqual(expected);
      await Bun.sleep(100);
    }
    // The patient program learned its outcome from `mine`: booked, or told plainly it was not stored.
    const run = await cli!;
    const out = run.stdout + run.stderr;
    expect(out).not.toContain("outcome unknown");
    if (stored().has(7)) {
      expect(run.code).toBe(0);
      expect(out).toMatch(/reserved to P7|reserved/i);
    } else {
      expect(run.code).toBe(3);
      expect(out).toContain("your booking of slot 7 was not stored");
    }
    for (const c of patients) c.close();
  },
  90_000,
);
