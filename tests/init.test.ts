// `healthcenterserver init DIR`: a complete data directory with hashed users, never over an existing one.
import { afterAll, expect, test } from "bun:test";
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bun, login, onTerminal, root, runToEnd, startServer, tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const server = (...args: string[]) => runToEnd([bun, join(root, "roles/healthcenterserver.ts"), ...args]);

test("init, piped: writes a complete data directory, shows each generated password once, and the server runs on it", async () => {
  const dir = join(tmp.dir, "fresh", "data");
  const r = await server("init", dir);
  expect(r.code).toBe(0);
  expect(readdirSync(dir).sort()).toEqual([
    "availabilities.txt",
    "doc1.txt",
    "doc2.txt",
    "patient1insurance.txt",
    "patient2insurance.txt",
    "users.txt",
  ]);
  expect(statSync(join(dir, "users.txt")).mode & 0o777).toBe(0o600);
  const users = readFileSync(join(dir, "users.txt"), "utf8");
  expect(users).toMatch(/^patient1 \$argon2id\$/m);
  expect(users).toMatch(/^patient2 \$argon2id\$/m);
  const password = /^ {2}patient1 {2}(\S+)$/m.exec(r.stdout)?.[1];
  expect(password).toMatch(/^[A-Za-z0-9_-]{16}$/);
  expect(users).not.toContain(password!);
  expect(r.stdout.split(password!).length).toBe(2);

  const running = await startServer(["--data", dir, "--db", join(tmp.dir, "b.db")]);
  try {
    expect(running.stderr.text).not.toContain("plaintext");
    const c = await login(running.port, "patient1", password!);
    c.close();
  } finally {
    await running.stop();
  }
});

test("init refuses a directory that is not empty and changes nothing in it; an empty one is fine", async () => {
  const dir = join(tmp.dir, "taken");
  mkdirSync(dir);
  writeFileSync(join(dir, "users.txt"), "alice secret\n");
  const r = await server("init", dir);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`${dir} already exists and is not empty`);
  expect(readdirSync(dir)).toEqual(["users.txt"]);
  expect(readFileSync(join(dir, "users.txt"), "utf8")).toBe("alice secret\n");

  const empty = join(tmp.dir, "empty");
  mkdirSync(empty);
  const named = await server("init", empty, "--user", "alice");
  expect(named.code).toBe(0);
  expect(readFileSync(join(empty, "users.txt"), "utf8")).toMatch(/^alice \$argon2id\$[^\n]+\n$/);
  expect(readdirSync(tmp.dir).filter((f) => f.includes(".init-"))).toEqual([]);
});

test("init on a path that is a file is a usage error in one line, and the file is left as it was", async () => {
  const file = join(tmp.dir, "a-file");
  writeFileSync(file, "keep me\n");
  const r = await server("init", file);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain(`${file} is a file, not a directory; init changed nothing`);
  expect(r.stderr).not.toContain("    at ");
  expect(readFileSync(file, "utf8")).toBe("keep me\n");
});

test("the embedded seed's warning points at init", async () => {
  const running = await startServer(["--db", join(tmp.dir, "seed.db")]);
  try {
    await running.stderr.waitFor(/healthcenterserver init DIR/);
  } finally {
    await running.stop();
  }
});

test.skipIf(Bun.which("tmux") === null)("init on a terminal asks each password twice and shows none", async () => {
  const dir = join(tmp.dir, "asked");
  const term = onTerminal(
    "init",
    `NO_COLOR=1 ${bun} ${join(root, "roles/healthcenterserver.ts")} init ${dir} --user alice; echo EXIT=$?; sleep 30`,
    30,
  );
  const { waitScreen } = term;
  try {
    await waitScreen(/New password for alice/);
    term.keys("-l", "correct-horse-42");
    term.keys("Enter");
    await waitScreen(/Once more/);
    term.keys("-l", "correct-horse-42");
    term.keys("Enter");
    const final = await waitScreen(/EXIT=\d/);
    expect(final).toContain("EXIT=0");
    expect(final).not.toContain("correct-horse-42");
    expect(final).not.toContain("shown this once");
    expect(readFileSync(join(dir, "users.txt"), "utf8")).toMatch(/^alice \$argon2id\$/);
  } finally {
    term.close();
  }
  const running = await startServer(["--data", dir, "--db", join(tmp.dir, "asked.db")]);
  try {
    (await login(running.port, "alice", "correct-horse-42")).close();
  } finally {
    await running.stop();
  }
});
