// The audit trail's followers' tables (audit-follow.ts): their cursors, and the records' index by
// subject. Made by each database's migrations (SQLite schema 4, PostgreSQL migration 9).
export type FollowerName = "outbox" | "subjects";

/**
 * The followers' cursors, and the records' index by subject (made from the records there are; the
 * subjects follower keeps it from then on). `int`: the database's 64-bit integer type.
 */
export function audit_follow_tables_sql(int: string): string[] {
  return [
    `CREATE TABLE IF NOT EXISTS audit_followers (name TEXT PRIMARY KEY, seq ${int} NOT NULL)`,
    `CREATE TABLE IF NOT EXISTS audit_subjects (subject TEXT NOT NULL, seq ${int} NOT NULL, ` +
      `PRIMARY KEY (subject, seq))${int === "INTEGER" ? " WITHOUT ROWID" : ""}`,
    "INSERT INTO audit_subjects (subject, seq) SELECT subject, seq FROM audit",
    "DROP INDEX IF EXISTS audit_by_subject",
  ];
}

/**
 * The row a follower starts from, made once: at the trail's end (the last record, else the last
 * archive's checkpoint), so the records from before it are not handled again.
 */
export function followerStartSql(name: FollowerName): string {
  return (
    `INSERT INTO audit_followers (name, seq) SELECT '${name}', COALESCE((SELECT max(seq) FROM audit), ` +
    "(SELECT max(seq) FROM audit_checkpoint), 0) " +
    `WHERE NOT EXISTS (SELECT 1 FROM audit_followers WHERE name = '${name}')`
  );
}
