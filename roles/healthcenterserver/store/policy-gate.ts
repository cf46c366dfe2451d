// The clinic's rules as both calendar committers ask them, inside their transaction (rule 7 of
// appointment-store.ts): what stands in a change's way, and whether a staff override passes it. A type
// with rules of its own (the types table's min_notice, max_ahead, cancel_cutoff) has them instead of
// the clinic's. Pure: the committer reads the clock once per transaction, and the stored type of an
// appointment only when some type has its own cut-off.
import {
  bookingRefused,
  cancelRefused,
  policyForType,
  type ClinicPolicy,
  type PolicyRefusal,
  type TypeRules,
} from "../calendar/policy.ts";
import { decodeSlotId } from "../calendar/slot-id.ts";
import type { Change, ChangeResult } from "./appointment-store.ts";

/**
 * `refused`: the first rule in the way (a move's old slot before its new one); undefined when a staff
 * override passes them all, and `overrode` then names them.
 */
export type Verdict = { refused: PolicyRefusal | undefined; overrode: PolicyRefusal[] };

/** The types with rules of their own, by name, as the calendar has them now. */
export type TypeRulesOf = () => ReadonlyMap<string, TypeRules>;

/** A staff member's change with a reason may pass the rules; a patient's never does. */
function mayOverride(c: Change): boolean {
  return c.override === true && c.who !== undefined && c.who.role !== "patient" && c.who.reason.trim() !== "";
}

/** The type a booking or a move's new slot is booked as ("" = a rule's plain slot). */
const bookedType = (c: Change): string => (c.kind === "cancel" ? "" : (c.span?.type ?? ""));

export class PolicyGate {
  constructor(
    private readonly clinic: ClinicPolicy | undefined,
    private readonly types: TypeRulesOf = () => new Map(),
  ) {}

  /** True when an appointment's stored type may change its cut-off: the committer reads it then. */
  get needsStoredType(): boolean {
    for (const t of this.types().values()) if (t.cancelCutoff !== null) return true;
    return false;
  }

  /**
   * The rules in the change's way at `nowMs`, or undefined when none is (the common case: a comparison
   * or two). `storedType`: the type of the appointment a cancel or move leaves ("" = plain).
   */
  judge(c: Change, nowMs: number, storedType = ""): Verdict | undefined {
    if (this.clinic === undefined && this.types().size === 0) return undefined;
    const inWay: PolicyRefusal[] = [];
    const startOf = (index: number) => decodeSlotId(index).startMs;
    const leaving = () => policyForType(this.clinic, this.types().get(storedType));
    const taking = () => policyForType(this.clinic, this.types().get(bookedType(c)));
    if (c.kind === "book") push(inWay, taking(), (p) => bookingRefused(p, startOf(c.index), nowMs));
    else if (c.kind === "cancel") push(inWay, leaving(), (p) => cancelRefused(p, startOf(c.index), nowMs));
    else {
      push(inWay, leaving(), (p) => cancelRefused(p, startOf(c.from), nowMs));
      push(inWay, taking(), (p) => bookingRefused(p, startOf(c.to), nowMs));
    }
    if (inWay.length === 0) return undefined;
    return mayOverride(c) ? { refused: undefined, overrode: inWay } : { refused: inWay[0], overrode: [] };
  }
}

function push(
  into: PolicyRefusal[],
  policy: ClinicPolicy | undefined,
  check: (p: ClinicPolicy) => PolicyRefusal | undefined,
): void {
  const r = policy && check(policy);
  if (r) into.push(r);
}

/** The slot a cancel or move leaves (undefined for a booking), and how both databases read its stored type. */
export const slotLeft = (c: Change) => (c.kind === "book" ? undefined : c.kind === "cancel" ? c.index : c.from);
export const stored_type_sql = "SELECT type FROM appointments WHERE doctor = ? AND start_ms = ?";

/** The answer to a change the rules refused. */
export const refusedBy = (r: PolicyRefusal): ChangeResult => ({ kind: "policy", ...r });

/** A done change's result, naming the rules an override passed. */
export function doneWith(v: Verdict | undefined): ChangeResult {
  return v && v.overrode.length > 0 ? { kind: "done", overrode: v.overrode.map((r) => r.rule) } : { kind: "done" };
}
