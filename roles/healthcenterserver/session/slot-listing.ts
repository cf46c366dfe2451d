// The lines `slots` and `mine` answer, and where a booking sends the patient: each slot with where its
// doctor really is (when the operator said so), in the classic form or, on a calendar, with its dated
// start and length.
import { formatDatedSlotLine, formatSelectionReply, formatSlotLine, type SlotLine } from "../../../shared/protocol.ts";
import type { Slot } from "../../../shared/datafiles.ts";
import type { SessionServices } from "./services.ts";

type Where = Pick<SessionServices, "doctors">;

/** The slot with where its doctor really is, when the operator said so. */
export function located(services: Where, slot: Slot): SlotLine {
  const where = services.doctors.get(slot.doctor);
  const line: SlotLine = {
    index: slot.index,
    day: slot.day,
    time: slot.time,
    doctor: slot.doctor,
    port: where?.port ?? slot.port,
  };
  if (where?.host) line.host = where.host;
  return line;
}

/**
 * The reply: one line per slot, then an empty line. On a calendar each line's length is `type`'s
 * (`slots type=`), else what is booked there (`mine`), else the slot's default.
 */
export function listing(services: Pick<SessionServices, "doctors" | "schedule">, slots: Slot[], type?: number): string {
  let text = "";
  const { schedule } = services;
  const calendar = schedule.calendar;
  for (const s of slots) {
    const line = located(services, s);
    if (!calendar) {
      text += formatSlotLine(line);
      continue;
    }
    const p = schedule.position(s.index)!;
    const minutes =
      type === undefined
        ? (schedule.spans.spanOf(s.index)?.minutes ?? calendar.minutes[p]!)
        : calendar.types[type]!.minutes;
    text += formatDatedSlotLine({ ...line, start: calendar.iso[p]!, minutes });
  }
  return text + "\n";
}

/** `<doctor> <port> [<host>]`: where the patient goes for a booked (or moved-to) slot. */
export function bookedReply(services: Where, slot: Slot): string {
  const { doctor, port, host } = located(services, slot);
  return formatSelectionReply(host ? { kind: "booked", doctor, port, host } : { kind: "booked", doctor, port });
}
