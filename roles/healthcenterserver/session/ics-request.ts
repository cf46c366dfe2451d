// `ics` (docs/PROTOCOL.md): what a patient's calendar file needs, in one reply: the clinic's zone,
// name and address, and each upcoming appointment with the UID and SEQUENCE its messages carry, so
// `patient --ics` writes events a calendar program matches with the emails it already has.
import type { Slot } from "../../../shared/datafiles.ts";
import type { Schedule } from "../booking/schedule.ts";
import { decodeSlotId } from "../calendar/slot-id.ts";

export type AppointmentKey = { doctor: number; startMs: number; patient: string };

/** What the entry gives the sessions on a calendar. */
export type IcsSource = {
  clinic: { name: string; address: string };
  /** Each appointment's uid and sequence as its messages have them (derived for one that has none). */
  ids(appointments: AppointmentKey[]): Promise<{ uid: string; seq: number }[]>;
};

/** Text as a JSON string, every character past ASCII escaped: the protocol's lines are ASCII. */
export function asciiJson(text: string): string {
  return JSON.stringify(text).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** The reply for `user`'s held slots: those not yet over, read from the schedule now (it may be replaced later). */
export async function icsReply(
  held: readonly Slot[],
  user: string,
  schedule: Schedule,
  source: IcsSource,
  now: number,
): Promise<string> {
  const calendar = schedule.calendar!;
  const events: { index: number; start: string; minutes: number; doctor: string; key: AppointmentKey }[] = [];
  for (const s of held) {
    const p = schedule.position(s.index);
    if (p === undefined) continue;
    const { doctorNumber, startMs } = decodeSlotId(s.index);
    // What was booked there (its type's length when booked), as `mine` says; the slot's default otherwise.
    const minutes = schedule.spans.spanOf(s.index)?.minutes ?? calendar.minutes[p]!;
    if (startMs + minutes * 60_000 <= now) continue;
    const key = { doctor: doctorNumber, startMs, patient: user };
    events.push({ index: s.index, start: calendar.iso[p]!, minutes, doctor: s.doctor, key });
  }
  events.sort((a, b) => a.index - b.index);
  const { zone } = calendar;
  const ids = await source.ids(events.map((e) => e.key));
  let text = `zone ${zone}\nclinic ${asciiJson(source.clinic.name)}\naddress ${asciiJson(source.clinic.address)}\n`;
  events.forEach((e, i) => {
    text += `event ${ids[i]!.seq} ${ids[i]!.uid} ${e.index} ${e.start} ${e.minutes} ${e.doctor}\n`;
  });
  return `${text}\n`;
}
