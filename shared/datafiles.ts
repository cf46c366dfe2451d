// The classic data files, parsed purely: text in, typed records or a DataError naming file and line out.
import { DataError } from "./errors.ts";


export type Secret = { kind: "plain"; password: string } | { kind: "hash"; hash: string };
export type User = { name: string; secret: Secret };
export type Slot = { index: number; day: string; time: string; doctor: string; port: number };
export type Credentials = { user: string; password: string };

const name_pattern = /^[A-Za-z0-9_.@-]{1,64}$/;
const doctor_pattern = /^[A-Za-z0-9_-]{1,64}$/;
const token_pattern = /^[\x21-\x7e]{1,256}$/;

/** Non-empty, non-comment lines with their 1-based numbers, split into words. */
function records(text: string): { line: number; words: string[] }[] {
  const out: { line: number; words: string[] }[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const trimmed = lines[i]!.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    out.push({ line: i + 1, words: trimmed.split(/\s+/) });
  }
  return out;
}

export function isValidDoctorName(name: string): boolean {
  return doctor_pattern.test(name);
}

export function parseUsers(file: string, text: string): User[] {
  const users: User[] = [];
  const seen = new Set<string>();
  for (const { line, words } of records(text)) {
    const [name, secret] = words;
    if (words.length !== 2 || !name || !secret) throw new DataError(file, line, "expected `<username> <password or $argon2id$ hash>`");
    if (!name_pattern.test(name)) throw new DataError(file, line, `bad username ${JSON.stringify(name)}`);
    if (!token_pattern.test(secret)) throw new DataError(file, line, "password must be printable ASCII without spaces");
    if (seen.has(name)) throw new DataError(file, line, `duplicate user ${name}`);
    seen.add(name);
    users.push({ name, secret: secret.startsWith("$argon2") ? { kind: "hash", hash: secret } : { kind: "plain", password: secret } });
  }
  return users;
}

export function formatUsers(users: User[]): string {
  return users.map((u) => `${u.name} ${u.secret.kind === "hash" ? u.secret.hash : u.secret.password}\n`).join("");
}

export function parseSlots(file: string, text: string): Slot[] {
  const slots: Slot[] = [];
  const seen = new Set<number>();
  for (const { line, words } of records(text)) {
    const [indexText, day, time, doctor, portText] = words;
    if (words.length !== 5 || !indexText || !day || !time || !doctor || !portText) {
      throw new DataError(file, line, "expected `<index> <Day> <Time> <doctor> <port>`");
    }
    const index = Number(indexText);
    if (!/^\d{1,15}$/.test(indexText) || index < 1) throw new DataError(file, line, `slot index ${JSON.stringify(indexText)} is not a positive whole number`);
    if (seen.has(index)) throw new DataError(file, line, `duplicate slot index ${index}`);
    if (!token_pattern.test(day) || !token_pattern.test(time)) throw new DataError(file, line, "day and time must be printable ASCII");
    if (!doctor_pattern.test(doctor)) throw new DataError(file, line, `bad doctor name ${JSON.stringify(doctor)}`);
    const port = Number(portText);
    if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) throw new DataError(file, line, `port ${JSON.stringify(portText)} is not 1-65535`);
    seen.add(index);
    slots.push({ index, day, time, doctor, port });
  }
  return slots;
}

export function parsePrices(file: string, text: string): Map<string, number> {
  const prices = new Map<string, number>();
  for (const { line, words } of records(text)) {
    const [insurance, priceText] = words;
    if (words.length !== 2 || !insurance || !priceText) throw new DataError(file, line, "expected `<insurance> <price>`");
    if (!token_pattern.test(insurance)) throw new DataError(file, line, "insurance must be printable ASCII");
    if (!/^\d{1,12}$/.test(priceText)) throw new DataError(file, line, `price ${JSON.stringify(priceText)} is not a whole number`);
    if (prices.has(insurance)) throw new DataError(file, line, `duplicate insurance ${insurance}`);
    prices.set(insurance, Number(priceText));
  }
  return prices;
}

export function parseCredentials(file: string, text: string): Credentials {
  const all = records(text);
  const first = all[0];
  if (!first || all.length !== 1) throw new DataError(file, first?.line, "expected one line `<username> <password>`");
  const [user, password] = first.words;
  if (first.words.length !== 2 || !user || !password) throw new DataError(file, first.line, "expected `<username> <password>`");
  return { user, password };
}

export function parseInsurance(file: string, text: string): string {
  const all = records(text);
  const first = all[0];
  if (!first || all.length !== 1 || first.words.length !== 1 || !token_pattern.test(first.words[0]!)) {
    throw new DataError(file, first?.line, "expected one line with the insurance plan");
  }
  return first.words[0]!;
}

/** Each slot's doctor must be known: a price file or a configured location. */
export function checkDoctorsKnown(file: string, text: string, slots: Slot[], known: Set<string>, hint: string): void {
  const lineOf = (index: number) => records(text).find((r) => Number(r.words[0]) === index)?.line;
  for (const slot of slots) {
    if (!known.has(slot.doctor)) throw new DataError(file, lineOf(slot.index), `unknown doctor ${slot.doctor} (${hint})`);
  }
}
