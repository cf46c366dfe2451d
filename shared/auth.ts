// Checking a login: constant-time for plaintext, asynchronous for argon2id hashes, and the
// same work for an unknown user as for a wrong password, so timing does not reveal who exists.
import { createHash, timingSafeEqual } from "node:crypto";
import type { User } from "./datafiles.ts";
import { Throttle } from "./throttle.ts";

export type AuthResult = "success" | "failure" | "throttled";

// A hash of a random password, for unknown users when the file holds hashes.
const dummy_hash_password = crypto.randomUUID();

export class Authenticator {
  private readonly users = new Map<string, User["secret"]>();
  private readonly anyHashed: boolean;
  private dummyHash: string | undefined;

  constructor(users: User[], readonly throttle = new Throttle()) {
    for (const u of users) this.users.set(u.name, u.secret);
    this.anyHashed = users.some((u) => u.secret.kind === "hash");
  }

  get plaintextCount(): number {
    let n = 0;
    for (const s of this.users.values()) if (s.kind === "plain") n++;
    return n;
  }

  /** Synchronous for plaintext users; a promise where an argon2id hash has to be verified. */
  check(user: string, password: string, address: string, now: number): AuthResult | Promise<AuthResult> {
    if (this.throttle.isBlocked(user, address, now)) return "throttled";
    const secret = this.users.get(user) ?? this.unknownUserSecret();
    const settle = (ok: boolean): AuthResult => {
      if (ok && this.users.has(user)) return "success";
      this.throttle.recordFailure(user, address, now);
      return "failure";
    };
    if (secret.kind === "plain") return settle(equalConstantTime(password, secret.password));
    return Bun.password.verify(password, secret.hash).then(settle, () => settle(false));
  }

  private unknownUserSecret(): User["secret"] {
    if (!this.anyHashed) return { kind: "plain", password: dummy_hash_password };
    this.dummyHash ??= Bun.password.hashSync(dummy_hash_password, "argon2id");
    return { kind: "hash", hash: this.dummyHash };
  }
}

/** Compares digests so neither the content nor the length of the password leaks through timing. */
export function equalConstantTime(a: string, b: string): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db);
}
