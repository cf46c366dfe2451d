// A port flag's refusal names the range that flag takes: `--port 0` picks a free port, but a doctor's
// HOST:PORT (or the patient's --server) needs a real one. Before, `--doctor doc1=127.0.0.1:0` was refused
// with "must be a port number 0-65535, not "0"", a range that contains the value it refused.
import { expect, test } from "bun:test";
import { join } from "node:path";
import { bun, runToEnd, tempDir } from "./helpers.ts";

test("a HOST:PORT flag refuses port 0 naming 1-65535; --port still takes 0", async () => {
  for (const args of [
    ["roles/healthcenterserver.ts", "check", "--doctor", "doc1=127.0.0.1:0"],
    ["roles/patient.ts", "patient1", "--list", "--server", "127.0.0.1:0"],
  ]) {
    const r = await runToEnd([bun, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${args.at(-2)} must be a port number 1-65535, not "0"`);
  }
  const r = await runToEnd([bun, "roles/healthcenterserver.ts", "check", "--port", "70000"]);
  expect([r.code, r.stderr]).toEqual([2, expect.stringContaining('--port must be a port number 0-65535, not "70000"')]);
});

test("a calendar doctor's --port (where it answers quotes) refuses 0 naming 1-65535, storing nothing", async () => {
  const tmp = tempDir();
  try {
    const db = ["--db", join(tmp.dir, "cal.db"), "--time-zone", "UTC"];
    const rule = ["--days", "mon-fri", "--start", "09:00", "--end", "12:00", "--minutes", "30"];
    const add = (port: string) =>
      runToEnd([bun, "roles/healthcenterserver.ts", "availability", "add", "doc1", ...rule, "--port", port, ...db]);
    const r = await add("0");
    expect([r.code, r.stderr.trim()]).toEqual([
      2,
      expect.stringContaining('--port must be a port number 1-65535, not "0"'),
    ]);
    const list = await runToEnd([bun, "roles/healthcenterserver.ts", "availability", "list", ...db]);
    expect(list.stdout).not.toContain("doc1");
    expect((await add("41000")).code).toBe(0);
  } finally {
    tmp.cleanup();
  }
});
