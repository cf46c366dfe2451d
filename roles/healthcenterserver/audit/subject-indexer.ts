// Keeps the audit trail's index by subject (audit_subjects, which the staff page's history reads)
// current after each change's commit: a loop on the server's thread that yields to bookings as the
// outbox's sender does. The index is the subjects follower's (store/audit-follow.ts): kept out of the
// booking's own commit, where a b-tree keyed in random order cost every booking a page
// (docs/PERFORMANCE.md). Records it has not reached yet are read from the trail's end.
import * as limits from "../../../shared/limits.ts";
import type { Log } from "../../../shared/log.ts";
import { YieldPace } from "../notify/yield-pace.ts";

export type Indexable = { indexAudit(max: number): Promise<number> };

export class SubjectIndexer {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private running: Promise<unknown> | undefined;
  private stopped = false;
  private readonly pace: YieldPace;

  /** `busy`: true while bookings come in. */
  constructor(
    private readonly store: Indexable,
    busy: () => boolean,
    private readonly log: Log,
  ) {
    this.pace = new YieldPace(busy, limits.outbox_yield_lag_max_ms, () => performance.now());
  }

  start(): void {
    const loop = async () => {
      if (this.stopped) return;
      const yielding = this.pace.yields();
      const max = yielding ? limits.audit_index_yield_batch : limits.audit_index_batch;
      let indexed = 0;
      this.running = this.store.indexAudit(max).then(
        (n) => (indexed = n),
        (err) => this.failed(err as { code?: string; message: string }),
      );
      await this.running;
      this.pace.passed(indexed >= max);
      const more = !yielding && indexed >= max;
      if (!this.stopped)
        this.timer = setTimeout(loop, more ? limits.audit_index_busy_pause_ms : limits.audit_index_poll_ms);
    };
    void loop();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  private failed(err: { code?: string; message: string }): void {
    // Another process holds the file's write lock for a moment (an operator's edit): the next pass.
    if (err.code === "SQLITE_BUSY") return;
    this.log.warn(`audit: cannot index the trail by subject: ${err.message}`, { cause: "audit index" });
  }
}
