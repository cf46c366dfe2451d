// What happened at the visit, as the server runs with it: the no-show limit (--no-show-limit N, else
// [policy] no_show_limit, else off) and the grace after an appointment's end before a booked one
// nobody marked shows "not marked" (--mark-grace 2h, else [policy] mark_grace, else 1h).
import { UsageError } from "../../../shared/errors.ts";
import { mark_grace_minutes_default, mark_grace_minutes_max, no_show_limit_max } from "../../../shared/limits.ts";
import { parseDuration } from "../calendar/duration.ts";
import { byFlag } from "./calendar-settings.ts";

export type VisitSettings = { noShowLimit: number; markGraceMs: number };

export function readVisitSettings(
  flags: { "no-show-limit"?: string; "mark-grace"?: string },
  file: Record<string, string>,
): VisitSettings {
  const limitFlag = flags["no-show-limit"];
  const limitText = limitFlag ?? file.no_show_limit;
  const where = limitFlag !== undefined ? "--no-show-limit" : "[policy] no_show_limit in the deployment file";
  let noShowLimit = 0;
  if (limitText !== undefined) {
    noShowLimit = Number(limitText);
    if (!/^\d{1,6}$/.test(limitText) || noShowLimit > no_show_limit_max)
      throw new UsageError(
        `${where}: bad no-show limit ${JSON.stringify(limitText)} (0 = off, 1 to ${no_show_limit_max})`,
      );
  }
  const graceFlag = flags["mark-grace"];
  const graceText = graceFlag ?? file.mark_grace;
  const graceWhere = graceFlag !== undefined ? "--mark-grace" : "[policy] mark_grace in the deployment file";
  const bounds = { min: 0, max: mark_grace_minutes_max };
  const minutes =
    graceText === undefined
      ? mark_grace_minutes_default
      : byFlag(graceWhere, graceText, (t) => parseDuration(t, "grace before not marked", bounds));
  return { noShowLimit, markGraceMs: minutes * 60_000 };
}
