// Reply bytes queued across all connections: each connection's queue is capped on its own, and this
// caps their sum, so many slow readers together cannot grow the server without bound.
export class QueueBudget {
  totalBytes = 0;
  constructor(
    readonly capBytes: number,
    private readonly onOver: () => void,
  ) {}

  /** A connection's queue grew or shrank by `delta` bytes; past the cap, `onOver` sheds the slowest readers. */
  add(delta: number): void {
    this.totalBytes += delta;
    if (delta > 0 && this.totalBytes > this.capBytes) this.onOver();
  }
}
