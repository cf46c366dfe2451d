// The staff port's share of the one descriptor budget: its connections are counted (each request names
// its connection by the peer's address and port) and held to staff_connections_max, which the patients'
// connection cap leaves room for (cli/fd-cap.ts), so keep-alive connections to the page can never take the
// descriptors patients need. A connection is forgotten once idle as long as the server keeps an idle one
// open; a live page's stays counted while it is open.
export class StaffConnections {
  /** Connection key -> when its last request came, or Infinity while it carries a live page. */
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly max: number,
    private readonly idleMs: number,
  ) {}

  get count(): number {
    return this.seen.size;
  }

  /** A request on connection `key`: false when it is a new connection and every place is taken. */
  admit(key: string, nowMs: number): boolean {
    const known = this.seen.get(key);
    if (known !== undefined) {
      if (known !== Number.POSITIVE_INFINITY) this.seen.set(key, nowMs);
      return true;
    }
    if (this.seen.size >= this.max) this.forgetIdle(nowMs);
    if (this.seen.size >= this.max) return false;
    this.seen.set(key, nowMs);
    return true;
  }

  /** The connection carries a live page until `ended`: it stays counted, whatever its idleness. */
  live(key: string, ended: AbortSignal, nowMs: number): void {
    this.seen.set(key, Number.POSITIVE_INFINITY);
    ended.addEventListener("abort", () => this.seen.set(key, nowMs), { once: true });
  }

  private forgetIdle(nowMs: number): void {
    for (const [key, last] of this.seen) if (nowMs - last >= this.idleMs) this.seen.delete(key);
  }
}
