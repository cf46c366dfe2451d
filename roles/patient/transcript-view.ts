// The patient's terminal-less view: the seed transcript's lines, one index read per stdin line.

import type { Booked, Choice, PatientView, Quote } from "./flow.ts";
import { summaryRows } from "./summary.ts";
import type { FreeSlot } from "../../shared/protocol.ts";
import type { StdinLines } from "../../shared/stdin-lines.ts";
import { displayPatientName } from "../../shared/names.ts";

export class TranscriptView implements PatientView {
  private readonly shown: string;

  constructor(
    private readonly user: string,
    private readonly input: StdinLines | undefined,
  ) {
    this.shown = displayPatientName(user);
  }

  private say(...lines: string[]): void {
    writeOut(lines.join("\n"));
  }

  connecting(): void {}

  connected(local: { port: number; address: string }, user: string): void {
    this.say(
      `Phase1: ${this.shown} has TCP port number: ${local.port} and IP Address: ${local.address}`,
      `Phase1: Authentication request from ${this.shown} with username ${user} and password ******** ` +
        "has been sent to the Health Center Server",
    );
  }

  authResult(ok: boolean): void {
    this.say(`Phase1: ${this.shown} authentication result: ${ok ? "Success" : "Failure"}`);
    if (ok) this.say(`-----Phase1: End of Phase1 Authentication for ${this.shown}-----`, "send available");
  }

  /** Written in blocks: a schedule may hold millions of slots, too many to spread into one call's arguments. */
  slots(list: FreeSlot[]): void {
    this.say(`Phase2: The following appointments are available for ${this.user}:`);
    for (let i = 0; i < list.length; i += 4096) {
      let block = "";
      for (const s of list.slice(i, i + 4096)) block += `${s.index} ${s.day} ${s.time}\n`;
      writeOut(block.slice(0, -1));
    }
    this.say("");
  }

  async choose(): Promise<Choice> {
    if (!this.input) return { kind: "cancel" };
    while (true) {
      this.say("Please enter the preferred appointment index and press enter:");
      const line = await this.input.next();
      if (line === undefined) return { kind: "cancel" };
      const text = line.trim();
      // Piped input is not echoed by a terminal; show it, as the seed's screens do.
      this.say(text);
      if (/^\d{1,15}$/.test(text)) return { kind: "index", index: Number(text) };
      this.say(`${JSON.stringify(text)} is not an index; enter one of the numbers listed above.`);
    }
  }

  invalid(): void {}

  reserved(booked: Booked): void {
    this.say(
      `Phase2: The requested appointment is available and reserved to ${this.shown}. ` +
        `The assigned doctor port number is ${booked.port}`,
    );
  }

  notAvailable(): void {
    this.say(`Phase2: The requested appointment from ${this.shown} is not available.----->Exiting`);
  }

  quoteSending(socket: { port: number; shownAddress: string }, booked: Booked, insurance: string): void {
    this.say(
      `Phase3: ${this.shown} has a dynamic UDP port number: ${socket.port} and IP Address: ${socket.shownAddress}`,
      `My insurance: ${insurance}`,
      `Phase3: The cost estimation request from ${this.shown} with insurance plan ${insurance}`,
      `has been sent to the doctor with port number ${booked.port} and IP address ${booked.host}`,
    );
  }

  quoted(quote: Quote): void {
    const cost =
      quote.cost === "unknown"
        ? `an unknown cost (no price for ${quote.insurance})`
        : `$ ${quote.cost} estimation cost`;
    this.say(
      `Phase3: ${this.shown} receive ${cost} from doctor with port number ${quote.booked.port}`,
      ...summaryRows(this.user, quote).map(([k, v]) => `${k.padEnd(25)}${v}`),
      `Phase3: End of Phase3 for ${this.shown}`,
    );
  }
}

/**
 * Writes the text and a newline to standard output: synchronous and complete (a non-blocking pipe and a slow
 * reader included), and quiet on a closed pipe. console.log with one string argument formats nothing and
 * needs no node:fs, whose loading (and the JIT it sets off) was a quarter of a piped session's CPU (issue 28).
 */
function writeOut(text: string): void {
  console.log(text);
}
