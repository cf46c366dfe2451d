// Login throttling, headless: failures per user and per address inside a sliding window.
import { login_failures_per_address_max, login_failures_per_user_max, login_window_ms, throttle_entries_max } from "../../shared/limits.ts";

export type ThrottleLimits = { perUser: number; perAddress: number; windowMs: number; entriesMax: number };

export const default_throttle_limits: ThrottleLimits = {
  perUser: login_failures_per_user_max,
  perAddress: login_failures_per_address_max,
  windowMs: login_window_ms,
  entriesMax: throttle_entries_max,
};

export class Throttle {
  // key -> times of recent failures, oldest first; Map order makes the oldest entry easy to evict.
  private readonly failures = new Map<string, number[]>();

  constructor(private readonly limits: ThrottleLimits = default_throttle_limits) {}

  /** Refused without checking the password: too many recent failures for this user or from this address. */
  isBlocked(user: string, address: string, now: number): boolean {
    if (this.failures.size === 0) return false; // the usual case: no key to build
    return this.recent(`u:${user}`, now) >= this.limits.perUser || this.recent(`a:${address}`, now) >= this.limits.perAddress;
  }

  recordFailure(user: string, address: string, now: number): void {
    this.add(`u:${user}`, now, this.limits.perUser);
    this.add(`a:${address}`, now, this.limits.perAddress);
  }

  get size(): number {
    return this.failures.size;
  }

  private recent(key: string, now: number): number {
    const times = this.failures.get(key);
    if (!times) return 0;
    const cutoff = now - this.limits.windowMs;
    while (times.length > 0 && times[0]! <= cutoff) times.shift();
    if (times.length === 0) this.failures.delete(key);
    return times.length;
  }

  private add(key: string, now: number, keepMax: number): void {
    let times = this.failures.get(key);
    if (times) this.failures.delete(key);
    else times = [];
    times.push(now);
    if (times.length > keepMax) times.shift();
    this.failures.set(key, times);
    if (this.failures.size > this.limits.entriesMax) {
      const oldest = this.failures.keys().next().value;
      if (oldest !== undefined) this.failures.delete(oldest);
    }
  }
}
