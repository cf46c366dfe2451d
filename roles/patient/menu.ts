// The patient on a terminal: their appointments, then a menu to book (slots searchable by day and
// doctor, each with its doctor's price), cancel or move, each with a confirm step. Imported only
// on a terminal (clack slows start-up).
import * as p from "@clack/prompts";
import pc from "picocolors";
import { exit_code } from "../../shared/errors.ts";
import { menu_rows_max } from "../../shared/limits.ts";
import { displayDoctorName, displayPatientName } from "../../shared/names.ts";
import type { SlotLine } from "../../shared/protocol.ts";
import { AppointmentsClient, type ChangeResult } from "./appointments-client.ts";
import type { PatientPlan } from "./flow.ts";
import { describePrice, PriceBook } from "./prices.ts";
import { pickSlot } from "./slot-picker.ts";

/** `changes`: how many changes this session made (what a Ctrl-C says was done). */
export type MenuContext = { client: AppointmentsClient; prices: PriceBook; mine: SlotLine[]; changes: number };

const when = (s: SlotLine) => `${s.day} ${s.time} with ${displayDoctorName(s.doctor)}`;

export async function runMenu(plan: PatientPlan): Promise<number> {
  const user = plan.credentials.user;
  p.intro(pc.inverse(` ${displayPatientName(user)} · medical appointments `));
  const spin = p.spinner();
  spin.start(`Connecting to the health center at ${plan.server.host}:${plan.server.port}`);
  const client = await AppointmentsClient.open(plan);
  if (!client) {
    spin.error(`Login refused for ${user}`);
    p.cancel("Wrong user name or password (or too many failed tries; wait a minute).");
    return exit_code.refused;
  }
  try {
    const prices = new PriceBook({
      patient: user,
      insurance: plan.insurance,
      retries: plan.udpRetries,
      timeoutMs: plan.udpTimeoutMs,
    });
    const ctx: MenuContext = { client, prices, mine: await client.mine(), changes: 0 };
    spin.message("Asking the doctors for prices");
    await prices.learn([...ctx.mine, ...(await client.slots())]);
    spin.stop(`Logged in as ${user}`);
    if (!(await menuLoop(ctx))) {
      p.cancel(ctx.changes === 0 ? "Cancelled; nothing was booked." : "Cancelled; your changes so far stand.");
      return exit_code.cancelled;
    }
    p.outro("Goodbye.");
    return exit_code.done;
  } finally {
    client.close();
  }
}

/** False when the patient pressed Ctrl-C (or Esc) at the menu. */
async function menuLoop(ctx: MenuContext): Promise<boolean> {
  while (true) {
    showMine(ctx.mine);
    const has = ctx.mine.length > 0;
    const action = await p.select({
      message: "What would you like to do?",
      options: [
        { value: "book", label: "Book an appointment" },
        ...(has
          ? [
              { value: "cancel", label: "Cancel one" },
              { value: "move", label: "Move one to another time" },
            ]
          : []),
        { value: "quit", label: "Quit" },
      ],
    });
    if (p.isCancel(action)) return false;
    if (action === "quit") return true;
    if (action === "book") await book(ctx);
    else if (action === "cancel") await cancel(ctx);
    else await move(ctx);
    ctx.mine = await ctx.client.mine();
  }
}

function showMine(mine: SlotLine[]): void {
  if (mine.length === 0) return p.log.info("You have no appointments yet.");
  p.note(
    mine.map((s) => `${s.day.padEnd(4)} ${s.time.padEnd(6)} ${displayDoctorName(s.doctor)}`).join("\n"),
    "Your appointments",
  );
}

async function book(ctx: MenuContext): Promise<void> {
  while (true) {
    const slot = await pickSlot(ctx, "Pick an appointment (type to search by day, time or doctor)");
    if (!slot) return;
    const price = await ctx.prices.of(slot);
    const ok = await p.confirm({ message: `Book ${when(slot)}, ${describePrice(price)}?` });
    if (p.isCancel(ok) || !ok) continue;
    const result = await step(ctx, "Booking", () => ctx.client.book(slot.index));
    if (result.kind === "done") {
      summary("Booked", slot, describePrice(price), result);
      if (price === "unavailable") p.log.warn("The doctor did not answer for a price; your booking stands.");
      return;
    }
    if (!explainRefusal(result, "booking")) return;
  }
}

async function cancel(ctx: MenuContext): Promise<void> {
  const slot = await pickMine(ctx, "Which appointment do you want to cancel?");
  if (!slot) return;
  const ok = await p.confirm({ message: `Cancel ${when(slot)}?` });
  if (p.isCancel(ok) || !ok) return;
  const result = await step(ctx, "Cancelling", () => ctx.client.cancel(slot.index));
  if (result.kind === "done") p.log.success(`Cancelled ${when(slot)}.${recoveredNote(result)}`);
  else explainRefusal(result, "cancellation");
}

async function move(ctx: MenuContext): Promise<void> {
  const from = await pickMine(ctx, "Which appointment do you want to move?");
  if (!from) return;
  while (true) {
    const to = await pickSlot(ctx, `Move ${when(from)} to which appointment?`);
    if (!to) return;
    const price = await ctx.prices.of(to);
    const ok = await p.confirm({ message: `Move ${when(from)} to ${when(to)}, ${describePrice(price)}?` });
    if (p.isCancel(ok) || !ok) continue;
    const result = await step(ctx, "Moving", () => ctx.client.move(from.index, to.index));
    if (result.kind === "done") return summary("Moved", to, describePrice(price), result);
    if (!explainRefusal(result, "move")) return;
  }
}

async function pickMine(ctx: MenuContext, message: string): Promise<SlotLine | undefined> {
  const picked = await p.select({
    message,
    options: [
      ...ctx.mine.map((s) => ({ value: s.index, label: when(s), hint: `slot ${s.index}` })),
      { value: 0, label: "Back" },
    ],
    maxItems: menu_rows_max,
  });
  if (p.isCancel(picked)) return undefined;
  return ctx.mine.find((s) => s.index === picked);
}

async function step(ctx: MenuContext, text: string, fn: () => Promise<ChangeResult>): Promise<ChangeResult> {
  const spin = p.spinner();
  spin.start(text);
  try {
    const result = await fn();
    spin.stop(result.kind === "done" ? "Done" : "Not done");
    if (result.kind === "done") ctx.changes += 1;
    return result;
  } catch (err) {
    spin.error("Failed");
    throw err;
  }
}

function summary(title: string, slot: SlotLine, price: string, result: ChangeResult): void {
  const rows = [
    ["Day", slot.day],
    ["Time", slot.time],
    ["Doctor", displayDoctorName(slot.doctor)],
    ["Price", price],
  ];
  p.note(rows.map(([k, v]) => `${k!.padEnd(8)}${pc.bold(v!)}`).join("\n"), `${title}${recoveredNote(result)}`);
}

function recoveredNote(result: ChangeResult): string {
  return result.kind === "done" && result.recovered
    ? " (the connection dropped; your appointments show it went through)"
    : "";
}

/** Says why a change did not happen; true when picking again makes sense (the slot was taken meanwhile). */
function explainRefusal(result: ChangeResult, what: string): boolean {
  switch (result.kind) {
    case "notavailable":
      p.log.warn("That slot was just taken by someone else. Here is the fresh list.");
      return true;
    case "lost":
      p.log.warn(`The connection dropped and your appointments show the ${what} did not go through. Try again.`);
      return true;
    case "limit":
      p.log.error(`You already hold ${result.held} appointments, the most allowed. Cancel or move one instead.`);
      return false;
    case "notyours":
      p.log.error("That appointment is no longer yours; nothing changed.");
      return false;
    case "invalid":
      p.log.error("That slot is no longer in the schedule; nothing changed.");
      return true;
    case "done":
      return false;
  }
}
