// The patient on a terminal: their appointments, then a menu to book (slots searchable by day and
// doctor, each with its doctor's price), cancel or move, each with a confirm step. This file decides;
// a MenuView shows and asks (clack on a terminal, menu-view.ts), so the decisions are tested in-process.
import { exit_code } from "../../shared/errors.ts";
import { displayDoctorName, displayPatientName } from "../../shared/names.ts";
import type { SlotLine } from "../../shared/protocol.ts";
import { AppointmentsClient, type ChangeResult } from "./appointments-client.ts";
import type { PatientPlan } from "./flow.ts";
import type { MenuView } from "./menu-view.ts";
import { describePrice, PriceBook } from "./prices.ts";
import { type PickerContext, pickSlot } from "./slot-picker.ts";
import { past_status_words, policySentence } from "./replies.ts";

/**
 * `changes`: how many changes this session made (what a Ctrl-C says was done); `phone`: the clinic's,
 * named when one of its rules refuses a change.
 */
export type MenuContext = PickerContext & { mine: SlotLine[]; changes: number; phone?: string; dated?: boolean };

const when = (s: SlotLine) => `${s.day} ${s.time} with ${displayDoctorName(s.doctor)}`;

export async function runMenu(plan: PatientPlan, view: MenuView): Promise<number> {
  const user = plan.credentials.user;
  view.intro(`${displayPatientName(user)} · medical appointments`);
  view.working(`Connecting to the health center at ${plan.server.host}:${plan.server.port}`);
  const client = await AppointmentsClient.open(plan);
  if (!client) {
    view.worked(`Login refused for ${user}`, false);
    view.cancelled("Wrong user name or password (or too many failed tries; wait a minute).");
    return exit_code.refused;
  }
  try {
    const prices = new PriceBook({
      patient: user,
      insurance: plan.insurance,
      retries: plan.udpRetries,
      timeoutMs: plan.udpTimeoutMs,
    });
    const ctx: MenuContext = { client, prices, view, mine: await client.mine(), changes: 0, phone: plan.clinicPhone };
    view.working("Asking the doctors for prices");
    const free = await client.slots();
    // On a calendar (dated lines) the menu also shows the past year's appointments (`mine past`).
    ctx.dated = [...ctx.mine, ...free].some((s) => s.start !== undefined);
    await prices.learn([...ctx.mine, ...free]);
    view.worked(`Logged in as ${user}`, true);
    if (!(await menuLoop(ctx))) {
      view.cancelled(ctx.changes === 0 ? "Cancelled; nothing was booked." : "Cancelled; your changes so far stand.");
      return exit_code.cancelled;
    }
    view.outro("Goodbye.");
    return exit_code.done;
  } finally {
    client.close();
  }
}

/** False when the patient pressed Ctrl-C (or Esc) at the menu. */
async function menuLoop(ctx: MenuContext): Promise<boolean> {
  while (true) {
    showMine(ctx);
    const action = await ctx.view.choose("What would you like to do?", menuOptions(ctx.mine.length > 0, ctx.dated));
    if (action === undefined) return false;
    if (action === "quit") return true;
    if (action === "past") await showPast(ctx);
    else if (action === "book") await book(ctx);
    else if (action === "cancel") await cancel(ctx);
    else await move(ctx);
    ctx.mine = await ctx.client.mine();
  }
}

type Action = "book" | "cancel" | "move" | "past" | "quit";

/** Cancel and move only for a patient who holds something; past appointments on a calendar. */
export function menuOptions(holdsAny: boolean, dated = false): { value: Action; label: string }[] {
  return [
    { value: "book", label: "Book an appointment" },
    ...(holdsAny
      ? [
          { value: "cancel" as const, label: "Cancel one" },
          { value: "move" as const, label: "Move one to another time" },
        ]
      : []),
    ...(dated ? [{ value: "past" as const, label: "See past appointments (the last year)" }] : []),
    { value: "quit", label: "Quit" },
  ];
}

function showMine({ mine, view }: MenuContext): void {
  if (mine.length === 0) return view.say("info", "You have no appointments yet.");
  const lines = mine.map((s) => `${s.day.padEnd(4)} ${s.time.padEnd(6)} ${displayDoctorName(s.doctor)}`);
  view.note("Your appointments", { lines });
}

/** The last year's appointments with what happened at each (seen, missed, cancelled, ...). */
async function showPast({ client, view }: MenuContext): Promise<void> {
  const past = await client.past();
  if (past.length === 0) return view.say("info", "You have no past appointments in the last year.");
  const lines = past.map(
    (s) => `${s.day.padEnd(10)} ${s.time.padEnd(6)} ${displayDoctorName(s.doctor)}: ${past_status_words[s.status]}`,
  );
  view.note("Your past appointments (the last year)", { lines });
}

/**
 * On a calendar whose clinic offers more than one appointment type, which one (asked first); undefined:
 * none to choose (each slot's default); null: the patient went back. The last choice is each slot's
 * default: a doctor whose rules offer no type (a plain rule) has slots of none of the types, and
 * without it the menu could not reach them.
 */
async function chooseType(ctx: MenuContext): Promise<string | undefined | null> {
  if (!ctx.dated) return undefined;
  const types = await ctx.client.types();
  if (types.length <= 1) return undefined;
  const options = types.map((t) => ({ value: t.name, label: `${t.name} (${t.minutes} min)` }));
  options.push({ value: "", label: "Any kind (each doctor's usual appointment)" });
  const chosen = await ctx.view.choose("Which kind of appointment?", options);
  return chosen === undefined ? null : chosen || undefined;
}

async function book(ctx: MenuContext): Promise<void> {
  const type = await chooseType(ctx);
  if (type === null) return;
  while (true) {
    const slot = await pickSlot(ctx, "Pick an appointment (type to search by day, time or doctor)", type);
    if (!slot) return;
    const price = await ctx.prices.of(slot, type);
    const ok = await ctx.view.confirm(`Book ${when(slot)}, ${describePrice(price)}?`);
    if (!ok) continue;
    const result = await step(ctx, "Booking", () => ctx.client.book(slot.index, type));
    if (result.kind === "done") {
      summary(ctx.view, "Booked", slot, describePrice(price), result);
      if (price === "unavailable") ctx.view.say("warn", "The doctor did not answer for a price; your booking stands.");
      return;
    }
    if (!explainRefusal(ctx, result, "booking")) return;
  }
}

async function cancel(ctx: MenuContext): Promise<void> {
  const slot = await pickMine(ctx, "Which appointment do you want to cancel?");
  if (!slot) return;
  const ok = await ctx.view.confirm(`Cancel ${when(slot)}?`);
  if (!ok) return;
  const result = await step(ctx, "Cancelling", () => ctx.client.cancel(slot.index));
  if (result.kind === "done") ctx.view.say("success", `Cancelled ${when(slot)}.${recoveredNote(result)}`);
  else explainRefusal(ctx, result, "cancellation");
}

async function move(ctx: MenuContext): Promise<void> {
  const from = await pickMine(ctx, "Which appointment do you want to move?");
  if (!from) return;
  while (true) {
    const to = await pickSlot(ctx, `Move ${when(from)} to which appointment?`);
    if (!to) return;
    const price = await ctx.prices.of(to);
    const ok = await ctx.view.confirm(`Move ${when(from)} to ${when(to)}, ${describePrice(price)}?`);
    if (!ok) continue;
    const result = await step(ctx, "Moving", () => ctx.client.move(from.index, to.index));
    if (result.kind === "done") return summary(ctx.view, "Moved", to, describePrice(price), result);
    if (!explainRefusal(ctx, result, "move")) return;
  }
}

async function pickMine(ctx: MenuContext, message: string): Promise<SlotLine | undefined> {
  const picked = await ctx.view.choose(message, [
    ...ctx.mine.map((s) => ({ value: s.index, label: when(s), hint: `slot ${s.index}` })),
    { value: 0, label: "Back" },
  ]);
  return ctx.mine.find((s) => s.index === picked);
}

async function step(ctx: MenuContext, text: string, fn: () => Promise<ChangeResult>): Promise<ChangeResult> {
  ctx.view.working(text);
  try {
    const result = await fn();
    ctx.view.worked(result.kind === "done" ? "Done" : "Not done", true);
    if (result.kind === "done") ctx.changes += 1;
    return result;
  } catch (err) {
    ctx.view.worked("Failed", false);
    throw err;
  }
}

function summary(view: MenuView, title: string, slot: SlotLine, price: string, result: ChangeResult): void {
  const rows: [string, string][] = [
    ["Day", slot.day],
    ["Time", slot.time],
    ["Doctor", displayDoctorName(slot.doctor)],
    ["Price", price],
  ];
  view.note(`${title}${recoveredNote(result)}`, { rows });
}

function recoveredNote(result: ChangeResult): string {
  return result.kind === "done" && result.recovered
    ? " (the connection dropped; your appointments show it went through)"
    : "";
}

/** Says why a change did not happen; true when picking again makes sense (the slot was taken meanwhile). */
function explainRefusal(ctx: MenuContext, result: ChangeResult, what: string): boolean {
  const { view, phone } = ctx;
  switch (result.kind) {
    case "notavailable":
      view.say("warn", "That slot was just taken by someone else. Here is the fresh list.");
      return true;
    case "lost":
      view.say("warn", `The connection dropped and your appointments show the ${what} did not go through. Try again.`);
      return true;
    case "limit":
      view.say("error", `You already hold ${result.held} appointments, the most allowed. Cancel or move one instead.`);
      return false;
    case "notyours":
      view.say("error", "That appointment is no longer yours; nothing changed.");
      return false;
    case "policy":
      view.say("error", `${policySentence(result.said, phone)} Nothing changed.`);
      return false;
    case "invalid":
      view.say("error", "That slot is no longer in the schedule; nothing changed.");
      return true;
    case "done":
      return false;
  }
}
