// The clinic's rules as both calendar committers ask them, inside their transaction (rule 7 of
// appointment-store.ts): what stands in a change's way, and whether a staff override passes it.
// Pure: the committer reads the clock once per transaction and decides what a refusal answers.
import { bookingRefused, cancelRefused, type ClinicPolicy, type PolicyRefusal } from "../calendar/policy.ts";
import { decodeSlotId } from "../calendar/slot-id.ts";
import type { Change, ChangeResult } from "./appointment-store.ts";

/**
 * `refused`: the first rule in the way (a move's old slot before its new one); undefined when a staff
 * override passes them all, and `overrode` then names them.
 */
export type Verdict = { refused: PolicyRefusal | undefined; overrode: PolicyRefusal[] };

/** A staff member's change with a reason may pass the rules; a patient's never does. */
export function mayOverride(c: Change): boolean {
  return c.override === true && c.who !== undefined && c.who.role !== "patient" && c.who.reason.trim() !== "";
}

/** The rules in the change's way at `nowMs`, or undefined when none is (the common case: one comparison or two). */
export function judge(policy: ClinicPolicy | undefined, c: Change, nowMs: number): Verdict | undefined {
  if (policy === undefined) return undefined;
  const inWay: PolicyRefusal[] = [];
  const startOf = (index: number) => decodeSlotId(index).startMs;
  if (c.kind === "book") push(inWay, bookingRefused(policy, startOf(c.index), nowMs));
  else if (c.kind === "cancel") push(inWay, cancelRefused(policy, startOf(c.index), nowMs));
  else {
    push(inWay, cancelRefused(policy, startOf(c.from), nowMs));
    push(inWay, bookingRefused(policy, startOf(c.to), nowMs));
  }
  if (inWay.length === 0) return undefined;
  return mayOverride(c) ? { refused: undefined, overrode: inWay } : { refused: inWay[0], overrode: [] };
}

function push(into: PolicyRefusal[], r: PolicyRefusal | undefined): void {
  if (r) into.push(r);
}

/** The answer to a change the rules refused. */
export const refusedBy = (r: PolicyRefusal): ChangeResult => ({ kind: "policy", ...r });

/** A done change's result, naming the rules an override passed. */
export function doneWith(v: Verdict | undefined): ChangeResult {
  return v && v.overrode.length > 0 ? { kind: "done", overrode: v.overrode.map((r) => r.rule) } : { kind: "done" };
}
