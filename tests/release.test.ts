// `bun run release`: one archive per platform, checksummed, with the deployment guide inside.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { bun, root, runToEnd, tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

test("release builds linux-x64 and linux-arm64 archives whose checksums verify and whose x64 binaries run", async () => {
  const out = join(tmp.dir, "release");
  const r = await runToEnd([bun, "scripts/release.ts", "--outdir", out], "", 170_000);
  expect(r.code).toBe(0);
  const sums = readFileSync(join(out, "SHA256SUMS"), "utf8");
  expect(sums).toMatch(/^[0-9a-f]{64} {2}appointments-[\d.]+-linux-x64\.tar\.gz$/m);
  expect(sums).toMatch(/^[0-9a-f]{64} {2}appointments-[\d.]+-linux-arm64\.tar\.gz$/m);
  expect(Bun.spawnSync(["sha256sum", "-c", "SHA256SUMS"], { cwd: out }).exitCode).toBe(0);

  for (const platform of ["x64", "arm64"]) {
    const archive = sums.match(new RegExp(`appointments-[\\d.]+-linux-${platform}\\.tar\\.gz`))![0];
    expect(Bun.spawnSync(["tar", "xzf", archive], { cwd: out }).exitCode).toBe(0);
    const dir = join(out, archive.replace(".tar.gz", ""));
    expect(Bun.spawnSync(["sha256sum", "-c", "SHA256SUMS"], { cwd: dir }).exitCode).toBe(0);
    expect(readFileSync(join(dir, "DEPLOY.md"), "utf8")).toContain("## Deploy on two machines");
    expect(readFileSync(join(dir, "DEPLOY.md"), "utf8")).toContain("### Run as systemd services");
    expect(readFileSync(join(dir, "systemd", "healthcenterserver.service"), "utf8")).toContain("ProtectSystem=strict");
    expect(readFileSync(join(dir, "systemd", "doctor@.service"), "utf8")).toContain("ExecReload=");
    const arch = Bun.spawnSync(["file", join(dir, "doctor")]).stdout.toString();
    if (arch) expect(arch).toContain(platform === "x64" ? "x86-64" : "aarch64");
    if (platform === "x64") {
      const v = await runToEnd([join(dir, "healthcenterserver"), "--version"]);
      expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version);
      const check = await runToEnd([join(dir, "healthcenterserver"), "check", "--config", join(dir, "deploy.example.toml"), "--db", join(tmp.dir, "check.db")]);
      expect(check.stdout).toContain("ok: staff page on 127.0.0.1:21080");
      expect(check.code).toBe(0);
    }
  }
}, 180_000);

test("flags override the deployment file", async () => {
  const config = join(tmp.dir, "d.toml");
  await Bun.write(config, `[server]\nport = 1\nlisten = "192.0.2.77"\ndb = "from-config.db"\n`);
  const { startServer } = await import("./helpers.ts");
  const server = await startServer(["--config", config, "--db", join(tmp.dir, "flag.db")]);
  try {
    expect(server.port).toBeGreaterThan(1024);
    expect(server.stdout.text).toContain(`booked in ${join(tmp.dir, "flag.db")}`);
  } finally {
    await server.stop();
  }
});
