// The built executable ignores a bunfig.toml and a .env in the directory it is started in: Bun's default for
// compiled programs reads both, so a bunfig.toml's `preload` there ran any code inside the patient or server.
import { afterAll, expect, test } from "bun:test";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { child_env, programsForAnyUser, tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

test("a bunfig.toml preload and a .env in the working directory change nothing in the compiled roles", async () => {
  const dist = join(tmp.dir, "dist");
  await programsForAnyUser(dist);
  const here = join(tmp.dir, "hostile");
  mkdirSync(here);
  const marker = join(here, "preloaded");
  writeFileSync(join(here, "bunfig.toml"), 'preload = ["./evil.js"]\n');
  writeFileSync(join(here, "evil.js"), `require("node:fs").writeFileSync(${JSON.stringify(marker)}, "ran");\n`);
  writeFileSync(join(here, ".env"), "FORCE_COLOR=1\n");
  const env = { ...child_env, NO_COLOR: undefined }; // NO_COLOR would outrank the .env's FORCE_COLOR
  for (const role of ["patient", "doctor", "healthcenterserver"]) {
    const run = Bun.spawnSync([join(dist, role), "--help"], { cwd: here, env, stdout: "pipe" });
    expect(run.exitCode).toBe(0);
    expect(run.stdout.toString()).toContain(role);
    expect(run.stdout.toString()).not.toContain("\x1b["); // FORCE_COLOR from the .env would colour it
  }
  expect(existsSync(marker)).toBe(false);
  // The same setting given in the environment is still obeyed: only the directory's files are ignored.
  const coloured = Bun.spawnSync([join(dist, "patient"), "--help"], {
    cwd: here,
    env: { ...env, FORCE_COLOR: "1" },
  });
  expect(coloured.stdout.toString()).toContain("\x1b[");
});
