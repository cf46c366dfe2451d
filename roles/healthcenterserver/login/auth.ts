// Checking a login. The attempt is counted before any checking starts (see throttle.ts). When
// users.txt holds any argon2id hash, *every* check costs one argon2id verification (a plaintext
// user's password and an unknown name are verified against a dummy hash as well), so the reply
// time does not tell who exists or how their password is stored. Checks run through a fair queue.
import { timingSafeEqual } from "node:crypto";
import type { User } from "../../../shared/datafiles.ts";
import { password_checks_concurrent_max, password_checks_waiting_per_address_max } from "../../../shared/limits.ts";
import { CheckQueue } from "./check-queue.ts";
import { addressKey, Throttle } from "./throttle.ts";

export type AuthResult = "success" | "failure" | "throttled";

// A random password: what the dummy hash is made of, so no sent password ever matches it.
const dummy_password = crypto.randomUUID();

/** Plaintext passwords are kept as their SHA-256 digests, so a login hashes only what it was sent. */
type Stored = { kind: "digest"; digest: Buffer } | { kind: "hash"; hash: string };

export class Authenticator {
  private users = new Map<string, Stored>();
  private anyHashed: string | undefined;
  private readonly dummyDigest = digestOf(dummy_password);
  private dummyHash: Promise<string> | undefined;
  private readonly queue = new CheckQueue(password_checks_concurrent_max, password_checks_waiting_per_address_max);

  constructor(
    users: readonly User[],
    readonly throttle = new Throttle(),
  ) {
    this.replaceUsers(users);
  }

  /** Takes a new user list whole (a reload); the throttle's counts carry over. */
  replaceUsers(users: readonly User[]): void {
    const stored = new Map<string, Stored>();
    for (const u of users) {
      stored.set(
        u.name,
        u.secret.kind === "plain" ? { kind: "digest", digest: digestOf(u.secret.password) } : u.secret,
      );
    }
    this.users = stored;
    const hashed = users
      .map((u) => (u.secret.kind === "hash" ? u.secret.hash : undefined))
      .find((h) => h !== undefined);
    if (hashed !== this.anyHashed) this.dummyHash = undefined;
    this.anyHashed = hashed;
    // Made now, in the background: the first login must not pay for it (that would show in its timing).
    if (hashed !== undefined) void this.dummy();
  }

  /**
   * Synchronous when no user has a hash (or when throttled); otherwise a promise settled by the fair queue.
   * `from` is the peer's address, or what reads it when needed (each read is a system call): a plaintext
   * login with no failure on record never needs it, nor the clock (`now`, read when not given: 40 ns).
   */
  check(user: string, password: string, from: string | Peer, now?: number): AuthResult | Promise<AuthResult> {
    const stored = this.users.get(user);
    if (this.anyHashed === undefined) {
      // Checked before anything else can run: counting the failure now is counting the attempt.
      if (this.throttle.anyRecorded && this.throttle.isBlocked(user, addressOf(from), now ?? Date.now()))
        return "throttled";
      if (
        timingSafeEqual(loginDigest(password), stored?.kind === "digest" ? stored.digest : this.dummyDigest) &&
        stored
      )
        return "success";
      this.throttle.recordFailure(user, addressOf(from), now ?? Date.now());
      return "failure";
    }
    const address = addressOf(from);
    const attempt = this.throttle.begin(user, address, now ?? Date.now());
    if (!attempt) return "throttled";
    const settle = (ok: boolean): AuthResult => {
      if (!ok) return "failure";
      this.throttle.succeeded(attempt);
      return "success";
    };
    const pending = this.queue.run(addressKey(address), () => this.verify(stored, password));
    return pending ? pending.then(settle, () => settle(false)) : "throttled";
  }

  /** One argon2id verification whatever is stored: the user's own hash, or the dummy one. */
  private async verify(stored: Stored | undefined, password: string): Promise<boolean> {
    if (stored?.kind === "hash") return Bun.password.verify(password, stored.hash);
    const spent = await Bun.password.verify(password, await this.dummy());
    const digestMatches = timingSafeEqual(digestOf(password), stored?.digest ?? this.dummyDigest);
    return stored !== undefined && digestMatches && !spent;
  }

  /** A hash of a random password with the same argon2id cost as the file's own hashes. */
  private dummy(): Promise<string> {
    const m = /\$m=(\d+),t=(\d+)/.exec(this.anyHashed ?? "");
    this.dummyHash ??= Bun.password.hash(
      dummy_password,
      m ? { algorithm: "argon2id", memoryCost: Number(m[1]), timeCost: Number(m[2]) } : "argon2id",
    );
    return this.dummyHash;
  }
}

/** Where a login comes from, read only when needed. */
export type Peer = { readonly address: string };

function addressOf(from: string | Peer): string {
  return typeof from === "string" ? from : from.address;
}

/**
 * SHA-256 of a secret (UTF-8): what plaintext passwords and the staff token are kept and compared as.
 * Bun's one-shot hash: 0.7 µs a login against 2.6 µs through node:crypto's createHash object.
 */
export function digestOf(text: string): Buffer {
  return Bun.CryptoHasher.hash("sha256", text);
}

/** Where a plaintext login's digest is written: one buffer, as the check that reads it runs at once. */
const login_digest = new Uint8Array(32);

/** The same SHA-256 as digestOf, into login_digest: 70 ns a login against 130, and no buffer made per login. */
function loginDigest(password: string): Uint8Array {
  return Bun.SHA256.hash(password, login_digest) as Uint8Array;
}
