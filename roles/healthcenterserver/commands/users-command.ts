// `healthcenterserver users ...`: keep users.txt with argon2id hashes instead of plaintext.
import { existsSync } from "node:fs";
import { join } from "node:path";

import { formatUsers, parseUsers, type User } from "../../../shared/datafiles.ts";
import { parseFlags, type Options } from "../../../shared/flags.ts";
import { unknownMessage } from "../../../shared/suggest.ts";
import { checkDataDir, readDataFile } from "../../../shared/datadir.ts";
import { StdinLines } from "../../../shared/stdin-lines.ts";
import { Cancelled, exit_code, UsageError } from "../../../shared/errors.ts";
import { password_chars_max, password_chars_min } from "../../../shared/limits.ts";
import { patientRecord, replaceFile, savePatientRecord } from "./patient-record.ts";

const usage = `Usage:
  healthcenterserver users add <name> --data DIR [--insurance PLAN] [--email ADDR] [--phone NUMBER]
                                                    add or change NAME; the password is asked for
                                                    (terminal) or read as one line (piped); the plan
                                                    is asked for on a terminal, else --insurance
                                                    (a new patient must have one); kept in NAMEinsurance.txt
  healthcenterserver users convert --data DIR       replace every plaintext password with its hash`;

const options = {
  data: { type: "string", value: "DIR", help: "the data directory whose users.txt is changed" },
  insurance: { type: "string", value: "PLAN", help: "the patient's insurance plan (users add)" },
  email: { type: "string", value: "ADDR", help: "the patient's email, for reminders (users add)" },
  phone: { type: "string", value: "NUMBER", help: "the patient's phone, for reminders (users add)" },
} as const satisfies Options;

export async function runUsersCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, options, 2);
  if (values.help || positionals[0] === "help") {
    console.log(usage);
    return exit_code.done;
  }
  const [verb, name] = positionals;
  if (verb !== "add" && verb !== "convert") {
    throw new UsageError(
      verb === undefined
        ? `which users command? add or convert\n${usage}`
        : unknownMessage("users command", verb, ["add", "convert"]),
    );
  }
  if (!values.data) throw new UsageError("users commands change a users.txt on disk: give --data DIR");
  checkDataDir({ dir: values.data });
  const file = join(values.data, "users.txt");
  const users = existsSync(file) ? parseUsers(file, readDataFile({ dir: values.data }, "users.txt")) : [];

  if (verb === "add") {
    if (!name || !/^[A-Za-z0-9_.@-]{1,64}$/.test(name))
      throw new UsageError("users add needs a user name (letters, digits, _ . @ -)");
    const recordFile = join(values.data, `${name}insurance.txt`);
    const record = await patientRecord(recordFile, name, values);
    const password = await readNewPassword(name);
    const hash = await Bun.password.hash(password, "argon2id");
    const entry: User = { name, secret: { kind: "hash", hash } };
    const at = users.findIndex((u) => u.name === name);
    if (at === -1) users.push(entry);
    else users[at] = entry;
    save(file, users);
    savePatientRecord(recordFile, record, file);
    console.log(
      `${at === -1 ? "Added" : "Updated"} ${name} in ${file} with an argon2id hash ` +
        `(${users.length} users, ${plaintext(users)} with plaintext passwords); ` +
        `plan ${record.plan}${record.email ? `, email ${record.email}` : ""}` +
        `${record.phone ? `, phone ${record.phone}` : ""} in ${recordFile}.`,
    );
    return exit_code.done;
  }
  if (verb === "convert" && !name) {
    if (!existsSync(file))
      throw new UsageError(
        `no ${file} to convert (\`healthcenterserver init ${values.data}\` writes a new data directory)`,
      );
    let converted = 0;
    for (const u of users) {
      if (u.secret.kind !== "plain") continue;
      u.secret = { kind: "hash", hash: await Bun.password.hash(u.secret.password, "argon2id") };
      converted++;
    }
    save(file, users);
    console.log(`Converted ${converted} plaintext passwords in ${file} to argon2id hashes.`);
    return exit_code.done;
  }
  throw new UsageError(`users convert takes no name\n${usage}`);
}

function plaintext(users: User[]): number {
  return users.filter((u) => u.secret.kind === "plain").length;
}

/** Replaces users.txt whole (a crash leaves the old file or the new one), keeping its owner, group and mode. */
function save(file: string, users: User[]): void {
  replaceFile(file, formatUsers(users));
}

/** A new password for NAME: asked twice on a terminal, else one line of standard input; checked. */
export async function readNewPassword(name: string): Promise<string> {
  let password: string;
  if (process.stdin.isTTY && process.stdout.isTTY) {
    const p = await import("@clack/prompts");
    const first = await p.password({
      message: `New password for ${name}`,
      validate: (v) => (v && v.length >= password_chars_min ? undefined : `at least ${password_chars_min} characters`),
    });
    if (p.isCancel(first)) throw new Cancelled("Cancelled; nothing changed.");
    const again = await p.password({ message: "Once more" });
    if (p.isCancel(again)) throw new Cancelled("Cancelled; nothing changed.");
    if (again !== first) throw new UsageError("the passwords differ; nothing changed");
    password = first;
  } else {
    password = (await new StdinLines().next())?.trim() ?? "";
  }
  if (!password) throw new UsageError("no password given; nothing changed");
  if (password.length < password_chars_min)
    throw new UsageError(`a password has at least ${password_chars_min} characters; nothing changed`);
  if (password.length > password_chars_max || !/^[\x21-\x7e]+$/.test(password)) {
    throw new UsageError(
      "a password is printable ASCII without spaces (the protocol sends it as one word), at most 256 characters",
    );
  }
  return password;
}
