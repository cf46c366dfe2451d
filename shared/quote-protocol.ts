// The doctor's UDP protocol, pure: "<insurance>" or "<patient> <insurance>" -> "<price>" | "unknown".
import { isPrintableToken } from "./tokens.ts";

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
