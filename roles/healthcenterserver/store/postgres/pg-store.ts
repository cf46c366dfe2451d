// The PostgreSQL booking store behind the AppointmentStore interface: commits go through PgCommitter,
// the schedule follows the other servers through PgMirror, and it says why it cannot take a booking
// now (its reads fail, or its last commit did) and, for /readyz, asks the database itself (checkNow).
import type { AuditContent, AuditRecord } from "../../audit/chain.ts";
import type { SQL } from "bun";
import { NetworkError } from "../../../../shared/errors.ts";
import {
  database_commit_timeout_ms,
  database_probe_reuse_ms,
  database_probe_timeout_ms,
} from "../../../../shared/limits.ts";
import type { AppointmentStore, BookingSink, Change, ChangeResult, Loaded } from "../appointment-store.ts";
import { withinTimeout, type PgCommitter } from "./pg-committer.ts";
import type { PgMirror } from "./pg-mirror.ts";

export class PgStore implements AppointmentStore {
  private lastCommitFailed = false;
  /** The last probe (reused for database_probe_reuse_ms: checks from several balancers share one). */
  private probing: Promise<string | undefined> | undefined;
  private probedMs = 0;

  constructor(
    /** host:port/database */
    private readonly where: string,
    private readonly sql: SQL,
    private readonly committer: PgCommitter,
    private readonly mirror: PgMirror,
  ) {}

  get shown(): string {
    return `PostgreSQL at ${this.where}`;
  }

  async load(into: BookingSink): Promise<Loaded> {
    const read = this.sql`SELECT slot, patient FROM bookings`.execute() as Promise<{ slot: number; patient: string }[]>;
    const rows = await withinTimeout(read, database_commit_timeout_ms).catch((err: Error) => {
      throw new NetworkError(`cannot read the bookings from PostgreSQL at ${this.where}: ${err.message}`);
    });
    const loaded = { restored: 0, unknown: 0 };
    for (const row of rows) {
      if (into.reserve(row.slot, row.patient)) loaded.restored++;
      else loaded.unknown++;
    }
    return loaded;
  }

  auditOfSubjects(subjects: string[], limit: number): Promise<AuditRecord[]> {
    return this.committer.auditOfSubjects(subjects, limit);
  }

  indexAudit(max: number): Promise<number> {
    return this.committer.indexAudit(max);
  }

  async appendAudit(content: AuditContent): Promise<void> {
    await withinTimeout(this.committer.appendAudit(content), database_commit_timeout_ms);
  }

  async commit(batch: readonly Change[]): Promise<ChangeResult[]> {
    try {
      const results = await this.committer.commit(batch);
      this.lastCommitFailed = false;
      return results;
    } catch (err) {
      this.lastCommitFailed = true;
      throw err;
    }
  }

  problem(): string | undefined {
    if (this.lastCommitFailed)
      return this.mirror.problem() ?? "the last booking could not be committed to the database";
    return this.mirror.problem();
  }

  async checkNow(): Promise<string | undefined> {
    const now = Date.now();
    if (!this.probing || now - this.probedMs > database_probe_reuse_ms) {
      this.probedMs = now;
      this.probing = withinTimeout(this.sql`SELECT 1`.execute(), database_probe_timeout_ms).then(
        () => {
          this.lastCommitFailed = false;
          return undefined;
        },
        (err: Error) => `PostgreSQL at ${this.where} does not answer (${err.message})`,
      );
    }
    return this.probing;
  }

  async follow(isPending: (index: number) => boolean): Promise<void> {
    this.mirror.attach(isPending);
    await this.mirror.listen();
  }

  heldBy(patient: string): Promise<number[]> {
    return this.committer.heldBy(patient);
  }

  close(): Promise<void> {
    return this.committer.close();
  }
}
