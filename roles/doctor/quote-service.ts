// The doctor's UDP quote service: one datagram in, the price (or "unknown") out.
import type { udp } from "bun";
import { datagram_bytes_max } from "../../shared/limits.ts";
import type { Log } from "../../shared/log.ts";
import { displayDoctorName, displayPatientName } from "../../shared/names.ts";
import { parseQuoteRequest, typedPriceKey } from "../../shared/quote-protocol.ts";

const quote_meta = { event: "quote", cause: "quotes" };

const shownPatient = (patient: string | undefined) => (patient ? displayPatientName(patient) : "unknown");

/** The seed's print of the price table: {'insurance1': '30', ...}. */
export function formatPriceTable(prices: Map<string, number>): string {
  return `{${[...prices].map(([k, v]) => `'${k}': '${v}'`).join(", ")}}`;
}

export type DoctorOptions = {
  name: string;
  host: string;
  port: number;
  prices: Map<string, number>;
  log: Log;
  shownHost: string;
};

export class DoctorService {
  private socket: udp.Socket<"buffer"> | undefined;
  private replies = new Map<string, Buffer>();
  private readonly unknown = Buffer.from("unknown");
  private readonly shownName: string;
  private table = "";
  /** Each plan's price as text, for the log line. */
  private priceTexts = new Map<string, string>();
  /** The ready line, made once the port is known. */
  private ready: string | undefined;
  quotes = 0;
  ignored = 0;

  constructor(private readonly o: DoctorOptions) {
    this.shownName = displayDoctorName(o.name);
    this.replacePrices(o.prices);
  }

  /** A new price table, taken whole (SIGHUP); the next datagram is answered from it. */
  replacePrices(prices: Map<string, number>): void {
    const replies = new Map<string, Buffer>();
    for (const [insurance, price] of prices) replies.set(insurance, Buffer.from(String(price)));
    this.replies = replies;
    this.priceTexts = new Map([...prices].map(([insurance, price]) => [insurance, String(price)]));
    this.table = formatPriceTable(prices);
  }

  get port(): number {
    return this.socket?.port ?? 0;
  }

  /** The seed's start-up line, which it repeats after every quote. */
  readyLine(): string {
    return `Phase3: ${this.shownName} has a static UDP port ${this.port} and IP Address ${this.o.shownHost}`;
  }

  async start(): Promise<void> {
    const self = this;
    this.socket = await Bun.udpSocket({
      hostname: this.o.host,
      port: this.o.port,
      socket: {
        data(s, buf, port, address) {
          try {
            self.onDatagram(s, buf, port, address);
          } catch (err) {
            self.o.log.error(`internal error on a datagram from ${address}:${port}: ${(err as Error).message}`, {
              cause: "internal errors",
            });
          }
        },
        // ECONNREFUSED here means a patient left before our answer arrived: nothing to do.
        error() {},
      },
    });
  }

  stop(): void {
    this.socket?.close();
  }

  private onDatagram(s: udp.Socket<"buffer">, buf: Buffer, port: number, address: string): void {
    if (buf.length === 0 || buf.length > datagram_bytes_max) return this.ignore(address, port, `${buf.length} bytes`);
    const request = parseQuoteRequest(buf.toString("latin1"));
    if (!request) return this.ignore(address, port, "not `<insurance>` or `<patient> <insurance> [<type>]`");
    // An appointment type's own price where the price file gives one, else the plan's.
    const typed = request.type === undefined ? undefined : typedPriceKey(request.insurance, request.type);
    const key = typed !== undefined && this.replies.has(typed) ? typed : request.insurance;
    const reply = this.replies.get(key) ?? this.unknown;
    // Sent at once, as a bare echo does: deferred to the end of the turn (to batch replies in one sendmmsg)
    // each quote waited one more turn, 0.69-0.83x the echo's rate at 1 in flight (issue 28).
    this.send(s, reply, port, address);
    this.quotes++;
    const log = this.o.log;
    if (log.quiet) return;
    // The seed's four lines per quote, as one log entry, built only if kept (past the cause's cap it is not).
    if (log.format !== "json")
      return log.info(
        () => this.quoteLines(key, shownPatient(request.patient), port, reply === this.unknown),
        quote_meta,
      );
    const fields = {
      patient: shownPatient(request.patient),
      insurance: request.insurance,
      port,
      address,
      price: this.priceTexts.get(key) ?? "unknown",
    };
    log.info(() => this.quoteLines(key, fields.patient, port, reply === this.unknown), { ...quote_meta, fields });
  }

  private quoteLines(insurance: string, who: string, port: number, unknown: boolean): string {
    const sent = unknown
      ? `has no price for insurance plan ${insurance}; sent unknown to patient with port number ${port}`
      : `has sent estimated price $ ${this.priceTexts.get(insurance)} to patient with port number ${port}`;
    return (
      `Phase3: ${this.shownName} receives the request from the patient with port number ${port} and name ${who} ` +
      `with the insurance plan ${insurance}\n${this.table}\n` +
      `Phase3: ${this.shownName} ${sent}\n${(this.ready ??= this.readyLine())}`
    );
  }

  private send(s: udp.Socket<"buffer">, reply: Buffer, port: number, address: string): void {
    try {
      s.send(reply, port, address);
    } catch (err) {
      // A full socket buffer drops the reply; the patient's retries ask again.
      this.o.log.info(`Phase3: ${this.shownName} could not send a reply: ${(err as Error).message}`, {
        event: "quote.send_failed",
        cause: "send failures",
      });
    }
  }

  private ignore(address: string, port: number, why: string): void {
    this.ignored++;
    this.o.log.info(`Phase3: ${this.shownName} ignored a datagram from ${address}:${port} (${why})`, {
      event: "datagram.ignored",
      cause: "ignored datagrams",
      fields: { address, port, why },
    });
  }
}
