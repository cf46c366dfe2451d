// Changes made on the command line, recorded in the audit trail: who (the operating-system user, as
// role "operator"), via "cli", no address. Staff account changes are recorded when the command is
// given the bookings database (--db, or the deployment file's db); availability edits always are,
// in the edit's own transaction (availability-edit.ts).
import { userInfo } from "node:os";
import { UsageError } from "../../../shared/errors.ts";
import { staff_reason_chars_max } from "../../../shared/staff-limits.ts";
import type { AuditContent } from "../audit/chain.ts";
import { appendAuditRecords } from "../store/audit-records.ts";
import { openCalendarDb, SqliteCalendarDb, type CalendarDb } from "../store/calendar-db.ts";
import { parseDbTarget, readDbPassword } from "../store/db-target.ts";
import type { ChangeWho } from "../store/appointment-store.ts";

export function operatorWho(reason = ""): ChangeWho {
  // Bounded and one line, as a staff member's reason on the page is: the record is kept for ever.
  if (reason.length > staff_reason_chars_max)
    throw new UsageError(`--reason is ${reason.length} characters; at most ${staff_reason_chars_max}`);
  if (/\p{Cc}/u.test(reason)) throw new UsageError("--reason must be one line of text (no control characters)");
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

/**
 * Opens the database `dbText` names, runs `change` (the file edit the record is about), then appends one
 * record in a transaction of its own. Opened first, so a database that cannot be reached or is no database
 * stops the command before anything changes (before: the file was changed, and the record failed after).
 */
export async function recordOperatorChange(
  dbText: string,
  passwordFile: string | undefined,
  record: OperatorChange,
  change: () => void,
): Promise<void> {
  const target = parseDbTarget(dbText);
  const db: CalendarDb =
    target.kind === "sqlite"
      ? SqliteCalendarDb.open(target.path)
      : await openCalendarDb(target, readDbPassword(passwordFile));
  try {
    change();
    const { reason: _, ...who } = operatorWho();
    await db.transaction((tx) => appendAuditRecords(tx, [{ atMs: Date.now(), ...who, ...record }]));
  } finally {
    await db.close();
  }
}
