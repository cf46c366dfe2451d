// The PostgreSQL schema, created and migrated by the server itself: one transaction, under an
// advisory lock, so two instances starting at once on an empty database do not trip over each other
// (CREATE TABLE IF NOT EXISTS alone races on the catalog).
import type { SQL } from "bun";
import { DataError } from "../../../../shared/errors.ts";
import { copy_uids_sql, outboxTableSql } from "../../notify/outbox-plan.ts";
import { audit_follow_tables_sql, followerStartSql } from "../audit-follow-tables.ts";
import { audit_lock } from "../audit-records.ts";

/** Any fixed number: every instance of this program takes the same lock while it migrates. */
const migration_lock = 0x61707074; // "appt"

/** Each entry moves the schema from version i to i + 1. Append only; never edit one that shipped. */
const migrations: string[] = [
  `CREATE TABLE bookings (
     slot integer PRIMARY KEY,
     patient text NOT NULL,
     booked_at timestamptz NOT NULL DEFAULT now()
   );
   CREATE INDEX bookings_by_patient ON bookings (patient);`,
  // The calendar: rules, exceptions, numbered doctors, a version every edit bumps, and appointments
  // as what was booked (start_ms: the UTC instant in epoch ms, as in SQLite, so both run one SQL).
  // Overlaps of one doctor are refused under a per-doctor advisory lock
  // (pg-calendar.ts), which needs no extension (btree_gist) that a managed database may not allow.
  `CREATE TABLE calendar_doctors (id serial PRIMARY KEY, name text NOT NULL UNIQUE, port integer NOT NULL);
   CREATE TABLE calendar_rules (
     id serial PRIMARY KEY, doctor integer NOT NULL REFERENCES calendar_doctors (id),
     weekdays text NOT NULL, start_time text NOT NULL, end_time text NOT NULL, minutes integer NOT NULL,
     every_weeks integer NOT NULL DEFAULT 1, nth_of_month text NOT NULL DEFAULT '',
     valid_from text, valid_until text);
   CREATE TABLE calendar_exceptions (
     id serial PRIMARY KEY, doctor integer NOT NULL REFERENCES calendar_doctors (id),
     kind text NOT NULL CHECK (kind IN ('away', 'open')), from_date text NOT NULL, to_date text NOT NULL,
     from_time text, to_time text, minutes integer, reason text NOT NULL DEFAULT '');
   CREATE TABLE calendar_state (version bigint NOT NULL);
   INSERT INTO calendar_state (version) VALUES (0);
   CREATE TABLE appointments (
     doctor integer NOT NULL REFERENCES calendar_doctors (id), start_ms bigint NOT NULL,
     minutes integer NOT NULL, patient text NOT NULL, booked_at bigint NOT NULL,
     PRIMARY KEY (doctor, start_ms));
   CREATE INDEX appointments_by_patient ON appointments (patient);`,
  // The outbox (notify/outbox-plan.ts): messages written in each change's transaction, sent by the server.
  outboxTableSql("bigserial PRIMARY KEY", "bigint").join(";\n"),
  // The audit trail (audit-records.ts): append-only (only `audit archive` may delete, by a setting of
  // its own transaction), each record chained by hash to the one before; checkpoints left by archives.
  `CREATE TABLE audit (
     seq bigint PRIMARY KEY, at_ms bigint NOT NULL, actor text NOT NULL, role text NOT NULL, via text NOT NULL,
     address text NOT NULL, action text NOT NULL, subject text NOT NULL, before text NOT NULL, after text NOT NULL,
     reason text NOT NULL, prev_hash text NOT NULL, hash text NOT NULL);
   CREATE INDEX audit_by_subject ON audit (subject);
   CREATE TABLE audit_checkpoint (
     seq bigint PRIMARY KEY, hash text NOT NULL, at_ms bigint NOT NULL, archive text NOT NULL, mac text NOT NULL);
   CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
   BEGIN
     IF TG_OP = 'DELETE' AND current_setting('healthcenter.audit_archive', true) = 'on' THEN RETURN OLD; END IF;
     RAISE EXCEPTION 'the audit trail is append-only';
   END $$;
   CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
     FOR EACH ROW EXECUTE FUNCTION audit_append_only();
   CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
     FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only();`,
  // Appointment types (docs/CALENDAR.md "Appointment types"): a length, buffers, and the clinic's rules
  // for that type where it has its own (minutes; NULL = the clinic's). A rule names the types it offers
  // (comma-separated, the first its default; '' = a plain rule); an appointment keeps what was booked:
  // its type and buffers, so it blocks [start - before, start + minutes + after) of its doctor's time.
  `CREATE TABLE calendar_types (
     name text PRIMARY KEY, minutes integer NOT NULL, before_min integer NOT NULL DEFAULT 0,
     after_min integer NOT NULL DEFAULT 0, min_notice integer, max_ahead integer, cancel_cutoff integer);
   ALTER TABLE calendar_rules ADD COLUMN types text NOT NULL DEFAULT '';
   ALTER TABLE appointments ADD COLUMN type text NOT NULL DEFAULT '',
     ADD COLUMN before_min integer NOT NULL DEFAULT 0, ADD COLUMN after_min integer NOT NULL DEFAULT 0;`,
  // What happened at the visit (calendar/visit-status.ts): the status of an appointment that holds its
  // time, and cancelled appointments kept apart for history (their time free again), as in SQLite.
  `ALTER TABLE appointments ADD COLUMN status text NOT NULL DEFAULT 'booked'
     CHECK (status IN ('booked', 'arrived', 'fulfilled', 'noshow'));
   CREATE TABLE appointments_closed (
     id bigserial PRIMARY KEY, doctor integer NOT NULL, start_ms bigint NOT NULL, minutes integer NOT NULL,
     patient text NOT NULL, booked_at bigint NOT NULL, status text NOT NULL, closed_at bigint NOT NULL,
     closed_by text NOT NULL, reason text NOT NULL DEFAULT '', type text NOT NULL DEFAULT '');
   CREATE INDEX appointments_closed_by_start ON appointments_closed (start_ms);
   CREATE INDEX appointments_closed_by_patient ON appointments_closed (patient, start_ms);`,
  // The no-show limit's count, read in every booking's transaction when the limit is on: only the
  // no-shows are in it, so a booking (status booked) never writes to it.
  "CREATE INDEX appointments_noshows ON appointments (patient, start_ms) WHERE status = 'noshow'",
  // The uid and sequence of the appointment's latest message on its row (notify/outbox-plan.ts priorOf),
  // copied from the outbox; moves and cancellations no longer need the outbox's index by slot.
  `ALTER TABLE appointments ADD COLUMN uid text NOT NULL DEFAULT '', ADD COLUMN seq integer NOT NULL DEFAULT 0;
   ${copy_uids_sql};
   DROP INDEX IF EXISTS outbox_by_slot;`,
  // The audit trail's followers (audit-follow.ts): the outbox's (the changes before it wrote their
  // messages in their own transactions) and the index of records by subject, which replaces
  // audit_by_subject (a b-tree keyed in random order in every booking's commit: docs/PERFORMANCE.md).
  // Under the trail's lock, as an append is: a server of the version before may append meanwhile (an upgrade
  // one server at a time), and the index's copy of the trail and the cursors must read the same records.
  [
    `SELECT pg_advisory_xact_lock(${audit_lock})`,
    ...audit_follow_tables_sql("bigint"),
    followerStartSql("subjects"),
    followerStartSql("outbox"),
  ].join(";\n"),
  // The zone the calendar's rules were written in (calendar-zone.ts storedZone): set by the first edit,
  // then a server or an edit in another zone is refused instead of reading the wall times there.
  "ALTER TABLE calendar_state ADD COLUMN zone text",
  // A "moved" message's old start (notify/when.ts decide: quiet hours do not hold it before then); else NULL.
  // Written by the outbox's follower, after the change's commit: nullable, so no rewrite of the table.
  "ALTER TABLE outbox ADD COLUMN old_start_ms bigint",
];

export const schema_version = migrations.length;

/** Brings the schema to `schema_version`; returns the version it found. A newer schema is refused. */
export async function migrate(sql: SQL, shown: string): Promise<number> {
  return sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${migration_lock})`;
    await tx`CREATE TABLE IF NOT EXISTS appointments_schema (version integer NOT NULL)`;
    const rows = (await tx`SELECT version FROM appointments_schema`) as { version: number }[];
    const found = rows[0]?.version ?? 0;
    if (found > schema_version) {
      throw new DataError(
        shown,
        undefined,
        `has schema version ${found}, newer than this program's ${schema_version}; upgrade the server`,
      );
    }
    for (let v = found; v < schema_version; v++) await tx.unsafe(migrations[v]!);
    if (rows.length === 0) await tx`INSERT INTO appointments_schema (version) VALUES (${schema_version})`;
    else await tx`UPDATE appointments_schema SET version = ${schema_version}`;
    return found;
  });
}
