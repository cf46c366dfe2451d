// `healthcenterserver init DIR`: a new data directory to start from, with the seed's schedule and
// prices and the seed's patients (or --user names) under new passwords, stored as argon2id hashes.
// Passwords are asked on a terminal; piped, they are generated and shown once. An existing,
// non-empty DIR is never touched.
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { formatUsers, parseUsers, type User } from "../../../shared/datafiles.ts";
import { embedded } from "../../../shared/fixtures.ts";
import { parseFlags, type Options } from "../../../shared/flags.ts";
import { exit_code, fileProblem, UsageError } from "../../../shared/errors.ts";
import { readNewPassword } from "./users-command.ts";

const options = {
  user: {
    type: "string",
    multiple: true,
    value: "NAME",
    help: "a patient to create (repeatable; default: the seed's patient1 and patient2)",
  },
} as const satisfies Options;

const usage = `Usage:
  healthcenterserver init DIR [--user NAME ...]

Writes DIR (which must not exist, or be empty): users.txt with argon2id hashes, availabilities.txt
and doc1.txt, doc2.txt from the seed as a starting point, and NAMEinsurance.txt for each patient.
On a terminal each password is asked for; piped, each is generated and printed once.`;

/** The seed files copied as they are: the schedule, the doctors' prices and the patients' plans. */
const copied = ["availabilities.txt", "doc1.txt", "doc2.txt"];

export async function runInitCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, options, 1);
  if (values.help || positionals[0] === "help") {
    console.log(usage);
    return exit_code.done;
  }
  const target = positionals[0];
  if (!target) throw new UsageError("init needs a directory: `healthcenterserver init DIR`");
  const dir = resolve(target);
  if (existsSync(dir) && !statSync(dir).isDirectory())
    throw new UsageError(`${dir} is a file, not a directory; init changed nothing`);
  if (existsSync(dir) && entriesOf(dir) > 0) {
    throw new UsageError(
      `${dir} already exists and is not empty; init writes only a new directory and changed nothing`,
    );
  }
  const names = values.user ?? parseUsers("users.txt", embedded["users.txt"]!).map((u) => u.name);
  for (const name of names)
    if (!/^[A-Za-z0-9_.@-]{1,64}$/.test(name))
      throw new UsageError(`bad user name ${JSON.stringify(name)} (letters, digits, _ . @ -)`);
  const asked = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const passwords = new Map<string, string>();
  for (const name of names) passwords.set(name, asked ? await readNewPassword(name) : generatedPassword());

  const users: User[] = [];
  for (const [name, password] of passwords)
    users.push({ name, secret: { kind: "hash", hash: await Bun.password.hash(password, "argon2id") } });
  const files: Record<string, string> = { "users.txt": formatUsers(users) };
  for (const file of copied) files[file] = embedded[file]!;
  const plan = (name: string) => embedded[`${name}insurance.txt`] ?? "insurance1\n";
  for (const name of names) files[`${name}insurance.txt`] = plan(name);
  writeAll(dir, files);

  console.log(
    `Wrote ${dir}: users.txt (${users.length} users, argon2id hashes), ${Object.keys(files).slice(1).join(", ")}.`,
  );
  if (!asked) {
    console.log("Passwords, shown this once (give each to its patient; they are stored only as hashes):");
    for (const [name, password] of passwords) console.log(`  ${name}  ${password}`);
  }
  console.log(`Edit the schedule and prices there, then start: healthcenterserver --data ${target}`);
  console.log(`A patient logs in with: patient --user NAME --data ${target}   (or --insurance PLAN instead of --data)`);
  return exit_code.done;
}

/** 16 characters from 96 random bits: printable, no spaces, so the protocol sends it as one word. */
function generatedPassword(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(12))).toString("base64url");
}

function entriesOf(dir: string): number {
  try {
    return readdirSync(dir).length;
  } catch (err) {
    throw new UsageError(`cannot read ${dir}: ${fileProblem(err)}; init changed nothing`, { hint: false });
  }
}

/** Writes every file in a sibling temporary directory, then renames it into place: all or nothing. */
function writeAll(dir: string, files: Record<string, string>): void {
  const temp = `${dir}.init-${process.pid}`;
  try {
    mkdirSync(dirname(dir), { recursive: true });
    mkdirSync(temp, { mode: 0o700 });
  } catch (err) {
    throw new UsageError(`cannot write ${dir}: ${fileProblem(err)}; init changed nothing`, { hint: false });
  }
  try {
    for (const [name, text] of Object.entries(files))
      writeFileSync(join(temp, name), text, { mode: name === "users.txt" ? 0o600 : 0o644 });
    if (existsSync(dir)) rmdirSync(dir); // empty, checked above; rmdir fails rather than lose a file written since
    renameSync(temp, dir);
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw new UsageError(`cannot write ${dir}: ${fileProblem(err)}; init changed nothing`, { hint: false });
  }
}
