// Durable bookings in bun:sqlite. A booking is confirmed only after its transaction commits
// with synchronous=FULL, so a confirmed booking survives kill -9 and power loss of the process.
import { Database, type Statement } from "bun:sqlite";
import { database_open_busy_timeout_ms } from "../../shared/limits.ts";
import { prepareSchema } from "./sqlite-schema.ts";

export type BookingRequest = { index: number; patient: string };
/** Stored, or the slot was already held: by whom, as the database says. */
export type BookingResult = { stored: true } | { stored: false; holder: string };

export class BookingStore {
  private readonly db: Database;
  private readonly insert: Statement;
  private readonly holder: Statement;
  private readonly commitBatch: (batch: BookingRequest[]) => BookingResult[];

  constructor(path: string) {
    this.db = new Database(path, { create: true, strict: true });
    this.db.run(`PRAGMA busy_timeout = ${database_open_busy_timeout_ms}`);
    this.db.run("PRAGMA journal_mode = WAL");
    this.db.run("PRAGMA synchronous = FULL");
    prepareSchema(this.db);
    // From here on a lock held elsewhere answers BUSY at once; the committer retries on a timer.
    this.db.run("PRAGMA busy_timeout = 0");
    // The primary key decides a race between processes sharing the file; RETURNING tells us who won.
    this.insert = this.db.prepare(
      "INSERT INTO bookings (slot, patient, booked_at) VALUES (?, ?, ?) ON CONFLICT (slot) DO NOTHING RETURNING slot",
    );
    this.holder = this.db.prepare("SELECT patient FROM bookings WHERE slot = ?");
    const tx = this.db.transaction((batch: BookingRequest[]) => {
      const now = Date.now();
      return batch.map((b): BookingResult => {
        if (this.insert.get(b.index, b.patient, now) !== null) return { stored: true };
        const row = this.holder.get(b.index) as { patient: string } | null;
        return { stored: false, holder: row?.patient ?? "" };
      });
    });
    this.commitBatch = (batch) => tx.immediate(batch);
  }

  /** Every stored booking: slot index -> patient. */
  bookings(): Map<number, string> {
    const rows = this.db.query("SELECT slot, patient FROM bookings").all() as { slot: number; patient: string }[];
    return new Map(rows.map((r) => [r.slot, r.patient]));
  }

  /** Commits the batch in one transaction: one result per booking, in order. */
  commit(batch: BookingRequest[]): BookingResult[] {
    return this.commitBatch(batch);
  }

  /** Finalizes the statements first: a close with one still open is deferred and would leave the WAL behind. */
  close(): void {
    this.insert.finalize();
    this.holder.finalize();
    this.db.close(true);
  }
}
