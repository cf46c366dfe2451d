// The patient's side of the appointment commands (mine, slots, selection, cancel, reschedule) over
// one LineClient. A connection the server closed while the patient was choosing (idle timeout) is
// opened again with a quiet login; a connection lost after a change was sent is opened again and
// `mine` tells whether the change took effect, so the patient is never left guessing.
import type { Credentials } from "../../shared/datafiles.ts";
import { NetworkError } from "../../shared/errors.ts";
import { isOutcomeUnknown } from "../../shared/change-failed.ts";
import { settleWithMine } from "./settle-unknown.ts";
import {
  parseAuthReply,
  parseCancelReply,
  parseLimitReached,
  parsePastLine,
  type PastLine,
  parsePolicyRefusal,
  parseRescheduleReply,
  parseSlotLine,
  type ParseResult,
  type RescheduleReply,
} from "./replies.ts";
import {
  formatAuthenticate,
  formatCancel,
  formatIcs,
  formatMine,
  formatMinePast,
  formatReschedule,
  formatSelection,
  formatSlots,
  formatTypes,
  type SlotLine,
  type SlotsQuery as WireSlotsQuery,
} from "../../shared/protocol.ts";
import { LineClient, type TlsOptions } from "./line-client.ts";

/** `clinicPhone`: the deployment file's [clinic] phone, the next step a refusal by the clinic's rules names. */
export type ServerPlan = {
  credentials: Credentials;
  server: { host: string; port: number };
  tls?: TlsOptions;
  clinicPhone?: string;
};
/** The protocol's `slots` filters, each optional here; `from`, `to`: local dates (a calendar's server only). */
export type SlotsQuery = Partial<WireSlotsQuery>;

/** An appointment type the clinic's rules offer (`types`): its name and length in minutes. */
export type AppointmentTypeLine = { name: string; minutes: number };

/**
 * What a change came to. `recovered`: the connection dropped after the change was sent, and `mine`
 * showed it took effect; `lost`: it dropped and `mine` showed the change did not happen.
 */
export type ChangeResult =
  | { kind: "done"; doctor?: string; port?: number; host?: string; recovered: boolean }
  | { kind: "lost" }
  | { kind: "notavailable" }
  | { kind: "notyours" }
  | { kind: "invalid" }
  | { kind: "limit"; held: number }
  /** One of the clinic's rules refused it; `said`: the server's line (`too late to cancel: ...`). */
  | { kind: "policy"; said: string };

export class AppointmentsClient {
  /** How many times the connection was opened again (idle close or drop). */
  reconnects = 0;

  private constructor(
    private readonly plan: ServerPlan,
    private client: LineClient,
  ) {}

  /** Connects and logs in; undefined when the server refuses the login. */
  static async open(plan: ServerPlan): Promise<AppointmentsClient | undefined> {
    const client = await login(plan);
    return client && new AppointmentsClient(plan, client);
  }

  /** False once the server closed the connection (it is opened again on the next request). */
  get isOpen(): boolean {
    return !this.client.closed;
  }

  async mine(): Promise<SlotLine[]> {
    return this.list(formatMine());
  }

  /** `mine past`: the last year's appointments, each with its status (a server with a calendar only). */
  async past(): Promise<PastLine[]> {
    const lines = await this.retryOnce(async () => {
      this.client.write(formatMinePast());
      return this.client.list();
    });
    return lines.map((line) => expectOk(parsePastLine(line)));
  }

  /** The `ics` reply's lines, as sent (patient/ics-file.ts reads them). */
  async icsLines(): Promise<string[]> {
    return this.retryOnce(async () => {
      this.client.write(formatIcs());
      return this.client.list();
    });
  }

  async slots(query: SlotsQuery = {}): Promise<SlotLine[]> {
    return this.list(formatSlots(query));
  }

  /** `types` (a server with a calendar only): the appointment types offered; a line it cannot read is left out. */
  async types(): Promise<AppointmentTypeLine[]> {
    const lines = await this.retryOnce(async () => {
      this.client.write(formatTypes());
      return this.client.list();
    });
    return lines.flatMap((line) => {
      const m = /^([A-Za-z0-9_-]{1,24}) (\d{1,4})$/.exec(line);
      return m ? [{ name: m[1]!, minutes: Number(m[2]) }] : [];
    });
  }

  /** `type`: an appointment type's name (undefined: the slot's default). */
  async book(index: number, type?: string): Promise<ChangeResult> {
    return this.change(
      formatSelection(index, type),
      async (mine) => mine.some((s) => s.index === index),
      (line) => {
        const held = parseLimitReached(line);
        if (held !== undefined) return { ok: true, value: { kind: "limit", held } };
        return toChange(parseRescheduleReply(line));
      },
    );
  }

  async cancel(index: number): Promise<ChangeResult> {
    return this.change(
      formatCancel(index),
      async (mine) => !mine.some((s) => s.index === index),
      (line) => {
        const r = parseCancelReply(line);
        if (!r.ok) return r;
        return { ok: true, value: r.value === "cancelled" ? { kind: "done", recovered: false } : { kind: r.value } };
      },
    );
  }

  async move(from: number, to: number): Promise<ChangeResult> {
    return this.change(
      formatReschedule(from, to),
      async (mine) => mine.some((s) => s.index === to),
      (line) => toChange(parseRescheduleReply(line)),
    );
  }

  close(): void {
    this.client.close();
  }

  /** A read: sent again on a fresh connection if the old one was closed under it. */
  private async list(request: string): Promise<SlotLine[]> {
    const lines = await this.retryOnce(async () => {
      this.client.write(request);
      return this.client.list();
    });
    return lines.map((line) => expectOk(parseSlotLine(line)));
  }

  /**
   * Sends a change. Lost before it was written: sent again. Lost after: whether it took effect is
   * read back with `mine` (`tookEffect`), never guessed, and never sent twice.
   */
  private async change(
    request: string,
    tookEffect: (mine: SlotLine[]) => Promise<boolean>,
    parse: (line: string) => ParseResult<ChangeResult>,
  ): Promise<ChangeResult> {
    if (this.client.closed) await this.reopen();
    try {
      this.client.write(request);
    } catch (err) {
      if (!(err instanceof NetworkError)) throw err;
      await this.reopen();
      this.client.write(request);
    }
    let line: string;
    try {
      line = await this.client.line();
    } catch (err) {
      // A server that broke a cap on its reply is not asked again: it would only double the cost.
      if (!(err instanceof NetworkError) || !this.client.closed || this.client.refusedBecause) throw err;
      await this.reopen();
      const settled = await tookEffect(await this.mine());
      return settled ? { kind: "done", recovered: true } : { kind: "lost" };
    }
    if (isOutcomeUnknown(line)) {
      const settled = await tookEffect(await settleWithMine(this.client, "that change"));
      return settled ? { kind: "done", recovered: true } : { kind: "lost" };
    }
    const said = parsePolicyRefusal(line);
    if (said !== undefined) return { kind: "policy", said };
    return expectOk(parse(line));
  }

  private async retryOnce<T>(fn: () => Promise<T>): Promise<T> {
    if (this.client.closed) await this.reopen();
    try {
      return await fn();
    } catch (err) {
      // A server that broke a cap on its reply is not asked again: it would only double the cost.
      if (!(err instanceof NetworkError) || !this.client.closed || this.client.refusedBecause) throw err;
      await this.reopen();
      return fn();
    }
  }

  private async reopen(): Promise<void> {
    this.client.close();
    const client = await login(this.plan);
    if (!client) throw new NetworkError("the server refused the login when the connection was opened again");
    this.client = client;
    this.reconnects += 1;
  }
}

async function login(plan: ServerPlan): Promise<LineClient | undefined> {
  const client = await LineClient.connect(plan.server.host, plan.server.port, plan.tls);
  client.write(formatAuthenticate(plan.credentials.user, plan.credentials.password));
  if (expectOk(parseAuthReply(await client.line()))) return client;
  client.close();
  return undefined;
}

function toChange(r: ParseResult<RescheduleReply>): ParseResult<ChangeResult> {
  if (!r.ok) return r;
  const v = r.value;
  if (v.kind !== "booked") return { ok: true, value: { kind: v.kind } };
  const done: ChangeResult = { kind: "done", doctor: v.doctor, port: v.port, recovered: false };
  if (v.host) done.host = v.host;
  return { ok: true, value: done };
}

function expectOk<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new NetworkError(result.error);
  return result.value;
}
