// Every file an operator names is read as the data files are (shared/regular-file.ts): only a regular
// file under a cap. A FIFO would wait for a writer forever and a link to /dev/zero would grow the
// process until it ran out of memory; each is refused at once, exit 2, in one line naming the file.
// Before, these reads used readFileSync: the FIFO hung and /dev/zero ended in ENOMEM or a stack trace.
import { afterAll, describe, expect, test } from "bun:test";
import { rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bun, runToEnd, tempDir, writeDataDir, writeSelfSignedCert } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const kinds: [string, (path: string) => void, RegExp][] = [
  ["a FIFO", (p) => expect(Bun.spawnSync(["mkfifo", p]).exitCode).toBe(0), /is not a regular file \(a FIFO\)/],
  ["a link to /dev/zero", (p) => symlinkSync("/dev/zero", p), /is not a regular file \(a device\)/],
];

const server = (...args: string[]) => [bun, "roles/healthcenterserver.ts", ...args];

/** Each case: the file made odd (inside `dir`, a data directory) and the command that reads it. */
const cases: [string, string, (dir: string, odd: string) => string[]][] = [
  ["--config", "deploy.toml", (dir, odd) => server("check", "--data", dir, "--db", join(dir, "b.db"), "--config", odd)],
  [
    "--tls-cert",
    "cert.pem",
    (dir, odd) => server("check", "--data", dir, "--db", join(dir, "b.db"), "--tls-cert", odd, "--tls-key", odd),
  ],
  [
    "--staff-token-file",
    "token",
    (dir, odd) =>
      server("check", "--data", dir, "--db", join(dir, "b.db"), "--http", "127.0.0.1:0", "--staff-token-file", odd),
  ],
  [
    "patient --password-file",
    "pw",
    (_dir, odd) => [
      bun,
      "roles/patient.ts",
      "--user",
      "patient1",
      "--list",
      "--password-file",
      odd,
      "--server",
      "127.0.0.1:1",
    ],
  ],
  [
    "[notify] smtp_password_file",
    "smtp.pass",
    (dir, odd) => {
      const config = `[notify]\nsmtp = "smtp://127.0.0.1:25"\nfrom = "c@example.org"\nsmtp_user = "u"\nsmtp_password_file = "${odd}"\n`;
      writeFileSync(join(dir, "notify.toml"), config);
      return server("check", "--data", dir, "--db", join(dir, "b.db"), "--config", join(dir, "notify.toml"));
    },
  ],
  [
    "[notify] webhook_secret_file",
    "webhook.secret",
    (dir, odd) => {
      const config = `[notify]\nwebhook = "http://127.0.0.1:9/hook"\nwebhook_secret_file = "${odd}"\n`;
      writeFileSync(join(dir, "notify.toml"), config);
      return server("check", "--data", dir, "--db", join(dir, "b.db"), "--config", join(dir, "notify.toml"));
    },
  ],
  ["users add's users.txt", "users.txt", (dir) => server("users", "add", "carol", "--data", dir, "--insurance", "i1")],
  ["users convert's users.txt", "users.txt", (dir) => server("users", "convert", "--data", dir)],
  [
    "users add's NAMEinsurance.txt",
    "patient1insurance.txt",
    (dir) => server("users", "add", "patient1", "--data", dir, "--insurance", "i1"),
  ],
  ["staff list's staff.txt", "staff.txt", (dir) => server("staff", "list", "--data", dir)],
  [
    "availability import's FILE",
    "availabilities-old.txt",
    (dir, odd) => server("availability", "import", odd, "--db", join(dir, "b.db"), "--from", "2999-01-01"),
  ],
  [
    "audit archive's --key",
    "audit-key",
    (dir, odd) => {
      writeFileSync(join(dir, "b.db"), ""); // an empty database: audit refuses a path with none
      return server(
        "audit",
        "archive",
        "--db",
        join(dir, "b.db"),
        "--before",
        "2026-01-01",
        join(dir, "a.jsonl"),
        "--key",
        odd,
      );
    },
  ],
];

describe("every file an operator names is read only as a regular file", () => {
  for (const [what, file, command] of cases)
    for (const [kind, make, problem] of kinds)
      test(`${what} as ${kind}: exit 2 at once, one line naming the file`, async () => {
        const dir = await writeDataDir(join(tmp.dir, `${what}-${kind}`.replace(/\W+/g, "-")), 6);
        const odd = join(dir, file);
        rmSync(odd, { force: true });
        make(odd);
        const r = await runToEnd(command(dir, odd), "correct-horse-42\n", 15_000);
        const errors = r.stderr.split("\n").filter((l) => l.startsWith("error"));
        expect({ code: r.code, errors: errors.length }).toEqual({ code: 2, errors: 1 });
        expect(errors[0]).toContain(odd);
        expect(errors[0]).toMatch(problem);
        expect(r.stderr).not.toMatch(/^\s+at /m);
      });

  test("a real certificate and key still load (the cap is no smaller than a PEM chain)", async () => {
    const dir = await writeDataDir(join(tmp.dir, "real-tls"), 6);
    writeSelfSignedCert(join(dir, "c.pem"), join(dir, "k.pem"));
    const r = await runToEnd(
      server(
        "check",
        "--data",
        dir,
        "--db",
        join(dir, "b.db"),
        "--tls-cert",
        join(dir, "c.pem"),
        "--tls-key",
        join(dir, "k.pem"),
      ),
    );
    expect(r.code).toBe(0);
  });
});
