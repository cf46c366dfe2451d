// Staff reads of a patient's appointments (/api/appointments) are audited one record each, so they
// are bounded per account: past staff_appointment_reads_per_minute a minute the read is refused with
// 429 and when to try again, nothing is read or recorded, and other accounts read on. Over real HTTP.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { staff_appointment_reads_per_minute } from "../shared/limits.ts";
import { signIn, staffFile, startStaffServer, type StaffServer } from "./staff-helpers.ts";

let staff: StaffServer;

beforeAll(async () => {
  const accounts = await staffFile([
    ["alice", "front-desk", "alice-password-1"],
    ["boss", "admin", "boss-password-1"],
  ]);
  staff = await startStaffServer({ slots: 12, staff: accounts });
}, 30_000);
afterAll(() => staff?.stop());

function reads(actor: string): number {
  const d = new Database(staff.db, { readonly: true });
  try {
    const q = "SELECT count(*) AS n FROM audit WHERE actor = ? AND action = 'appointments.read'";
    return (d.query(q).get(actor) as { n: number }).n;
  } finally {
    d.close();
  }
}

test("one account's reads of appointments past the bound get 429 with Retry-After; others read on", async () => {
  const [alice, boss] = [
    await signIn(staff.base, "alice", "alice-password-1"),
    await signIn(staff.base, "boss", "boss-password-1"),
  ];
  const read = (cookie: string, patient = "patient1") =>
    fetch(`${staff.base}/api/appointments?patient=${patient}`, { headers: { Cookie: cookie } });
  const started = Date.now();
  for (let i = 0; i < staff_appointment_reads_per_minute; i++) expect((await read(alice)).status).toBe(200);
  // Every read within the minute: the account's window began at its first read.
  expect(Date.now() - started).toBeLessThan(60_000);
  const refused = await read(alice);
  expect(refused.status).toBe(429);
  const wait = Number(refused.headers.get("retry-after"));
  expect(wait >= 1 && wait <= 60).toBe(true);
  expect(await refused.json()).toEqual({
    error: `too many reads of appointments: at most ${staff_appointment_reads_per_minute} a minute for one account; try again in ${wait} s`,
  });
  // A name that does not exist is counted too (no free search for which names exist).
  expect((await read(alice, "nobody")).status).toBe(429);
  expect(reads("alice")).toBe(staff_appointment_reads_per_minute);
  // Another account has its own budget.
  expect((await read(boss)).status).toBe(200);
  expect(reads("boss")).toBe(1);
}, 60_000);
