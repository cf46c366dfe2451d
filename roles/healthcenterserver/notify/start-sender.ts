// Starts the outbox's sender for a calendar with [notify] configured: the relay's mailer, the
// patients' contacts read from their records (NAMEinsurance.txt) at send time, the /metrics gauges
// and the staff page's view.
import { readDataFile, type DataDir } from "../../../shared/datadir.ts";
import { parsePatientRecord } from "../../../shared/datafiles.ts";
import type { Log } from "../../../shared/log.ts";
import type { OutboxView } from "../staff/outbox-route.ts";
import type { ServerMetrics } from "../staff/server-metrics.ts";
import type { CalendarDb } from "../store/calendar-db.ts";
import type { Contact } from "./compose.ts";
import { Mailer } from "./email.ts";
import type { NotifySettings } from "./notify-settings.ts";
import { OutboxSender } from "./sender.ts";

/** A record read is kept this long (a `users add` shows within it), for this many patients at most. */
const contact_cache_ms = 10_000;
const contact_cache_max = 10_000;

/** The patient's email and phone as their record has them; undefined for none or an unreadable record. */
export function contactFrom(data: DataDir, now = Date.now): (patient: string) => Contact | undefined {
  const cache = new Map<string, { at: number; contact: Contact | undefined }>();
  const read = (patient: string) => {
    const file = `${patient}insurance.txt`;
    try {
      const { email, phone } = parsePatientRecord(file, readDataFile(data, file));
      return { email, phone };
    } catch {
      return undefined;
    }
  };
  return (patient) => {
    const hit = cache.get(patient);
    if (hit && now() - hit.at < contact_cache_ms) return hit.contact;
    if (cache.size >= contact_cache_max) cache.clear();
    const contact = read(patient);
    cache.set(patient, { at: now(), contact });
    return contact;
  };
}

export function startSender(
  notify: NotifySettings,
  db: CalendarDb | undefined,
  data: DataDir,
  log: Log,
  staff: { metrics: ServerMetrics; outbox: OutboxView | undefined } | undefined,
  bookingsBusy?: () => boolean,
): OutboxSender | undefined {
  if (!db) {
    log.warn(
      "[notify] is set, but this server runs on availabilities.txt: confirmations and reminders need a calendar",
    );
    return undefined;
  }
  const sender = new OutboxSender(
    db,
    {
      clinic: notify.clinic,
      quiet: notify.policy.quiet,
      mailer: notify.smtp ? new Mailer(notify.smtp) : undefined,
      webhook: notify.webhook,
      contactOf: contactFrom(data),
      policy: notify.policy,
      bookingsBusy,
    },
    log,
  );
  if (staff) {
    staff.metrics.addOutbox(sender);
    staff.outbox = sender;
  }
  sender.start();
  return sender;
}
