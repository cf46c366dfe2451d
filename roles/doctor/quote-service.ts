// The doctor's UDP quote service: one datagram in, the price (or "unknown") out.
import type { udp } from "bun";
import { datagram_bytes_max } from "../../shared/limits.ts";
import type { Log } from "../../shared/log.ts";
import { displayDoctorName, displayPatientName } from "../../shared/names.ts";
import { quote_bounds_length, splitQuoteBytes } from "../../shared/quote-protocol.ts";
import { ReplyTable } from "./reply-table.ts";

const quote_meta = { event: "quote", cause: "quotes" };

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

/** A datagram answered: its bytes, word count (bounds in DoctorService.bounds), price entry (-1: unknown), port. */
type Answered = { bytes: Buffer; words: number; entry: number; port: number };

export class DoctorService {
  private socket: udp.Socket<"buffer"> | undefined;
  private replies: ReplyTable;
  private readonly unknown = Buffer.from("unknown");
  private readonly shownName: string;
  private table = "";
  /** The ready line, made once the port is known. */
  private ready: string | undefined;
  /** The words' bounds of the datagram being answered (start, end; ...), and what its log line reads. */
  private readonly bounds = new Int32Array(quote_bounds_length);
  private readonly current: Answered = { bytes: Buffer.alloc(0), words: 0, entry: -1, port: 0 };
  /** Made once: the log calls it only for a line it keeps, while `current` is this datagram's. */
  private readonly currentLines = () => this.quoteLinesOf(this.current);
  quotes = 0;
  ignored = 0;

  constructor(private readonly o: DoctorOptions) {
    this.shownName = displayDoctorName(o.name);
    this.replies = new ReplyTable(o.prices);
    this.table = formatPriceTable(o.prices);
  }

  /** A new price table, taken whole (SIGHUP); the next datagram is answered from it. */
  replacePrices(prices: Map<string, number>): void {
    this.replies = new ReplyTable(prices);
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
    const b = this.bounds;
    const words = splitQuoteBytes(buf, b);
    if (words === 0) return this.ignore(address, port, "not `<insurance>` or `<patient> <insurance> [<type>]`");
    // An appointment type's own price where the price file gives one, else the plan's.
    const at = words === 1 ? 0 : 2;
    let entry = words === 3 ? this.replies.findTyped(buf, b[2]!, b[3]!, b[7]!, b[4]!, b[5]!) : -1;
    if (entry < 0) entry = this.replies.find(buf, b[at]!, b[at + 1]!, b[6 + (at >> 1)]!);
    // Sent at once, as a bare echo does: deferred to the end of the turn (to batch replies in one sendmmsg)
    // each quote waited one more turn, 0.69-0.83x the echo's rate at 1 in flight (issue 28).
    const reply = entry < 0 ? this.unknown : this.replies.entry(entry).reply;
    try {
      s.send(reply, port, address);
    } catch (err) {
      this.sendFailed(err); // a full socket buffer drops the reply; the patient's retries ask again
    }
    this.quotes++;
    if (!this.o.log.dropsInfo(quote_meta.cause)) this.logQuote(buf, words, entry, port, address);
  }

  /** The seed's four lines per quote, as one log entry, made only if kept (past the cause's cap it is not). */
  private logQuote(buf: Buffer, words: number, entry: number, port: number, address: string): void {
    const log = this.o.log;
    const c = this.current;
    c.bytes = buf;
    c.words = words;
    c.entry = entry;
    c.port = port;
    if (log.format !== "json") return log.info(this.currentLines, quote_meta);
    const b = this.bounds;
    const at = words === 1 ? 0 : 2;
    const fields = {
      patient: this.patientOf(c),
      insurance: buf.toString("latin1", b[at], b[at + 1]),
      port,
      address,
      price: entry < 0 ? "unknown" : this.replies.entry(entry).price,
    };
    log.info(this.currentLines, { ...quote_meta, fields });
  }

  private patientOf(c: Answered): string {
    return c.words === 1 ? "unknown" : displayPatientName(c.bytes.toString("latin1", this.bounds[0], this.bounds[1]));
  }

  /** The log's text for the datagram in `current`: the key priced (the typed one if it was), or the plan asked for. */
  private quoteLinesOf(c: Answered): string {
    const b = this.bounds;
    const at = c.words === 1 ? 0 : 2;
    const known = c.entry < 0 ? undefined : this.replies.entry(c.entry);
    const insurance = known ? known.key : c.bytes.toString("latin1", b[at], b[at + 1]);
    return this.quoteLines(insurance, known?.price, this.patientOf(c), c.port);
  }

  private quoteLines(insurance: string, price: string | undefined, who: string, port: number): string {
    const sent =
      price === undefined
        ? `has no price for insurance plan ${insurance}; sent unknown to patient with port number ${port}`
        : `has sent estimated price $ ${price} to patient with port number ${port}`;
    return (
      `Phase3: ${this.shownName} receives the request from the patient with port number ${port} and name ${who} ` +
      `with the insurance plan ${insurance}\n${this.table}\n` +
      `Phase3: ${this.shownName} ${sent}\n${(this.ready ??= this.readyLine())}`
    );
  }

  private sendFailed(err: unknown): void {
    this.o.log.info(`Phase3: ${this.shownName} could not send a reply: ${(err as Error).message}`, {
      event: "quote.send_failed",
      cause: "send failures",
    });
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
