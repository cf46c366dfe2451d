// One appointment's history on the page, from the audit trail: "booked by patient1 (patient) from
// 10.0.0.5 on Tue 8 Dec 09:14; moved by alice (front-desk) ...". A move into the slot brings the
// history of the slot it came from (a few hops at most), so the story starts at the first booking; an
// earlier appointment in the same slot (cancelled, or moved away) is not part of it.
// A doctor account reads the history of its own doctor's slots only (403, recorded): the lines name
// the patient.
import { audit_history_max } from "../../../shared/limits.ts";
import type { AuditRecord } from "../audit/chain.ts";
import { shortLocal } from "../calendar/display.ts";
import { json } from "./http-reply.ts";
import { namesShownTo, seesNameOf } from "./accounts.ts";
import { pageActor, type AuditSink, type RouteContext, type Routes } from "./routes.ts";

/** Reads the records about these subjects, oldest first (the store's audit table). */
export type HistorySource = (subjects: string[], limit: number) => Promise<AuditRecord[]>;

const hops_max = 5;
/** The records that begin an appointment in the slot they name. */
const starts = new Set(["booking.booked", "booking.moved"]);

export type HistoryServices = {
  source: HistorySource | undefined;
  timeZone: string;
  /** The doctor a slot is with (by name), for a doctor account's own; undefined when not known. */
  doctorOf: (slot: number) => string | undefined;
  audit: AuditSink | undefined;
};

export function historyRoutes(h: HistoryServices): Routes {
  return {
    "GET /api/history": { action: "view", handle: (ctx) => history(ctx, h) },
  };
}

async function history(ctx: RouteContext, h: HistoryServices): Promise<Response> {
  const { source, timeZone: zone } = h;
  const slot = Number(new URL(ctx.req.url, "http://x").searchParams.get("slot"));
  if (!Number.isSafeInteger(slot) || slot < 0) return json({ error: "slot= must be a slot number" }, 400);
  const names = namesShownTo(ctx.member);
  if (!seesNameOf(names, h.doctorOf(slot))) {
    const error = `a doctor reads the history of their own appointments (${names})`;
    await h.audit?.append({
      atMs: ctx.now,
      ...pageActor(ctx.member, ctx.address),
      action: "staff.forbidden",
      subject: `slot ${slot}`,
      before: "",
      after: "",
      reason: error,
    });
    return json({ error }, 403);
  }
  if (!source) return json({ error: "this database keeps no audit trail" }, 404);
  // A doctor's story stops where the appointment came from another doctor's slot (that part is theirs).
  const records = await storyOf(source, slot, (from) => seesNameOf(names, h.doctorOf(from)));
  return json({ slot, lines: records.map((r) => historyLine(r, zone)) });
}

async function storyOf(
  source: HistorySource,
  slot: number,
  follows: (from: number) => boolean,
): Promise<AuditRecord[]> {
  let story: AuditRecord[] = [];
  let subject = slot;
  let before = Number.POSITIVE_INFINITY;
  for (let hop = 0; hop < hops_max; hop++) {
    const records = (await source([`slot ${subject}`], audit_history_max)).filter((r) => r.seq < before);
    // The appointment began in this slot at its latest booking or move into it: the records before that
    // are an earlier appointment's (cancelled, or moved away), and its move says where it came from.
    const began = records.findLastIndex((r) => starts.has(r.action) && r.subject === `slot ${subject}`);
    const own = began < 0 ? records : records.slice(began);
    story = [...own, ...story];
    const cameFrom = own[0]?.action === "booking.moved" ? own[0] : undefined;
    const from = cameFrom ? slotNamed(cameFrom.before) : undefined;
    if (from === undefined || from === subject || !follows(from)) break;
    before = cameFrom!.seq;
    subject = from;
  }
  return story.slice(-audit_history_max);
}

const verbs: Record<string, string> = {
  "booking.booked": "booked",
  "booking.cancelled": "cancelled",
  "booking.moved": "moved",
  "booking.book.refused": "refused a booking",
  "booking.cancel.refused": "refused a cancellation",
  "booking.move.refused": "refused a move",
  "appointment.arrived": "marked arrived",
  "appointment.fulfilled": "marked seen",
  "appointment.noshow": "marked no-show",
  "appointment.mark.refused": "refused a mark",
};

/** The slot a move's before or after names (JSON written by change-records.ts); none in a row changed by hand. */
function slotNamed(text: string): number | undefined {
  try {
    const slot = (JSON.parse(text) as { slot?: unknown }).slot;
    return typeof slot === "number" ? slot : undefined;
  } catch {
    return undefined;
  }
}

const slotIn = (text: string) => String(slotNamed(text) ?? "?");

/** The clinic's rules a staff override passed, as change-records.ts writes them in `after`. */
function overrodeIn(text: string): string {
  try {
    const rules = (JSON.parse(text) as { override?: string[] }).override;
    return rules?.length ? `, overriding the clinic's ${rules.join(" and ")}` : "";
  } catch {
    return "";
  }
}

/** Temporal's and Date's range: 100,000,000 days either side of 1970. */
const max_instant_ms = 8.64e15;

/** One line a person reads; the reason is kept as text (the page shows it with textContent). */
export function historyLine(r: AuditRecord, zone: string): string {
  // A stored time that is none (a row changed by hand, which audit verify names) must not cost the page its answer.
  const when =
    Math.abs(r.atMs) <= max_instant_ms ? shortLocal(r.atMs, zone) : "no readable time (the record was changed)";
  const what = verbs[r.action] ?? r.action;
  const detail = r.action === "booking.moved" ? ` from slot ${slotIn(r.before)} to slot ${slotIn(r.after)}` : "";
  const why = `${r.after ? overrodeIn(r.after) : ""}${r.reason ? `, reason: ${JSON.stringify(r.reason)}` : ""}`;
  const from = r.address ? ` from ${r.address}` : "";
  return `${what} by ${r.actor} (${r.role}) via ${r.via}${from} on ${when}${detail}${why}`;
}
