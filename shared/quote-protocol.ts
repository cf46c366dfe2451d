// The doctor's UDP protocol, pure: "<insurance>" or "<patient> <insurance>" (or, for an appointment
// type, "<patient> <insurance> <type>") -> "<price>" | "unknown".

export type QuoteRequest = { patient?: string; insurance: string; type?: string };

/**
 * One pass over the characters, splitting at whitespace (as `\s` matches it) and refusing any other character
 * that is not printable ASCII: every datagram comes here, and a regular-expression split plus a test per word
 * cost about as much as the rest of the doctor's answer.
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

/**
 * The same split as parseQuoteRequest's, on the datagram's bytes read as latin1 (so no character is above 255):
 * the words' bounds go to `bounds` (start, end; start, end; ...) and the word count (1 to 3) is returned, or 0 where
 * parseQuoteRequest finds no request. Nothing is decoded or allocated: the doctor answers most quotes from bytes.
 */
export function splitQuoteBytes(bytes: Uint8Array, bounds: Int32Array): number {
  let words = 0;
  let start = -1;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const c = bytes[i]!;
    if (c === 32 || (c >= 9 && c <= 13) || c === 160) {
      if (start >= 0) {
        if (words === 3) return 0;
        bounds[2 * words] = start;
        bounds[2 * words + 1] = i;
        words++;
        start = -1;
      }
    } else if (c < 0x21 || c > 0x7e) return 0;
    else if (start < 0) start = i;
  }
  if (start >= 0) {
    if (words === 3) return 0;
    bounds[2 * words] = start;
    bounds[2 * words + 1] = n;
    words++;
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
