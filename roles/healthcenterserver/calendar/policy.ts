// The clinic's rules for patients' changes (issue 23 part 2): a minimum notice to book, the furthest
// ahead a booking may be, and a cut-off to cancel or move. Each is a real duration (duration.ts) in
// minutes, 0 = off. Pure: the stores ask it inside their transaction, with the transaction's own clock
// reading, and the session and the staff page turn its answer into a line.
import { UsageError } from "../../../shared/errors.ts";
import { shortLocal } from "./display.ts";
import { formatDuration, parseDuration } from "./duration.ts";
import type { AppointmentType } from "./types.ts";

export type PolicyRule = "min_notice" | "max_ahead" | "cancel_cutoff";
/** Minutes; 0 = the rule is off. */
export type ClinicPolicy = { min_notice: number; max_ahead: number; cancel_cutoff: number };
/**
 * A change refused by a rule: which, how long it is, and the instant it turns: booking (min_notice)
 * or cancelling (cancel_cutoff) closed at `atMs`; booking (max_ahead) opens at `atMs`.
 */
export type PolicyRefusal = { rule: PolicyRule; minutes: number; atMs: number };

export const no_policy: ClinicPolicy = { min_notice: 0, max_ahead: 0, cancel_cutoff: 0 };
export const policy_rules: readonly PolicyRule[] = ["min_notice", "max_ahead", "cancel_cutoff"];

export const isPolicyOn = (p: ClinicPolicy) => p.min_notice > 0 || p.max_ahead > 0 || p.cancel_cutoff > 0;

const minute_ms = 60_000;

/** A type's own rules (minutes; null: the clinic's), as the types table holds them. */
export type TypeRules = Pick<AppointmentType, "minNotice" | "maxAhead" | "cancelCutoff">;

export const hasOwnRules = (t: TypeRules) => t.minNotice !== null || t.maxAhead !== null || t.cancelCutoff !== null;

/** The rules for an appointment of a type: the type's own where it has them, the clinic's otherwise. */
export function policyForType(clinic: ClinicPolicy | undefined, type: TypeRules | undefined): ClinicPolicy | undefined {
  if (type === undefined || !hasOwnRules(type)) return clinic;
  const base = clinic ?? no_policy;
  const p: ClinicPolicy = {
    min_notice: type.minNotice ?? base.min_notice,
    max_ahead: type.maxAhead ?? base.max_ahead,
    cancel_cutoff: type.cancelCutoff ?? base.cancel_cutoff,
  };
  return isPolicyOn(p) ? p : undefined;
}

/**
 * Booking a slot that starts at `startMs`, asked at `nowMs`: allowed from `startMs - max_ahead` to
 * `startMs - min_notice`, both included.
 */
export function bookingRefused(p: ClinicPolicy, startMs: number, nowMs: number): PolicyRefusal | undefined {
  if (p.min_notice > 0) {
    const atMs = startMs - p.min_notice * minute_ms;
    if (nowMs > atMs) return { rule: "min_notice", minutes: p.min_notice, atMs };
  }
  if (p.max_ahead > 0) {
    const atMs = startMs - p.max_ahead * minute_ms;
    if (nowMs < atMs) return { rule: "max_ahead", minutes: p.max_ahead, atMs };
  }
  return undefined;
}

/** Cancelling (or moving away from) an appointment starting at `startMs`: allowed until `startMs - cancel_cutoff`. */
export function cancelRefused(p: ClinicPolicy, startMs: number, nowMs: number): PolicyRefusal | undefined {
  if (p.cancel_cutoff === 0) return undefined;
  const atMs = startMs - p.cancel_cutoff * minute_ms;
  return nowMs > atMs ? { rule: "cancel_cutoff", minutes: p.cancel_cutoff, atMs } : undefined;
}

const unit_words: Record<string, string> = { w: "week", d: "day", h: "hour", m: "minute" };

/** 1440 -> "24 hours"; 90 -> "1 hour 30 minutes"; 80640 -> "8 weeks". Whole days under 3 read as hours. */
export function durationWords(minutes: number): string {
  const text = minutes % 1440 === 0 && minutes < 3 * 1440 ? `${minutes / 60}h` : formatDuration(minutes);
  return [...text.matchAll(/(\d+)([wdhm])/g)]
    .map(([, n, u]) => `${n} ${unit_words[u!]}${n === "1" ? "" : "s"}`)
    .join(" ");
}

/**
 * The wire's line (after `error `) for a refusal, the instant in the clinic's zone:
 * `too late to cancel: the clinic allows cancelling until 24 hours before (Tue 8 Dec, 09:00)`.
 * `doing`: what was asked; a move refused at its old end is "move", at its new end a booking.
 */
export function refusalLine(r: PolicyRefusal, doing: "book" | "cancel" | "move", zone: string): string {
  const when = `${durationWords(r.minutes)} before (${shortLocal(r.atMs, zone)})`;
  switch (r.rule) {
    case "min_notice":
      return `too soon to book: the clinic takes bookings until ${when}`;
    case "max_ahead":
      return `too far ahead: the clinic takes bookings from ${when}`;
    case "cancel_cutoff":
      return doing === "move"
        ? `too late to move: the clinic allows moving until ${when}`
        : `too late to cancel: the clinic allows cancelling until ${when}`;
  }
}

const rule_names: Record<PolicyRule, string> = {
  min_notice: "minimum notice",
  max_ahead: "booking horizon",
  cancel_cutoff: "cancellation cut-off",
};
/** The furthest any rule may reach: the longest calendar horizon (104 weeks). */
const policy_minutes_max = 104 * 7 * 24 * 60;

/** One rule's text ("2h", "8w", "0m" for off) as minutes; a bad one is refused naming it. */
export function parsePolicyValue(rule: PolicyRule, text: string): number {
  return parseDuration(text, rule_names[rule], { min: 0, max: policy_minutes_max });
}

/**
 * The rules together, against the horizon (weeks): a cut-off past the horizon, a notice that leaves
 * nothing within it, or a notice not below the furthest ahead are refused in one line naming the values.
 * `named(rule)` is how the operator wrote it (`--cancel-cutoff`, `[policy] cancel_cutoff`).
 */
export function checkPolicy(p: ClinicPolicy, horizonWeeks: number, named: (rule: PolicyRule) => string): void {
  const horizon = horizonWeeks * 7 * 24 * 60;
  const shown = (rule: PolicyRule) => `${named(rule)} ${formatDuration(p[rule])}`;
  if (p.cancel_cutoff > horizon)
    throw new UsageError(
      `${shown("cancel_cutoff")} is beyond the horizon of ${horizonWeeks} weeks (--horizon-weeks): ` +
        "no appointment could ever be cancelled",
      { hint: false },
    );
  if (p.min_notice >= horizon)
    throw new UsageError(
      `${shown("min_notice")} is not within the horizon of ${horizonWeeks} weeks (--horizon-weeks): ` +
        "no slot could be booked",
      { hint: false },
    );
  if (p.min_notice > 0 && p.max_ahead > 0 && p.min_notice >= p.max_ahead)
    throw new UsageError(`${shown("min_notice")} is not less than ${shown("max_ahead")}: no slot could be booked`, {
      hint: false,
    });
}

/**
 * A type's own rules, with the clinic's where it has none, against the horizon (weeks): refused as
 * checkPolicy refuses the clinic's, the line naming the type. A type without rules of its own passes.
 */
export function checkTypePolicy(
  clinic: ClinicPolicy | undefined,
  type: TypeRules & { name: string },
  horizonWeeks: number,
  named: (rule: PolicyRule) => string,
): void {
  const p = policyForType(clinic, type);
  if (p === undefined || !hasOwnRules(type)) return;
  try {
    checkPolicy(p, horizonWeeks, named);
  } catch (err) {
    if (err instanceof UsageError) throw new UsageError(`type ${type.name}: ${err.message}`, { hint: false });
    throw err;
  }
}
