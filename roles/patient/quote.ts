// Asking a doctor for a price over UDP: bounded retries, since a datagram can be lost
// and quotes are idempotent.
import { ipVersion } from "../../shared/ip-literal.ts";
import { formatQuoteRequest, parseQuoteReply } from "../../shared/quote-protocol.ts";
import { udp_retries_max, udp_timeout_ms } from "../../shared/limits.ts";
import { NetworkError } from "../../shared/errors.ts";

export type QuoteRequest = {
  host: string;
  port: number;
  patient: string;
  insurance: string;
  /** An appointment type: its own price where the doctor's file gives one (else the plan's). */
  type?: string;
  retries?: number;
  timeoutMs?: number;
};
export type QuoteSocket = { port: number; address: string };

/** Resolves a host name once: UDP send takes IP literals only. */
export async function resolveHost(host: string): Promise<string> {
  if (ipVersion(host) !== 0) return host;
  try {
    // Loaded only for a name: a patient given IP addresses never loads the resolver.
    return (await (await import("node:dns/promises")).lookup(host)).address;
  } catch (err) {
    throw new NetworkError(`cannot resolve the doctor's host ${host} (${(err as NodeJS.ErrnoException).code})`);
  }
}

/**
 * Opens the patient's UDP socket (so its port can be shown), then asks. Returns the price or "unknown".
 * `onSocket` runs once the socket is bound, before the first datagram goes out.
 */
export async function requestQuote(
  q: QuoteRequest,
  onSocket: (s: QuoteSocket) => void = () => {},
): Promise<number | "unknown"> {
  const retries = q.retries ?? udp_retries_max;
  const timeoutMs = q.timeoutMs ?? udp_timeout_ms;
  const address = await resolveHost(q.host);
  let answer: ((v: number | "unknown") => void) | undefined;
  const socket = await Bun.udpSocket({
    hostname: address.includes(":") ? "::" : "0.0.0.0",
    socket: {
      data(_s, buf, port, from) {
        if (port !== q.port) return;
        const reply = parseQuoteReply(buf.toString("latin1"));
        if (reply !== undefined && from.replace(/^::ffff:/, "") === address.replace(/^::ffff:/, "")) answer?.(reply);
      },
      // A doctor that is not up yet answers with ICMP port-unreachable; the retries cover it.
      error() {},
    },
  });
  try {
    onSocket({ port: socket.port, address: socket.address.address });
    const message = formatQuoteRequest(q.patient, q.insurance, q.type);
    for (let attempt = 1; attempt <= retries; attempt++) {
      const reply = new Promise<number | "unknown">((resolve) => (answer = resolve));
      socket.send(message, q.port, address);
      const result = await Promise.race([reply, Bun.sleep(timeoutMs).then(() => undefined)]);
      if (result !== undefined) return result;
    }
    throw new NetworkError(
      `no answer from the doctor at ${q.host}:${q.port} after ${retries} tries of ${timeoutMs} ms`,
    );
  } finally {
    socket.close();
  }
}
