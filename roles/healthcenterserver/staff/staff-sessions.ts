// Staff sign-in with a name and a password (staff.txt), and the sessions it opens. The same
// guarantees as patient logins: attempts counted per (name, address) and per address, never one
// global budget; one argon2id verify for every attempt, known name or not, so timing tells nothing.
import { randomBytes } from "node:crypto";
import { staff_sessions_max } from "../../../shared/limits.ts";
import { Throttle } from "../login/throttle.ts";
import type { StaffAccount, StaffRole } from "./accounts.ts";

/** Who is signed in: a staff account, or the shared token's read-only viewer. */
export type StaffMember = { name: string; role: StaffRole | "viewer"; doctor?: string };

export type AccountSignIn =
  | { kind: "ok"; id: string; member: StaffMember }
  | { kind: "refused" }
  | { kind: "throttled" };

type Session = { member: StaffMember; expiresMs: number };

export class StaffSessions {
  private accounts = new Map<string, StaffAccount>();
  /** Session id -> session; Map order is age, so the oldest is evicted first. */
  private readonly sessions = new Map<string, Session>();
  private readonly throttle = new Throttle();
  /** Verified against when the name is unknown, so an unknown name costs what a known one does. */
  private dummyHash: Promise<string> = Bun.password.hash(randomBytes(16).toString("hex"), "argon2id");

  constructor(
    accounts: readonly StaffAccount[],
    private readonly ttlMs: number,
  ) {
    this.replaceAccounts(accounts);
  }

  /**
   * A reloaded staff.txt: removed accounts, those whose role or doctor changed, and those whose password
   * changed (`staff passwd`, the answer to a leaked one) lose their sessions at once.
   */
  replaceAccounts(accounts: readonly StaffAccount[]): void {
    const before = this.accounts;
    this.accounts = new Map(accounts.map((a) => [a.name, a]));
    for (const [id, s] of this.sessions) {
      const account = this.accounts.get(s.member.name);
      if (s.member.role === "viewer") continue;
      // A doctor account moved to another doctor must not keep reading the first one's patients.
      const moved = !account || account.role !== s.member.role || account.doctor !== s.member.doctor;
      if (moved || account.hash !== before.get(s.member.name)?.hash) this.sessions.delete(id);
    }
  }

  get hasAccounts(): boolean {
    return this.accounts.size > 0;
  }

  async signIn(name: string, password: string, address: string, now: number): Promise<AccountSignIn> {
    const attempt = this.throttle.begin(name, address, now);
    if (!attempt) return { kind: "throttled" };
    const account = this.accounts.get(name);
    const hash = account?.hash ?? (await this.dummyHash);
    const ok = (await Bun.password.verify(password, hash).catch(() => false)) && account !== undefined;
    // A reload during the check (staff passwd, a role changed) ends sessions it finds: none may open after it.
    if (!ok || !sameAccount(account, this.accounts.get(name))) return { kind: "refused" };
    this.throttle.succeeded(attempt);
    const member: StaffMember = { name, role: account.role, ...(account.doctor ? { doctor: account.doctor } : {}) };
    return { kind: "ok", id: this.open(member, now), member };
  }

  /** A new session for a member signed in some other way (the shared token's viewer). */
  open(member: StaffMember, now: number): string {
    const id = randomBytes(32).toString("base64url");
    this.sessions.set(id, { member, expiresMs: now + this.ttlMs });
    if (this.sessions.size > staff_sessions_max) this.sessions.delete(this.evictable(id, member.role));
    return id;
  }

  /**
   * Past the cap, the oldest session of the newcomer's role gives way (else the oldest of all): a
   * flood of sign-ins (the token's, run by a script) signs out its own kind, not the front desk.
   */
  private evictable(newId: string, role: StaffMember["role"]): string {
    for (const [id, s] of this.sessions) if (id !== newId && s.member.role === role) return id;
    return this.sessions.keys().next().value!;
  }

  /** The member behind a session id, or undefined for an unknown, forged or expired one. */
  member(id: string | undefined, now: number): StaffMember | undefined {
    if (id === undefined) return undefined;
    const session = this.sessions.get(id);
    if (session === undefined) return undefined;
    if (session.expiresMs > now) return session.member;
    this.sessions.delete(id);
    return undefined;
  }

  close(id: string | undefined): void {
    if (id !== undefined) this.sessions.delete(id);
  }
}

function sameAccount(a: StaffAccount, b: StaffAccount | undefined): boolean {
  return b !== undefined && a.hash === b.hash && a.role === b.role && a.doctor === b.doctor;
}

/**
 * A request another site made the browser send: refused for sign-in and every state-changing
 * request. Browsers send Sec-Fetch-Site (and Origin on POST); a request with neither comes from a
 * script or curl, which no web page can make carry the staff cookie.
 */
export function isCrossSite(req: Request): boolean {
  const site = req.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return true;
  const origin = req.headers.get("origin");
  if (origin === null) return false;
  const host = req.headers.get("host");
  try {
    return host === null || new URL(origin).host !== host;
  } catch {
    return true;
  }
}
