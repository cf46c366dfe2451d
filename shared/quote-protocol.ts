// The doctor's UDP protocol, pure: "<insurance>" or "<patient> <insurance>" (or, for an appointment
// type, "<patient> <insurance> <type>") -> "<price>" | "unknown".
import { isPrintableToken } from "./tokens.ts";

export type QuoteRequest = { patient?: string; insurance: string; type?: string };

export function parseQuoteRequest(text: string): QuoteRequest | undefined {
  const words = text.trim().split(/\s+/);
  if (!words.every(isPrintableToken)) return undefined;
  if (words.length === 1 && words[0]) return { insurance: words[0] };
  if (words.length === 2 && words[0] && words[1]) return { patient: words[0], insurance: words[1] };
  if (words.length === 3 && words[0] && words[1] && words[2])
    return { patient: words[0], insurance: words[1], type: words[2] };
  return undefined;
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
