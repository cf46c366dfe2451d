// A dated slot's id on the wire: derived from what it is (its doctor and its start), never from a
// position, so it is the same after a restart, after the horizon moves on, and on every server that
// shares one database, and it never names another (doctor, start).
//
//   id = (start instant in whole minutes since 1970-01-01T00:00Z) * 10,000 + the doctor's number
//
// The doctor's number is assigned once by the database (calendar_doctors) and never reused. Ids sort
// by start time, then doctor: index order is time order, so `after=<id>` pages through time.
// 2026's ids have 12 digits; they stay under 15 (what the protocol parses) until the year 3870.
import { calendar_doctor_ids } from "../../../shared/limits.ts";
import { minute_ms } from "./day-clock.ts";

export function slotId(doctorNumber: number, startMs: number): number {
  return Math.floor(startMs / minute_ms) * calendar_doctor_ids + doctorNumber;
}

export function decodeSlotId(id: number): { doctorNumber: number; startMs: number } {
  return { doctorNumber: id % calendar_doctor_ids, startMs: Math.floor(id / calendar_doctor_ids) * minute_ms };
}

/** The smallest id of a slot starting at or after this instant (rounded up to the minute). */
export function firstIdFrom(ms: number): number {
  return Math.ceil(ms / minute_ms) * calendar_doctor_ids;
}
