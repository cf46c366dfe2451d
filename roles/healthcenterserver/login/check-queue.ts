// Password checks are expensive (an argon2id hash is ~100 ms of a core): at most `concurrent` run at
// once and at most one per address, and waiting checks are taken round-robin by address. So one
// address's flood runs one check at a time behind itself, and another address's login finds a free
// place at once (or, with many busy addresses, waits its turn among them).
export class CheckQueue {
  private running = 0;
  private readonly runningBy = new Map<string, number>();
  // address -> its waiting checks, oldest first; Map order is the round-robin order.
  private readonly waiting = new Map<string, (() => void)[]>();

  constructor(
    private readonly concurrent: number,
    private readonly perAddressMax: number,
    private readonly perAddressRunning = 1,
  ) {}

  /** Runs `job` when its turn comes; undefined (nothing run) when this address already has too many waiting. */
  run<T>(address: string, job: () => Promise<T>): Promise<T> | undefined {
    const queue = this.waiting.get(address) ?? [];
    if (queue.length >= this.perAddressMax) return undefined;
    return new Promise<T>((resolve, reject) => {
      const start = () => {
        this.running++;
        this.runningBy.set(address, (this.runningBy.get(address) ?? 0) + 1);
        job()
          .then(resolve, reject)
          .finally(() => {
            this.running--;
            const left = this.runningBy.get(address)! - 1;
            if (left === 0) this.runningBy.delete(address);
            else this.runningBy.set(address, left);
            this.next();
          });
      };
      if (queue.length === 0 && this.canStart(address)) return start();
      queue.push(start);
      this.waiting.set(address, queue);
    });
  }

  private canStart(address: string): boolean {
    return this.running < this.concurrent && (this.runningBy.get(address) ?? 0) < this.perAddressRunning;
  }

  private next(): void {
    for (const [address, queue] of this.waiting) {
      if (!this.canStart(address)) continue;
      const start = queue.shift()!;
      // Move this address to the back, so the next free place goes to another one.
      this.waiting.delete(address);
      if (queue.length > 0) this.waiting.set(address, queue);
      start();
      if (this.running >= this.concurrent) return;
    }
  }
}
