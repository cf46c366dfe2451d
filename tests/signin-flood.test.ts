// Sign-in guesses against the staff page cannot grow the audit trail without bound: a throttled attempt
// (refused before any password is checked) is recorded once per address per window, not once per
// request, while every real failed check is still recorded. A real server over HTTP on loopback.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { login_failures_per_address_max } from "../shared/limits.ts";
import { staffFile, startStaffServer, type StaffServer } from "./staff-helpers.ts";

let staff: StaffServer;
beforeAll(async () => {
  const accounts = await staffFile([["alice", "front-desk", "alice-password-1"]]);
  staff = await startStaffServer({ slots: 4, staff: accounts });
}, 30_000);
afterAll(() => staff?.stop());

function signInRecords(): { reason: string; n: number }[] {
  const d = new Database(staff.db, { readonly: true });
  try {
    return d
      .query(
        "SELECT reason, count(*) AS n FROM audit WHERE action = 'staff.signin.failed' GROUP BY reason ORDER BY reason",
      )
      .all() as { reason: string; n: number }[];
  } finally {
    d.close();
  }
}

test("200 sign-in guesses from one address: each checked one recorded, the throttled rest once", async () => {
  const statuses = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${staff.base}/api/signin`, {
      method: "POST",
      body: new URLSearchParams({ name: `guess${i}`, password: "wrong" }),
    });
    await res.arrayBuffer();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  }
  expect(statuses.get(401)).toBe(login_failures_per_address_max);
  expect(statuses.get(429)).toBe(200 - login_failures_per_address_max);
  expect(signInRecords()).toEqual([
    { reason: "throttled", n: 1 },
    { reason: "wrong name or password", n: login_failures_per_address_max },
  ]);
}, 60_000);
