// The outbox on the staff page: how many messages are pending, sent, failed and skipped, and the
// oldest pending and failed ones with their last error (who, what, when), for a role that may view.
// A doctor account sees the patient (and the error, which may name their address) on its own doctor's
// messages only.
import { namesShownTo, seesNameOf } from "./accounts.ts";
import { json } from "./http-reply.ts";
import type { Routes } from "./routes.ts";

/** Shown on the page; the outbox's sender gives it once it runs (undefined: no [notify]). */
export type OutboxView = {
  counts: Record<"pending" | "sent" | "failed" | "skipped", number>;
  oldestPendingAgeS(): number;
  recent(state: "pending" | "failed", count: number): Promise<Record<string, unknown>[]>;
};

const shown_max = 20;
/** Another doctor's message as a doctor account sees it. */
const hidden = { patient: "", error: "" };

/** `doctorName`: a calendar doctor's name by number (the outbox's rows carry the number). */
export function outboxRoutes(
  view: () => OutboxView | undefined,
  zone: string,
  doctorName: (doctor: number) => string | undefined,
): Routes {
  return {
    "GET /api/outbox": {
      action: "view",
      async handle({ member }) {
        const names = namesShownTo(member);
        const outbox = view();
        if (!outbox) return json({ error: "no confirmations or reminders are configured ([notify])" }, 404);
        const local = (ms: unknown) =>
          Temporal.Instant.fromEpochMilliseconds(Number(ms)).toZonedDateTimeISO(zone).toString().slice(0, 16);
        const rows = async (state: "pending" | "failed") =>
          (await outbox.recent(state, shown_max)).map((r) => ({
            ...(seesNameOf(names, doctorName(Number(r.doctor))) ? { patient: r.patient, error: r.last_error } : hidden),
            kind: r.kind,
            channel: r.channel,
            appointment: local(r.start_ms),
            due: local(r.due_ms),
            tries: Number(r.attempts),
          }));
        const { pending, sent, failed, skipped } = outbox.counts;
        return json({
          counts: { pending, sent, failed, skipped },
          oldestPendingAgeS: Math.round(outbox.oldestPendingAgeS()),
          failed: await rows("failed"),
          pending: await rows("pending"),
        });
      },
    },
  };
}
