// The classic data files, parsed purely: text in, typed records or a DataError naming file and line out.
// availabilities.txt has its own module (slot-file.ts), so the patient and the doctor never load the
// server's slot table.
import { DataError } from "./errors.ts";
import { doctor_pattern, token_pattern } from "./tokens.ts";

export type Secret = { kind: "plain"; password: string } | { kind: "hash"; hash: string };
export type User = { name: string; secret: Secret };
export type Slot = { index: number; day: string; time: string; doctor: string; port: number };
export type Credentials = { user: string; password: string };

const name_pattern = /^[A-Za-z0-9_.@-]{1,64}$/;

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

export function parsePrices(file: string, text: string): Map<string, number> {
  const prices = new Map<string, number>();
  for (const { line, words } of records(text)) {
    const [insurance, priceText] = words;
    if (words.length !== 2 || !insurance || !priceText)
      throw new DataError(file, line, "expected `<insurance> <price>`");
    if (!token_pattern.test(insurance)) throw new DataError(file, line, "insurance must be printable ASCII");
    if (!/^\d{1,12}$/.test(priceText))
      throw new DataError(file, line, `price ${JSON.stringify(priceText)} is not a whole number`);
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
  if (first.words.length !== 2 || !user || !password)
    throw new DataError(file, first.line, "expected `<username> <password>`");
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
