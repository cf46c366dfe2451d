// The patient's terminal view: clack prompts. Imported only on a terminal (clack slows start-up).
import * as p from "@clack/prompts";
import * as pc from "../../shared/colors.ts";

import type { Booked, Choice, PatientView, Quote } from "./flow.ts";
import { summaryRows } from "./summary.ts";
import type { FreeSlot } from "../../shared/protocol.ts";
import { displayPatientName } from "../../shared/names.ts";
import { menu_rows_max } from "../../shared/limits.ts";

export class ClackView implements PatientView {
  private readonly spin = p.spinner();
  private spinning = false;

  constructor(private readonly user: string) {
    p.intro(pc.inverse(` ${displayPatientName(user)} · medical appointments `));
  }

  private startSpin(text: string) {
    this.spin.start(text);
    this.spinning = true;
  }

  private stopSpin(text: string, failed = false) {
    if (!this.spinning) return;
    if (failed) this.spin.error(text);
    else this.spin.stop(text);
    this.spinning = false;
  }

  /** Ends a spinner left running by an error. */
  fail(message: string): void {
    this.stopSpin("Stopped", true);
    p.cancel(message);
  }

  connecting(server: { host: string; port: number }): void {
    this.startSpin(`Connecting to the health center at ${server.host}:${server.port}`);
  }

  connected(): void {
    this.spin.message("Logging in");
  }

  authResult(ok: boolean): void {
    this.stopSpin(ok ? `Logged in as ${this.user}` : `Login refused for ${this.user}`, !ok);
  }

  slots(list: FreeSlot[]): void {
    if (list.length === 0) p.log.warn("No appointments are free right now.");
  }

  async choose(list: FreeSlot[]): Promise<Choice> {
    const picked = await p.select({
      message: "Pick an appointment",
      options: list.map((s) => ({ value: s.index, label: `${s.day} ${s.time}`, hint: `slot ${s.index}` })),
      maxItems: menu_rows_max,
    });
    if (p.isCancel(picked)) return { kind: "cancel" };
    return { kind: "index", index: picked };
  }

  invalid(index: number): void {
    p.log.warn(`Slot ${index} is not in the schedule; pick again.`);
  }

  reserved(booked: Booked): void {
    p.log.success(`Slot ${booked.index} is yours, with ${booked.doctor}.`);
  }

  notAvailable(index: number): void {
    p.log.error(`Slot ${index} was just taken by someone else.`);
  }

  quoteSending(_s: unknown, booked: Booked): void {
    this.startSpin(`Asking ${booked.doctor} at ${booked.host}:${booked.port} for the cost`);
  }

  quoted(quote: Quote): void {
    this.stopSpin(
      quote.cost === "unknown" ? "The doctor has no price for your plan" : `Estimated cost: $${quote.cost}`,
    );
    p.note(
      summaryRows(this.user, quote)
        .map(([k, v]) => `${k.padEnd(21)}${pc.bold(v)}`)
        .join("\n"),
      "Your appointment",
    );
    p.outro("See you at the appointment.");
  }
}
