// What happened at the visit, on the page: the day's appointments in time order with each status
// (a booked one past its end and the grace period shows "not marked"), and marking arrived, seen or
// no-show on today's. The store checks each transition and writes the audit record in the mark's
// transaction; a refusal is recorded here. A doctor marks only their own appointments (403, recorded),
// and sees the patient's name (and a cancellation's reason) on those only: the others show as booked.
import { staff_day_appointments_max } from "../../../shared/limits.ts";
import { staff_day_read_record_ms } from "../../../shared/staff-limits.ts";
import { isoLocal, localDate } from "../calendar/display.ts";
import { decodeSlotId } from "../calendar/slot-id.ts";
import { isMarkStatus, mark_statuses, markRefusal, shownStatus } from "../calendar/visit-status.ts";
import { status_words, type MarkStatus } from "../calendar/visit-status.ts";
import type { ChangeWho, Mark, MarkResult, Visit } from "../store/appointment-store.ts";
import { formOf, json, reply } from "./http-reply.ts";
import { page_assets } from "./assets.ts";
import { namesShownTo, seesNameOf } from "./accounts.ts";
import { pageActor, type AuditSink, type RouteContext, type Routes } from "./routes.ts";
import { ReadRate } from "./read-rate.ts";

export type VisitServices = {
  /** The calendar's store; undefined on a weekday file (no dates, no visits). */
  store: { mark(m: Mark): Promise<MarkResult>; visits(from: number, to: number, limit: number): Promise<Visit[]> };
  zone: string;
  /** How long after its end a booked appointment nobody marked shows as "not marked". */
  graceMs: number;
  /** A doctor's number (slot ids carry it), for a doctor account's own appointments. */
  doctorNumber(name: string): number | undefined;
  audit: AuditSink | undefined;
};

export function visitRoutes(v: VisitServices): Routes {
  const reads = new ReadRate(1, staff_day_read_record_ms);
  return {
    "GET /api/day": { action: "view", handle: (ctx) => day(ctx, v, reads) },
    "POST /api/mark": { action: "mark", changes: true, handle: (ctx) => mark(ctx, v) },
  };
}

/** The page's script for today's list: served on any server (it hides the list when /api/day is not there). */
export const visit_script_route: Routes = {
  "GET /visits.js": { handle: () => reply(page_assets.visits, 200, "text/javascript; charset=utf-8") },
};

/** The local day's first instant and the next day's, in the clinic's zone. */
function dayBounds(date: string, zone: string): [number, number] {
  const d = Temporal.PlainDate.from(date);
  const start = (p: Temporal.PlainDate) => p.toZonedDateTime({ timeZone: zone }).epochMilliseconds;
  return [start(d), start(d.add({ days: 1 }))];
}

/**
 * A staff read of the day's appointments (patients' names): recorded, whoever reads them; the same
 * member's reads of the same day from the same address within staff_day_read_record_ms are one record.
 */
async function day(ctx: RouteContext, v: VisitServices, reads: ReadRate): Promise<Response> {
  const asked = new URL(ctx.req.url, "http://x").searchParams.get("date");
  const today = localDate(ctx.now, v.zone);
  const date = asked ?? today;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || !validDate(date))
    return json({ error: `bad date ${JSON.stringify(date.slice(0, 40))} (YYYY-MM-DD)` }, 400);
  const [from, to] = dayBounds(date, v.zone);
  const visits = await v.store.visits(from, to, staff_day_appointments_max);
  const reader = pageActor(ctx.member, ctx.address);
  if (reads.take(`${reader.actor}\n${reader.role}\n${reader.address}\n${date}`, ctx.now) === 0)
    await v.audit?.append({
      atMs: ctx.now,
      ...reader,
      action: "day.read",
      subject: `day ${date}`,
      before: "",
      after: JSON.stringify(visits.length),
      reason: "",
    });
  const names = namesShownTo(ctx.member);
  const own = ctx.member?.role === "doctor" ? v.doctorNumber(ctx.member.doctor ?? "") : undefined;
  return json({
    date,
    today: date === today,
    appointments: visits.map((visit) => {
      const a = seesNameOf(names, visit.doctor) ? visit : unnamed(visit);
      const shown = shownStatus(a.status, a.startMs + a.minutes * 60_000, v.graceMs, ctx.now);
      const markable = date === today && a.status !== "cancelled" && (own === undefined || own === doctorOf(a.slot));
      // The marks that make sense now (a seen visit offers none; before its start, only arrived).
      const marks = markable
        ? mark_statuses.filter((to) => !markRefusal(a.status, to, a.startMs, ctx.now, a.slot))
        : [];
      return { ...a, start: isoLocal(a.startMs, v.zone), shown, word: status_words[shown], markable, marks };
    }),
  });
}

/** Another doctor's appointment as a doctor account sees it: when, with whom and its state, not the patient. */
function unnamed(visit: Visit): Visit {
  const { reason: _reason, ...rest } = visit;
  return { ...rest, patient: "" };
}

function validDate(text: string): boolean {
  try {
    return Temporal.PlainDate.from(text, { overflow: "reject" }).toString() === text;
  } catch {
    return false;
  }
}

const doctorOf = (slot: number) => decodeSlotId(slot).doctorNumber;

async function mark(ctx: RouteContext, v: VisitServices): Promise<Response> {
  const form = await formOf(ctx.req);
  if (form === undefined) return json({ error: "request body too large" }, 413);
  const slot = Number(form.get("slot"));
  const status = form.get("status") ?? "";
  // At most 15 digits, as the protocol reads ids (calendar/slot-id.ts): past that a start is beyond Temporal's range.
  if (!Number.isSafeInteger(slot) || slot <= 0 || slot >= 1e15)
    return json({ error: "slot= must be an appointment's slot number" }, 400);
  if (!isMarkStatus(status))
    return json({ error: `unknown status ${JSON.stringify(status.slice(0, 40))} (${mark_statuses.join(", ")})` }, 400);
  const who: ChangeWho = { ...pageActor(ctx.member, ctx.address), reason: "" };
  const refuse = async (code: number, error: string, action = "appointment.mark.refused") => {
    await v.audit?.append({
      atMs: ctx.now,
      ...who,
      action,
      subject: `slot ${slot}`,
      before: "",
      after: status,
      reason: error,
    });
    return json({ error }, code);
  };
  if (ctx.member?.role === "doctor" && v.doctorNumber(ctx.member.doctor ?? "") !== doctorOf(slot))
    return refuse(403, `a doctor marks their own appointments (${ctx.member.doctor ?? "none"})`, "staff.forbidden");
  const on = localDate(decodeSlotId(slot).startMs, v.zone);
  if (on !== localDate(ctx.now, v.zone))
    return refuse(409, `appointment ${slot} is on ${on}, not today: only today's appointments are marked`);
  const result = await v.store.mark({ index: slot, status: status as MarkStatus, who });
  if (result.kind === "refused") return refuse(409, result.reason);
  return json({
    slot,
    status,
    before: result.before,
    patient: result.patient,
    word: status_words[status as MarkStatus],
  });
}
