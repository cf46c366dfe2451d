// Who is asking the staff page: a staff member signed in by name and password (staff.txt), the old
// shared token's read-only viewer (--staff-token-file), or nobody. Both kinds of sign-in open a
// session in StaffSessions and get its random id in an HttpOnly, SameSite=Strict cookie. A wrong
// token counts against the address it came from (the patients' Throttle), never one global budget.
import { timingSafeEqual } from "node:crypto";
import { UsageError } from "../../../shared/errors.ts";
import { readFlagFile } from "../../../shared/regular-file.ts";
import { staff_token_bytes_max, staff_token_chars_min } from "../../../shared/limits.ts";
import { digestOf } from "../login/auth.ts";
import { Throttle } from "../login/throttle.ts";
import type { AccountSignIn, StaffMember, StaffSessions } from "./staff-sessions.ts";

export const session_cookie = "hcs_staff";

/** The shared token's member: sees names, changes nothing. */
export const token_viewer: StaffMember = { name: "token", role: "viewer" };

/** The token file: one line of printable ASCII, long enough not to be guessed. */
export function readStaffToken(path: string): string {
  const text = readFlagFile("--staff-token-file", path, staff_token_bytes_max);
  const token = text.trim();
  if (!/^[\x21-\x7e]+$/.test(token) || token.length < staff_token_chars_min) {
    throw new UsageError(
      `--staff-token-file ${path} must hold one token of at least ${staff_token_chars_min} printable characters ` +
        `(try: openssl rand -hex 24 > ${path})`,
    );
  }
  return token;
}

export class StaffAuth {
  private readonly tokenDigest: Buffer | undefined;
  private readonly tokenThrottle = new Throttle();

  constructor(
    token: string | undefined,
    readonly sessions: StaffSessions,
    private readonly ttlMs: number,
  ) {
    this.tokenDigest = token === undefined ? undefined : digestOf(token);
  }

  get tokenEnabled(): boolean {
    return this.tokenDigest !== undefined;
  }

  /** Constant time in the candidate's content: both sides are hashed to 32 bytes first. */
  private tokenMatches(candidate: string): boolean {
    return this.tokenDigest !== undefined && timingSafeEqual(digestOf(candidate), this.tokenDigest);
  }

  /** The token, checked against this address's budget; a match opens a viewer session. */
  signInToken(candidate: string, address: string, now: number): AccountSignIn {
    const checked = this.checkToken(candidate, address, now);
    if (checked !== "ok") return { kind: checked };
    return { kind: "ok", id: this.sessions.open(token_viewer, now), member: token_viewer };
  }

  private checkToken(candidate: string, address: string, now: number): "ok" | "refused" | "throttled" {
    if (!this.tokenEnabled) return "refused";
    const attempt = this.tokenThrottle.begin("(token)", address, now);
    if (!attempt) return "throttled";
    if (!this.tokenMatches(candidate)) return "refused";
    this.tokenThrottle.succeeded(attempt);
    return "ok";
  }

  cookie(id: string): string {
    return `${session_cookie}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${Math.floor(this.ttlMs / 1000)}`;
  }

  signOut(req: Request): string {
    this.sessions.close(sessionId(req));
    return `${session_cookie}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }

  /** Signed in by cookie, or by `Authorization: Bearer <token>` (scripts, curl: the viewer). */
  member(req: Request, address: string, now: number): StaffMember | undefined {
    const bearer = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "");
    // Checked, not signed in: a session per request would evict staff sessions (oldest first) past
    // staff_sessions_max, so a script polling with the token would sign the front desk out.
    if (bearer) return this.checkToken(bearer[1]!, address, now) === "ok" ? token_viewer : undefined;
    return this.sessions.member(sessionId(req), now);
  }
}

function sessionId(req: Request): string | undefined {
  const cookies = req.headers.get("cookie") ?? "";
  for (const part of cookies.split(";")) {
    const [name, value] = part.trim().split("=", 2);
    if (name === session_cookie && value) return value;
  }
  return undefined;
}
