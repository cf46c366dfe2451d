// Group commit on PostgreSQL: one transaction per batch, its statements pipelined (sent together,
// answered together). The slot's primary key decides a race between instances; the holder is read
// back in a second statement (a fresh snapshot, which sees the row that won). The NOTIFY inside the
// transaction reaches the other instances only once it commits. Batches with cancellations, moves or
// a per-patient limit send one statement per change, still all at once (pg-changes.ts).
import { auditOf } from "../../audit/change-records.ts";
import type { AuditContent, AuditRecord } from "../../audit/chain.ts";
import { appendAuditRecords, auditOfSubjects, indexSubjects } from "../audit-records.ts";
import { PgCalendarDb } from "../calendar-db.ts";
import type { SQL } from "bun";
import { database_commit_timeout_ms, database_doubt_ms, database_notify_bytes_max } from "../../../../shared/limits.ts";
import type { Change, ChangeResult, Committer } from "../appointment-store.ts";
import { OutcomeUnknown } from "../outcome-unknown.ts";
import {
  changeStatements,
  decodeAnswers,
  isRetryable,
  onlyBookings,
  slotLocks,
  touchedSlots,
  unknown_holder,
} from "./pg-changes.ts";

export const change_channel = "appointments_changes";

/**
 * What the committer tells the mirror about each batch. `committed` and `uncertain` come a turn after
 * the commit settles, once the Booker has recorded its outcome: until then a re-read leaves the slots alone.
 */
export type CommitWatcher = {
  /** These slots are in a transaction now. */
  committing(slots: number[]): void;
  /** That transaction committed, and the Booker has recorded what it did. */
  committed(slots: number[]): void;
  /** It failed (maybe after it was stored), and the Booker has undone it in memory: read these slots again. */
  uncertain(slots: number[]): void;
};

export class PgCommitter implements Committer {
  /** Batches PostgreSQL rolled back for a deadlock or a serialization failure, and that were tried again. */
  retried = 0;
  /** Hears each batch PostgreSQL rolled back (deadlock, serialization) and that is tried once more. */
  onRetry: ((why: string) => void) | undefined;
  /** Commits given up on (timed out, connection lost) that may still land: see heldBy. */
  private readonly doubtful = new Set<Promise<void>>();

  constructor(
    private readonly sql: SQL,
    private readonly instance: string,
    private readonly watcher: CommitWatcher,
    private readonly closeAll: () => Promise<void>,
    private readonly bookingsPerPatient = 0,
  ) {}

  async commit(batch: readonly Change[]): Promise<ChangeResult[]> {
    const slots = touchedSlots(batch);
    this.watcher.committing(slots);
    let results: ChangeResult[];
    const work = this.commitOnceMore(batch, slots);
    try {
      results = await withinTimeout(work, database_commit_timeout_ms);
    } catch (err) {
      // The Booker undoes the batch in memory when this rejects; read its slots again after that.
      setTimeout(() => this.watcher.uncertain(slots), 0);
      const why = `PostgreSQL: ${(err as Error).message}`;
      if (rolledBack(err)) throw new Error(why);
      this.inDoubt(work);
      throw new OutcomeUnknown(why);
    }
    setTimeout(() => this.watcher.committed(slots), 0);
    const unknown = results.flatMap((r, i) =>
      r.kind === "taken" && r.holder === unknown_holder ? touchedSlots([batch[i]!]) : [],
    );
    if (unknown.length > 0) setTimeout(() => this.watcher.uncertain(unknown), 0);
    return results;
  }

  /** The locks are taken in one order, so a deadlock is not expected; if PostgreSQL still breaks one, try once more. */
  private async commitOnceMore(batch: readonly Change[], slots: number[]): Promise<ChangeResult[]> {
    const attempt = () =>
      onlyBookings(batch, this.bookingsPerPatient) ? this.commitBookings(batch) : this.commitChanges(batch, slots);
    try {
      return await attempt();
    } catch (err) {
      if (!isRetryable(err)) throw err;
      this.retried += 1;
      this.onRetry?.((err as Error).message);
      return attempt();
    }
  }

  /** One statement per change, sent together with the patients' locks and the notices. */
  private async commitChanges(batch: readonly Change[], slots: number[]): Promise<ChangeResult[]> {
    const limit = this.bookingsPerPatient;
    let skip = 0;
    return this.sql.begin(async (tx) => {
      const built = changeStatements(tx, batch, limit);
      skip = built.skip;
      const answers = (await Promise.all([
        ...built.statements,
        ...changeNotices(this.instance, slots).map((payload) => tx.notify(change_channel, payload)),
      ])) as unknown[];
      const results = decodeAnswers(batch, answers, skip, limit);
      await appendAuditRecords(new PgCalendarDb(tx as unknown as SQL), auditOf(batch, results, Date.now()));
      return results;
    });
  }

  /**
   * Plain bookings without a limit: one insert for the whole batch, the holders read back, the notices.
   * A slot asked twice in one batch is inserted for its first booking only; the later ones find it
   * taken, as they would one statement each (rule 2 of appointment-store.ts).
   */
  private async commitBookings(batch: readonly Extract<Change, { kind: "book" }>[]): Promise<ChangeResult[]> {
    const first = new Map<number, string>();
    for (const b of batch) if (!first.has(b.index)) first.set(b.index, b.patient);
    const slots = [...first.keys()];
    const patients = [...first.values()];
    return this.sql.begin(async (tx) => {
      const [, inserted, holders] = (await Promise.all([
        slotLocks(tx, slots),
        tx`INSERT INTO bookings (slot, patient)
           SELECT * FROM unnest(${slots}::int[], ${patients}::text[]) AS t(slot, patient) ORDER BY slot
           ON CONFLICT (slot) DO NOTHING RETURNING slot`,
        tx`SELECT slot, patient FROM bookings WHERE slot = ANY(${slots}::int[])`,
        ...changeNotices(this.instance, slots).map((payload) => tx.notify(change_channel, payload)),
      ])) as [unknown, { slot: number }[], { slot: number; patient: string }[]];
      const stored = new Set(inserted.map((r) => r.slot));
      const holderOf = new Map(holders.map((r) => [r.slot, r.patient]));
      const results = batch.map(
        (b): ChangeResult =>
          stored.delete(b.index)
            ? { kind: "done" }
            : { kind: "taken", holder: holderOf.get(b.index) ?? unknown_holder },
      );
      await appendAuditRecords(new PgCalendarDb(tx as unknown as SQL), auditOf(batch, results, Date.now()));
      return results;
    });
  }

  auditOfSubjects(subjects: string[], limit: number): Promise<AuditRecord[]> {
    return withinTimeout(auditOfSubjects(new PgCalendarDb(this.sql), subjects, limit), database_commit_timeout_ms);
  }

  indexAudit(max: number): Promise<number> {
    return withinTimeout(indexSubjects(new PgCalendarDb(this.sql), max), database_commit_timeout_ms);
  }

  /** An audit record of what is not a booking change, in a transaction of its own. */
  async appendAudit(content: AuditContent): Promise<void> {
    await this.sql.begin((tx) => appendAuditRecords(new PgCalendarDb(tx as unknown as SQL), [content]));
  }

  /**
   * The slots the database has as the patient's, in slot order (what `mine` answers). A commit given
   * up on may still be on its way: the list is read only once those have settled, so it tells their outcome.
   */
  async heldBy(patient: string): Promise<number[]> {
    const read = async () => {
      await Promise.all(this.doubtful);
      return (await this.sql`SELECT slot FROM bookings WHERE patient = ${patient} ORDER BY slot`) as { slot: number }[];
    };
    return (await withinTimeout(read(), database_commit_timeout_ms)).map((r) => r.slot);
  }

  /** A commit whose outcome is unknown: watched until it settles, or for database_doubt_ms at most. */
  private inDoubt(work: Promise<unknown>): void {
    let timer: Timer | undefined;
    const settled = Promise.race([
      work.then(
        () => {},
        () => {},
      ),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, database_doubt_ms))),
    ]);
    this.doubtful.add(settled);
    void settled.then(() => {
      clearTimeout(timer);
      this.doubtful.delete(settled);
    });
  }

  async close(): Promise<void> {
    await this.closeAll();
  }
}

/**
 * Whether a failed commit is known not to be stored: PostgreSQL answered with an error (it rolls the
 * transaction back), or no connection could be opened. A timeout or a connection lost on the way
 * leaves the outcome unknown; so does the server shutting down (57P01..57P03) mid-commit.
 */
function rolledBack(err: unknown): boolean {
  const e = err as { code?: string; errno?: unknown };
  if (e.code === "ERR_POSTGRES_CONNECTION_REFUSED") return true;
  if (e.code !== "ERR_POSTGRES_SERVER_ERROR") return false;
  return !(typeof e.errno === "string" && (e.errno.startsWith("57P") || e.errno.startsWith("08")));
}

/** A database that stops answering (a partition, a frozen host) must not hold the Booker: give up, report, move on. */
export function withinTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms / 1000} s`)), ms);
  });
  work.catch(() => {}); // a late failure after the timeout has nobody left to tell
  return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
}

/** `<instance> <slot>,<slot>,...`, split so each notice fits PostgreSQL's payload limit. */
export function changeNotices(instance: string, slots: number[]): string[] {
  const notices: string[] = [];
  let current = "";
  for (const slot of slots) {
    const next = current === "" ? String(slot) : `${current},${slot}`;
    if (instance.length + 1 + next.length > database_notify_bytes_max) {
      notices.push(`${instance} ${current}`);
      current = String(slot);
    } else {
      current = next;
    }
  }
  if (current !== "") notices.push(`${instance} ${current}`);
  return notices;
}

/** The sender and the slots of a notice; undefined for one this program did not send. */
export function parseChangeNotice(payload: string): { instance: string; slots: number[] } | undefined {
  const m = /^(\S+) (\d+(?:,\d+)*)$/.exec(payload);
  if (!m) return undefined;
  return { instance: m[1]!, slots: m[2]!.split(",").map(Number) };
}
