// The typed clinic of the staff page's type tests (staff-types.test.ts, staff-types-browser.test.ts).
import { expect } from "bun:test";
import { join } from "node:path";
import { bun, runToEnd, startServer, writeDataDir, type Running } from "./helpers.ts";
import { availability, localDate, localStart, zone } from "./calendar-helpers.ts";
import { staffFile } from "./staff-helpers.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";

/**
 * doc1 09:00-11:00: first (30, default) and followup (15); doc2 09:00-12:00: followup (default) and long
 * (30, 5 before, 15 after; `longArgs`: more of its flags). Staff: alice, front desk (unless `accounts` says).
 */
export async function typedStaffClinic(
  dir: string,
  name: string,
  longArgs: string[] = [],
  accounts: [string, string, string, string?][] = [["alice", "front-desk", "alice-password-1"]],
): Promise<{ server: Running; base: string; db: string }> {
  const db = join(dir, `${name}.db`);
  const types = (...args: string[]) =>
    runToEnd([bun, "roles/healthcenterserver.ts", "types", "add", ...args, "--db", db, "--time-zone", zone]);
  expect((await types("first", "--minutes", "30")).code).toBe(0);
  expect((await types("followup", "--minutes", "15")).code).toBe(0);
  expect((await types("long", "--minutes", "30", "--before", "5", "--after", "15", ...longArgs)).code).toBe(0);
  const rule = (doctor: string, end: string, list: string, port: string) =>
    availability(
      ["--db", db],
      "add",
      doctor,
      "--days",
      "mon-sun",
      "--start",
      "09:00",
      "--end",
      end,
      "--types",
      list,
      "--port",
      port,
    );
  expect((await rule("doc1", "11:00", "first,followup", "41000")).code).toBe(0);
  expect((await rule("doc2", "12:00", "followup,long", "42000")).code).toBe(0);
  const staff = await staffFile(accounts);
  const data = await writeDataDir(join(dir, `${name}-data`), 6, { "staff.txt": staff });
  const server = await startServer([
    ...["--db", db, "--data", data, "--time-zone", zone, "--http", "127.0.0.1:0", "--horizon-weeks", "1"],
    ...["--bookings-per-patient", "0"],
  ]);
  const base = (await server.stdout.waitFor(/Staff page: (http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
  return { server, base, db };
}

export const day = localDate(1);
export const at = (doctor: number, time: string) => slotId(doctor, localStart(day, time).ms);
