// The calendar's flags: each value goes through the calendar's own parser (calendar/parse.ts,
// calendar/zone.ts), the one the wire uses too, and its one-line error names the flag.
import { UsageError } from "../../../shared/errors.ts";
import { horizon_weeks_default } from "../../../shared/limits.ts";
import { parseHorizonWeeks } from "../calendar/parse.ts";
import { machineZone, parseZone } from "../calendar/zone.ts";
import { checkPolicy, isPolicyOn, parsePolicyValue, policy_rules, type ClinicPolicy } from "../calendar/policy.ts";

/** `parse(text)`, its UsageError prefixed with the flag: `--from: bad date "2026-02-30": there is no such day`. */
export function byFlag<T>(flag: string, text: string, parse: (text: string) => T): T {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`${flag}: ${err.message}`, { hint: false });
    throw err;
  }
}

/**
 * The clinic's zone from --time-zone, else the deployment file's [clinic] time_zone, else the
 * machine's: its canonical name, or a UsageError that names where it came from and the nearest valid one.
 */
export function clinicZone(flag: string | undefined, file: string | undefined): string {
  if (flag !== undefined) return byFlag("--time-zone", flag, parseZone);
  if (file !== undefined) return byFlag("[clinic] time_zone in the deployment file", file, parseZone);
  return machineZone();
}

/** Where clinicZone took the zone from, as a refusal names it. */
export function zoneGiven(flag: string | undefined, file: string | undefined): string {
  if (flag !== undefined) return "given by --time-zone";
  return file !== undefined ? "[clinic] time_zone in the deployment file" : "the machine's zone";
}

export function checkHorizon(text: string | undefined): number {
  return text === undefined ? horizon_weeks_default : byFlag("--horizon-weeks", text, parseHorizonWeeks);
}

const flag_of = { min_notice: "--min-notice", max_ahead: "--max-ahead", cancel_cutoff: "--cancel-cutoff" } as const;

/**
 * The clinic's rules: each flag over [policy] in the deployment file, each value through
 * calendar/policy.ts and refused naming where it came from; then the rules together against the
 * horizon. Undefined when every rule is off (the default).
 */
export function readPolicy(
  flags: Partial<Record<"min-notice" | "max-ahead" | "cancel-cutoff", string>>,
  file: Record<string, string>,
  horizonWeeks: number,
): ClinicPolicy | undefined {
  const policy: ClinicPolicy = { min_notice: 0, max_ahead: 0, cancel_cutoff: 0 };
  const from = new Map<string, string>();
  for (const rule of policy_rules) {
    const flag = flags[flag_of[rule].slice(2) as keyof typeof flags];
    const where = flag !== undefined ? flag_of[rule] : `[policy] ${rule} in the deployment file`;
    const text = flag ?? file[rule];
    from.set(rule, where);
    if (text !== undefined) policy[rule] = byFlag(where, text, (t) => parsePolicyValue(rule, t));
  }
  checkPolicy(policy, horizonWeeks, (rule) => from.get(rule)!);
  return isPolicyOn(policy) ? policy : undefined;
}
