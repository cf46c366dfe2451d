// Staff accounts on the page, over real HTTP: sign-in by name and password (and the old token as a
// read-only viewer), what each role may and may not do (401 / 403), cross-site requests refused,
// forged cookies worth nothing, staff.txt reloaded on SIGHUP, live-page places kept for staff.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { staff_sessions_max, staff_watchers_anonymous_max, staff_watchers_max } from "../shared/limits.ts";
import { bun, login, readBookings, runToEnd } from "./helpers.ts";
import { EventReader, signIn, staff_token, staffFile, startStaffServer, type StaffServer } from "./staff-helpers.ts";

let staff: StaffServer;
const accounts: [string, string, string, string?][] = [
  ["alice", "front-desk", "alice-password-1"],
  ["audrey", "auditor", "audrey-password-1"],
  ["boss", "admin", "boss-password-1"],
  ["drwho", "doctor", "drwho-password-1", "doc1"],
];

beforeAll(async () => {
  staff = await startStaffServer({ slots: 24, staff: await staffFile(accounts) });
}, 30_000);
afterAll(() => staff?.stop());

type Answer = Omit<Response, "json"> & { json(): Promise<any> };
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  fetch(staff.base + path, { method: "POST", body: new URLSearchParams(form), headers }) as Promise<Answer>;
const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(staff.base + path, { headers }) as Promise<Answer>;

describe("the token in a script", () => {
  test(`a script polling with the token opens no session: ${staff_sessions_max + 1} bearer requests leave alice signed in`, async () => {
    // First in the file: the token's failures in later tests count against this address.
    const cookie = await signIn(staff.base, "alice", "alice-password-1");
    for (let i = 0; i <= staff_sessions_max; i++)
      expect((await (await get("/api/me", { Authorization: `Bearer ${staff_token}` })).json()).role).toBe("viewer");
    expect((await (await get("/api/me", { Cookie: cookie })).json()).name).toBe("alice");
  });

  test(`${staff_sessions_max + 1} sign-ins with the token sign out older viewers, not the front desk`, async () => {
    const cookie = await signIn(staff.base, "alice", "alice-password-1");
    for (let i = 0; i <= staff_sessions_max; i++)
      expect((await post("/api/signin", { token: staff_token })).status).toBe(204);
    expect((await (await get("/api/me", { Cookie: cookie })).json()).name).toBe("alice");
  });
});

describe("sign-in", () => {
  test("by name and password: a session cookie that names the member and role; sign-out ends it", async () => {
    const cookie = await signIn(staff.base, "alice", "alice-password-1");
    const me = await (await get("/api/me", { Cookie: cookie })).json();
    expect(me).toMatchObject({ name: "alice", role: "front-desk", may: ["view", "book", "mark"] });
    const snap = await (await get("/api/schedule", { Cookie: cookie })).json();
    expect(snap.names).toBe(true);
    expect((await post("/api/signout", {}, { Cookie: cookie })).status).toBe(204);
    expect((await (await get("/api/me", { Cookie: cookie })).json()).name).toBeNull();
  });

  test("a wrong password, an unknown name, a name with spaces or 10 KB long: refused, no cookie", async () => {
    for (const [name, password] of [
      ["alice", "wrong-password"],
      ["nobody", "alice-password-1"],
      ["alice smith", "alice-password-1"],
    ]) {
      const res = await post("/api/signin", { name: name!, password: password! });
      expect(res.status).toBe(401);
      expect(await res.text()).toBe("wrong name or password\n");
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    const huge = await post("/api/signin", { name: "x".repeat(10_000), password: "p" });
    expect(huge.status).toBe(413);
    expect(huge.headers.get("set-cookie")).toBeNull();
  });

  test("the token still signs in, as a viewer who sees names and may change nothing", async () => {
    const res = await post("/api/signin", { token: staff_token });
    expect(res.status).toBe(204);
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    expect(await (await get("/api/me", { Cookie: cookie })).json()).toMatchObject({ role: "viewer", may: ["view"] });
    const book = await post("/api/book", { slot: "3", patient: "patient1" }, { Cookie: cookie });
    expect(book.status).toBe(403);
    expect(readBookings(staff.db).has(3)).toBe(false);
  });

  test("wrong tokens from an address do not keep a staff member from signing in by name", async () => {
    for (let i = 0; i < 25; i++) await post("/api/signin", { token: `guess-${i}` });
    expect((await post("/api/signin", { token: staff_token })).status).toBe(429);
    expect(await signIn(staff.base, "boss", "boss-password-1")).toMatch(/^hcs_staff=/);
  });

  test("cross-site sign-ins and changes are refused (Origin, Sec-Fetch-Site); same-origin ones pass", async () => {
    const evil = { Origin: "http://evil.example" };
    const form = { name: "alice", password: "alice-password-1" };
    expect((await post("/api/signin", form, evil)).status).toBe(403);
    expect((await post("/api/signin", form, { "Sec-Fetch-Site": "cross-site" })).status).toBe(403);
    const host = new URL(staff.base).host;
    const same = await post("/api/signin", form, { Origin: `http://${host}`, "Sec-Fetch-Site": "same-origin" });
    expect(same.status).toBe(204);
    const cookie = same.headers.get("set-cookie")!.split(";")[0]!;
    const forged = await post("/api/book", { slot: "4", patient: "patient1" }, { Cookie: cookie, ...evil });
    expect(forged.status).toBe(403);
    expect(readBookings(staff.db).has(4)).toBe(false);
  });

  test("a forged cookie is nobody: no names, no changes", async () => {
    const cookie = "hcs_staff=" + "A".repeat(43);
    expect((await (await get("/api/schedule", { Cookie: cookie })).json()).names).toBe(false);
    expect((await post("/api/book", { slot: "5", patient: "patient1" }, { Cookie: cookie })).status).toBe(401);
  });
});

describe("roles", () => {
  test("the front desk books, moves and cancels (with a reason) for a patient; the patient sees it over TCP", async () => {
    const cookie = await signIn(staff.base, "alice", "alice-password-1");
    const h = { Cookie: cookie };
    const booked = await post("/api/book", { slot: "7", patient: "patient2" }, h);
    expect(booked.status).toBe(200);
    expect((await booked.json()).outcome).toBe("booked");
    const patient = await login(staff.server.port, "patient2", "password222");
    expect(await patient.request("mine")).toMatch(/^7 /);
    expect((await post("/api/book", { slot: "7", patient: "patient1" }, h)).status).toBe(409);
    expect((await post("/api/move", { slot: "7", to: "8", patient: "patient2" }, h)).status).toBe(200);
    const noReason = await post("/api/cancel", { slot: "8", patient: "patient2" }, h);
    expect(noReason.status).toBe(400);
    expect((await noReason.json()).error).toBe("a cancellation needs a reason");
    expect(readBookings(staff.db).get(8)).toBe("patient2");
    const cancelled = await post("/api/cancel", { slot: "8", patient: "patient2", reason: "phoned in sick" }, h);
    expect((await cancelled.json()).outcome).toBe("cancelled");
    expect(readBookings(staff.db).has(8)).toBe(false);
    expect(await patient.request("mine")).toBe("");
    patient.close();
    const found = await (await get("/api/patients?q=PATIENT", h)).json();
    expect(found.patients).toEqual(["patient1", "patient2"]);
  });

  test("an auditor and a doctor may not book (403); nobody signed in gets 401; nothing is stored", async () => {
    for (const [name, password] of [
      ["audrey", "audrey-password-1"],
      ["drwho", "drwho-password-1"],
    ]) {
      const cookie = await signIn(staff.base, name!, password!);
      const res = await post("/api/book", { slot: "9", patient: "patient1" }, { Cookie: cookie });
      expect(res.status).toBe(403);
      expect(await res.text()).toMatch(/^forbidden: (an auditor|a doctor) may not book\n$/);
      expect((await get("/api/patients?q=p", { Cookie: cookie })).status).toBe(403);
    }
    expect((await post("/api/book", { slot: "9", patient: "patient1" })).status).toBe(401);
    expect(readBookings(staff.db).has(9)).toBe(false);
  });

  test("bad input from the front desk: an unknown patient, a slot that is no number: 400, nothing stored", async () => {
    const h = { Cookie: await signIn(staff.base, "boss", "boss-password-1") };
    expect((await post("/api/book", { slot: "10", patient: "mallory" }, h)).status).toBe(400);
    expect((await post("/api/book", { slot: "ten", patient: "patient1" }, h)).status).toBe(400);
    expect((await post("/api/book", { slot: "99999", patient: "patient1" }, h)).status).toBe(400);
    expect(readBookings(staff.db).has(10)).toBe(false);
  });
});

describe("sessions", () => {
  test("a session ends when its hours are up, and when its account is removed or changes role", async () => {
    const { StaffSessions } = await import("../roles/healthcenterserver/staff/staff-sessions.ts");
    const hash = await Bun.password.hash("pw-1234567890", "argon2id");
    const sessions = new StaffSessions([{ name: "alice", role: "front-desk", hash }], 60_000);
    const signed = await sessions.signIn("alice", "pw-1234567890", "10.0.0.5", 1_000);
    if (signed.kind !== "ok") throw new Error(signed.kind);
    expect(sessions.member(signed.id, 60_999)?.name).toBe("alice");
    expect(sessions.member(signed.id, 61_000)).toBeUndefined();
    const again = await sessions.signIn("alice", "pw-1234567890", "10.0.0.5", 2_000);
    if (again.kind !== "ok") throw new Error(again.kind);
    sessions.replaceAccounts([{ name: "alice", role: "auditor", hash }]);
    expect(sessions.member(again.id, 2_001)).toBeUndefined();
  });

  test("a sign-in whose password check spans a reload that changes the account opens no session", async () => {
    // The argon2id check takes a while off the main thread; staff passwd and a SIGHUP in that time must not
    // let the old password open a session the reload can no longer end (nor the old role or doctor).
    const { StaffSessions } = await import("../roles/healthcenterserver/staff/staff-sessions.ts");
    const [old, fresh] = await Promise.all(["pw-old-1234567", "pw-new-1234567"].map((p) => Bun.password.hash(p)));
    const sessions = new StaffSessions([{ name: "alice", role: "admin", hash: old! }], 60_000);
    for (const after of [
      { name: "alice", role: "admin" as const, hash: fresh! },
      { name: "alice", role: "auditor" as const, hash: old! },
    ]) {
      sessions.replaceAccounts([{ name: "alice", role: "admin", hash: old! }]);
      const pending = sessions.signIn("alice", "pw-old-1234567", "10.0.0.6", 1_000);
      sessions.replaceAccounts([after]); // the reload lands while the password is being checked
      expect((await pending).kind).toBe("refused");
    }
    // A reload that changes nothing of the account does not refuse the sign-in in flight.
    const pending = sessions.signIn("alice", "pw-old-1234567", "10.0.0.6", 1_000);
    sessions.replaceAccounts([{ name: "alice", role: "auditor", hash: old! }]);
    const signed = await pending;
    expect(signed.kind === "ok" && signed.member.role).toBe("auditor");
  });
});

describe("accounts and places", () => {
  test("check reads staff.txt as start-up does: the accounts counted, a broken line is exit 2 with its place", async () => {
    const data = join(staff.dir, "data");
    const check = () =>
      runToEnd([
        bun,
        "roles/healthcenterserver.ts",
        "check",
        "--data",
        data,
        "--http",
        "127.0.0.1:0",
        "--db",
        staff.db,
      ]);
    expect((await check()).stdout).toContain("4 staff accounts sign in");
    const file = join(data, "staff.txt");
    const good = readFileSync(file, "utf8");
    writeFileSync(file, `${good}bob admin not-a-hash\n`);
    try {
      const bad = await check();
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(/staff\.txt line 5: the password must be an argon2id hash/);
    } finally {
      writeFileSync(file, good);
    }
  });

  test("staff.txt is read again on SIGHUP: a new account signs in, a removed one loses its session", async () => {
    const boss = await signIn(staff.base, "boss", "boss-password-1");
    const file = join(staff.dir, "data", "staff.txt");
    writeFileSync(file, await staffFile([...accounts.slice(0, 2), ["carol", "front-desk", "carol-password-1"]]));
    staff.server.proc.kill("SIGHUP");
    await staff.server.stdout.waitFor(/reloaded 3 staff accounts/);
    expect(await signIn(staff.base, "carol", "carol-password-1")).toMatch(/^hcs_staff=/);
    expect((await (await get("/api/me", { Cookie: boss })).json()).name).toBeNull();
    writeFileSync(file, await staffFile(accounts));
    staff.server.proc.kill("SIGHUP");
    await staff.server.stdout.waitFor(/reloaded 4 staff accounts/);
  });

  test(`anonymous live pages take at most ${staff_watchers_anonymous_max} places: signed-in staff still get in`, async () => {
    const open: EventReader[] = [];
    try {
      for (let i = 0; i < staff_watchers_anonymous_max; i++)
        open.push(await EventReader.open(staff.base + "/api/events"));
      expect(open.every((e) => e.status === 200)).toBe(true);
      expect((await get("/api/events")).status).toBe(503);
      const cookie = await signIn(staff.base, "alice", "alice-password-1");
      for (let i = staff_watchers_anonymous_max; i < staff_watchers_max; i++) {
        const page = await EventReader.open(staff.base + "/api/events", { Cookie: cookie });
        open.push(page);
        expect(page.status).toBe(200);
      }
      expect((await open.at(-1)!.next()).data.names).toBe(true);
    } finally {
      for (const e of open) e.close();
    }
  });
});
