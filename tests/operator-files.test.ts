// The files an operator touches keep working: users add keeps users.txt's owner and mode and
// writes the patient's plan and contact; a patient's --list, --cancel and --move need neither a
// plan nor the data directory; data files are taken only as regular files under their cap (a
// FIFO, /dev/zero, an oversized users.txt are refused, at start-up and on SIGHUP); SIGHUP reports
// a price file that is gone; an unreadable data directory says "permission denied".
import { afterAll, describe, expect, test } from "bun:test";
import { chmodSync, chownSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requestQuote } from "../roles/patient/quote.ts";
import { users_file_bytes_max } from "../shared/limits.ts";
import {
  asNobody,
  bun,
  Client,
  login,
  loopback,
  nobody_uid,
  onTerminal,
  programsForAnyUser,
  root,
  runPatient,
  runToEnd,
  startDoctor,
  startServer,
  tempDir,
  writeDataDir,
} from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const asRoot = process.getuid?.() === 0;
const usersAdd = (dir: string, name: string, flags: string[], password = "correct-horse-42\n") =>
  runToEnd([bun, "roles/healthcenterserver.ts", "users", "add", name, "--data", dir, ...flags], password);

describe("users add", () => {
  test.skipIf(!asRoot)(
    "run as root, keeps users.txt's owner, group and mode (root:service 0640 stays so)",
    async () => {
      const dir = await writeDataDir(join(tmp.dir, "owner"), 6);
      const users = join(dir, "users.txt");
      chownSync(users, 0, nobody_uid);
      chmodSync(users, 0o640);
      expect((await usersAdd(dir, "carol", ["--insurance", "insurance1"])).code).toBe(0);
      const after = statSync(users);
      expect({ uid: after.uid, gid: after.gid, mode: after.mode & 0o777 }).toEqual({
        uid: 0,
        gid: nobody_uid,
        mode: 0o640,
      });
      const plan = statSync(join(dir, "carolinsurance.txt"));
      expect({ gid: plan.gid, mode: plan.mode & 0o777 }).toEqual({ gid: nobody_uid, mode: 0o640 });
      expect(readFileSync(users, "utf8")).toMatch(/^carol \$argon2id\$/m);
    },
  );

  test("writes the plan and the contact beside users.txt; the patient books with them", async () => {
    const dir = await writeDataDir(join(tmp.dir, "contact"), 6);
    const add = await usersAdd(dir, "dana", [
      "--insurance",
      "insurance2",
      "--email",
      "dana@example.org",
      "--phone",
      "+15550100",
    ]);
    expect(add.code).toBe(0);
    expect(add.stdout).toContain("plan insurance2, email dana@example.org, phone +15550100");
    expect(readFileSync(join(dir, "danainsurance.txt"), "utf8")).toBe(
      "insurance2\nemail dana@example.org\nphone +15550100\n",
    );
    // Updating the password keeps the plan and contact.
    expect((await usersAdd(dir, "dana", [], "another-horse-43\n")).code).toBe(0);
    expect(readFileSync(join(dir, "danainsurance.txt"), "utf8")).toContain("email dana@example.org");
    const server = await startServer(["--data", dir, "--db", join(dir, "b.db")]);
    try {
      const args = ["--user", "dana", "--data", dir, "--server", `${loopback}:${server.port}`, "--slot", "2"];
      const r = await runPatient([...args, "--udp-timeout-ms", "50"], "another-horse-43\n");
      expect(r.stdout).toContain("reserved to Dana");
    } finally {
      await server.stop();
    }
  });

  test.skipIf(Bun.which("tmux") === null)(
    "on a terminal, asks for the plan and an email, then the password",
    async () => {
      const dir = await writeDataDir(join(tmp.dir, "asked"), 6);
      const cmd = `NO_COLOR=1 ${bun} ${join(root, "roles/healthcenterserver.ts")} users add fay --data ${dir}`;
      const term = onTerminal("users-add", `${cmd}; echo EXIT=$?; sleep 30`, 30);
      try {
        for (const [prompt, answer] of [
          [/Insurance plan of fay/, "insurance3"],
          [/Email of fay/, "fay@example.org"],
          [/New password for fay/, "correct-horse-42"],
          [/Once more/, "correct-horse-42"],
        ] as const) {
          await term.waitScreen(prompt);
          term.keys("-l", answer);
          term.keys("Enter");
        }
        expect(await term.waitScreen(/EXIT=\d/)).toContain("EXIT=0");
      } finally {
        term.close();
      }
      expect(readFileSync(join(dir, "fayinsurance.txt"), "utf8")).toBe("insurance3\nemail fay@example.org\n");
    },
  );

  test("a new patient without a plan, piped, or a contact that is not one: exit 2, nothing changed", async () => {
    const dir = await writeDataDir(join(tmp.dir, "half"), 6);
    const before = readFileSync(join(dir, "users.txt"), "utf8");
    const cases: [string[], string][] = [
      [[], "needs the patient's insurance plan: give --insurance PLAN"],
      [["--insurance", "insurance1", "--email", "not-an-address"], "is not an email address"],
      [["--insurance", "insurance1", "--phone", "call me"], "is not a phone number"],
    ];
    for (const [flags, message] of cases) {
      const r = await usersAdd(dir, "erin", flags);
      expect({ code: r.code, message: r.stderr.includes(message) }).toEqual({ code: 2, message: true });
    }
    expect(readFileSync(join(dir, "users.txt"), "utf8")).toBe(before);
  });
});

test("a patient's --list, --cancel and --move need no plan, no data directory and no NAME.txt", async () => {
  const dir = await writeDataDir(join(tmp.dir, "server-only"), 6);
  const server = await startServer(["--data", dir, "--db", join(dir, "b.db")]);
  try {
    const c = await login(server.port);
    expect(await c.request("selection 3")).toBe("doc1 41000");
    c.close();
    // A patient machine: a deployment file naming a data directory it does not have, a password file.
    const config = join(tmp.dir, "patient.toml");
    writeFileSync(config, `data = "no-such-data"\n[server]\nhost = "${loopback}"\nport = ${server.port}\n`);
    const pw = join(tmp.dir, "p1.pw");
    writeFileSync(pw, "password111\n", { mode: 0o600 });
    const base = ["patient1", "--config", config, "--password-file", pw];
    for (const [action, out] of [
      [["--list"], /slot 3 /],
      [["--move", "3:5"], /slot 5/],
      [["--cancel", "5"], /[Cc]ancelled/],
    ] as const) {
      const r = await runPatient([...base, ...action]);
      expect({ action, code: r.code, stderr: r.stderr }).toEqual({ action, code: 0, stderr: "" });
      expect(r.stdout).toMatch(out);
    }
  } finally {
    await server.stop();
  }
});

describe("data files are regular files under their cap", () => {
  const refusals: [string, (users: string) => void, RegExp][] = [
    ["a FIFO", (u) => expect(Bun.spawnSync(["mkfifo", u]).exitCode).toBe(0), /is not a regular file \(a FIFO\)/],
    ["a link to /dev/zero", (u) => symlinkSync("/dev/zero", u), /is not a regular file \(a device\)/],
    ["too large", (u) => writeFileSync(u, `${"#".repeat(99)}\n`.repeat(users_file_bytes_max / 100 + 1)), /larger than/],
  ];
  for (const [what, make, problem] of refusals) {
    test(`users.txt as ${what}: refused at start-up (exit 2) and on SIGHUP (still serving)`, async () => {
      const dir = await writeDataDir(join(tmp.dir, what.replaceAll(" ", "-")), 6);
      const users = join(dir, "users.txt");
      const good = readFileSync(users, "utf8");
      rmSync(users);
      make(users);
      const r = await runToEnd([
        bun,
        "roles/healthcenterserver.ts",
        "--port",
        "0",
        "--data",
        dir,
        "--db",
        join(dir, "b.db"),
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(problem);
      rmSync(users);
      writeFileSync(users, good);
      const server = await startServer(["--data", dir, "--db", join(dir, "b.db")]);
      try {
        rmSync(users);
        make(users);
        server.proc.kill("SIGHUP");
        await server.stderr.waitFor(new RegExp(`SIGHUP: users\\.txt not reloaded.*${problem.source}`));
        const c = await Client.connect(server.port);
        expect(await c.request("ping")).toBe("pong");
        c.close();
        (await login(server.port, "patient2", "password222")).close();
      } finally {
        await server.stop();
      }
    });
  }
});

test("a doctor's price file turned into a FIFO: SIGHUP refuses it at once and the doctor keeps quoting", async () => {
  const dir = await writeDataDir(join(tmp.dir, "fifo-prices"), 6);
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
    rmSync(join(dir, "doc1.txt"));
    expect(Bun.spawnSync(["mkfifo", join(dir, "doc1.txt")]).exitCode).toBe(0);
    doctor.proc.kill("SIGHUP");
    await doctor.stderr.waitFor(/SIGHUP: prices not reloaded.*doc1\.txt: is not a regular file \(a FIFO\)/);
    expect(await quote()).toBe(30);
  } finally {
    expect(await doctor.stop()).toBe(0);
  }
});

test("SIGHUP reports a doctor's price file that is gone", async () => {
  const dir = await writeDataDir(join(tmp.dir, "gone-prices"), 6);
  const server = await startServer(["--data", dir, "--db", join(dir, "b.db")]);
  try {
    rmSync(join(dir, "doc2.txt"));
    server.proc.kill("SIGHUP");
    await server.stderr.waitFor(/SIGHUP: .*doc2\.txt is gone \(it was there at start-up\)/);
    await server.stdout.waitFor(/Received SIGHUP: reloaded .*; still serving/);
  } finally {
    await server.stop();
  }
});

test.skipIf(!asRoot)("a data directory the user cannot read: permission denied, naming it and the user", async () => {
  const dir = await writeDataDir(join(tmp.dir, "private", "data"), 6);
  chmodSync(join(tmp.dir, "private"), 0o755);
  chmodSync(dir, 0o700);
  const program = await programsForAnyUser(join(tmp.dir, "dist"));
  const doctor = join(program, "..", "doctor");
  for (const cmd of [
    [doctor, "check", "doc1", "--data", dir],
    [program, "check", "--data", dir],
  ]) {
    const r = await runToEnd([...asNobody(), ...cmd]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${dir}: cannot be read: permission denied for user nobody (uid ${nobody_uid})`);
    expect(r.stderr).not.toContain("unknown doctor");
  }
});
