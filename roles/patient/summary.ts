// The rows of the booking summary both patient views show.
import type { Quote } from "./flow.ts";

export function summaryRows(user: string, quote: Quote): [string, string][] {
  return [
    ["Doctors port number", String(quote.booked.port)],
    ["Patient", user],
    ["Insurance", quote.insurance],
    ["Cost", String(quote.cost)],
  ];
}
