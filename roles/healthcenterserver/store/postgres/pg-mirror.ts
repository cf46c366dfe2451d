// Keeps this instance's in-memory schedule current with a PostgreSQL database other instances also write (the classic
// bookings table, or a calendar's appointments: its MirrorSource). Another instance's commit arrives as a NOTIFY
// naming the slots it touched; those are read again (never trusted from the message), and a reconnect of the LISTEN
// connection, or a failed commit, reads again whatever may have changed unseen; while LISTEN reconnects after a lost
// connection (its backoff grows to seconds), the whole schedule is re-read every half second. Reads go one at a time
// (an older answer never overwrites a newer one). Own notices are ignored, but for a failed commit that landed. A read
// must not undo what this instance is doing: a slot reserved here and not yet committed, one in a transaction (a
// cancellation's slot stays taken in memory until it is stored), or one committed while the read was on the wire (its
// snapshot may predate the commit) keeps its local state; the next read settles it (a passed-over slot is read again
// once this instance's change settles).
import type { SQL } from "bun";
import { assert } from "../../../../shared/assert.ts";
import { NetworkError } from "../../../../shared/errors.ts";
import {
  database_commit_timeout_ms,
  database_read_page_slots,
  database_doubt_ms,
  database_poll_after_fault_ms,
  database_poll_interval_ms,
  database_retry_ms_max,
  database_retry_ms_min,
} from "../../../../shared/limits.ts";
import type { Log } from "../../../../shared/log.ts";
import { parseChangeNotice, withinTimeout, type CommitWatcher } from "./pg-committer.ts";
import { listen_probe_prefix } from "./pg-listen-probe.ts";
import type { Schedule } from "../../booking/schedule.ts";
import type { BookedAs } from "../appointment-store.ts";

export type MirrorRow = { slot: number; patient: string; span?: BookedAs }; // span: a calendar's type, length, buffers
export type MirrorSource = { channel: string; read(slots: number[]): Promise<MirrorRow[]> };

export class PgMirror implements CommitWatcher {
  private wantAll = false;
  private readonly wanted = new Set<number>();
  private reading = false;
  /** Slots committed here while a read is on the wire. */
  private touched: Set<number> | undefined;
  /**
   * Slots in a transaction of this instance, until the Booker has recorded its outcome: a count, since
   * the next batch may take a slot again before the last one's `committed` (a turn later) has run.
   */
  private readonly inCommit = new Map<number, number>();
  /** Slots a read passed over because this instance was changing them: read again once that settles. */
  private readonly skipped = new Set<number>();
  private retryMs = database_retry_ms_min;
  private retryTimer: Timer | undefined;
  private subscription: { unlisten(): Promise<void> } | undefined;
  private isPending: (index: number) => boolean = () => false;
  private closed = false;
  /** After a lost connection: full re-reads on a timer until LISTEN is back (its reconnect backs off to seconds). */
  private pollTimer: Timer | undefined;
  private pollUntil = 0;
  /** Slots of commits reported failed that may still land (until the time given): our own notice then says they did. */
  private readonly doubtful = new Map<number, number>();
  private failing = false;

  constructor(
    private readonly sql: SQL,
    private readonly schedule: Schedule,
    private readonly instance: string,
    private readonly shown: string,
    private readonly log: Log,
    private readonly source: MirrorSource,
  ) {}

  /** From now on, slots this instance is booking are left alone by re-reads. */
  attach(isPending: (index: number) => boolean): void {
    this.isPending = isPending;
  }

  /** Subscribes to other instances' changes; every (re)subscription re-reads everything. */
  async listen(): Promise<void> {
    try {
      this.subscription = await this.sql.listen(
        this.source.channel,
        (payload) => this.onNotice(payload),
        () => this.onListening(),
      );
    } catch (err) {
      throw new NetworkError(
        `cannot listen for other servers' changes on PostgreSQL at ${this.shown}: ${(err as Error).message}`,
      );
    }
  }

  /** Why this instance cannot use the database now (its reads fail), for /readyz; undefined when it can. */
  problem(): string | undefined {
    return this.failing ? `PostgreSQL at ${this.shown} does not answer` : undefined;
  }

  /** Any connection to PostgreSQL closed or failed to open: the LISTEN one may be among them. */
  connectionLost(): void {
    if (this.closed) return;
    this.pollUntil = Date.now() + database_poll_after_fault_ms;
    this.pollTimer ??= setInterval(() => {
      if (Date.now() < this.pollUntil && !this.closed) return this.refreshAll();
      clearInterval(this.pollTimer);
      this.pollTimer = undefined;
    }, database_poll_interval_ms);
  }

  /** Subscribed (again): whatever was missed meanwhile is read now, and polling can stop. */
  private onListening(): void {
    this.pollUntil = 0;
    this.refreshAll();
  }

  committing(slots: number[]): void {
    for (const s of slots) this.inCommit.set(s, (this.inCommit.get(s) ?? 0) + 1);
  }

  committed(slots: number[]): void {
    for (const s of slots) {
      const left = (this.inCommit.get(s) ?? 0) - 1;
      if (left > 0) {
        this.inCommit.set(s, left);
        continue;
      }
      this.inCommit.delete(s);
      this.touched?.add(s);
      if (this.skipped.delete(s)) this.wanted.add(s);
    }
    this.kick();
  }

  uncertain(slots: number[]): void {
    this.committed(slots);
    const now = Date.now();
    for (const [s, until] of this.doubtful) if (until <= now) this.doubtful.delete(s);
    for (const s of slots) this.doubtful.set(s, now + database_doubt_ms);
    this.refresh(slots);
  }

  refresh(slots: Iterable<number>): void {
    for (const s of slots) this.wanted.add(s);
    this.kick();
  }

  refreshAll(): void {
    this.wantAll = true;
    this.kick();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    clearInterval(this.pollTimer);
    await this.subscription?.unlisten().catch(() => {});
  }

  private onNotice(payload: string): void {
    if (payload.startsWith(listen_probe_prefix)) return; // a server's /readyz probe (pg-listen-probe.ts)
    const notice = parseChangeNotice(payload);
    if (!notice)
      return this.log.warn(
        `ignored a notice on ${this.source.channel} not sent by this program: ${JSON.stringify(payload.slice(0, 80))}`,
        { cause: "foreign PostgreSQL notices" },
      );
    if (notice.instance !== this.instance) return this.refresh(notice.slots);
    // Our own commit: normally already recorded; but one we reported failed has landed after all.
    if (this.doubtful.size === 0) return;
    const now = Date.now();
    const landed = notice.slots.filter((s) => (this.doubtful.get(s) ?? 0) > now);
    for (const s of landed) this.doubtful.delete(s);
    if (landed.length > 0) this.refresh(landed);
  }

  private kick(): void {
    if (this.reading || this.retryTimer !== undefined || this.closed) return;
    if (this.wantAll || this.wanted.size > 0) void this.read();
  }

  private async read(): Promise<void> {
    assert(!this.reading, () => "one read of the bookings at a time");
    // A slot passed over is read again when this instance's change of it settles: so it must still be in one.
    for (const s of this.skipped) {
      assert(this.isPending(s) || this.inCommit.has(s), () => `skipped slot ${s} is still being changed here`);
    }
    this.reading = true;
    const all = this.wantAll;
    const slots = all ? undefined : [...this.wanted];
    this.wantAll = false;
    this.wanted.clear();
    this.touched = new Set();
    try {
      if (slots) this.apply(slots, await this.readSlots(slots));
      else await this.readAll();
      if (this.failing) this.log.notice(`PostgreSQL at ${this.shown} answers again; the schedule is current`);
      this.failing = false;
      this.retryMs = database_retry_ms_min;
    } catch (err) {
      if (all) this.wantAll = true;
      for (const s of slots ?? []) this.wanted.add(s);
      // Backoff, but never longer than the poll interval right after a fault: the database is
      // usually back within seconds, and the view should follow it within one.
      const waitMs = this.pollTimer ? Math.min(this.retryMs, database_poll_interval_ms) : this.retryMs;
      // One warning an outage (the recovery is logged too), not one every retry.
      if (!this.failing)
        this.log.warn(
          `cannot read bookings from PostgreSQL at ${this.shown} (${(err as Error).message}); ` +
            "retrying until it answers",
        );
      this.failing = true;
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        this.kick();
      }, waitMs);
      this.retryMs = Math.min(database_retry_ms_max, this.retryMs * 2);
    } finally {
      this.reading = false;
      this.touched = undefined;
      this.kick();
    }
  }

  /** Bounded like a commit: a read stuck on a database that stopped answering must not hold the ones after it. */
  private async readSlots(slots: number[]): Promise<MirrorRow[]> {
    return await withinTimeout(this.source.read(slots), database_commit_timeout_ms);
  }

  /** Every slot, a page at a time, each applied before the next is read: one page's indexes and bookings
   * in memory at once, and no object per slot (the indexes come straight from the slot table). */
  private async readAll(): Promise<void> {
    for (let start = 0; start < this.schedule.slots.length; start += database_read_page_slots) {
      const table = this.schedule.slots;
      const page: number[] = [];
      for (let p = start; p < Math.min(table.length, start + database_read_page_slots); p++)
        page.push(table.indexAt(p));
      this.apply(page, await this.readSlots(page));
    }
  }

  /** Makes the schedule say what the rows say, for `slots`. */
  private apply(slots: number[], rows: MirrorRow[]): void {
    const held = new Map(rows.map((r) => [r.slot, r]));
    for (const index of slots) this.reconcile(index, held.get(index)?.patient, held.get(index)?.span);
  }

  private reconcile(index: number, holder: string | undefined, span: BookedAs | undefined): void {
    if (this.isPending(index) || this.inCommit.has(index)) return void this.skipped.add(index);
    if (this.touched?.has(index)) return void this.wanted.add(index);
    if (this.schedule.position(index) === undefined) return;
    const local = this.schedule.holderOf(index);
    if (local === holder) return;
    if (holder === undefined) this.schedule.release(index);
    else if (local === undefined) this.schedule.reserve(index, holder, span);
    else this.schedule.correctHolder(index, holder);
    this.schedule.changes.publish({ index, holder });
  }
}
