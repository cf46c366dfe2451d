// The doctor's UDP protocol, pure: "<insurance>" or "<patient> <insurance>" (or, for an appointment
// type, "<patient> <insurance> <type>") -> "<price>" | "unknown".

export type QuoteRequest = { patient?: string; insurance: string; type?: string };

/**
 * The request's words, in strings: split at whitespace (as `\s` matches it), any other character that is not
 * printable ASCII refused. The protocol's definition: the doctor answers from the datagram's bytes with
 * splitQuoteBytes, which tests/quote-bytes.test.ts holds to this on random bytes.
 */
export function parseQuoteRequest(text: string): QuoteRequest | undefined {
  const words: string[] = [];
  let start = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isSpace(c)) {
      if (start >= 0 && words.push(text.slice(start, i)) > 3) return undefined;
      start = -1;
    } else if (c < 0x21 || c > 0x7e) return undefined;
    else if (start < 0) start = i;
  }
  if (start >= 0) words.push(start === 0 ? text : text.slice(start));
  const [first, second, third] = words;
  if (words.length === 1) return { insurance: first! };
  if (words.length === 2) return { patient: first!, insurance: second! };
  if (words.length === 3) return { patient: first!, insurance: second!, type: third! };
  return undefined;
}

/** A request's word bounds and hashes: start, end of words 0..2 at 0..5, each word's hashBytes at 6..8. */
export const quote_bounds_length = 9;

/** FNV-1a over bytes [start, end), continued from `h` (a word's hash as splitQuoteBytes leaves it). */
export function hashBytes(h: number, bytes: Uint8Array, start: number, end: number): number {
  for (let i = start; i < end; i++) h = Math.imul(h ^ bytes[i]!, fnv_prime);
  return h;
}
export const fnv_seed = 0x811c9dc5 | 0;
export const fnv_prime = 0x01000193;

/** Each byte's part in a request read as latin1: what `\s` matches, printable ASCII, or neither (refused). */
const space_byte = 1;
const word_byte = 2;
const byte_kinds = Uint8Array.from({ length: 256 }, (_, c) =>
  c === 32 || (c >= 9 && c <= 13) || c === 160 ? space_byte : c >= 0x21 && c <= 0x7e ? word_byte : 0,
);

/**
 * The same split as parseQuoteRequest's, on the datagram's bytes read as latin1 (so no character is above 255),
 * in one pass that also hashes each word: the bounds and hashes go to `bounds` (quote_bounds_length long), the
 * word count (1 to 3) is returned, or 0 where parseQuoteRequest finds no request. Nothing is decoded or
 * allocated: the doctor answers most quotes from bytes.
 */
export function splitQuoteBytes(bytes: Uint8Array, bounds: Int32Array): number {
  let words = 0;
  let start = -1;
  let h = fnv_seed;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    const kind = byte_kinds[c]!;
    if (kind === word_byte) {
      if (start < 0) {
        if (words === 3) return 0;
        start = i;
        h = fnv_seed;
      }
      h = Math.imul(h ^ c, fnv_prime);
    } else if (kind === 0) return 0;
    else if (start >= 0) {
      bounds[2 * words] = start;
      bounds[2 * words + 1] = i;
      bounds[6 + words++] = h;
      start = -1;
    }
  }
  if (start >= 0) {
    bounds[2 * words] = start;
    bounds[2 * words + 1] = n;
    bounds[6 + words++] = h;
  }
  return words;
}

/** What `\s` matches: tab to carriage return, space and no-break space below 256; the rest by the pattern. */
function isSpace(c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 160 || (c > 255 && /\s/.test(String.fromCharCode(c)));
}

export const formatQuoteRequest = (patient: string, insurance: string, type?: string) =>
  type === undefined ? `${patient} ${insurance}` : `${patient} ${insurance} ${type}`;

/** Where a price file's `<insurance> <type> <price>` line is kept: beside the plan's own price, never clashing. */
export const typedPriceKey = (insurance: string, type: string) => `${insurance} ${type}`;

export function parseQuoteReply(text: string): number | "unknown" | undefined {
  const t = text.trim();
  if (t === "unknown") return "unknown";
  return /^\d{1,12}$/.test(t) ? Number(t) : undefined;
}
