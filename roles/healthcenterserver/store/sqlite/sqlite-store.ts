// The SQLite booking store behind the AppointmentStore interface: the bookings table (store.ts),
// committed on the event loop's thread (in-process-committer.ts) behind the guard that retries a
// locked file and never confirms into a file the path no longer names (sqlite-guard.ts), restoring
// a deleted or replaced file from the connection still open on it (sqlite-restore.ts); its health
// is probed on a connection of its own (sqlite-probe.ts).
import { whenUnlocked } from "./sqlite-audit.ts";
import type { AuditContent, AuditRecord } from "../../audit/chain.ts";
import { DataError } from "../../../../shared/errors.ts";
import type { Log } from "../../../../shared/log.ts";
import type {
  AppointmentStore,
  BookingSink,
  Change,
  ChangeResult,
  Loaded,
  StoreOptions,
} from "../appointment-store.ts";
import { InProcessCommitter } from "./in-process-committer.ts";
import { checkDatabasePath, claimDatabaseFile, FileIdentity } from "./sqlite-file.ts";
import { GuardedCommitter } from "./sqlite-guard.ts";
import { DatabaseProbe } from "./sqlite-probe.ts";
import { RestorableStore } from "./sqlite-restore.ts";
import { DatabaseProblem } from "./sqlite-schema.ts";
import { BookingStore } from "./store.ts";

export class SqliteStore implements AppointmentStore {
  private readonly committer: GuardedCommitter;
  private readonly probe: DatabaseProbe;

  private constructor(
    private readonly file: RestorableStore,
    readonly shown: string,
    log: Log,
  ) {
    const restore = () => file.restore();
    this.committer = new GuardedCommitter(new InProcessCommitter(file), FileIdentity.opened(shown), log, restore);
    this.probe = new DatabaseProbe(shown);
  }

  /**
   * Opens (creating if need be) and checks the file: one that is not a booking database is a bad data
   * file. Another server using the same file is warned about (neither would see the other's changes).
   */
  static open(path: string, options: StoreOptions, log: Log): SqliteStore {
    const bookings = openChecked(path, options);
    const shared = claimDatabaseFile(path, options.sharedSqlite ? "allow" : "refuse");
    if (shared) log.warn(shared);
    return new SqliteStore(new RestorableStore(bookings, path, () => openChecked(path, options)), path, log);
  }

  async load(into: BookingSink): Promise<Loaded> {
    const loaded = { restored: 0, unknown: 0 };
    this.file.forEachBooking((index, patient) => {
      if (into.reserve(index, patient)) loaded.restored++;
      else loaded.unknown++;
    });
    return loaded;
  }

  commit(batch: readonly Change[]): Promise<ChangeResult[]> {
    return this.committer.commit(batch);
  }

  auditOfSubjects(subjects: string[], limit: number): Promise<AuditRecord[]> {
    return this.file.auditOfSubjects(subjects, limit);
  }

  indexAudit(max: number): Promise<number> {
    return this.file.indexAudit(max);
  }

  async appendAudit(content: AuditContent): Promise<void> {
    await whenUnlocked(() => this.file.appendAudit([content]));
  }

  problem(): string | undefined {
    return this.probe.problem();
  }

  async close(): Promise<void> {
    await this.committer.close();
  }
}

function openChecked(path: string, options: StoreOptions): BookingStore {
  try {
    checkDatabasePath(path);
    return new BookingStore(path, options);
  } catch (err) {
    if (err instanceof DatabaseProblem) throw new DataError(path, undefined, `${err.message}`);
    throw new DataError(path, undefined, `cannot be used as the booking database (${(err as Error).message})`);
  }
}
