// Durable bookings in bun:sqlite. A booking is confirmed only after its transaction commits
// with synchronous=FULL, so a confirmed booking survives kill -9 and power loss of the process.
import { Database, type Statement } from "bun:sqlite";
import { database_busy_timeout_ms } from "../../shared/limits.ts";

export type BookingRequest = { index: number; patient: string };

export class BookingStore {
  private readonly db: Database;
  private readonly insert: Statement;
  private readonly commitBatch: (batch: BookingRequest[]) => boolean[];

  constructor(path: string) {
    this.db = new Database(path, { create: true, strict: true });
    this.db.run(`PRAGMA busy_timeout = ${database_busy_timeout_ms}`);
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = FULL");
    this.db.run(
      "CREATE TABLE IF NOT EXISTS bookings (slot INTEGER PRIMARY KEY, patient TEXT NOT NULL, booked_at INTEGER NOT NULL)",
    );
    const check = this.db.query("PRAGMA quick_check").get() as { quick_check: string } | null;
    if (check?.quick_check !== "ok") throw new Error(`database ${path} failed its integrity check: ${check?.quick_check}`);
    // The primary key decides a race between processes sharing the file; RETURNING tells us who won.
    this.insert = this.db.prepare(
      "INSERT INTO bookings (slot, patient, booked_at) VALUES (?, ?, ?) ON CONFLICT (slot) DO NOTHING RETURNING slot",
    );
    const tx = this.db.transaction((batch: BookingRequest[]) => {
      const now = Date.now();
      return batch.map((b) => this.insert.get(b.index, b.patient, now) !== null);
    });
    this.commitBatch = (batch) => tx.immediate(batch);
  }

  /** Every stored booking: slot index -> patient. */
  bookings(): Map<number, string> {
    const rows = this.db.query("SELECT slot, patient FROM bookings").all() as { slot: number; patient: string }[];
    return new Map(rows.map((r) => [r.slot, r.patient]));
  }

  /** Commits the batch in one transaction; true for each booking that was stored, false where the slot was taken. */
  commit(batch: BookingRequest[]): boolean[] {
    return this.commitBatch(batch);
  }

  /** Finalizes the statement first: a close with one still open is deferred and would leave the WAL behind. */
  close(): void {
    this.insert.finalize();
    this.db.close(true);
  }
}
