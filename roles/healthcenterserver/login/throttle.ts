// Login throttling, headless. Attempts (not finished checks) are counted per user name *from one
// address* and per address, in a sliding window: an attempt counts the moment it starts, so guesses
// sent in parallel are limited exactly as sequential ones, and a success takes its own attempt back.
// There is deliberately no limit per user name alone: it would let anyone lock the owner out from
// anywhere (see docs/SECURITY.md, "Guessing").
import { addressKey } from "../../../shared/address-key.ts";
import {
  login_failures_per_address_max,
  login_failures_per_user_max,
  login_window_ms,
  throttle_entries_max,
} from "../../../shared/limits.ts";

export { addressKey };

export type ThrottleLimits = { perUser: number; perAddress: number; windowMs: number; entriesMax: number };

export const default_throttle_limits: ThrottleLimits = {
  perUser: login_failures_per_user_max,
  perAddress: login_failures_per_address_max,
  windowMs: login_window_ms,
  entriesMax: throttle_entries_max,
};

/** A started attempt: hand it back with `succeeded` to take it off the count. */
export type Attempt = { user: string; address: string; at: number };

export class Throttle {
  // key -> times of recent attempts, oldest first; Map order makes the oldest entry easy to evict.
  private readonly attempts = new Map<string, number[]>();

  constructor(private readonly limits: ThrottleLimits = default_throttle_limits) {}

  /** Counts an attempt and returns it, or undefined when this
   * user from this address, or this address, is over its limit. */
  begin(user: string, address: string, now: number): Attempt | undefined {
    const from = addressKey(address);
    if (this.isBlocked(user, from, now)) return undefined;
    this.add(pairKey(user, from), now, this.limits.perUser);
    this.add(`a:${from}`, now, this.limits.perAddress);
    return { user, address: from, at: now };
  }

  /** The attempt was the right password: it no longer counts (earlier failures still do). */
  succeeded(attempt: Attempt): void {
    this.remove(pairKey(attempt.user, attempt.address), attempt.at);
    this.remove(`a:${attempt.address}`, attempt.at);
  }

  /** A failure found synchronously (no check in flight, so counting it now is counting it at the start). */
  recordFailure(user: string, address: string, now: number): void {
    const from = addressKey(address);
    this.add(pairKey(user, from), now, this.limits.perUser);
    this.add(`a:${from}`, now, this.limits.perAddress);
  }

  /** False while nothing at all is counted (the usual case): no key needs building, no address reading. */
  get anyRecorded(): boolean {
    return this.attempts.size > 0;
  }

  isBlocked(user: string, address: string, now: number): boolean {
    if (this.attempts.size === 0) return false; // the usual case: no key to build
    const from = addressKey(address);
    return (
      this.recent(pairKey(user, from), now) >= this.limits.perUser ||
      this.recent(`a:${from}`, now) >= this.limits.perAddress
    );
  }

  get size(): number {
    return this.attempts.size;
  }

  private recent(key: string, now: number): number {
    const times = this.attempts.get(key);
    if (!times) return 0;
    const cutoff = now - this.limits.windowMs;
    while (times.length > 0 && times[0]! <= cutoff) times.shift();
    if (times.length === 0) this.attempts.delete(key);
    return times.length;
  }

  private add(key: string, now: number, keepMax: number): void {
    let times = this.attempts.get(key);
    if (times) this.attempts.delete(key);
    else times = [];
    times.push(now);
    if (times.length > keepMax) times.shift();
    this.attempts.set(key, times);
    if (this.attempts.size > this.limits.entriesMax) {
      const oldest = this.attempts.keys().next().value;
      if (oldest !== undefined) this.attempts.delete(oldest);
    }
  }

  private remove(key: string, at: number): void {
    const times = this.attempts.get(key);
    const i = times?.lastIndexOf(at) ?? -1;
    if (i >= 0) times!.splice(i, 1);
    if (times?.length === 0) this.attempts.delete(key);
  }
}

function pairKey(user: string, address: string): string {
  return `p:${address} ${user}`;
}
