// The patient's scripted actions (--list, --cancel N, --move FROM:TO), for people and for scripts
// (--json: one JSON document on stdout). Exit codes as for booking: 0 done, 1 refused.
import { AppError, exit_code } from "../../shared/errors.ts";
import { describeWhen } from "./when.ts";
import { displayDoctorName } from "../../shared/names.ts";
import type { SlotLine } from "../../shared/protocol.ts";
import { AppointmentsClient, type ChangeResult, type ServerPlan } from "./appointments-client.ts";
import { policySentence } from "./replies.ts";

export type ScriptedAction =
  | { kind: "list" }
  | { kind: "cancel"; index: number }
  | { kind: "move"; from: number; to: number };
export type Printer = { out: (text: string) => void; err: (text: string) => void };

const console_printer: Printer = { out: (t) => console.log(t), err: (t) => console.error(t) };

export async function runScripted(
  plan: ServerPlan,
  action: ScriptedAction,
  json: boolean,
  print = console_printer,
): Promise<number> {
  try {
    return await run(plan, action, json, print);
  } catch (err) {
    // A script reading stdout gets its one document on every path (the message still goes to stderr).
    if (json && err instanceof AppError)
      print.out(JSON.stringify({ ok: false, action: action.kind, error: err.message }));
    throw err;
  }
}

async function run(plan: ServerPlan, action: ScriptedAction, json: boolean, print: Printer): Promise<number> {
  const client = await AppointmentsClient.open(plan);
  if (!client) {
    const error = "the server refused the login: wrong user name or password (or too many failed tries; wait a minute)";
    if (json) print.out(JSON.stringify({ ok: false, action: action.kind, error }));
    else print.err(`error: ${error}`);
    return exit_code.refused;
  }
  try {
    if (action.kind === "list") {
      const mine = await client.mine();
      if (json)
        print.out(JSON.stringify({ ok: true, action: "list", user: plan.credentials.user, appointments: mine }));
      else print.out(describeList(mine));
      return exit_code.done;
    }
    const before = await client.mine();
    const result =
      action.kind === "cancel" ? await client.cancel(action.index) : await client.move(action.from, action.to);
    const after = await client.mine();
    const ok = result.kind === "done";
    if (json) {
      const slots = action.kind === "cancel" ? { index: action.index } : { from: action.from, to: action.to };
      print.out(
        JSON.stringify({ ok, action: action.kind, ...slots, result: resultName(action, result), appointments: after }),
      );
    } else {
      (ok ? print.out : print.err)(describeChange(action, result, before, after, plan.clinicPhone));
      if (ok) print.out(describeList(after));
    }
    return ok ? exit_code.done : exit_code.refused;
  } finally {
    client.close();
  }
}

export function describeSlot(s: SlotLine): string {
  return `${describeWhen(s)} with ${displayDoctorName(s.doctor)}`;
}

export function describeList(mine: readonly SlotLine[]): string {
  if (mine.length === 0) return "You have no appointments.";
  return ["Your appointments:", ...mine.map((s) => `  slot ${String(s.index).padEnd(6)} ${describeSlot(s)}`)].join(
    "\n",
  );
}

function resultName(action: ScriptedAction, result: ChangeResult): string {
  if (result.kind !== "done") return result.kind;
  return action.kind === "cancel" ? "cancelled" : "moved";
}

function describeChange(
  action: Exclude<ScriptedAction, { kind: "list" }>,
  result: ChangeResult,
  before: SlotLine[],
  after: SlotLine[],
  phone: string | undefined,
): string {
  const find = (list: SlotLine[], index: number) => list.find((s) => s.index === index);
  const from = action.kind === "cancel" ? action.index : action.from;
  const was = find(before, from);
  const what = was ? `slot ${from} (${describeSlot(was)})` : `slot ${from}`;
  const recovered =
    result.kind === "done" && result.recovered
      ? " (the connection dropped; your appointments show it took effect)"
      : "";
  switch (result.kind) {
    case "done": {
      if (action.kind === "cancel") return `Cancelled ${what}.${recovered}`;
      const now = find(after, action.to);
      return `Moved ${what} to slot ${action.to}${now ? ` (${describeSlot(now)})` : ""}.${recovered}`;
    }
    case "notyours":
      return `error: ${what} is not one of your appointments; nothing changed.`;
    case "invalid":
      return `error: slot ${action.kind === "move" && was ? action.to : from} is not in the schedule; nothing changed.`;
    case "notavailable":
      if (action.kind === "move" && action.to === from) return `error: ${what} is already yours; nothing changed.`;
      return `error: slot ${action.kind === "move" ? action.to : from} is taken; you keep ${what}.`;
    case "lost":
      return (
        `error: the connection dropped and your appointments show the ${action.kind} ` +
        "did not take effect; try again."
      );
    case "limit":
      return `error: you already hold ${result.held} appointments.`;
    case "policy":
      return `error: ${policySentence(result.said, phone)} You keep ${what}.`;
  }
}
