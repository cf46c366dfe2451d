// The work that follows the audit trail after the commits, on the server's thread, yielding to
// bookings (a commit begun within outbox_yield_ms): the outbox's sender, which first turns new
// records into messages, and the index of records by subject. Returns how to stop both.
import { outbox_yield_ms } from "../../../shared/limits.ts";
import type { Log } from "../../../shared/log.ts";
import type { Settings } from "../cli/settings.ts";
import { startSender } from "../notify/start-sender.ts";
import type { StaffPage } from "../staff/staff-page.ts";
import type { AppointmentStore } from "../store/appointment-store.ts";
import type { CalendarDb } from "../store/calendar-db.ts";
import { SubjectIndexer, type Indexable } from "./subject-indexer.ts";

export function startFollowers(
  settings: Settings,
  db: CalendarDb | undefined,
  store: AppointmentStore,
  booker: { readonly lastCommitMs: number },
  log: Log,
  staff: StaffPage | undefined,
): () => Promise<void> {
  const busy = () => performance.now() - booker.lastCommitMs < outbox_yield_ms;
  const sender = settings.notify && startSender(settings.notify, db, settings.data, log, staff, busy);
  const indexer = store.indexAudit && new SubjectIndexer(store as Indexable, busy, log);
  indexer?.start();
  return async () => {
    await sender?.stop();
    await indexer?.stop();
  };
}
