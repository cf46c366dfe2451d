// The wire protocol, pure: parse what arrives, format what leaves. No I/O here.
//
//   authenticate <user> <password>  ->  success | failure
//   available                       ->  "<idx> <Day> <Time>" lines, then an empty line
//   selection <idx>                 ->  "<doctor> <port> [<host>]" | notavailable | invalid
//   anything else                   ->  error <reason>

export type Request =
  | { kind: "authenticate"; user: string; password: string }
  | { kind: "available" }
  | { kind: "selection"; index: number }
  | { kind: "bad"; reason: string };

export type SelectionReply =
  | { kind: "booked"; doctor: string; port: number; host?: string }
  | { kind: "notavailable" }
  | { kind: "invalid" };

export type FreeSlot = { index: number; day: string; time: string };

/** A slot index that is not a safe positive integer can never be in a schedule. */
export const no_such_index = -1;

const printable = /^[\x21-\x7e]+$/;

function isPrintableToken(token: string): boolean {
  return printable.test(token);
}

/** Parses one line, without its line ending. */
export function parseRequest(line: string): Request {
  const words = line.split(" ").filter((w) => w.length > 0);
  const command = words[0];
  if (command === undefined) return { kind: "bad", reason: "empty line" };
  if (!words.every(isPrintableToken)) return { kind: "bad", reason: "not printable ASCII" };
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
      const text = words[1];
      if (words.length !== 2 || text === undefined || !/^[+-]?\d+$/.test(text)) {
        return { kind: "bad", reason: "usage: selection <index>" };
      }
      return { kind: "selection", index: parseIndex(text) };
    }
    default:
      return { kind: "bad", reason: "unknown command" };
  }
}

/** A decimal index; anything that is not a safe integer of at least 1 maps to no_such_index. */
export function parseIndex(text: string): number {
  if (!/^[+]?\d{1,15}$/.test(text)) return no_such_index;
  const index = Number(text);
  return index >= 1 ? index : no_such_index;
}

export const formatAuthenticate = (user: string, password: string) => `authenticate ${user} ${password}\n`;
export const formatAvailable = () => "available\n";
export const formatSelection = (index: number) => `selection ${index}\n`;

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

/** The constant replies, encoded once from the formatters above. */
export const encoded_reply = {
  success: Buffer.from(formatAuthReply(true)),
  failure: Buffer.from(formatAuthReply(false)),
  notavailable: Buffer.from(formatSelectionReply({ kind: "notavailable" })),
  invalid: Buffer.from(formatSelectionReply({ kind: "invalid" })),
} as const;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: string };

/** The client's view of an answer to `authenticate`. */
export function parseAuthReply(line: string): ParseResult<boolean> {
  if (line === "success") return { ok: true, value: true };
  if (line === "failure") return { ok: true, value: false };
  return { ok: false, error: serverSaid(line) };
}

export function parseFreeSlot(line: string): ParseResult<FreeSlot> {
  const [index, day, time, ...rest] = line.split(" ");
  const n = index === undefined ? NaN : Number(index);
  if (!Number.isSafeInteger(n) || n < 1 || !day || !time || rest.length > 0) {
    return { ok: false, error: serverSaid(line) };
  }
  return { ok: true, value: { index: n, day, time } };
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

export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

function serverSaid(line: string): string {
  if (line.startsWith("error ")) return `the server said: ${line.slice(6)}`;
  return `unexpected reply from the server: ${JSON.stringify(line.slice(0, 80))}`;
}

// UDP quotes: "<insurance>" or "<patient> <insurance>" -> "<price>" | "unknown".

export type QuoteRequest = { patient?: string; insurance: string };

export function parseQuoteRequest(text: string): QuoteRequest | undefined {
  const words = text.trim().split(/\s+/);
  if (!words.every(isPrintableToken)) return undefined;
  if (words.length === 1 && words[0]) return { insurance: words[0] };
  if (words.length === 2 && words[0] && words[1]) return { patient: words[0], insurance: words[1] };
  return undefined;
}

export const formatQuoteRequest = (patient: string, insurance: string) => `${patient} ${insurance}`;

export function parseQuoteReply(text: string): number | "unknown" | undefined {
  const t = text.trim();
  if (t === "unknown") return "unknown";
  return /^\d{1,12}$/.test(t) ? Number(t) : undefined;
}
