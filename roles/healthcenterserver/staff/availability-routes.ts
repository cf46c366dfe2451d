// Availability edited from the staff page (admin, or a doctor for their own rules): the same edit as
// `healthcenterserver availability add|except|open|remove`, with the same checks and the same
// refusal of an edit that strands a booking (unless keep-booked); running servers follow within a second.
import { AppError } from "../../../shared/errors.ts";
import { formOf, json } from "./http-reply.ts";
import { pageActor, reasonTooLong, type AuditSink, type RouteContext, type Routes } from "./routes.ts";

/** Runs one edit; resolves to the lines the command would print, rejects with a UsageError's one line. */
export type AvailabilityEditor = (verb: string, doctor: string, form: URLSearchParams) => Promise<string[]>;

export function availabilityRoutes(edit: AvailabilityEditor, audit: AuditSink | undefined): Routes {
  return {
    "POST /api/availability": { action: "availability", changes: true, handle: (ctx) => change(ctx, edit, audit) },
  };
}

async function change(ctx: RouteContext, edit: AvailabilityEditor, audit: AuditSink | undefined): Promise<Response> {
  const form = await formOf(ctx.req);
  if (!form) return json({ error: "unreadable form" }, 400);
  const verb = form.get("verb") ?? "";
  const doctor = form.get("doctor") ?? "";
  form.delete("verb");
  form.delete("doctor");
  const reason = form.get("reason") ?? "";
  const tooLong = reasonTooLong(reason);
  if (tooLong) return json({ error: tooLong }, 400);
  // A remove names only an id, which the route cannot tie to a doctor: a doctor's is an admin's to do
  // (it let a doctor remove another doctor's rules).
  if (ctx.member?.role === "doctor" && verb === "remove")
    return json({ error: "a rule or an exception is removed by an admin" }, 403);
  if (ctx.member?.role === "doctor" && ctx.member.doctor !== doctor)
    return json({ error: `a doctor edits their own availability (${ctx.member.doctor ?? "none"})` }, 403);
  try {
    const lines = await edit(verb, verb === "remove" ? (form.get("id") ?? "") : doctor, form);
    if (form.get("dry-run") !== "on")
      await audit?.append({
        atMs: ctx.now,
        ...pageActor(ctx.member, ctx.address),
        action: "availability.changed",
        subject: `${verb} ${doctor}`.trim(),
        before: "",
        after: lines.join("\n"),
        reason,
      });
    return json({ lines });
  } catch (err) {
    if (err instanceof AppError) return json({ error: err.message }, 400);
    throw err;
  }
}
