// DEPLOY.md's systemd steps as written, run as root under a scratch root (the paths mapped, the
// group `appointments` played by 65534), on a data directory from `init`; then the units' command
// lines run as the service user (uid and gid 65534) from the compiled programs; then `users add`
// as root and the reload. The units themselves: deploy-units.test.ts.
import { afterAll, expect, test } from "bun:test";
import { chownSync, copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  child_env,
  nobody_uid,
  Output,
  programsForAnyUser,
  root,
  runToEnd,
  tempDir,
  writeSelfSignedCert,
} from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const scratch = join(tmp.dir, "root");
const archive = join(tmp.dir, "archive");
const service = ["setpriv", `--reuid=${nobody_uid}`, `--regid=${nobody_uid}`, "--clear-groups"];

/** The shell blocks of DEPLOY.md's systemd section. */
function systemdBlocks(): string[] {
  const text = readFileSync(join(root, "deploy", "DEPLOY.md"), "utf8");
  const section = text.slice(text.indexOf("### systemd (Linux)"));
  return [...section.matchAll(/```sh\n([^]*?)```/g)].map((m) => m[1]!);
}

/** A path of the real system, under the scratch root. */
function mapped(text: string): string {
  return text
    .replaceAll("/usr/local/bin", join(scratch, "usr/local/bin"))
    .replaceAll("/etc/", `${scratch}/etc/`)
    .replaceAll("/var/lib/appointments", join(scratch, "var/lib/appointments"))
    .replaceAll("-g appointments", `-g ${nobody_uid}`)
    .replaceAll("chgrp -R appointments", `chgrp -R ${nobody_uid}`);
}

/** Runs one documented block as root, line by line, skipping what needs systemd itself. */
async function runBlock(block: string): Promise<void> {
  for (const line of block.split("\n")) {
    const command = line.replace(/\s+#.*$/, "").trim();
    if (command === "" || command.startsWith("#") || /^(systemctl|journalctl)\b/.test(command)) continue;
    const r = await runToEnd([
      "sh",
      "-c",
      `cd '${archive}' && ${mapped(command.replace(/ && systemd-sysusers$/, ""))}`,
    ]);
    expect({ command, code: r.code, stderr: r.stderr }).toEqual({ command, code: 0, stderr: "" });
  }
}

function unitLine(unit: string, key: string, instance = ""): string[] {
  const line = readFileSync(join(root, "deploy", "systemd", unit), "utf8")
    .split("\n")
    .find((l) => l.startsWith(`${key}=`))!;
  return mapped(line.slice(key.length + 1).replaceAll("%i", instance)).split(/\s+/);
}

test.skipIf(process.getuid?.() !== 0)(
  "DEPLOY.md's systemd steps on an init data directory: both units' checks and services run as the service user",
  async () => {
    // The archive as unpacked: the programs, the units, a deployment file naming the data directory, and init's data.
    const dist = join(tmp.dir, "dist");
    await programsForAnyUser(dist);
    mkdirSync(join(archive, "systemd"), { recursive: true });
    copyFileSync(join(dist, "appointments"), join(archive, "appointments"));
    for (const unit of ["healthcenterserver.service", "doctor@.service", "appointments.sysusers.conf"])
      copyFileSync(join(root, "deploy", "systemd", unit), join(archive, "systemd", unit));
    const example = readFileSync(join(root, "deploy", "deploy.example.toml"), "utf8");
    writeFileSync(join(archive, "deploy.toml"), mapped(example.replace('# data = "data"', 'data = "data"')));
    const init = await runToEnd([join(dist, "healthcenterserver"), "init", join(archive, "data")]);
    expect(init.code).toBe(0);
    writeSelfSignedCert("server.crt", "server.key", archive);

    // What a real system has: /usr/local/bin, /etc/sysusers.d, /etc/systemd/system, and the state directory systemd makes.
    for (const dir of ["usr/local/bin", "etc/sysusers.d", "etc/systemd/system", "var/lib/appointments"])
      mkdirSync(join(scratch, dir), { recursive: true, mode: 0o755 });
    chownSync(join(scratch, "var/lib/appointments"), nobody_uid, nobody_uid);
    const [install, tls] = systemdBlocks();
    await runBlock(install!);
    await runBlock(tls!.split("\n")[0]!);
    const config = join(scratch, "etc/appointments/deploy.toml");
    writeFileSync(
      config,
      readFileSync(config, "utf8").replace("[server]\n", '[server]\ntls_cert = "server.crt"\ntls_key = "server.key"\n'),
    );

    for (const [unit, instance] of [
      ["doctor@.service", "doc1"],
      ["healthcenterserver.service", ""],
    ] as const) {
      const check = await runToEnd([...service, ...unitLine(unit, "ExecStartPre", instance)]);
      expect({ unit, code: check.code, stderr: check.stderr }).toEqual({ unit, code: 0, stderr: "" });
    }
    const loopbackOnly = ["--host", "127.0.0.1", "--port", "0", "--http", "127.0.0.1:0"];
    const proc = Bun.spawn([...service, ...unitLine("healthcenterserver.service", "ExecStart"), ...loopbackOnly], {
      cwd: join(scratch, "var/lib/appointments"),
      env: child_env,
      stdout: "pipe",
      stderr: "pipe",
    });
    try {
      const out = new Output(proc.stdout);
      await out.waitFor(/has port number: \d+/);
      expect(out.text).toContain(", TLS)");
      // Later, as root: a new patient, then `systemctl reload`.
      const add = await runToEnd(
        [join(scratch, "usr/local/bin/healthcenterserver"), "users", "add", "carol"].concat([
          "--data",
          join(scratch, "etc/appointments/data"),
          "--insurance",
          "insurance1",
        ]),
        "correct-horse-42\n",
      );
      expect(add.code).toBe(0);
      proc.kill("SIGHUP");
      await out.waitFor(/Received SIGHUP: reloaded 3 users from .*, 2 price files checked; still serving/);
      const again = await runToEnd([...service, ...unitLine("healthcenterserver.service", "ExecStartPre")]);
      expect({ code: again.code, stderr: again.stderr }).toEqual({ code: 0, stderr: "" });
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  },
  60_000,
);
