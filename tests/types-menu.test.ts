// The patient's menu on a clinic with appointment types (in-process, as patient-menu.test.ts, against a
// real server and doctors): it asks the type first when there is more than one, lists that type's
// starts with its length and price (the doctor's price for that type, else the plan's), books it as
// that type; with a single type it does not ask.
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { exit_code } from "../shared/errors.ts";
import type { PatientPlan } from "../roles/patient/flow.ts";
import { runMenu } from "../roles/patient/menu.ts";
import type { MenuOption, MenuView } from "../roles/patient/menu-view.ts";
import { bun, loopback, runToEnd, startDoctor, startServer, tempDir, type Running } from "./helpers.ts";
import { availability, zone } from "./calendar-helpers.ts";

const any_kind = "Any kind (each doctor's usual appointment)";
const tmp = tempDir();
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) await r.stop();
  tmp.cleanup();
});

const types = (db: string[], ...args: string[]) =>
  runToEnd([bun, "roles/healthcenterserver.ts", "types", ...args, ...db, "--time-zone", zone]);

/** A view answering each question from a script of option labels; `confirm` says yes. */
function scripted(answers: RegExp[]): MenuView & { shown: string[]; asked: Map<string, string[]> } {
  const shown: string[] = [];
  const asked = new Map<string, string[]>();
  const answer = async <T>(message: string, options: MenuOption<T>[]) => {
    asked.set(
      message,
      options.map((o) => o.label),
    );
    const label = answers.shift();
    const found = label && options.find((o) => label.test(o.label));
    if (!found) throw new Error(`${message}: no ${label} among ${options.map((o) => o.label).join(", ")}`);
    return found.value;
  };
  const record = (text: string) => void shown.push(text);
  return {
    shown,
    asked,
    intro: record,
    working: record,
    worked: (text) => record(text),
    say: (_tone, text) => record(text),
    note: (title, body) => record(`${title}: ${"lines" in body ? body.lines.join(" | ") : ""}`),
    choose: answer,
    search: (message, options) => answer(message, options),
    ask: async () => undefined,
    confirm: async (message) => (record(`confirm: ${message}`), true),
    outro: record,
    cancelled: record,
  };
}

/** `plain`: a rule of doc2 offering no type (12:00-13:00, 20 minutes) beside doc1's typed one. */
async function clinic(name: string, offered: string, plain = false): Promise<{ db: string[]; port: number }> {
  const db = ["--db", join(tmp.dir, `${name}.db`)];
  expect((await types(db, "add", "first", "--minutes", "30")).code).toBe(0);
  expect((await types(db, "add", "followup", "--minutes", "15")).code).toBe(0);
  const rule = ["add", "doc1", "--days", "mon-sun", "--start", "09:00", "--end", "11:00", "--types", offered];
  expect((await availability(db, ...rule, "--port", "41000")).code).toBe(0);
  const plainRule = ["add", "doc2", "--days", "mon-sun", "--start", "12:00", "--end", "13:00", "--minutes", "20"];
  if (plain) expect((await availability(db, ...plainRule, "--port", "42000")).code).toBe(0);
  // Doctor1 charges insurance1 30, and 25 for a follow-up (its price file's typed line).
  await Bun.write(join(tmp.dir, "doc1.txt"), "insurance1 30\ninsurance1 followup 25\n");
  const doctor = await startDoctor("doc1", ["--data", tmp.dir]);
  const server = await startServer([...db, "--time-zone", zone, "--doctor", `doc1=${loopback}:${doctor.port}`]);
  running.push(server, doctor);
  return { db, port: server.port };
}

const plan = (port: number): PatientPlan => ({
  credentials: { user: "patient1", password: "password111" },
  insurance: "insurance1",
  server: { host: loopback, port },
  udpRetries: 1,
  udpTimeoutMs: 300,
});

function stored(db: string[]): unknown[][] {
  const d = new Database(db[1]!, { readonly: true });
  try {
    return d.query("SELECT type, minutes FROM appointments ORDER BY start_ms").values() as unknown[][];
  } finally {
    d.close();
  }
}

test("with two types the menu asks which first, lists that type's starts and price, and books it as that type", async () => {
  const { db, port } = await clinic("two", "first,followup");
  const view = scripted([/^Book/, /^followup/, /, 09:15, 15 min, Doctor1, about \$25$/, /^Quit/]);
  expect(await runMenu(plan(port), view)).toBe(exit_code.done);
  expect(view.asked.get("Which kind of appointment?")).toEqual(["first (30 min)", "followup (15 min)", any_kind]);
  const starts = view.asked.get("Pick an appointment (type to search by day, time or doctor)")!;
  expect(starts.filter((l) => / 15 min, Doctor1/.test(l)).length).toBeGreaterThanOrEqual(8);
  expect(starts.some((l) => / 30 min,/.test(l))).toBe(false);
  expect(view.shown.some((l) => /^confirm: Book .* 09:15 with Doctor1/.test(l))).toBe(true);
  expect(stored(db)).toEqual([["followup", 15]]);
}, 60_000);

test("with a single type the menu does not ask, and books each slot's default", async () => {
  const { db, port } = await clinic("one", "first");
  const view = scripted([/^Book/, /, 09:30, 30 min, Doctor1, about \$30$/, /^Quit/]);
  expect(await runMenu(plan(port), view)).toBe(exit_code.done);
  expect(view.asked.has("Which kind of appointment?")).toBe(false);
  expect(stored(db)).toEqual([["first", 30]]);
}, 60_000);

test("beside typed rules, a plain rule's slots are reached through the last kind, each doctor's usual appointment", async () => {
  // Before, the kinds were the types alone, and none of them lists a plain rule's slots: doc2 could not be booked.
  const { db, port } = await clinic("mixed", "first,followup", true);
  const view = scripted([/^Book/, /^Any kind/, /, 12:20, 20 min, Doctor2, /, /^Quit/]);
  expect(await runMenu(plan(port), view)).toBe(exit_code.done);
  expect(view.asked.get("Which kind of appointment?")!.at(-1)).toBe(any_kind);
  const starts = view.asked.get("Pick an appointment (type to search by day, time or doctor)")!;
  expect(starts.some((l) => /, 09:00, 30 min, Doctor1, /.test(l))).toBe(true);
  expect(stored(db)).toEqual([["", 20]]);
}, 60_000);
