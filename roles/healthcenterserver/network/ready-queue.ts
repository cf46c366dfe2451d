// Pipelined lines take turns: a connection runs one line per data event, and the lines it sent behind it
// wait here, so one client's burst of requests cannot hold the event loop while other patients wait.
// One shared callback (setImmediate) serves every waiting connection round-robin, a bounded number of
// lines per turn; a connection that sends one request at a time never comes here.
export class ReadyQueue<T> {
  private waiting: T[] = [];
  private scheduled = false;

  /** `step` runs one waiting line of a connection (guarded); it may add the connection again. */
  constructor(
    private readonly linesPerTurn: number,
    private readonly step: (item: T) => void,
  ) {}

  add(item: T): void {
    this.waiting.push(item);
    this.schedule();
  }

  get size(): number {
    return this.waiting.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.turn());
  }

  private turn(): void {
    this.scheduled = false;
    // Those waiting when the turn began, up to the bound; one that adds itself again goes to a later turn.
    const now = this.waiting.splice(0, this.linesPerTurn);
    for (const item of now) this.step(item);
    if (this.waiting.length > 0) this.schedule();
  }
}
