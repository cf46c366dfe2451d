// A port flag's refusal names the range that flag takes: `--port 0` picks a free port, but a doctor's
// HOST:PORT (or the patient's --server) needs a real one. Before, `--doctor doc1=127.0.0.1:0` was refused
// with "must be a port number 0-65535, not "0"", a range that contains the value it refused.
import { expect, test } from "bun:test";
import { bun, runToEnd } from "./helpers.ts";

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
