// Background work that yields to bookings, but never for long: while `busy()` says bookings come in,
// a pass takes a small batch; once every pass has left work waiting for longer than `lagMaxMs`, the
// work goes at full pace, bookings or not (the outbox's sender, the audit trail's subject index).
export class YieldPace {
  /** Since when every pass has left work waiting; undefined: caught up. */
  private behindSince: number | undefined;

  constructor(
    private readonly busy: () => boolean,
    private readonly lagMaxMs: number,
    private readonly now: () => number,
  ) {}

  /** Whether this pass yields: bookings come in, and the work has not waited past lagMaxMs. */
  yields(): boolean {
    const lagging = this.behindSince !== undefined && this.now() - this.behindSince > this.lagMaxMs;
    return !lagging && this.busy();
  }

  /** After a pass: `waiting`, it left work for the next. */
  passed(waiting: boolean): void {
    this.behindSince = waiting ? (this.behindSince ?? this.now()) : undefined;
  }
}
