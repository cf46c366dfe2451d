// Estimated prices for the patient's plan, asked of each doctor once (in parallel, each with the
// bounded UDP retries). A doctor who does not answer is "unavailable": booking goes on without it.
import { NetworkError } from "../../shared/errors.ts";
import { price_doctors_max, udp_retries_max, udp_timeout_ms } from "../../shared/limits.ts";
import type { SlotLine } from "../../shared/protocol.ts";
import { requestQuote } from "./quote.ts";

export type Price = number | "unknown" | "unavailable";
export type PriceAsk = { patient: string; insurance: string; retries?: number; timeoutMs?: number };

/** Where a slot's doctor answers quotes (the host the server named, else this machine, as in the seed); the type. */
const doctorKey = (s: Pick<SlotLine, "doctor" | "port" | "host">, type?: string) =>
  `${s.doctor} ${s.host ?? "127.0.0.1"}:${s.port}${type === undefined ? "" : ` ${type}`}`;

export class PriceBook {
  private readonly prices = new Map<string, Promise<Price>>();

  constructor(private readonly ask: PriceAsk) {}

  /** Asks every doctor of these slots not asked yet (at most price_doctors_max in all);
   * resolves when all have answered or given up. `type`: the price of that appointment type. */
  async learn(slots: readonly SlotLine[], type?: string): Promise<void> {
    const asked: Promise<Price>[] = [];
    for (const s of slots) {
      const key = doctorKey(s, type);
      if (this.prices.has(key) || this.prices.size >= price_doctors_max) continue;
      const price = quote(s, this.ask, type);
      this.prices.set(key, price);
      asked.push(price);
    }
    await Promise.all(asked);
  }

  /** The price for this slot's doctor, if it was asked and has answered. */
  async of(slot: Pick<SlotLine, "doctor" | "port" | "host">, type?: string): Promise<Price> {
    return (await this.prices.get(doctorKey(slot, type))) ?? "unavailable";
  }
}

async function quote(s: SlotLine, ask: PriceAsk, type?: string): Promise<Price> {
  try {
    return await requestQuote({
      host: s.host ?? "127.0.0.1",
      port: s.port,
      patient: ask.patient,
      insurance: ask.insurance,
      ...(type === undefined ? {} : { type }),
      retries: ask.retries ?? udp_retries_max,
      timeoutMs: ask.timeoutMs ?? udp_timeout_ms,
    });
  } catch (err) {
    if (err instanceof NetworkError) return "unavailable";
    throw err;
  }
}

export function describePrice(price: Price): string {
  if (price === "unavailable") return "price unavailable";
  if (price === "unknown") return "no price for your plan";
  return `about $${price}`;
}
