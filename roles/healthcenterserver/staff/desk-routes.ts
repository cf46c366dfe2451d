// The front desk on the page: book a free slot for a patient, move or cancel an appointment, find a
// patient by name, list a patient's appointments (a doctor account: those with its own doctor). Every
// change goes through the Booker, as a patient's own commands do (same atomic path, limits and
// outcomes); the store writes the audit record of a change that is done in its own transaction, and a
// refusal is recorded here. The clinic's rules (calendar/policy.ts) bind the desk too, unless it asks
// to override them (`override=1`), which needs a reason: the store then records which rules the change
// passed. A booking may name an appointment type (`type=`), as `selection <id> type=` does: an unknown
// one is refused in one line naming the nearest; without it, the slot's default.
import { staff_appointment_reads_per_minute, staff_patient_matches_max } from "../../../shared/limits.ts";
import type { Booker, BookingOutcome, CancelOutcome, MoveOutcome } from "../booking/booker.ts";
import type { Schedule } from "../booking/schedule.ts";
import { hasStarted, time_passed } from "../session/appointment-requests.ts";
import type { ChangeWho } from "../store/appointment-store.ts";
import { refusalLine } from "../calendar/policy.ts";
import { page_assets } from "./assets.ts";
import { noShowRefusal, visitedRefusal } from "../calendar/visit-status.ts";
import { formOf, json, reply } from "./http-reply.ts";
import { namesShownTo, seesNameOf } from "./accounts.ts";
import { pageActor, reasonTooLong, type AuditSink, type RouteContext, type Routes } from "./routes.ts";
import { ReadRate } from "./read-rate.ts";
import { typeNumber } from "../session/type-requests.ts";

export type DeskServices = {
  booker: () => Booker | undefined;
  schedule: Schedule;
  /** The patients' names (users.txt as last loaded). */
  patients: () => readonly string[];
  audit: AuditSink | undefined;
};

type Outcome = BookingOutcome | CancelOutcome | MoveOutcome;
type Asked = {
  kind: "book" | "cancel" | "move";
  patient: string;
  slot: number;
  to?: number;
  reason: string;
  override: boolean;
  /** A booking's appointment type, by name ("": the slot's default). */
  type: string;
};

export function deskRoutes(desk: DeskServices): Routes {
  const reads = new ReadRate(staff_appointment_reads_per_minute, 60_000);
  return {
    "GET /desk.js": { handle: () => reply(page_assets.desk, 200, "text/javascript; charset=utf-8") },
    "GET /api/patients": { action: "book", handle: (ctx) => searchPatients(ctx, desk) },
    "GET /api/appointments": { action: "view", handle: (ctx) => appointments(ctx, desk, reads) },
    "POST /api/book": { action: "book", changes: true, handle: (ctx) => change(ctx, desk, "book") },
    "POST /api/cancel": { action: "book", changes: true, handle: (ctx) => change(ctx, desk, "cancel") },
    "POST /api/move": { action: "book", changes: true, handle: (ctx) => change(ctx, desk, "move") },
  };
}

function searchPatients({ req }: RouteContext, desk: DeskServices): Response {
  const q = (new URL(req.url, "http://x").searchParams.get("q") ?? "").toLowerCase().slice(0, 64);
  const found: string[] = [];
  for (const name of desk.patients()) {
    if (found.length >= staff_patient_matches_max) break;
    if (name.toLowerCase().includes(q)) found.push(name);
  }
  return json({ patients: found });
}

/**
 * A staff read of one patient's appointments: recorded, whoever reads them; bounded per account. A
 * doctor account gets the ones with its own doctor (whether the patient sees other doctors is not its business).
 */
async function appointments(ctx: RouteContext, desk: DeskServices, reads: ReadRate): Promise<Response> {
  // Counted before the name is looked up: a search for names that exist is bounded too.
  const waitMs = reads.take(ctx.member?.name ?? `(address ${ctx.address})`, ctx.now);
  if (waitMs > 0) {
    const seconds = Math.ceil(waitMs / 1000);
    const most = `at most ${staff_appointment_reads_per_minute} a minute for one account`;
    return json({ error: `too many reads of appointments: ${most}; try again in ${seconds} s` }, 429, {
      "Retry-After": String(seconds),
    });
  }
  const patient = new URL(ctx.req.url, "http://x").searchParams.get("patient") ?? "";
  if (!desk.patients().includes(patient)) return json({ error: "no such patient" }, 404);
  const booker = desk.booker();
  if (!booker) return json({ error: "the server is starting" }, 503);
  // A doctor account reads the patient's appointments with its own doctor only (docs/SECURITY.md).
  const names = namesShownTo(ctx.member);
  const slots = (await booker.mine(patient)).filter((s) => seesNameOf(names, s.doctor));
  await desk.audit?.append({
    atMs: ctx.now,
    ...pageActor(ctx.member, ctx.address),
    action: "appointments.read",
    subject: `patient ${patient}`,
    before: "",
    after: JSON.stringify(slots.map((s) => s.index)),
    reason: "",
  });
  return json({ patient, appointments: slots });
}

async function change(ctx: RouteContext, desk: DeskServices, kind: Asked["kind"]): Promise<Response> {
  const form = await formOf(ctx.req);
  if (form === undefined) return json({ error: "request body too large" }, 413);
  const asked = readAsked(form, kind);
  if (typeof asked === "string") return json({ error: asked }, 400);
  const type = typeNumber(desk.schedule, asked.type === "" ? undefined : asked.type);
  if (typeof type === "string") return json({ error: type }, 400);
  if (!desk.patients().includes(asked.patient)) return json({ error: `no patient named ${asked.patient}` }, 400);
  const booker = desk.booker();
  if (!booker) return json({ error: "the server is starting" }, 503);
  const target = kind === "move" ? asked.to! : asked.slot;
  if (kind !== "cancel" && hasStarted(desk.schedule, target)) return json({ error: time_passed }, 409);
  const who: ChangeWho = { ...pageActor(ctx.member, ctx.address), reason: asked.reason };
  const { override } = asked;
  const outcome = await new Promise<Outcome>((done) => {
    if (kind === "book") booker.book(asked.slot, asked.patient, done, who, override, type);
    else if (kind === "cancel") booker.cancel(asked.slot, asked.patient, done, who, override);
    else booker.move(asked.slot, asked.to!, asked.patient, done, who, override);
  });
  const answer = answerOf(outcome, kind, desk.schedule.calendar?.zone ?? "UTC", asked.type);
  if (answer.status !== 200) await recordRefusal(desk, ctx, who, asked, outcome);
  return json(answer.body, answer.status);
}

function readAsked(form: URLSearchParams, kind: Asked["kind"]): Asked | string {
  const patient = form.get("patient") ?? "";
  const slot = Number(form.get("slot"));
  const to = Number(form.get("to"));
  const reason = form.get("reason") ?? "";
  const override = ["1", "true", "on"].includes(form.get("override") ?? "");
  const type = form.get("type") ?? "";
  if (type !== "" && kind !== "book") return "type= is for a booking (a move keeps the appointment's type)";
  if (type.length > 64) return "type= is at most 64 characters";
  if (!Number.isSafeInteger(slot) || slot < 0) return "slot= must be a slot number";
  if (override && reason.trim() === "") return "an override of the clinic's rules needs a reason";
  if (kind === "move" && (!Number.isSafeInteger(to) || to < 0)) return "to= must be a slot number";
  if (kind === "cancel" && reason.trim() === "") return "a cancellation needs a reason";
  const tooLong = reasonTooLong(reason);
  if (tooLong) return tooLong;
  return { kind, patient, slot, ...(kind === "move" ? { to } : {}), reason, override, type };
}

function answerOf(outcome: Outcome, kind: Asked["kind"], zone: string, type: string): { status: number; body: object } {
  switch (outcome.kind) {
    case "booked":
    case "cancelled":
    case "moved":
      return { status: 200, body: { outcome: outcome.kind, ...("slot" in outcome ? { slot: outcome.slot } : {}) } };
    case "notavailable":
      return { status: 409, body: { outcome: outcome.kind, error: "that slot is taken" } };
    case "notyours":
      return { status: 409, body: { outcome: outcome.kind, error: "that appointment is not this patient's" } };
    case "limit":
      return { status: 409, body: { outcome: outcome.kind, error: `the patient holds ${outcome.held} already` } };
    case "invalid":
      return {
        status: 400,
        body: {
          outcome: outcome.kind,
          error: type === "" ? "no such slot" : `no such slot, or ${type} does not start there`,
        },
      };
    case "policy":
      return {
        status: 409,
        body: { outcome: outcome.kind, rule: outcome.rule, error: refusalLine(outcome, kind, zone), overridable: true },
      };
    case "noshows":
      return { status: 409, body: { outcome: outcome.kind, error: noShowRefusal(outcome.count) } };
    case "visited":
      return { status: 409, body: { outcome: outcome.kind, error: visitedRefusal(outcome.status) } };
    case "failed":
      return { status: 503, body: { outcome: outcome.kind, error: outcome.reason, unknown: outcome.unknown ?? false } };
  }
}

async function recordRefusal(desk: DeskServices, ctx: RouteContext, who: ChangeWho, asked: Asked, outcome: Outcome) {
  const subject = asked.kind === "move" ? `slot ${asked.slot}->${asked.to}` : `slot ${asked.slot}`;
  await desk.audit?.append({
    atMs: ctx.now,
    ...who,
    action: `booking.${asked.kind}.refused`,
    subject,
    before: "",
    after: JSON.stringify({
      patient: asked.patient,
      ...(asked.type === "" ? {} : { type: asked.type }),
      outcome: outcome.kind,
      ...(outcome.kind === "policy" ? { rule: outcome.rule } : {}),
    }),
  });
}
