// Reads of a patient's appointments from the page (/api/appointments), bounded per staff account:
// each read writes an audit record (a row in the database's chain, in a transaction of its own), so
// one account, or a script holding its cookie, must not be able to fill the trail or keep the
// database busy. Each account's window starts at its first read; past the bound the read is
// refused (429) with when to try again, and nothing is read or recorded.

export class ReadRate {
  private readonly windows = new Map<string, { startMs: number; reads: number }>();

  constructor(
    private readonly perWindow: number,
    private readonly windowMs: number,
    /** Accounts remembered at once; past it, windows that have ended are dropped. */
    private readonly accountsMax = 1024,
  ) {}

  /** 0 when `account` may read now (the read is counted); otherwise the ms until it may. */
  take(account: string, nowMs: number): number {
    let w = this.windows.get(account);
    if (w === undefined || nowMs - w.startMs >= this.windowMs) {
      if (w === undefined && this.windows.size >= this.accountsMax) this.dropEnded(nowMs);
      w = { startMs: nowMs, reads: 0 };
      this.windows.set(account, w);
    }
    if (w.reads >= this.perWindow) return w.startMs + this.windowMs - nowMs;
    w.reads += 1;
    return 0;
  }

  private dropEnded(nowMs: number): void {
    for (const [account, w] of this.windows) if (nowMs - w.startMs >= this.windowMs) this.windows.delete(account);
    // Every window still open (more accounts than the bound read within one window): start afresh.
    if (this.windows.size >= this.accountsMax) this.windows.clear();
  }
}
