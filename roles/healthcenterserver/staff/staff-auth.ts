// Who may see patient names: staff who know the token (--staff-token-file). The token is
// compared in constant time (digests of equal length); a sign-in gets a random session id in
// an HttpOnly, SameSite=Strict cookie, so the token itself is sent once, not with every request.
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { UsageError } from "../../../shared/errors.ts";
import {
  staff_session_ttl_ms,
  staff_sessions_max,
  staff_signin_failures_per_minute_max,
  staff_token_bytes_max,
  staff_token_chars_min,
} from "../../../shared/limits.ts";
import { digestOf } from "../login/auth.ts";

export const session_cookie = "hcs_staff";

export type SignIn =
  | { kind: "ok"; cookie: string }
  | { kind: "refused" }
  | { kind: "throttled" }
  | { kind: "disabled" };

/** The token file: one line of printable ASCII, long enough not to be guessed. */
export function readStaffToken(path: string): string {
  let text: string;
  try {
    if (statSync(path).size > staff_token_bytes_max)
      throw new UsageError(`--staff-token-file ${path} is larger than ${staff_token_bytes_max} bytes`);
    text = readFileSync(path, "utf8");
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--staff-token-file: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
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
  /** Session id -> expiry (ms); Map order is age, so the oldest is evicted first. */
  private readonly sessions = new Map<string, number>();
  private failures = 0;
  private failuresMinute = 0;

  constructor(token: string | undefined) {
    this.tokenDigest = token === undefined ? undefined : digestOf(token);
  }

  get enabled(): boolean {
    return this.tokenDigest !== undefined;
  }

  /** Constant time in the candidate's content: both sides are hashed to 32 bytes first. */
  tokenMatches(candidate: string): boolean {
    return this.tokenDigest !== undefined && timingSafeEqual(digestOf(candidate), this.tokenDigest);
  }

  signIn(candidate: string, now: number): SignIn {
    if (!this.enabled) return { kind: "disabled" };
    const verdict = this.attempt(candidate, now);
    if (verdict !== "ok") return { kind: verdict };
    const id = randomBytes(32).toString("base64url");
    this.sessions.set(id, now + staff_session_ttl_ms);
    if (this.sessions.size > staff_sessions_max) this.sessions.delete(this.sessions.keys().next().value!);
    return {
      kind: "ok",
      cookie: `${session_cookie}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${staff_session_ttl_ms / 1000}`,
    };
  }

  /** Every guess counts against one budget per minute, whichever way it came. */
  private attempt(candidate: string, now: number): "ok" | "refused" | "throttled" {
    const minute = Math.floor(now / 60_000);
    if (minute !== this.failuresMinute) {
      this.failuresMinute = minute;
      this.failures = 0;
    }
    if (this.failures >= staff_signin_failures_per_minute_max) return "throttled";
    if (this.tokenMatches(candidate)) return "ok";
    this.failures += 1;
    return "refused";
  }

  signOut(req: Request): string {
    const id = sessionId(req);
    if (id !== undefined) this.sessions.delete(id);
    return `${session_cookie}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0`;
  }

  /** Signed in by cookie, or by `Authorization: Bearer <token>` (scripts, curl). */
  isStaff(req: Request, now: number): boolean {
    if (!this.enabled) return false;
    const bearer = /^Bearer (.+)$/.exec(req.headers.get("authorization") ?? "");
    if (bearer) return this.attempt(bearer[1]!, now) === "ok";
    const id = sessionId(req);
    if (id === undefined) return false;
    const expires = this.sessions.get(id);
    if (expires === undefined) return false;
    if (expires > now) return true;
    this.sessions.delete(id);
    return false;
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
