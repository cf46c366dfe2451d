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
