// Sign-in (name and password, or the shared token), sign-out and "who am I" for the staff page.
// Every sign-in, failed or not, is one audit record; a password never is.
import { addressKey } from "../../../shared/address-key.ts";
import { login_window_ms, throttle_entries_max } from "../../../shared/limits.ts";
import { printable } from "../../../shared/printable.ts";
import { staff_role_actions } from "./accounts.ts";
import { formOf, json, reply, text } from "./http-reply.ts";
import { pageActor, type AuditSink, type RouteContext, type Routes } from "./routes.ts";
import type { StaffAuth } from "./staff-auth.ts";
import type { AccountSignIn } from "./staff-sessions.ts";

export function signInRoutes(auth: StaffAuth, audit: AuditSink | undefined): Routes {
  const throttledNoted = new OncePerWindow();
  return {
    "POST /api/signin": { changes: true, handle: (ctx) => signIn(ctx, auth, audit, throttledNoted) },
    "POST /api/signout": {
      changes: true,
      handle: async (ctx) => {
        const cookie = auth.signOut(ctx.req);
        if (ctx.member) await record(audit, ctx, ctx.member.name, "staff.signout", "");
        return reply(null, 204, "text/plain", { "Set-Cookie": cookie });
      },
    },
    "GET /api/me": {
      handle: ({ member }) =>
        json(
          member
            ? {
                name: member.name,
                role: member.role,
                doctor: member.doctor ?? null,
                may: staff_role_actions(member.role),
              }
            : { name: null, role: null, may: [] },
        ),
    },
  };
}

async function signIn(
  ctx: RouteContext,
  auth: StaffAuth,
  audit: AuditSink | undefined,
  throttledNoted: OncePerWindow,
): Promise<Response> {
  const form = await formOf(ctx.req);
  if (form === undefined) return text("request body too large\n", 413);
  const name = form.get("name");
  let result: AccountSignIn;
  let shown: string;
  if (name !== null) {
    // Whatever was typed is kept as text in the record, cut to a length a name can have, its control
    // characters as \xNN: anyone can send this, and an export of the trail may be read on a terminal.
    shown = printable(name.slice(0, 64));
    result = await auth.sessions.signIn(name, form.get("password") ?? "", ctx.address, ctx.now);
  } else {
    if (!auth.tokenEnabled && !auth.sessions.hasAccounts)
      return text("sign-in is off: no staff accounts (staff.txt) and no --staff-token-file\n", 404);
    shown = "token";
    result = auth.signInToken(form.get("token") ?? "", ctx.address, ctx.now);
  }
  switch (result.kind) {
    case "ok":
      await record(audit, { ...ctx, member: result.member }, shown, "staff.signin", "");
      return reply(null, 204, "text/plain", { "Set-Cookie": auth.cookie(result.id) });
    case "throttled":
      // Refused before any check: recorded once per address and window, so a flood of requests cannot
      // grow the append-only trail without bound (each failed check is still recorded, and those are capped).
      if (throttledNoted.first(addressKey(ctx.address), ctx.now))
        await record(audit, ctx, shown, "staff.signin.failed", "throttled");
      return text("too many failed sign-ins from here; wait a minute\n", 429, { "Retry-After": "60" });
    default:
      await record(audit, ctx, shown, "staff.signin.failed", "wrong name or password");
      return text(name !== null ? "wrong name or password\n" : "wrong token\n", 401);
  }
}

async function record(
  audit: AuditSink | undefined,
  ctx: RouteContext,
  subject: string,
  action: string,
  reason: string,
): Promise<void> {
  if (!audit) return;
  const who = pageActor(ctx.member, ctx.address);
  await audit.append({
    atMs: ctx.now,
    ...who,
    actor: who.actor || subject,
    action,
    subject: `staff ${subject}`,
    before: "",
    after: "",
    reason,
  });
}

/** Says yes to a key at most once per login window; bounded like the throttle's own table. */
class OncePerWindow {
  private readonly last = new Map<string, number>();

  first(key: string, now: number): boolean {
    const at = this.last.get(key);
    if (at !== undefined && now - at < login_window_ms) return false;
    this.last.delete(key);
    this.last.set(key, now);
    if (this.last.size > throttle_entries_max) this.last.delete(this.last.keys().next().value!);
    return true;
  }
}
