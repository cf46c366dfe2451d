// What an operator does to running and starting processes: SIGHUP (a closed ssh session sends it)
// reloads the data files, and flags are checked as strictly as the deployment file.
import { afterAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { requestQuote } from "../roles/patient/quote.ts";
import { bun, Client, login, loopback, runToEnd, startDoctor, startServer, tempDir, writeDataDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const server_cmd = [bun, "roles/healthcenterserver.ts", "--host", loopback, "--port", "0"];

describe("SIGHUP reloads the data files and never stops the service", () => {
  test("server: a broken users.txt is reported and the old users kept; a user added with `users add` then logs in", async () => {
    const dir = await writeDataDir(join(tmp.dir, "hup-server"), 6);
    const users = join(dir, "users.txt");
    const good = await Bun.file(users).text();
    const server = await startServer(["--data", dir, "--db", join(dir, "b.db")]);
    try {
      writeFileSync(users, "patient1 password111\nthis line is broken\n");
      server.proc.kill("SIGHUP");
      await server.stderr.waitFor(
        /SIGHUP: users\.txt not reloaded, the data loaded before is kept: .*users\.txt line 2/,
      );
      await server.stdout.waitFor(/Received SIGHUP: 2 price files checked; still serving/);
      (await login(server.port, "patient2", "password222")).close();

      writeFileSync(users, good);
      const add = await runToEnd(
        [bun, "roles/healthcenterserver.ts", "users", "add", "alice", "--data", dir, "--insurance", "insurance1"],
        "correct-horse-42\n",
      );
      expect(add.code).toBe(0);
      const refused = await Client.connect(server.port);
      expect(await refused.request("authenticate alice correct-horse-42")).toBe("failure");
      refused.close();
      server.proc.kill("SIGHUP");
      await server.stdout.waitFor(
        /Received SIGHUP: reloaded 3 users from .*users\.txt, 2 price files checked; still serving/,
      );
      (await login(server.port, "alice", "correct-horse-42")).close();
      (await login(server.port, "patient1", "password111")).close();
      expect(server.proc.exitCode).toBeNull();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("server on the embedded seed: SIGHUP is logged, nothing to reload, still serving", async () => {
    const server = await startServer(["--db", join(tmp.dir, "seed.db")]);
    try {
      server.proc.kill("SIGHUP");
      await server.stdout.waitFor(
        /Received SIGHUP: the data is the embedded seed, which does not change; nothing reloaded/,
      );
      (await login(server.port)).close();
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  test("doctor: new prices are answered after SIGHUP; a broken price file keeps the old ones", async () => {
    const dir = await writeDataDir(join(tmp.dir, "hup-doctor"), 6);
    const doctor = await startDoctor("doc1", ["--data", dir]);
    const quote = () =>
      requestQuote({
        host: loopback,
        port: doctor.port,
        patient: "patient1",
        insurance: "insurance1",
        retries: 3,
        timeoutMs: 1000,
      });
    try {
      expect(await quote()).toBe(30);
      writeFileSync(join(dir, "doc1.txt"), "insurance1 35\ninsurance2 20\n");
      doctor.proc.kill("SIGHUP");
      await doctor.stdout.waitFor(/Received SIGHUP: reloaded 2 prices from .*doc1\.txt; still serving/);
      expect(await quote()).toBe(35);
      writeFileSync(join(dir, "doc1.txt"), "insurance1 thirty\n");
      doctor.proc.kill("SIGHUP");
      await doctor.stderr.waitFor(/SIGHUP: prices not reloaded, the ones loaded before are kept: .*doc1\.txt line 1/);
      expect(await quote()).toBe(35);
      expect(doctor.proc.exitCode).toBeNull();
    } finally {
      expect(await doctor.stop()).toBe(0);
    }
  });
});

describe("operator input is checked before anything starts", () => {
  test("--doctor with a host that is not one is refused, exactly as the deployment file refuses it", async () => {
    const r = await runToEnd([...server_cmd, "--doctor", "doc1=x y:41000", "--db", join(tmp.dir, "d.db")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--doctor "doc1=x y:41000": host of doc1: "x y" is not a host name or an IP address');

    const config = join(tmp.dir, "bad-host.toml");
    writeFileSync(config, '[doctors.doc1]\nhost = "x y"\nport = 41000\n');
    const c = await runToEnd([...server_cmd, "--config", config, "--db", join(tmp.dir, "d.db")]);
    expect(c.code).toBe(2);
    expect(c.stderr).toContain('[doctors.doc1]: host of doc1: "x y" is not a host name or an IP address');

    const name = await runToEnd([...server_cmd, "--doctor", "doc/1=127.0.0.1:41000", "--db", join(tmp.dir, "d.db")]);
    expect(name.code).toBe(2);
    expect(name.stderr).toContain('bad doctor name "doc/1"');
  });

  for (const [role, host] of [
    ["healthcenterserver", "x y"],
    ["healthcenterserver", "bad_host.example"],
    ["doctor", "999.1.1.1"],
  ] as const) {
    test(`${role} --host ${JSON.stringify(host)} is a usage error: exit 2, one line, no stack trace`, async () => {
      const cmd =
        role === "doctor"
          ? [bun, "roles/doctor.ts", "doc1", "--port", "0"]
          : [bun, "roles/healthcenterserver.ts", "--port", "0", "--db", join(tmp.dir, "h.db")];
      const r = await runToEnd([...cmd, "--host", host]);
      expect(r.code).toBe(2);
      const lines = r.stderr
        .trim()
        .split("\n")
        .filter((l) => !l.startsWith("warning:"));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toStartWith(`error: --host: `);
      expect(lines[0]).toContain(JSON.stringify(host));
    });
  }

  test("--http with a host that is not one is a usage error in one line", async () => {
    const r = await runToEnd([...server_cmd, "--http", "x y:8080", "--db", join(tmp.dir, "w.db")]);
    expect(r.code).toBe(2);
    expect(
      r.stderr
        .trim()
        .split("\n")
        .filter((l) => !l.startsWith("warning:")),
    ).toEqual(['error: --http: "x y" is not a host name or an IP address']);
  });

  test("patient --server with a host that is not one is a usage error, before any connection", async () => {
    const r = await runToEnd([bun, "roles/patient.ts", "patient1", "--server", "x y:21000"]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe('error: --server: "x y" is not a host name or an IP address');
  });

  test("--data naming a missing directory says so", async () => {
    const missing = join(tmp.dir, "no-such-dir");
    for (const cmd of [
      [...server_cmd, "--db", join(tmp.dir, "m.db")],
      [bun, "roles/doctor.ts", "doc1", "--port", "0"],
      [bun, "roles/patient.ts", "patient1"],
    ]) {
      const r = await runToEnd([...cmd, "--data", missing]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${missing}: no such directory`);
      expect(r.stderr).not.toContain("users.txt");
    }
  });

  test("an empty users.txt starts with a warning that no patient can log in", async () => {
    const dir = await writeDataDir(join(tmp.dir, "nousers"), 6, { "users.txt": "# nobody yet\n" });
    const server = await startServer(["--data", dir, "--db", join(dir, "b.db")]);
    try {
      await server.stderr.waitFor(
        /warn(ing:)? .*users\.txt has no users, so no patient can log in; add one with `healthcenterserver users add/,
      );
    } finally {
      await server.stop();
    }
  });
});
