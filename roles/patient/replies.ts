// The server's replies as the patient reads them (only the patient reads them): each line parsed
// into a value, or an error that says what the server said.
import type { FreeSlot, SelectionReply, SlotLine } from "../../shared/protocol.ts";
import { isPort } from "../../shared/tokens.ts";
import { datedParts } from "./when.ts";

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** The client's view of an answer to `authenticate`. */
export function parseAuthReply(line: string): ParseResult<boolean> {
  if (line === "success") return { ok: true, value: true };
  if (line === "failure") return { ok: true, value: false };
  return { ok: false, error: serverSaid(line) };
}

export function parseFreeSlot(line: string): ParseResult<FreeSlot> {
  const parsed = parseFreeSlots([line]);
  return parsed.ok ? { ok: true, value: parsed.value[0]! } : parsed;
}

const iso_date = /^\d{4}-\d{2}-\d{2}$/;

/**
 * The lines of an `available` reply, each "<index> <day> <time>" (on a calendar, the date after the time:
 * "<id> Tue 13:00 2026-12-08", shown with the time), or the first bad line's error. One loop calling no
 * function of ours per line: a list's hundreds of calls would have the JIT compile them (issue 28).
 */
export function parseFreeSlots(lines: readonly string[]): ParseResult<FreeSlot[]> {
  const slots: FreeSlot[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const parts = line.split(" ");
    const date = parts.length === 4 && iso_date.test(parts[3]!) ? parts[3] : undefined;
    const day = parts[1];
    const time = parts[2] && date ? `${parts[2]} ${date}` : parts[2];
    const n = Number(parts[0]);
    if (!Number.isSafeInteger(n) || n < 1 || !day || !time || parts.length > (date ? 4 : 3)) {
      return { ok: false, error: serverSaid(line) };
    }
    slots.push({ index: n, day, time });
  }
  return { ok: true, value: slots };
}

export function parseSelectionReply(line: string): ParseResult<SelectionReply> {
  if (line === "notavailable") return { ok: true, value: { kind: "notavailable" } };
  if (line === "invalid") return { ok: true, value: { kind: "invalid" } };
  const [doctor, portText, host, ...rest] = line.split(" ");
  const port = Number(portText);
  if (!doctor || doctor === "error" || !isPort(port) || rest.length > 0) {
    return { ok: false, error: serverSaid(line) };
  }
  return { ok: true, value: host ? { kind: "booked", doctor, port, host } : { kind: "booked", doctor, port } };
}

/** A line of a `slots` or `mine` reply (not the empty line that ends it). */
export function parseSlotLine(line: string): ParseResult<SlotLine> {
  const [index, day, time, doctor, portText, host, ...rest] = line.split(" ");
  const n = Number(index);
  const port = Number(portText);
  if (
    !Number.isSafeInteger(n) ||
    n < 1 ||
    !day ||
    !time ||
    !doctor ||
    !isPort(port) ||
    host === "" ||
    rest.length > 0
  ) {
    return { ok: false, error: serverSaid(line) };
  }
  const slot: SlotLine = { index: n, day, time, doctor, port };
  if (host) slot.host = host;
  const dated = datedParts(day);
  if (dated && /^\d{1,4}$/.test(time)) {
    // On a calendar: "<id> <YYYY-MM-DDTHH:MM±HH:MM> <minutes> <doctor> <port> [<host>]".
    Object.assign(slot, { day: dated.day, time: dated.time, start: day, minutes: Number(time) });
  }
  return { ok: true, value: slot };
}

/** What happened at a past appointment, as `mine past` says it (FHIR's words) and the patient reads it. */
export const past_status_words: Record<string, string> = {
  booked: "not marked",
  arrived: "arrived",
  fulfilled: "seen",
  noshow: "missed (no-show)",
  cancelled: "cancelled",
};
export type PastLine = SlotLine & { status: string };

/** A line of `mine past`: the dated line of `mine`, then the status as its last field. */
export function parsePastLine(line: string): ParseResult<PastLine> {
  const cut = line.lastIndexOf(" ");
  const status = line.slice(cut + 1);
  if (cut < 0 || !(status in past_status_words)) return { ok: false, error: serverSaid(line) };
  const slot = parseSlotLine(line.slice(0, cut));
  return slot.ok ? { ok: true, value: { ...slot.value, status } } : slot;
}

export type CancelReply = "cancelled" | "notyours" | "invalid";
export const parseCancelReply = (line: string): ParseResult<CancelReply> =>
  line === "cancelled" || line === "notyours" || line === "invalid"
    ? { ok: true, value: line }
    : { ok: false, error: serverSaid(line) };

export type RescheduleReply = SelectionReply | { kind: "notyours" };
export const parseRescheduleReply = (line: string): ParseResult<RescheduleReply> =>
  line === "notyours" ? { ok: true, value: { kind: "notyours" } } : parseSelectionReply(line);

/** The number held, when a `selection` reply says the per-patient limit is reached. */
export function parseLimitReached(line: string): number | undefined {
  const m = /^error booking limit reached: (\d+) held$/.exec(line);
  return m ? Number(m[1]) : undefined;
}

function serverSaid(line: string): string {
  if (line.startsWith("error ")) return `the server said: ${line.slice(6)}`;
  return `unexpected reply from the server: ${JSON.stringify(line.slice(0, 80))}`;
}

/**
 * The text of a refusal by one of the clinic's rules (`error too late to cancel: ...`), or undefined for
 * any other line. The server composes it in the clinic's zone; the patient shows it as it is.
 */
export function parsePolicyRefusal(line: string): string | undefined {
  const m = /^error ((too soon to book|too far ahead|too late to cancel|too late to move): .+)$/.exec(line);
  // What happened at earlier visits refuses a change the same way: too many no-shows to book online, or
  // an appointment already marked (arrived, seen, missed) that can no longer be cancelled or moved.
  const visit = /^error (\d+ missed appointments in the last 6 months: .+|that appointment is already marked .+)$/;
  return m?.[1] ?? visit.exec(line)?.[1];
}

/**
 * A policy refusal as a sentence, with the clinic's phone (the deployment file's [clinic] phone) as the
 * next step when there is one: "Too late to cancel: the clinic allows ... (Tue 8 Dec, 09:00). To change
 * it now, call the clinic: 020 7946 0000." ("To book it anyway, ..." for a booking's).
 */
export function policySentence(said: string, phone: string | undefined): string {
  const sentence = `${said.charAt(0).toUpperCase()}${said.slice(1)}.`;
  if (!phone) return sentence;
  // A refusal that already says to call (too many no-shows) gets the number alone; a booking's, what to do.
  if (said.includes("call the clinic")) return `${sentence} The clinic's phone: ${phone}.`;
  const next = /^(too soon to book|too far ahead)/.test(said) ? "To book it anyway" : "To change it now";
  return `${sentence} ${next}, call the clinic: ${phone}.`;
}
