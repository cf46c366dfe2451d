// The classic data files, parsed purely: text in, typed records or a DataError naming file and line out.
// availabilities.txt has its own module (slot-file.ts), so the patient and the doctor never load the
// server's slot table.
import { DataError } from "./errors.ts";
import { typedPriceKey } from "./quote-protocol.ts";
import { doctor_pattern, token_pattern } from "./tokens.ts";

export type Secret = { kind: "plain"; password: string } | { kind: "hash"; hash: string };
export type User = { name: string; secret: Secret };
export type Slot = { index: number; day: string; time: string; doctor: string; port: number };
export type Credentials = { user: string; password: string };

const name_pattern = /^[A-Za-z0-9_.@-]{1,64}$/;

/** Non-empty, non-comment lines with their 1-based numbers, split into words. */
function records(text: string, firstLine = 1): { line: number; words: string[] }[] {
  const out: { line: number; words: string[] }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    out.push({ line: i + firstLine, words: trimmed.split(/\s+/) });
  }
  return out;
}

export function isValidDoctorName(name: string): boolean {
  return doctor_pattern.test(name);
}

/** `part` parses one piece of a longer file: its first line's number, and the names seen before it. */
export function parseUsers(file: string, text: string, part = { firstLine: 1, seen: new Set<string>() }): User[] {
  const users: User[] = [];
  const seen = part.seen;
  for (const { line, words } of records(text, part.firstLine)) {
    const [name, secret] = words;
    if (words.length !== 2 || !name || !secret)
      throw new DataError(file, line, "expected `<username> <password or $argon2id$ hash>`");
    if (!name_pattern.test(name)) throw new DataError(file, line, `bad username ${JSON.stringify(name)}`);
    if (!token_pattern.test(secret)) throw new DataError(file, line, "password must be printable ASCII without spaces");
    if (seen.has(name)) throw new DataError(file, line, `duplicate user ${name}`);
    seen.add(name);
    users.push({
      name,
      secret: secret.startsWith("$argon2") ? { kind: "hash", hash: secret } : { kind: "plain", password: secret },
    });
  }
  return users;
}

export function formatUsers(users: User[]): string {
  return users.map((u) => `${u.name} ${u.secret.kind === "hash" ? u.secret.hash : u.secret.password}\n`).join("");
}

/**
 * A doctor's prices: `<insurance> <price>` lines, and optionally `<insurance> <type> <price>` for an
 * appointment type (kept under typedPriceKey; the plan's own price stands for the other types).
 */
export function parsePrices(file: string, text: string): Map<string, number> {
  const prices = new Map<string, number>();
  for (const { line, words } of records(text)) {
    const [insurance, priceText] = words.length === 3 ? [words[0], words[2]] : words;
    if ((words.length !== 2 && words.length !== 3) || !insurance || !priceText)
      throw new DataError(file, line, "expected `<insurance> <price>` (or `<insurance> <type> <price>`)");
    if (!token_pattern.test(insurance)) throw new DataError(file, line, "insurance must be printable ASCII");
    if (words.length === 3 && !/^[a-z][a-z0-9_-]{0,23}$/.test(words[1]!))
      throw new DataError(file, line, `appointment type ${JSON.stringify(words[1])} is not a type name`);
    if (!/^\d{1,12}$/.test(priceText))
      throw new DataError(file, line, `price ${JSON.stringify(priceText)} is not a whole number`);
    const key = words.length === 3 ? typedPriceKey(insurance, words[1]!) : insurance;
    if (prices.has(key)) throw new DataError(file, line, `duplicate insurance ${key}`);
    prices.set(key, Number(priceText));
  }
  return prices;
}

export function parseCredentials(file: string, text: string): Credentials {
  const all = records(text);
  const first = all[0];
  if (!first || all.length !== 1) throw new DataError(file, first?.line, "expected one line `<username> <password>`");
  const [user, password] = first.words;
  if (first.words.length !== 2 || !user || !password)
    throw new DataError(file, first.line, "expected `<username> <password>`");
  return { user, password };
}

/** A patient's NAMEinsurance.txt: the plan on the first line, then optional contact lines. */
export type PatientRecord = { plan: string; email?: string; phone?: string };

export const email_pattern = /^[^\s@]{1,64}@[^\s@]{1,189}\.[^\s@]{1,63}$/;
export const phone_pattern = /^\+?[0-9][0-9().-]{3,31}$/;

export function parseInsurance(file: string, text: string): string {
  return parsePatientRecord(file, text).plan;
}

/** `insurance2`, then `email alice@example.org` and `phone +15550100` lines if any (a one-line file is one still). */
export function parsePatientRecord(file: string, text: string): PatientRecord {
  const [first, ...rest] = records(text);
  if (!first || first.words.length !== 1 || !token_pattern.test(first.words[0]!)) {
    throw new DataError(file, first?.line, "expected the insurance plan, one word, on the first line");
  }
  const record: PatientRecord = { plan: first.words[0]! };
  for (const { line, words } of rest) {
    const [key, value] = words;
    const pattern = key === "email" ? email_pattern : key === "phone" ? phone_pattern : undefined;
    if (words.length !== 2 || !pattern || !value || record[key as "email" | "phone"] !== undefined)
      throw new DataError(file, line, "expected at most one `email ADDRESS` and one `phone NUMBER` after the plan");
    if (!pattern.test(value)) throw new DataError(file, line, `not a valid ${key}: ${JSON.stringify(value)}`);
    record[key as "email" | "phone"] = value;
  }
  return record;
}

export function formatPatientRecord(r: PatientRecord): string {
  return `${r.plan}\n${r.email ? `email ${r.email}\n` : ""}${r.phone ? `phone ${r.phone}\n` : ""}`;
}
