// The patient's terminal menu, in-process: its decisions (menu.ts, slot-picker.ts) driven through a
// scripted MenuView against a real server and real doctors. The tmux tests only check the terminal.
// The tests share one server and run in order: the second moves and cancels what the first booked.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { exit_code } from "../shared/errors.ts";
import type { PatientPlan } from "../roles/patient/flow.ts";
import { menuOptions, runMenu } from "../roles/patient/menu.ts";
import type { MenuOption, MenuView, Tone } from "../roles/patient/menu-view.ts";
import { parseSearch } from "../roles/patient/slot-picker.ts";
import { login, loopback, readBookings, startSystem, tempDir } from "./helpers.ts";

/** What the patient does at a prompt: given what is shown, the answer (undefined: Esc). */
type Answer = (message: string, options: MenuOption<unknown>[]) => unknown;

/** A MenuView that answers from a script and records everything it was asked to show. */
class ScriptedView implements MenuView {
  readonly shown: string[] = [];
  constructor(private readonly script: Answer[]) {}

  private next(kind: string, message: string, options: MenuOption<unknown>[] = []): unknown {
    this.shown.push(`${kind}: ${message}`);
    const answer = this.script.shift();
    if (!answer) throw new Error(`the script ran out at ${kind} "${message}"`);
    return answer(message, options);
  }
  intro(title: string) {
    this.shown.push(`intro: ${title}`);
  }
  working(text: string) {
    this.shown.push(`working: ${text}`);
  }
  worked(text: string, ok: boolean) {
    this.shown.push(`${ok ? "worked" : "failed"}: ${text}`);
  }
  say(tone: Tone, text: string) {
    this.shown.push(`${tone}: ${text}`);
  }
  note(title: string, body: { rows: [string, string][] } | { lines: string[] }) {
    const text = "rows" in body ? body.rows.map(([k, v]) => `${k} ${v}`) : body.lines;
    this.shown.push(`note ${title}: ${text.join(" | ")}`);
  }
  async choose<T>(message: string, options: MenuOption<T>[]) {
    return this.next("choose", message, options) as T | undefined;
  }
  async search<T>(message: string, options: MenuOption<T>[], _placeholder: string) {
    return this.next("search", message, options) as T | undefined;
  }
  async ask(message: string, _placeholder: string) {
    return this.next("ask", message) as string | undefined;
  }
  async confirm(message: string) {
    return (await this.next("confirm", message)) as boolean | undefined;
  }
  outro(text: string) {
    this.shown.push(`outro: ${text}`);
  }
  cancelled(text: string) {
    this.shown.push(`cancelled: ${text}`);
  }
}

/** Picks the option whose label matches, failing loudly when none does. */
const pick =
  (label: RegExp): Answer =>
  (_message, options) => {
    const found = options.find((o) => label.test(o.label));
    if (!found) throw new Error(`no option ${label} among ${options.map((o) => o.label).join(", ")}`);
    return found.value;
  };
const yes: Answer = () => true;
const esc: Answer = () => undefined;

const tmp = tempDir();
const db = join(tmp.dir, "menu.db");
let system: Awaited<ReturnType<typeof startSystem>>;
const plan = (user = "patient1", password = "password111"): PatientPlan => ({
  credentials: { user, password },
  insurance: "insurance1",
  server: { host: loopback, port: system.server.port },
  udpRetries: 2,
  udpTimeoutMs: 500,
});

beforeAll(async () => {
  system = await startSystem(["--db", db]);
});
afterAll(async () => {
  await system?.stop();
  tmp.cleanup();
});

test("book: pick a slot with its doctor's price, confirm, and it is stored and listed as yours", async () => {
  const view = new ScriptedView([pick(/^Book/), pick(/^Fri 04pm · Doctor2 · about \$40$/), yes, pick(/^Quit/)]);
  expect(await runMenu(plan(), view)).toBe(exit_code.done);
  expect(view.shown).toContain("confirm: Book Fri 04pm with Doctor2, about $40?");
  expect(view.shown).toContain("note Booked: Day Fri | Time 04pm | Doctor Doctor2 | Price about $40");
  expect(view.shown).toContain("note Your appointments: Fri  04pm   Doctor2");
  expect(view.shown.at(-1)).toBe("outro: Goodbye.");
  expect(readBookings(db).get(6)).toBe("patient1");
});

test("move then cancel: the menu offers both only to a patient who holds something", async () => {
  const view = new ScriptedView([
    pick(/^Move/),
    pick(/^Fri 04pm with Doctor2/),
    pick(/^Sat 12pm/),
    yes,
    pick(/^Cancel/),
    pick(/^Sat 12pm with Doctor2/),
    yes,
    (_m, options) => {
      expect(options.map((o) => o.label)).toEqual(["Book an appointment", "Quit"]);
      return "quit";
    },
  ]);
  expect(await runMenu(plan(), view)).toBe(exit_code.done);
  expect(view.shown).toContain("success: Cancelled Sat 12pm with Doctor2.");
  expect(view.shown).toContain("info: You have no appointments yet.");
  expect(readBookings(db).has(6)).toBe(false);
  expect(readBookings(db).has(5)).toBe(false);
});

test("a slot taken while the patient confirms is said so, and the fresh list no longer has it", async () => {
  const rival = await login(system.server.port, "patient2", "password222");
  try {
    const view = new ScriptedView([
      pick(/^Book/),
      pick(/^Wed 10am/),
      async () => {
        expect(await rival.request("selection 4")).toMatch(/^doc1 /);
        return true;
      },
      (_m, options) => {
        expect(options.map((o) => o.label).join("\n")).not.toContain("Wed 10am");
        return "back";
      },
      pick(/^Quit/),
    ]);
    expect(await runMenu(plan(), view)).toBe(exit_code.done);
    expect(view.shown).toContain("warn: That slot was just taken by someone else. Here is the fresh list.");
    expect(readBookings(db).get(4)).toBe("patient2");
  } finally {
    expect(await rival.request("cancel 4")).toBe("cancelled");
    rival.close();
  }
});

test("search: a day and a doctor ask the server; no match says so; Esc at the menu cancels the session", async () => {
  const view = new ScriptedView([
    pick(/^Book/),
    pick(/^Search the whole schedule/),
    () => "Tue doctor1",
    (_m, options) => {
      expect(options.filter((o) => typeof o.value === "number").map((o) => o.label)).toEqual([
        "Tue 01pm · Doctor1 · about $30",
      ]);
      return "search";
    },
    () => "Sun",
    (_m, options) => {
      expect(options.some((o) => typeof o.value === "number")).toBe(false);
      return "back";
    },
    esc,
  ]);
  expect(await runMenu(plan(), view)).toBe(exit_code.cancelled);
  expect(view.shown).toContain("warn: No free slots match that search.");
  expect(view.shown.at(-1)).toBe("cancelled: Cancelled; nothing was booked.");
});

test("a wrong password ends the menu before anything is shown but the refusal", async () => {
  const view = new ScriptedView([]);
  expect(await runMenu(plan("patient1", "wrong-password"), view)).toBe(exit_code.refused);
  expect(view.shown.slice(-2)).toEqual([
    "failed: Login refused for patient1",
    "cancelled: Wrong user name or password (or too many failed tries; wait a minute).",
  ]);
});

test("the search text reads as a day and/or a doctor, in any case and order", () => {
  expect(parseSearch("Sat")).toEqual({ day: "Sat" });
  expect(parseSearch("saturday")).toEqual({ day: "sat" });
  expect(parseSearch("Doctor2")).toEqual({ doctor: "doc2" });
  expect(parseSearch("  doc1   Mon ")).toEqual({ day: "Mon", doctor: "doc1" });
  expect(parseSearch("")).toEqual({});
  expect(menuOptions(false).map((o) => o.value)).toEqual(["book", "quit"]);
  expect(menuOptions(true).map((o) => o.value)).toEqual(["book", "cancel", "move", "quit"]);
});
