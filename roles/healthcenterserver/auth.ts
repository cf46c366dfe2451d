// Checking a login: constant-time for plaintext, asynchronous for argon2id hashes, and the
// same work for an unknown user as for a wrong password, so timing does not reveal who exists.
import { createHash, timingSafeEqual } from "node:crypto";
import type { User } from "../../shared/datafiles.ts";
import { Throttle } from "./throttle.ts";

export type AuthResult = "success" | "failure" | "throttled";

// A random password: what an unknown user is checked against.
const dummy_password = crypto.randomUUID();

/** Plaintext passwords are kept as their SHA-256 digests, so a login hashes only what it was sent. */
type Stored = { kind: "digest"; digest: Buffer } | { kind: "hash"; hash: string };

export class Authenticator {
  private users = new Map<string, Stored>();
  private anyHashed = false;
  private readonly dummyDigest: Stored = { kind: "digest", digest: digestOf(dummy_password) };
  private dummyHash: Stored | undefined;

  constructor(users: readonly User[], readonly throttle = new Throttle()) {
    this.replaceUsers(users);
  }

  /** Takes a new user list whole (a reload); the throttle's counts carry over. */
  replaceUsers(users: readonly User[]): void {
    const stored = new Map<string, Stored>();
    for (const u of users) {
      stored.set(u.name, u.secret.kind === "plain" ? { kind: "digest", digest: digestOf(u.secret.password) } : u.secret);
    }
    this.users = stored;
    this.anyHashed = users.some((u) => u.secret.kind === "hash");
  }

  /** Synchronous for plaintext users; a promise where an argon2id hash has to be verified. */
  check(user: string, password: string, address: string, now: number): AuthResult | Promise<AuthResult> {
    if (this.throttle.isBlocked(user, address, now)) return "throttled";
    const stored = this.users.get(user) ?? this.unknownUser();
    const settle = (ok: boolean): AuthResult => {
      if (ok && this.users.has(user)) return "success";
      this.throttle.recordFailure(user, address, now);
      return "failure";
    };
    if (stored.kind === "digest") return settle(timingSafeEqual(digestOf(password), stored.digest));
    return Bun.password.verify(password, stored.hash).then(settle, () => settle(false));
  }

  /** The same kind of work as a known user costs: a real argon2id check when the file holds hashes. */
  private unknownUser(): Stored {
    if (!this.anyHashed) return this.dummyDigest;
    this.dummyHash ??= { kind: "hash", hash: Bun.password.hashSync(dummy_password, "argon2id") };
    return this.dummyHash;
  }
}

function digestOf(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

/** Compares digests so neither the content nor the length of the password leaks through timing. */
export function equalConstantTime(a: string, b: string): boolean {
  return timingSafeEqual(digestOf(a), digestOf(b));
}
