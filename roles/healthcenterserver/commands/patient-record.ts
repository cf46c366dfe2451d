// What `users add` keeps besides the password: the patient's insurance plan and contact (an email,
// a phone), in NAMEinsurance.txt beside users.txt, and each file written as the one it replaces
// was (owner, group, mode), so a root shell never makes a file the service cannot read.
import { chmodSync, chownSync, existsSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import {
  email_pattern,
  formatPatientRecord,
  parsePatientRecord,
  phone_pattern,
  type PatientRecord,
} from "../../../shared/datafiles.ts";
import { Cancelled, UsageError } from "../../../shared/errors.ts";
import { small_data_file_bytes_max } from "../../../shared/limits.ts";
import { readRegularFile } from "../../../shared/regular-file.ts";
import { token_pattern } from "../../../shared/tokens.ts";

export type RecordFlags = { insurance?: string; email?: string; phone?: string };

/** The record NAME will have: the flags over what its file holds; on a terminal, a missing plan is asked for. */
export async function patientRecord(file: string, name: string, flags: RecordFlags): Promise<PatientRecord> {
  const old = existsSync(file) ? parsePatientRecord(file, readRegularFile(file, small_data_file_bytes_max)) : undefined;
  let plan = flags.insurance ?? old?.plan;
  let email = flags.email ?? old?.email;
  if (plan === undefined && process.stdin.isTTY && process.stdout.isTTY) {
    const p = await import("@clack/prompts");
    const answer = await p.text({
      message: `Insurance plan of ${name} (one word, e.g. insurance1)`,
      validate: (v) => (v && token_pattern.test(v) ? undefined : "one word of printable ASCII"),
    });
    if (p.isCancel(answer)) throw new Cancelled("Cancelled; nothing changed.");
    plan = answer;
    if (email === undefined) {
      const mail = await p.text({ message: `Email of ${name} (for reminders; empty for none)` });
      if (p.isCancel(mail)) throw new Cancelled("Cancelled; nothing changed.");
      email = mail || undefined;
    }
  }
  if (plan === undefined)
    throw new UsageError(`users add ${name} needs the patient's insurance plan: give --insurance PLAN`);
  const record: PatientRecord = { plan };
  if (email !== undefined) record.email = email;
  if ((flags.phone ?? old?.phone) !== undefined) record.phone = flags.phone ?? old?.phone;
  checkRecord(record);
  return record;
}

function checkRecord(r: PatientRecord): void {
  if (!token_pattern.test(r.plan))
    throw new UsageError(`--insurance must be one word of printable ASCII, not ${JSON.stringify(r.plan)}`);
  if (r.email !== undefined && !email_pattern.test(r.email))
    throw new UsageError(`--email: ${JSON.stringify(r.email)} is not an email address`);
  if (r.phone !== undefined && !phone_pattern.test(r.phone))
    throw new UsageError(`--phone: ${JSON.stringify(r.phone)} is not a phone number (digits, + ( ) . -, no spaces)`);
}

export function savePatientRecord(file: string, record: PatientRecord, like: string): void {
  replaceFile(file, formatPatientRecord(record), like);
}

/**
 * Writes beside `file` and renames over it, so a crash leaves the old file or the new one. The new
 * file takes the owner, group and mode of the one it replaces (or of `like`, for a new file);
 * without either, 0600 and the writer's owner.
 */
export function replaceFile(file: string, text: string, like = file): void {
  const model = [file, like].find((f) => existsSync(f));
  const stat = model === undefined ? undefined : statSync(model);
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, text, { mode: 0o600 });
  try {
    if (stat) {
      if (process.getuid?.() === 0) chownSync(temp, stat.uid, stat.gid);
      else if (stat.uid === process.getuid?.()) chownSync(temp, -1, stat.gid);
      chmodSync(temp, stat.mode & 0o777);
    }
    renameSync(temp, file);
  } catch (err) {
    rmSync(temp, { force: true });
    throw err;
  }
}
