// Sign-in guesses against the staff page cannot grow the audit trail without bound: a throttled attempt
// (refused before any password is checked) is recorded once per address per window, not once per
// request, while every real failed check is still recorded; a typed name's control characters reach the
// trail as \xNN text, never as bytes an export could carry to a terminal. A real server over HTTP on loopback.
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

function records(sql: string): Record<string, string>[] {
  const d = new Database(staff.db, { readonly: true });
  try {
    return d.query(sql).all() as Record<string, string>[];
  } finally {
    d.close();
  }
}

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

test("a sign-in name with an escape sequence is recorded with its control characters as \\xNN", async () => {
  const res = await fetch(`${staff.base}/api/signin`, {
    method: "POST",
    body: new URLSearchParams({ name: "ev\x1b]0;owned\x07\nil", password: "wrong" }),
  });
  expect(res.status).toBe(401);
  const [row] = records(
    "SELECT actor, subject FROM audit WHERE action = 'staff.signin.failed' ORDER BY seq DESC LIMIT 1",
  );
  expect(row).toEqual({ actor: "ev\\x1b]0;owned\\x07\\x0ail", subject: "staff ev\\x1b]0;owned\\x07\\x0ail" });
});

test("200 sign-in guesses from one address: each checked one recorded, the throttled rest once", async () => {
  // The test before made one failed check from this address; it counts toward the address's limit.
  const checkedBefore = signInRecords().find((r) => r.reason === "wrong name or password")?.n ?? 0;
  const statuses = new Map<number, number>();
  for (let i = 0; i < 200; i++) {
    const res = await fetch(`${staff.base}/api/signin`, {
      method: "POST",
      body: new URLSearchParams({ name: `guess${i}`, password: "wrong" }),
    });
    await res.arrayBuffer();
    statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
  }
  expect(statuses.get(401)).toBe(login_failures_per_address_max - checkedBefore);
  expect(statuses.get(429)).toBe(200 - login_failures_per_address_max + checkedBefore);
  expect(signInRecords()).toEqual([
    { reason: "throttled", n: 1 },
    { reason: "wrong name or password", n: login_failures_per_address_max },
  ]);
}, 60_000);
