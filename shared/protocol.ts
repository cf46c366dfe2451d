// The wire protocol, pure: parse what arrives, format what leaves. No I/O here.
//
//   authenticate <user> <password>  ->  success | failure
//   available                       ->  "<idx> <Day> <Time>" lines, then an empty line
//   selection <idx>                 ->  "<doctor> <port> [<host>]" | notavailable | invalid
//   anything else                   ->  error <reason>
// Additions (docs/PROTOCOL.md): slots, mine, ics, cancel, reschedule, ping.
import { wordsOf } from "./tokens.ts";

/** A `slots` request's filters and page (dates and type checked by the server). */
export type SlotsQuery = {
  day?: string;
  doctor?: string;
  after: number;
  limit: number;
  from?: string;
  to?: string;
  type?: string;
};

export type Request =
  | { kind: "authenticate"; user: string; password: string }
  | { kind: "available" }
  | { kind: "selection"; index: number; type?: string }
  | ({ kind: "slots" } & SlotsQuery)
  | { kind: "types" }
  | { kind: "mine"; past?: true }
  | { kind: "ics" }
  | { kind: "cancel"; index: number }
  | { kind: "reschedule"; from: number; to: number }
  | { kind: "ping" }
  | { kind: "bad"; reason: string };

/** A line of `slots` and `mine`: the slot with where its doctor is. */
export type SlotLine = {
  index: number;
  day: string;
  time: string;
  doctor: string;
  port: number;
  host?: string;
  /** On a calendar: the start as ISO 8601 with its offset, and the length in minutes. */
  start?: string;
  minutes?: number;
};

/** Slots in one `slots` page, when `limit=` is not given, and at most. */
export const slots_page_max = 1000;

export type SelectionReply =
  | { kind: "booked"; doctor: string; port: number; host?: string }
  | { kind: "notavailable" }
  | { kind: "invalid" };

export type FreeSlot = { index: number; day: string; time: string };

/** A slot index that is not a safe positive integer can never be in a schedule. */
export const no_such_index = -1;

/** Parses one line, without its line ending. */
export function parseRequest(line: string): Request {
  const words = wordsOf(line);
  if (words === undefined) return { kind: "bad", reason: "not printable ASCII" };
  const command = words[0];
  if (command === undefined) return { kind: "bad", reason: "empty line" };
  switch (command) {
    case "authenticate": {
      const [, user, password] = words;
      if (words.length !== 3 || user === undefined || password === undefined) {
        return { kind: "bad", reason: "usage: authenticate <user> <password>" };
      }
      return { kind: "authenticate", user, password };
    }
    case "available":
      if (words.length !== 1) return { kind: "bad", reason: "usage: available" };
      return { kind: "available" };
    case "selection": {
      const [, text, typed] = words;
      const type = typed === undefined ? undefined : typeArgument(typed);
      if (words.length > 3 || text === undefined || !/^[+-]?\d+$/.test(text) || type === null) {
        return { kind: "bad", reason: "usage: selection <index>" };
      }
      return type === undefined
        ? { kind: "selection", index: parseIndex(text) }
        : { kind: "selection", index: parseIndex(text), type };
    }
    case "slots":
      return parseSlotsRequest(words.slice(1));
    case "mine":
      if (words.length === 2 && words[1] === "past") return { kind: "mine", past: true };
      return words.length === 1 ? { kind: "mine" } : { kind: "bad", reason: "usage: mine [past]" };
    case "ics":
    case "ping":
    case "types":
      return words.length === 1 ? { kind: command } : { kind: "bad", reason: `usage: ${command}` };
    case "cancel": {
      const [, text] = words;
      if (words.length !== 2 || !isIndexText(text)) return { kind: "bad", reason: "usage: cancel <index>" };
      return { kind: "cancel", index: parseIndex(text) };
    }
    case "reschedule": {
      const [, from, to] = words;
      if (words.length !== 3 || !isIndexText(from) || !isIndexText(to))
        return { kind: "bad", reason: "usage: reschedule <from> <to>" };
      return { kind: "reschedule", from: parseIndex(from), to: parseIndex(to) };
    }
    default:
      return { kind: "bad", reason: "unknown command" };
  }
}

/** `type=<name>` on a calendar: the name (one word of the type names' characters); null when malformed. */
function typeArgument(word: string): string | null {
  const m = /^type=([A-Za-z0-9_-]{1,24})$/.exec(word);
  return m ? m[1]! : null;
}

const isIndexText = (text: string | undefined): text is string => text !== undefined && /^[+-]?\d+$/.test(text);
const slots_usage =
  "usage: slots [from=<YYYY-MM-DD>] [to=<YYYY-MM-DD>] [day=<Day>] [doctor=<name>] [type=<name>] " +
  "[after=<index>] [limit=<1-1000>]";

function parseSlotsRequest(args: string[]): Request {
  const request: Extract<Request, { kind: "slots" }> = { kind: "slots", after: 0, limit: slots_page_max };
  const seen = new Set<string>();
  for (const arg of args) {
    const eq = arg.indexOf("=");
    const name = arg.slice(0, eq);
    const value = arg.slice(eq + 1);
    if (eq < 1 || value === "" || seen.has(name)) return { kind: "bad", reason: slots_usage };
    seen.add(name);
    if (name === "day") request.day = value;
    else if (name === "doctor") request.doctor = value;
    else if (name === "type" && typeArgument(arg) !== null) request.type = value;
    else if ((name === "after" || name === "limit") && /^\d{1,15}$/.test(value)) request[name] = Number(value);
    // The dates' shape only: whether the day exists is the calendar's to say (calendar/parse.ts).
    else if ((name === "from" || name === "to") && /^\d{4}-\d{2}-\d{2}$/.test(value)) request[name] = value;
    else return { kind: "bad", reason: slots_usage };
  }
  if (request.limit < 1) return { kind: "bad", reason: slots_usage };
  request.limit = Math.min(request.limit, slots_page_max);
  return request;
}

/** A line of `slots` and `mine` on a calendar: start with its offset, and length. */
export type DatedSlotLine = {
  index: number;
  start: string;
  minutes: number;
  doctor: string;
  port: number;
  host?: string;
};

export function formatDatedSlotLine(slot: DatedSlotLine): string {
  const line = `${slot.index} ${slot.start} ${slot.minutes} ${slot.doctor} ${slot.port}`;
  return slot.host ? `${line} ${slot.host}\n` : `${line}\n`;
}

/** A line of `mine past`: the dated line, then the appointment's status (FHIR's word) as its last field. */
export function formatPastLine(slot: DatedSlotLine, status: string): string {
  return `${formatDatedSlotLine(slot).slice(0, -1)} ${status}\n`;
}

/** A decimal index; anything that is not a safe integer of at least 1 maps to no_such_index. */
export function parseIndex(text: string): number {
  if (!/^[+]?\d{1,15}$/.test(text)) return no_such_index;
  const index = Number(text);
  return index >= 1 ? index : no_such_index;
}

export const formatAuthenticate = (user: string, password: string) => `authenticate ${user} ${password}\n`;
export const formatAvailable = () => "available\n";
export const formatSelection = (index: number, type?: string) =>
  type === undefined ? `selection ${index}\n` : `selection ${index} type=${type}\n`;
export const formatTypes = () => "types\n";

export const formatMine = () => "mine\n";
export const formatMinePast = () => "mine past\n";
export const formatIcs = () => "ics\n";
export const formatCancel = (index: number) => `cancel ${index}\n`;
export const formatReschedule = (from: number, to: number) => `reschedule ${from} ${to}\n`;

export function formatSlots(query: {
  day?: string;
  doctor?: string;
  after?: number;
  limit?: number;
  from?: string;
  to?: string;
  type?: string;
}): string {
  const args = Object.entries(query)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}=${v}`);
  return `slots${args.join("")}\n`;
}

export function formatSlotLine(slot: SlotLine): string {
  const line = `${slot.index} ${slot.day} ${slot.time} ${slot.doctor} ${slot.port}`;
  return slot.host ? `${line} ${slot.host}\n` : `${line}\n`;
}

export const formatFreeSlot = (slot: FreeSlot) => `${slot.index} ${slot.day} ${slot.time}\n`;
export const formatError = (reason: string) => `error ${reason}\n`;

export function formatSelectionReply(reply: SelectionReply): string {
  switch (reply.kind) {
    case "booked":
      return reply.host ? `${reply.doctor} ${reply.port} ${reply.host}\n` : `${reply.doctor} ${reply.port}\n`;
    case "notavailable":
      return "notavailable\n";
    case "invalid":
      return "invalid\n";
  }
}

export const formatAuthReply = (ok: boolean) => (ok ? "success\n" : "failure\n");

/** The start of the reply to a `selection` past the per-patient limit. */
export const booking_limit_reason = "booking limit reached";
export const formatLimitReached = (held: number) => formatError(`${booking_limit_reason}: ${held} held`);
