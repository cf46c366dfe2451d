// The patient's session, headless: log in, list, choose, book, ask the doctor. A view renders
// each step (the seed's transcript lines, or clack prompts on a terminal); this file decides.
import type { Credentials } from "../../shared/datafiles.ts";
import { choices_max, udp_retries_max, udp_timeout_ms } from "../../shared/limits.ts";
import { LineClient, type TlsOptions } from "./line-client.ts";
import {
  parseAuthReply,
  parseFreeSlots,
  parseLimitReached,
  parsePolicyRefusal,
  parseSelectionReply,
  type ParseResult,
} from "./replies.ts";
import { formatAuthenticate, formatAvailable, formatSelection, type FreeSlot } from "../../shared/protocol.ts";
import { requestQuote, type QuoteSocket } from "./quote.ts";
import { NetworkError } from "../../shared/errors.ts";
import { isOutcomeUnknown } from "../../shared/change-failed.ts";
import { settleWithMine } from "./settle-unknown.ts";

export type PatientPlan = {
  credentials: Credentials;
  insurance: string;
  server: { host: string; port: number };
  tls?: TlsOptions;
  /** Book this index without asking. */
  slot?: number;
  /** The deployment file's [clinic] phone: the next step a refusal by the clinic's rules names. */
  clinicPhone?: string;
  udpRetries?: number;
  udpTimeoutMs?: number;
};

export type Booked = { index: number; doctor: string; port: number; host: string };
export type Quote = { booked: Booked; insurance: string; cost: number | "unknown" };

export type Choice = { kind: "index"; index: number } | { kind: "cancel" };

export interface PatientView {
  connecting(server: { host: string; port: number }): void;
  connected(local: { port: number; address: string }, user: string): void;
  authResult(ok: boolean): void;
  slots(list: FreeSlot[]): void;
  choose(list: FreeSlot[]): Promise<Choice>;
  invalid(index: number): void;
  reserved(booked: Booked): void;
  notAvailable(index: number): void;
  quoteSending(socket: QuoteSocket & { shownAddress: string }, booked: Booked, insurance: string): void;
  quoted(quote: Quote): void;
}

export type Outcome =
  /** `warning`: the booking stands but the doctor gave no price. */
  | { kind: "done"; quote: Quote; warning?: string }
  | { kind: "auth-failed" }
  | { kind: "notavailable"; index: number }
  | { kind: "invalid"; index: number }
  | { kind: "limit"; index: number; held: number }
  /** One of the clinic's rules refused it; `said`: the server's line (`too soon to book: ...`). */
  | { kind: "policy"; index: number; said: string }
  | { kind: "no-slots" }
  | { kind: "cancelled" };

export async function runPatient(plan: PatientPlan, view: PatientView): Promise<Outcome> {
  view.connecting(plan.server);
  const client = await LineClient.connect(plan.server.host, plan.server.port, plan.tls);
  let booked: Booked | Outcome;
  try {
    booked = await logInAndBook(client, plan, view);
  } finally {
    client.close();
  }
  if ("kind" in booked) return booked;
  view.reserved(booked);
  return askThePrice(booked, plan, view, client.localAddress);
}

/** The server's part: log in, list, choose and book; the booked slot, or the outcome that ends the session. */
async function logInAndBook(client: LineClient, plan: PatientPlan, view: PatientView): Promise<Booked | Outcome> {
  view.connected({ port: client.localPort, address: client.localAddress }, plan.credentials.user);
  client.write(formatAuthenticate(plan.credentials.user, plan.credentials.password));
  const ok = expect(parseAuthReply(await client.line()));
  view.authResult(ok);
  if (!ok) return { kind: "auth-failed" };

  client.write(formatAvailable());
  const slots = await readSlots(client);
  view.slots(slots);
  if (slots.length === 0 && plan.slot === undefined) return { kind: "no-slots" };

  let attempts = 0;
  while (true) {
    let index: number;
    if (plan.slot !== undefined) index = plan.slot;
    else {
      const choice = await view.choose(slots);
      if (choice.kind === "cancel") return { kind: "cancelled" };
      index = choice.index;
    }
    client.write(formatSelection(index));
    const line = await client.line();
    if (isOutcomeUnknown(line)) return settledBooking(client, index);
    const held = parseLimitReached(line);
    if (held !== undefined) return { kind: "limit", index, held };
    const said = parsePolicyRefusal(line);
    if (said !== undefined) return { kind: "policy", index, said };
    const reply = expect(parseSelectionReply(line));
    if (reply.kind === "booked")
      return { index, doctor: reply.doctor, port: reply.port, host: reply.host ?? "127.0.0.1" };
    if (reply.kind === "notavailable") {
      view.notAvailable(index);
      return { kind: "notavailable", index };
    }
    view.invalid(index);
    attempts += 1;
    if (plan.slot !== undefined || attempts >= choices_max) return { kind: "invalid", index };
  }
}

/** The server could not tell whether the booking was stored: `mine` says, never a guess or a retry. */
async function settledBooking(client: LineClient, index: number): Promise<Booked> {
  const stored = (await settleWithMine(client, `your booking of slot ${index}`)).find((s) => s.index === index);
  if (stored) return { index, doctor: stored.doctor, port: stored.port, host: stored.host ?? "127.0.0.1" };
  throw new NetworkError(`your booking of slot ${index} was not stored (the server's database did not answer in time)`);
}

/** The doctor's part, over UDP: a missing price leaves the booking standing, with a warning. */
async function askThePrice(
  booked: Booked,
  plan: PatientPlan,
  view: PatientView,
  shownAddress: string,
): Promise<Outcome> {
  let cost: number | "unknown";
  try {
    cost = await requestQuote(
      {
        host: booked.host,
        port: booked.port,
        patient: plan.credentials.user,
        insurance: plan.insurance,
        retries: plan.udpRetries ?? udp_retries_max,
        timeoutMs: plan.udpTimeoutMs ?? udp_timeout_ms,
      },
      (socket) => view.quoteSending({ ...socket, shownAddress }, booked, plan.insurance),
    );
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    const warning =
      `${err.message}. Your booking of slot ${booked.index} with ${booked.doctor} stands; ` +
      "only the cost estimate is missing.";
    return { kind: "done", quote: { booked, insurance: plan.insurance, cost: "unknown" }, warning };
  }
  const quote: Quote = { booked, insurance: plan.insurance, cost };
  view.quoted(quote);
  return { kind: "done", quote };
}

async function readSlots(client: LineClient): Promise<FreeSlot[]> {
  return expect(parseFreeSlots(await client.list()));
}

function expect<T>(result: ParseResult<T>): T {
  if (!result.ok) throw new NetworkError(result.error);
  return result.value;
}
