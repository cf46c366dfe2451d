// Changes made on the command line, recorded in the audit trail: who (the operating-system user, as
// role "operator"), via "cli", no address. Staff account changes are recorded when the command is
// given the bookings database (--db, or the deployment file's db); availability edits always are,
// in the edit's own transaction (availability-edit.ts).
import { userInfo } from "node:os";
import type { AuditContent } from "../audit/chain.ts";
import { appendAuditRecords } from "../store/audit-records.ts";
import { openCalendarDb, SqliteCalendarDb, type CalendarDb } from "../store/calendar-db.ts";
import { parseDbTarget, readDbPassword } from "../store/db-target.ts";
import type { ChangeWho } from "../store/appointment-store.ts";

export function operatorWho(reason = ""): ChangeWho {
  let actor = process.env.SUDO_USER ?? "";
  if (!actor) {
    try {
      actor = userInfo().username;
    } catch {
      actor = `uid ${process.getuid?.() ?? "?"}`;
    }
  }
  return { actor, role: "operator", via: "cli", address: "", reason };
}

export type OperatorChange = Pick<AuditContent, "action" | "subject" | "before" | "after" | "reason">;

/** Appends one record to the database `dbText` names, in a transaction of its own. */
export async function recordOperatorChange(
  dbText: string,
  passwordFile: string | undefined,
  change: OperatorChange,
): Promise<void> {
  const target = parseDbTarget(dbText);
  const db: CalendarDb =
    target.kind === "sqlite"
      ? SqliteCalendarDb.open(target.path)
      : await openCalendarDb(target, readDbPassword(passwordFile));
  try {
    const { reason: _, ...who } = operatorWho();
    await db.transaction((tx) => appendAuditRecords(tx, [{ atMs: Date.now(), ...who, ...change }]));
  } finally {
    await db.close();
  }
}
