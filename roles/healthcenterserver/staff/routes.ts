// The staff page's API as a table: each route says which role action it needs and whether it changes
// state. StaffServer checks both before a handler runs (401 without a session, 403 for a role that
// may not, recorded in the audit trail; cross-site requests refused for every state change).
import { staff_reason_chars_max } from "../../../shared/limits.ts";
import type { AuditContent } from "../audit/chain.ts";
import type { StaffAction } from "./accounts.ts";
import type { StaffMember } from "./staff-sessions.ts";

export type RouteContext = { req: Request; member: StaffMember | undefined; address: string; now: number };

export type Route = {
  /** The role action it needs; none: open to anybody (the handler decides what they see). */
  action?: StaffAction;
  /** Changes state: refused when another site made the browser send it. */
  changes?: boolean;
  handle(ctx: RouteContext): Response | Promise<Response>;
};

/** "POST /api/book" -> route. */
export type Routes = Record<string, Route>;

/** Where the staff page writes its audit records (the booking database's audit table). */
export interface AuditSink {
  append(content: AuditContent): Promise<void>;
}

/** The audit fields that name who asked from the page. */
export function pageActor(member: StaffMember | undefined, address: string) {
  return { actor: member?.name ?? "", role: member?.role ?? "anonymous", via: "staff-page", address };
}

/** Why a reason typed on the page is refused (too long for the audit trail), or undefined; control characters stay. */
export function reasonTooLong(reason: string): string | undefined {
  return reason.length > staff_reason_chars_max
    ? `a reason is at most ${staff_reason_chars_max} characters`
    : undefined;
}
