// The systemd units in deploy/systemd: they parse (systemd-analyze verify), and the command lines
// they run start the binaries: the check before start passes, the service starts, ExecReload's
// SIGHUP keeps it running, SIGTERM stops it. Paths are mapped into a temp dir and the listening
// address to loopback with ephemeral ports; the rest of each line is run as the unit has it.
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bun, child_env, Output, root, runToEnd, tempDir } from "./helpers.ts";
import { postgresBin, startPostgres } from "./pg-helpers.ts";

const units = join(root, "deploy", "systemd");
const analyze = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].find(existsSync);
const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** Every value of one key in a unit file, e.g. all ExecStartPre lines. */
function directives(unit: string, key: string): string[] {
  return readFileSync(join(units, unit), "utf8")
    .split("\n")
    .filter((l) => l.startsWith(`${key}=`))
    .map((l) => l.slice(key.length + 1));
}

/** The deployment file the units read: the example's, its state directory mapped into the temp dir. */
function deploymentFile(text = readFileSync(join(root, "deploy", "deploy.example.toml"), "utf8")): string {
  const file = join(tmp.dir, "deploy.toml");
  writeFileSync(file, text.replaceAll("/var/lib/appointments", tmp.dir));
  return file;
}

/** A unit's command line as argv here: the binaries run from source, the config and state in the temp dir. */
function localCommand(line: string, instance = "", config = deploymentFile()): string[] {
  const words = line
    .replaceAll("%i", instance)
    .replaceAll("/etc/appointments/deploy.toml", config)
    .replaceAll("/var/lib/appointments", tmp.dir)
    .split(/\s+/);
  const binary = /^\/usr\/local\/bin\/(healthcenterserver|doctor)$/.exec(words[0]!);
  if (!binary) throw new Error(`unexpected binary in ${line}`);
  return [bun, join(root, "roles", `${binary[1]}.ts`), ...words.slice(1)];
}

test.skipIf(analyze === undefined)("the units parse: systemd-analyze verify reports no problem", async () => {
  // verify checks that each command exists: stand-ins at the units' paths, mapped into the temp dir.
  const dir = join(tmp.dir, "units");
  await Bun.write(join(dir, "bin", "healthcenterserver"), "#!/bin/sh\n");
  await Bun.write(join(dir, "bin", "doctor"), "#!/bin/sh\n");
  for (const b of ["healthcenterserver", "doctor"]) chmodSync(join(dir, "bin", b), 0o755);
  for (const unit of ["healthcenterserver.service", "doctor@.service"]) {
    writeFileSync(
      join(dir, unit),
      readFileSync(join(units, unit), "utf8").replaceAll("/usr/local/bin/", join(dir, "bin") + "/"),
    );
  }
  for (const name of ["healthcenterserver.service", "doctor@doc1.service"]) {
    const run = await runToEnd([analyze!, "verify", join(dir, name)]);
    expect({ name, code: run.code, output: (run.stdout + run.stderr).trim() }).toEqual({ name, code: 0, output: "" });
  }
});
if (analyze === undefined)
  console.warn(
    "skipping systemd-analyze verify: systemd-analyze is not installed here (the command-line test still runs)",
  );

test("both units are hardened: a dedicated user, the state directory, strict protection, no new privileges, restart, reload by SIGHUP", () => {
  for (const unit of ["healthcenterserver.service", "doctor@.service"]) {
    expect(directives(unit, "User")).toEqual(["appointments"]);
    expect(directives(unit, "ProtectSystem")).toEqual(["strict"]);
    expect(directives(unit, "NoNewPrivileges")).toEqual(["yes"]);
    expect(directives(unit, "Restart")).toEqual(["on-failure"]);
    expect(directives(unit, "ExecReload")).toEqual(["/bin/kill -HUP $MAINPID"]);
  }
  expect(directives("healthcenterserver.service", "StateDirectory")).toEqual(["appointments"]);
  // The deployment file says where bookings go: a --db here would override a shared PostgreSQL.
  for (const line of [
    ...directives("healthcenterserver.service", "ExecStart"),
    ...directives("healthcenterserver.service", "ExecStartPre"),
  ])
    expect(line).not.toContain("--db");
});

async function runService(unit: string, instance: string, extra: string[], ready: RegExp): Promise<void> {
  for (const pre of directives(unit, "ExecStartPre")) {
    const check = await runToEnd(localCommand(pre, instance));
    expect({ pre, code: check.code, stderr: check.stderr }).toEqual({ pre, code: 0, stderr: "" });
  }
  const proc = Bun.spawn([...localCommand(directives(unit, "ExecStart")[0]!, instance), ...extra], {
    cwd: tmp.dir,
    env: child_env,
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  try {
    const out = new Output(proc.stdout);
    await out.waitFor(ready);
    const reload = directives(unit, "ExecReload")[0]!.replace("$MAINPID", String(proc.pid)).split(" ");
    expect((await runToEnd(reload)).code).toBe(0);
    await out.waitFor(/Received SIGHUP/);
    expect(proc.exitCode).toBeNull();
    proc.kill("SIGTERM");
    expect(await proc.exited).toBe(0);
  } finally {
    proc.kill("SIGKILL");
  }
}

test("the server unit's command lines start the server: check passes, it serves, SIGHUP keeps it, SIGTERM stops it", async () => {
  await runService(
    "healthcenterserver.service",
    "",
    ["--host", "127.0.0.1", "--port", "0", "--http", "127.0.0.1:0"],
    /has port number: \d+/,
  );
  expect(existsSync(join(tmp.dir, "healthcenter.db"))).toBe(true);
}, 30_000);

test("the doctor unit's command lines start doctor@doc1 and doctor@doc2 from the deployment file", async () => {
  for (const doctor of ["doc1", "doc2"])
    await runService("doctor@.service", doctor, ["--host", "127.0.0.1", "--port", "0"], /static UDP port \d+/);
}, 30_000);

test.skipIf("missing" in postgresBin())(
  "the server unit with a PostgreSQL deployment file books in PostgreSQL; a --db that disagrees is said loudly",
  async () => {
    const found = postgresBin() as { bin: string };
    const pg = startPostgres(found.bin);
    try {
      pg.createDatabase("unit");
      const example = readFileSync(join(root, "deploy", "deploy.example.toml"), "utf8");
      const config = deploymentFile(
        example.replace(/^db = .*$/m, `db = "${pg.url("unit")}"\ndb_password_file = "${pg.passwordFile}"`),
      );
      const unit = "healthcenterserver.service";
      const check = await runToEnd(localCommand(directives(unit, "ExecStartPre")[0]!, "", config));
      expect(check.code).toBe(0);
      expect(check.stdout).toContain(`PostgreSQL at 127.0.0.1:${pg.port}/unit`);
      expect(check.stderr).toBe("");
      const server = Bun.spawn(
        [...localCommand(directives(unit, "ExecStart")[0]!, "", config), "--host", "127.0.0.1", "--port", "0"],
        { cwd: tmp.dir, env: child_env, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
      );
      try {
        await new Output(server.stdout).waitFor(new RegExp(`booked in PostgreSQL at 127\\.0\\.0\\.1:${pg.port}/unit`));
      } finally {
        server.kill("SIGTERM");
        await server.exited;
      }
      // An operator who adds --db anyway is told, at check and at start-up.
      const other = join(tmp.dir, "other.db");
      const overridden = await runToEnd([
        ...localCommand(directives(unit, "ExecStartPre")[0]!, "", config),
        "--db",
        other,
      ]);
      const loud = `--db "${other}" overrides db = "${pg.url("unit")}" in the deployment file: this server will NOT use`;
      expect(overridden.stderr).toContain(`warning: ${loud}`);
      const started = Bun.spawn(
        [
          ...localCommand(directives(unit, "ExecStart")[0]!, "", config),
          "--db",
          other,
          "--host",
          "127.0.0.1",
          "--port",
          "0",
        ],
        { cwd: tmp.dir, env: child_env, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
      );
      try {
        await new Output(started.stderr).waitFor(new RegExp(loud.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")));
      } finally {
        started.kill("SIGTERM");
        await started.exited;
      }
    } finally {
      pg.stop();
    }
  },
  60_000,
);
