// Which requests need a logged-in patient: one table, so a new command must say.
import type { Request } from "../../../shared/protocol.ts";

const login_needed = {
  available: true,
  selection: true,
  slots: true,
  mine: true,
  ics: true,
  cancel: true,
  reschedule: true,
  types: true,
  authenticate: false,
  ping: false,
  bad: false,
} as const satisfies Record<Request["kind"], boolean>;

type LoginNeeded = typeof login_needed;
type LoggedInKind = { [K in keyof LoginNeeded]: LoginNeeded[K] extends true ? K : never }[keyof LoginNeeded];
export type LoggedInRequest = Extract<Request, { kind: LoggedInKind }>;

export const needsLogin = (r: Request): r is LoggedInRequest => login_needed[r.kind];
