// `healthcenterserver staff ...`: staff accounts in staff.txt beside users.txt (argon2id, like patients).
import { loadConfig } from "../../../shared/config.ts";
import { recordOperatorChange } from "./operator-audit.ts";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { checkDataDir, readDataFile } from "../../../shared/datadir.ts";
import { exit_code, UsageError } from "../../../shared/errors.ts";
import { type Options, parseFlags } from "../../../shared/flags.ts";
import { unknownMessage } from "../../../shared/suggest.ts";
import {
  checkRole,
  checkStaffName,
  formatStaff,
  parseStaff,
  type StaffAccount,
  staff_roles,
} from "../staff/accounts.ts";
import { readNewPassword } from "./users-command.ts";
import { checkDoctorKnown, knownDoctors } from "./known-doctors.ts";
import { replaceFile } from "./patient-record.ts";

const usage = `Usage:
  healthcenterserver staff add NAME --role ROLE [--doctor DOC] --data DIR
                                       add a staff account; the password is asked for (terminal)
                                       or read as one line (piped)
  healthcenterserver staff passwd NAME --data DIR      set a new password
  healthcenterserver staff remove NAME --data DIR      remove the account
  healthcenterserver staff list --data DIR             names and roles
With --db FILE|URL (or a deployment file's db), add, passwd and remove are recorded in its audit trail.
Roles: ${staff_roles.join(", ")} (a doctor account names its doctor: --doctor doc1, one that
availabilities.txt or the database's calendar knows, when either says which exist).`;

const options = {
  data: { type: "string", value: "DIR", help: "the data directory whose staff.txt is changed" },
  role: { type: "string", value: "ROLE", help: staff_roles.join(", ") },
  doctor: { type: "string", value: "DOC", help: "for --role doctor: whose schedule (doc1, ...)" },
  db: { type: "string", value: "FILE|URL", help: "the bookings database whose audit trail records the change" },
  "db-password-file": { type: "string", value: "FILE", help: "PostgreSQL password file" },
  config: { type: "string", value: "FILE", help: "deployment file (its db is used when --db is not given)" },
} as const satisfies Options;

type Values = ReturnType<typeof parseFlags<typeof options>>["values"];
const verbs = ["add", "passwd", "remove", "list"];

export async function runStaffCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, options, 2);
  if (values.help || positionals[0] === "help") {
    console.log(usage);
    return exit_code.done;
  }
  const [verb, rawName] = positionals;
  if (verb === undefined || !verbs.includes(verb)) {
    throw new UsageError(
      verb === undefined
        ? `which staff command? ${verbs.join(", ")}\n${usage}`
        : unknownMessage("staff command", verb, verbs),
    );
  }
  if (!values.data) throw new UsageError("staff commands change a staff.txt on disk: give --data DIR");
  checkDataDir({ dir: values.data });
  const file = join(values.data, "staff.txt");
  const accounts = existsSync(file) ? parseStaff(file, readDataFile({ dir: values.data }, "staff.txt")) : [];
  if (verb === "list") {
    for (const a of accounts) console.log(`${a.name}\t${a.role}${a.doctor ? `\t${a.doctor}` : ""}`);
    return exit_code.done;
  }
  const name = checkStaffName(rawName);
  const at = accounts.findIndex((a) => a.name === name);
  if (verb === "remove") {
    if (at === -1)
      throw new UsageError(
        unknownMessage(
          "staff member",
          name,
          accounts.map((a) => a.name),
        ),
      );
    const [gone] = accounts.splice(at, 1);
    await record(values, "staff.removed", name, describeAccount(gone!), "", () => save(file, accounts));
    console.log(`Removed ${name} from ${file} (${accounts.length} staff accounts).`);
    return exit_code.done;
  }
  if (verb === "passwd" && at === -1)
    throw new UsageError(
      unknownMessage(
        "staff member",
        name,
        accounts.map((a) => a.name),
      ),
    );
  const account = verb === "add" ? newAccount(name, values.role, values.doctor) : accounts[at]!;
  if (verb === "add" && at !== -1) throw new UsageError(`${name} is already a staff member; use staff passwd`);
  if (verb === "add" && account.doctor !== undefined)
    account.doctor = checkDoctorKnown(
      account.doctor,
      await knownDoctors(values.data, dbOf(values), passwordFileOf(values)),
    );
  account.hash = await Bun.password.hash(await readNewPassword(name), "argon2id");
  if (at === -1) accounts.push(account);
  const saved = () => save(file, accounts);
  if (verb === "add") await record(values, "staff.added", name, "", describeAccount(account), saved);
  else await record(values, "staff.password.changed", name, describeAccount(account), describeAccount(account), saved);
  console.log(`${verb === "add" ? `Added ${name} (${account.role})` : `Changed the password of ${name}`} in ${file}.`);
  return exit_code.done;
}

/** What the trail keeps of an account: never its hash. */
function describeAccount(a: StaffAccount): string {
  return JSON.stringify({ role: a.role, ...(a.doctor ? { doctor: a.doctor } : {}) });
}

/**
 * Makes the `change` (staff.txt's rewrite) and, with a bookings database named (--db, or the deployment
 * file's, or the server's default ./healthcenter.db when it is there), records it in its audit trail,
 * the database opened first; without one, the operator is told so.
 */
async function record(
  values: Values,
  action: string,
  name: string,
  before: string,
  after: string,
  change: () => void,
): Promise<void> {
  const db = dbOf(values);
  if (db === undefined) {
    change();
    console.error(
      `note: this change is not in any audit trail (no ${default_db} here; give --db FILE|URL or --config)`,
    );
    return;
  }
  const subject = `staff ${name}`;
  await recordOperatorChange(db, passwordFileOf(values), { action, subject, before, after, reason: "" }, change);
}

const default_db = "healthcenter.db";

/** The bookings database the command is given: --db, the deployment file's, or ./healthcenter.db when there. */
function dbOf(values: Values): string | undefined {
  return values.db ?? loadConfig(values.config).server.db ?? (existsSync(default_db) ? default_db : undefined);
}

function passwordFileOf(values: Values): string | undefined {
  return values["db-password-file"] ?? loadConfig(values.config).server.dbPasswordFile;
}

function newAccount(name: string, roleText: string | undefined, doctor: string | undefined): StaffAccount {
  const role = checkRole(roleText);
  if (role === "doctor" && !doctor) throw new UsageError("a doctor account names its doctor: --doctor doc1");
  if (role !== "doctor" && doctor) throw new UsageError("--doctor goes with --role doctor only");
  return { name, role, hash: "", ...(doctor ? { doctor } : {}) };
}

function save(file: string, accounts: StaffAccount[]): void {
  replaceFile(file, formatStaff(accounts));
}
