// The schedule a server accepts is one a patient can read: availabilities.txt under its 64 MiB cap fits
// over 2,000,000 slots, but a patient reads at most reply_lines_max lines in one list, so a larger
// schedule started and then every patient's `available` was refused (exit 3). Now start-up refuses it.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { schedule_slots_max } from "../shared/limits.ts";
import { bun, runPatient, runToEnd, startServer, tempDir, writeDataDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

test("a schedule larger than a patient reads in one list is refused at check and start-up, exit 2", async () => {
  const dir = await writeDataDir(join(tmp.dir, "over"), schedule_slots_max + 1);
  for (const command of [["check"], ["--port", "0"]]) {
    const r = await runToEnd([
      bun,
      "roles/healthcenterserver.ts",
      ...command,
      "--data",
      dir,
      "--db",
      join(dir, "b.db"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`holds ${schedule_slots_max + 1} slots, more than the ${schedule_slots_max} a patient`);
  }
}, 60_000);

test("the largest schedule a server accepts is read whole by a patient, who books from it", async () => {
  const dir = await writeDataDir(join(tmp.dir, "largest"), schedule_slots_max);
  const server = await startServer(["--data", dir, "--db", join(dir, "b.db"), "--quiet"]);
  try {
    const r = await runPatient(["patient1", "--data", dir, "--server", `127.0.0.1:${server.port}`, "--slot", "1999"]);
    // Booleans, so a failure does not print two million lines.
    expect(r.stderr.includes("stopped reading")).toBe(false);
    expect(r.stdout.includes("The requested appointment is available and reserved to Patient1")).toBe(true);
  } finally {
    await server.stop();
  }
}, 60_000);
