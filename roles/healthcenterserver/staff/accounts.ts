// Staff accounts: staff.txt beside users.txt, one `<name> <role> <$argon2id$ hash> [<doctor>]` a
// line, and what each role may do. The page checks every action here, on the server; what the page
// hides is only a convenience.
import { DataError, UsageError } from "../../../shared/errors.ts";
import { unknownMessage } from "../../../shared/suggest.ts";

export const staff_roles = ["front-desk", "doctor", "admin", "auditor"] as const;
export type StaffRole = (typeof staff_roles)[number];

export type StaffAccount = {
  name: string;
  role: StaffRole;
  /** argon2id, as Bun.password.hash makes it. */
  hash: string;
  /** For the doctor role: whose schedule this account looks after (doc1, ...). */
  doctor?: string;
};

/** Everything a signed-in member may ask the server to do. The viewer is the old shared token. */
export type StaffAction =
  | "view" // the live schedule, with patient names
  | "book" // book, move or cancel for any patient
  | "mark" // arrived / seen / no-show
  | "availability" // rules and exceptions (a doctor: their own)
  | "types" // appointment types
  | "staff" // staff accounts
  | "audit"; // read and export the audit trail

const allowed: Record<StaffRole | "viewer", readonly StaffAction[]> = {
  viewer: ["view"],
  "front-desk": ["view", "book", "mark"],
  doctor: ["view", "mark", "availability"],
  admin: ["view", "book", "mark", "availability", "types", "staff", "audit"],
  auditor: ["view", "audit"],
};

/** May this role do that? A doctor's "availability" and "mark" are further limited to their own doctor. */
export function may(role: StaffRole | "viewer", action: StaffAction): boolean {
  return allowed[role].includes(action);
}

/**
 * Whose patients' names a reader sees: everyone's (true), nobody's (false: not signed in), or one
 * doctor's (that doctor's name): a doctor account sees the names on its own doctor's appointments only,
 * and the others' as booked, so the clinic's load shows without other doctors' patients.
 */
export type NamesShown = boolean | string;

export function namesShownTo(member: { role: StaffRole | "viewer"; doctor?: string } | undefined): NamesShown {
  if (member === undefined) return false;
  return member.role === "doctor" ? (member.doctor ?? false) : true;
}

/** Cache keys of what a reader sees (a doctor named "true" is not everyone). */
export function namesKey(names: NamesShown): string {
  return names === true ? "all" : names === false ? "none" : `doctor ${names}`;
}

/** May a reader who sees `names` see the name on an appointment with `doctor`? */
export function seesNameOf(names: NamesShown, doctor: string | undefined): boolean {
  return names === true || (typeof names === "string" && names === doctor);
}

/** Every action the role may take (the page shows only the controls for these). */
export function staff_role_actions(role: StaffRole | "viewer"): readonly StaffAction[] {
  return allowed[role];
}

export const staff_name_pattern = /^[A-Za-z0-9_.@-]{1,64}$/;

export function checkRole(text: string | undefined): StaffRole {
  if (text === undefined) throw new UsageError(`give --role (${staff_roles.join(", ")})`);
  if ((staff_roles as readonly string[]).includes(text)) return text as StaffRole;
  throw new UsageError(unknownMessage("role", text, staff_roles));
}

export function checkStaffName(name: string | undefined): string {
  if (name === undefined || !staff_name_pattern.test(name)) {
    throw new UsageError(
      `a staff name is 1 to 64 letters, digits or _ . @ - (got ${JSON.stringify(name ?? "")})`.slice(0, 200),
    );
  }
  return name;
}

export function parseStaff(file: string, text: string): StaffAccount[] {
  const accounts: StaffAccount[] = [];
  const seen = new Set<string>();
  text.split("\n").forEach((raw, i) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const [name, role, hash, doctor, ...rest] = line.split(/\s+/);
    if (!name || !role || !hash || rest.length > 0)
      throw new DataError(file, i + 1, "expected `<name> <role> <$argon2id$ hash> [<doctor>]`");
    if (!staff_name_pattern.test(name)) throw new DataError(file, i + 1, `bad staff name ${JSON.stringify(name)}`);
    if (!(staff_roles as readonly string[]).includes(role))
      throw new DataError(file, i + 1, `unknown role ${JSON.stringify(role)} (${staff_roles.join(", ")})`);
    if (!hash.startsWith("$argon2id$")) throw new DataError(file, i + 1, "the password must be an argon2id hash");
    if (seen.has(name)) throw new DataError(file, i + 1, `duplicate staff name ${name}`);
    if ((role === "doctor") !== (doctor !== undefined))
      throw new DataError(file, i + 1, "a doctor account names its doctor, and only a doctor account does");
    seen.add(name);
    accounts.push({ name, role: role as StaffRole, hash, ...(doctor ? { doctor } : {}) });
  });
  return accounts;
}

export function formatStaff(accounts: readonly StaffAccount[]): string {
  const header = "# Staff accounts: <name> <role> <argon2id hash> [<doctor>]; change with `healthcenterserver staff`\n";
  return header + accounts.map((a) => `${a.name} ${a.role} ${a.hash}${a.doctor ? ` ${a.doctor}` : ""}\n`).join("");
}
