// Committed changes to the schedule, for whoever watches it (the staff page, metrics).
// Publish only after the change is on disk: a watcher must never see a booking that may yet fail.
// Every path that changes a holder publishes here: a booking (Booker), a correction from the
// database (another process won the slot), and cancellations and moves.

/** Slot `index` is now held by `holder`, or free when `holder` is undefined. */
export type SlotChange = { index: number; holder: string | undefined };
export type ChangeListener = (change: SlotChange) => void;

export class ChangeFeed {
  private readonly listeners = new Set<ChangeListener>();
  /** Called when a listener throws: the change is committed, so the others still hear it. */
  onListenerError: (err: unknown) => void = () => {};

  /** Returns the function that unsubscribes. */
  subscribe(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  /** Tells every listener, synchronously, in subscription order. Cheap when nobody listens. */
  publish(change: SlotChange): void {
    if (this.listeners.size === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(change);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }
}
