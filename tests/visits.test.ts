// What happened at the visit (issue 23 part 3) over real sockets: the day's list on the staff page in
// time order with each status ("not marked" past the end and the grace), marking by each role over
// HTTP (allowed, refused with 403 and recorded, nonsense refused with one line), `mine past` over TCP,
// and the no-show limit (the patient is told to call; the front desk still books). The transitions
// themselves are store cases on both databases (visit-cases.ts); the pure rules are checked here too.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { login, loopback } from "./helpers.ts";
import { listing } from "./calendar-helpers.ts";
import { signIn, staff_token } from "./staff-helpers.ts";
import { auditOf, startVisitServer, statusesIn, type VisitServer } from "./visit-helpers.ts";
import { markRefusal, shownStatus } from "../roles/healthcenterserver/calendar/visit-status.ts";
import { isoLocal } from "../roles/healthcenterserver/calendar/display.ts";
import { exit_code } from "../shared/errors.ts";
import { parseConfig } from "../shared/config.ts";
import { parse as parseToml } from "smol-toml";
import { readVisitSettings } from "../roles/healthcenterserver/cli/visit-settings.ts";
import type { PatientPlan } from "../roles/patient/flow.ts";
import { runMenu } from "../roles/patient/menu.ts";
import type { MenuOption, MenuView } from "../roles/patient/menu-view.ts";

let s: VisitServer;
const cookies: Record<string, string> = {};
beforeAll(async () => {
  s = await startVisitServer();
  for (const [name, password] of [
    ["desk", "desk-password-1"],
    ["drone", "drone-password-1"],
    ["drtwo", "drtwo-password-1"],
    ["boss", "boss-password-1"],
    ["audi", "audi-password-1"],
  ] as const)
    cookies[name] = await signIn(s.base, name, password);
  const token = await fetch(`${s.base}/api/signin`, {
    method: "POST",
    body: new URLSearchParams({ token: staff_token }),
  });
  cookies.viewer = token.headers.get("set-cookie")!.split(";")[0]!;
}, 60_000);
afterAll(() => s?.stop());

type DayRow = {
  slot: number;
  patient: string;
  doctor: string;
  status: string;
  shown: string;
  markable: boolean;
  marks: string[];
};
async function dayOf(cookie: string | undefined): Promise<{ status: number; rows: DayRow[] }> {
  const res = await fetch(`${s.base}/api/day`, { headers: cookie ? { Cookie: cookie } : {} });
  if (res.status !== 200) return { status: res.status, rows: [] };
  return { status: 200, rows: ((await res.json()) as { appointments: DayRow[] }).appointments };
}

function mark(who: string | undefined, slot: number, status: string, headers: Record<string, string> = {}) {
  const cookie: Record<string, string> = who ? { Cookie: cookies[who]! } : {};
  const body = new URLSearchParams({ slot: String(slot), status });
  return fetch(`${s.base}/api/mark`, { method: "POST", headers: { ...cookie, ...headers }, body });
}

describe("the day's list", () => {
  test("today's appointments in time order with each status; past its end and the grace, booked shows not marked", async () => {
    expect((await dayOf(undefined)).status).toBe(401);
    const { rows } = await dayOf(cookies.viewer);
    const { A, B, C, D, I } = s.at;
    expect(rows.map((r) => [r.slot, r.patient, r.status, r.shown])).toEqual([
      [A!.id, "patient1", "booked", "notmarked"], // ended 105-120 minutes ago, the grace is 45
      [I!.id, "patient2", "cancelled", "cancelled"],
      [C!.id, "patient1", "booked", "notmarked"],
      [B!.id, "patient2", "booked", "booked"], // ended less than 45 minutes ago
      [D!.id, "patient2", "booked", "booked"],
    ]);
    // A doctor's own are the ones the page lets them mark.
    const own = (await dayOf(cookies.drtwo)).rows.filter((r) => r.markable).map((r) => r.slot);
    expect(own).toEqual([C!.id]);
    expect(auditOf(s.db, `day ${isoLocal(A!.startMs, s.zone).slice(0, 10)}`).map((r) => r.actor)).toEqual([
      "token",
      "drtwo",
    ]);
  });

  test("a page refreshing the day's list is one audit record per member, day and ten minutes, not one a poll", async () => {
    const today = isoLocal(s.at.A!.startMs, s.zone).slice(0, 10);
    const before = auditOf(s.db, `day ${today}`).filter((r) => r.actor === "desk").length;
    for (let i = 0; i < 3; i++) expect((await dayOf(cookies.desk)).status).toBe(200);
    expect(auditOf(s.db, `day ${today}`).filter((r) => r.actor === "desk")).toHaveLength(before + 1);
    // Another day, or another member, is a read of its own.
    const res = await fetch(`${s.base}/api/day?date=2026-01-05`, { headers: { Cookie: cookies.desk! } });
    expect(res.status).toBe(200);
    expect(auditOf(s.db, "day 2026-01-05").map((r) => [r.actor, r.action])).toEqual([["desk", "day.read"]]);
    await dayOf(cookies.boss);
    expect(auditOf(s.db, `day ${today}`).filter((r) => r.actor === "boss")).toHaveLength(1);
  });
});

describe("marking over HTTP, by role", () => {
  test("front desk, a doctor for their own and admin mark; viewer, auditor and another doctor get 403, recorded", async () => {
    const { A, B, C, D } = s.at;
    expect((await mark(undefined, A!.id, "arrived")).status).toBe(401);
    for (const who of ["viewer", "audi"]) {
      const res = await mark(who, A!.id, "arrived");
      expect(res.status).toBe(403);
    }
    const other = await mark("drtwo", A!.id, "arrived");
    expect(other.status).toBe(403);
    expect(((await other.json()) as { error: string }).error).toContain("their own appointments (doc2)");
    expect((await mark("drtwo", C!.id, "arrived")).status).toBe(200);
    expect((await mark("drone", A!.id, "arrived")).status).toBe(200);
    const seen = await mark("desk", A!.id, "fulfilled");
    expect(seen.status).toBe(200);
    expect(await seen.json()).toMatchObject({
      slot: A!.id,
      status: "fulfilled",
      before: "arrived",
      patient: "patient1",
    });
    expect((await mark("desk", B!.id, "noshow")).status).toBe(200);
    expect((await mark("boss", D!.id, "arrived")).status).toBe(200);
    const statuses = statusesIn(s.db);
    expect([A, B, C, D].map((a) => statuses.get(a!.id))).toEqual(["fulfilled", "noshow", "arrived", "arrived"]);
    // The page offers only the marks that make sense now: none for a visit seen; a no-show may still arrive.
    const offered = new Map((await dayOf(cookies.desk)).rows.map((r) => [r.slot, r.marks]));
    expect([offered.get(A!.id), offered.get(B!.id)]).toEqual([[], ["arrived", "fulfilled"]]);
    const trail = auditOf(s.db, `slot ${A!.id}`).map((r) => [r.actor, r.role, r.action]);
    // The role check (before the handler) records the route; the doctor's check, the appointment.
    const forbidden = auditOf(s.db, "POST /api/mark").map((r) => [r.actor, r.role, r.action, r.reason]);
    expect(forbidden).toEqual([
      ["token", "viewer", "staff.forbidden", "a viewer may not mark"],
      ["audi", "auditor", "staff.forbidden", "an auditor may not mark"],
    ]);
    expect(trail).toEqual([
      ["drtwo", "doctor", "staff.forbidden"],
      ["drone", "doctor", "appointment.arrived"],
      ["desk", "front-desk", "appointment.fulfilled"],
    ]);
    expect(auditOf(s.db, `slot ${A!.id}`)[2]!.before).toBe(JSON.stringify({ patient: "patient1", status: "arrived" }));
    // The slot's history on the page tells it.
    const history = await fetch(`${s.base}/api/history?slot=${A!.id}`, { headers: { Cookie: cookies.desk! } });
    const lines = ((await history.json()) as { lines: string[] }).lines;
    expect(lines.at(-2)).toStartWith("marked arrived by drone (doctor) via staff-page from 127.0.0.1 on ");
    expect(lines.at(-1)).toStartWith("marked seen by desk (front-desk) via staff-page");
    // The day's list shows what was marked.
    const shown = new Map((await dayOf(cookies.desk)).rows.map((r) => [r.slot, r.shown]));
    expect([A, B, C, D].map((a) => shown.get(a!.id))).toEqual(["fulfilled", "noshow", "arrived", "arrived"]);
  });

  test("nonsense is refused with one line naming the value, recorded, and changes nothing", async () => {
    const { D, E, I } = s.at;
    const before = statusesIn(s.db);
    const cases: [number, string, number, string][] = [
      [D!.id, "fulfilled", 409, "has not started yet"],
      [D!.id, "noshow", 409, "has not started yet"],
      [E!.id, "arrived", 409, "not today"],
      [I!.id, "arrived", 409, `appointment ${I!.id} was cancelled`],
      [D!.id, "seen", 400, 'unknown status "seen"'],
      [12345, "arrived", 409, "not today"],
      [Number(D!.id) + 60_0000, "arrived", 409, "no appointment at slot"],
      // Past what the protocol reads (15 digits): its start was beyond Temporal's range, a 500 and a stack trace.
      [Number.MAX_SAFE_INTEGER, "arrived", 400, "slot= must be an appointment's slot number"],
      [1e15, "arrived", 400, "slot= must be an appointment's slot number"],
    ];
    for (const [slot, status, code, error] of cases) {
      const res = await mark("desk", slot, status);
      expect([slot, status, res.status]).toEqual([slot, status, code]);
      const body = (await res.json()) as { error: string };
      expect(body.error).toContain(error);
      expect(body.error).not.toContain("\n");
    }
    const cross = await mark("desk", D!.id, "arrived", {
      Origin: "http://evil.example",
      "Sec-Fetch-Site": "cross-site",
    });
    expect(cross.status).toBe(403);
    expect(statusesIn(s.db)).toEqual(before);
    expect(auditOf(s.db, `slot ${E!.id}`).map((r) => r.action)).toEqual(["appointment.mark.refused"]);
  });
});

describe("the patient's side", () => {
  test("mine past lists the last year with each status (cancelled included, older left out); mine is unchanged", async () => {
    const c = await login(s.server.port, "patient3", "password333");
    const { F, G, J } = s.at;
    const line = (a: typeof F, status: string) => `${a!.id} ${isoLocal(a!.startMs, s.zone)} 15 doc1 41000 ${status}`;
    expect(await listing(c, "mine past")).toEqual([line(F, "noshow"), line(G, "cancelled"), line(J, "fulfilled")]);
    expect(await listing(c, "mine")).toEqual([]);
    expect(await c.request("mine later")).toBe("error usage: mine [past]");
    c.close();
  });

  test("past the no-show limit a patient's own booking is refused, saying to call; the front desk still books", async () => {
    const { B } = s.at;
    const c = await login(s.server.port, "patient2", "password222");
    const [free] = await listing(c, "slots limit=1");
    const id = free!.split(" ")[0]!;
    // patient2 has one no-show (B, marked above): under the limit of 2.
    const [second] = await listing(c, `slots after=${id} limit=1`);
    expect(await c.request(`selection ${second!.split(" ")[0]}`)).toMatch(/^doc[12] 4[12]000$/);
    expect((await mark("desk", s.at.D!.id, "noshow")).status).toBe(409); // arrived: not a no-show
    // A second no-show, a week ago (stored as the page would have left it).
    const d = new Database(s.db);
    d.run(
      "INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at, status) VALUES (2, ?, 15, ?, 0, ?)",
      [B!.startMs - 7 * 86_400_000, "patient2", "noshow"],
    );
    d.close();
    const refused = await c.request(`selection ${id}`);
    expect(refused).toBe(
      "error 2 missed appointments in the last 6 months: online booking is closed for you; please call the clinic to book",
    );
    const booked = await fetch(`${s.base}/api/book`, {
      method: "POST",
      headers: { Cookie: cookies.desk! },
      body: new URLSearchParams({ patient: "patient2", slot: id }),
    });
    expect(booked.status).toBe(200);
    expect(await c.request(`cancel ${id}`)).toBe("cancelled");
    c.close();
  });
});

/** A MenuView that picks options by label, in order, and records what it is shown. */
function scriptedView(labels: RegExp[]): MenuView & { shown: string[] } {
  const shown: string[] = [];
  const record = (text: string) => void shown.push(text);
  return {
    shown,
    intro: record,
    working: record,
    worked: (text) => record(text),
    say: (_tone, text) => record(text),
    note: (title, body) => record(`${title}: ${"lines" in body ? body.lines.join(" | ") : ""}`),
    async choose<T>(message: string, options: MenuOption<T>[]) {
      const label = labels.shift();
      const found = label && options.find((o) => label.test(o.label));
      if (!found) throw new Error(`${message}: no ${label} among ${options.map((o) => o.label).join(", ")}`);
      return found.value;
    },
    search: async () => undefined,
    ask: async () => undefined,
    confirm: async () => false,
    outro: record,
    cancelled: record,
  };
}

test("the patient's menu shows the upcoming appointments and, on a calendar, the past year's with each status", async () => {
  const view = scriptedView([/^See past appointments/, /^Quit/]);
  const plan: PatientPlan = {
    credentials: { user: "patient3", password: "password333" },
    insurance: "insurance1",
    server: { host: loopback, port: s.server.port },
    udpRetries: 1,
    udpTimeoutMs: 100,
  };
  expect(await runMenu(plan, view)).toBe(exit_code.done);
  const title = "Your past appointments (the last year): ";
  const past = view.shown.find((l) => l.startsWith(title))!.slice(title.length);
  const { F, G, J } = s.at;
  const when = (a: typeof F) => {
    const t = Temporal.Instant.fromEpochMilliseconds(a!.startMs).toZonedDateTimeISO(s.zone);
    return `${String(t.hour).padStart(2, "0")}:${String(t.minute).padStart(2, "0")}`;
  };
  expect(past.split(" | ").map((l) => l.replace(/\s+/g, " ").split(" ").slice(3).join(" "))).toEqual([
    `${when(F)} Doctor1: missed (no-show)`,
    `${when(G)} Doctor1: cancelled`,
    `${when(J)} Doctor1: seen`,
  ]);
  expect(view.shown).toContain("You have no appointments yet.");
});

describe("the rules, with the clock given", () => {
  const start = Date.parse("2026-12-08T09:00:00Z");
  test("seen and no-show only from the start; arrived before it; a cancelled, seen or same status refused", () => {
    expect(markRefusal("booked", "fulfilled", start, start - 60_000, 7)).toContain("has not started yet");
    expect(markRefusal("booked", "noshow", start, start - 1, 7)).toContain("has not started yet");
    expect(markRefusal("booked", "fulfilled", start, start, 7)).toBeUndefined();
    expect(markRefusal("booked", "noshow", start, start + 60_000, 7)).toBeUndefined();
    expect(markRefusal("booked", "arrived", start, start - 3_600_000, 7)).toBeUndefined();
    expect(markRefusal("cancelled", "arrived", start, start, 7)).toBe(
      "appointment 7 was cancelled: it cannot be marked arrived",
    );
    expect(markRefusal("fulfilled", "noshow", start, start, 7)).toContain("was seen");
    expect(markRefusal("arrived", "noshow", start, start, 7)).toContain("arrived, not a no-show");
    expect(markRefusal("noshow", "arrived", start, start, 7)).toBeUndefined();
    expect(markRefusal("arrived", "arrived", start, start, 7)).toContain("already marked arrived");
  });

  test("not marked: a booked appointment from its end plus the grace, never before; other statuses as stored", () => {
    const end = start + 15 * 60_000;
    const grace = 60 * 60_000;
    expect(shownStatus("booked", end, grace, end + grace - 1)).toBe("booked");
    expect(shownStatus("booked", end, grace, end + grace)).toBe("notmarked");
    expect(shownStatus("booked", end, 0, end)).toBe("notmarked");
    for (const status of ["arrived", "fulfilled", "noshow", "cancelled"] as const)
      expect(shownStatus(status, end, grace, end + 10 * grace)).toBe(status);
  });
});

describe("settings: the no-show limit and the grace", () => {
  const config = (policy: string) => parseConfig(parseToml(policy), "deploy.toml", "/");
  test("from the deployment file's [policy], flags over the file, defaults off and 1h", () => {
    expect(readVisitSettings({}, {})).toEqual({ noShowLimit: 0, markGraceMs: 3_600_000 });
    const file = config('[policy]\nno_show_limit = 2\nmark_grace = "2h"\n').policy;
    expect(readVisitSettings({}, file)).toEqual({ noShowLimit: 2, markGraceMs: 7_200_000 });
    expect(readVisitSettings({ "no-show-limit": "3", "mark-grace": "30m" }, file)).toEqual({
      noShowLimit: 3,
      markGraceMs: 1_800_000,
    });
  });

  test("bad values are refused with one line naming them", () => {
    expect(() => config('[policy]\nno_show_limit = "two"\n')).toThrow(
      'policy.no_show_limit must be a whole number, not "two"',
    );
    expect(() => config("[policy]\nno_show_limit = -1\n")).toThrow(
      "policy.no_show_limit must be a whole number >= 0, not -1",
    );
    expect(() => readVisitSettings({ "no-show-limit": "x" }, {})).toThrow(
      '--no-show-limit: bad no-show limit "x" (0 = off, 1 to 100)',
    );
    expect(() => readVisitSettings({ "mark-grace": "2x" }, {})).toThrow(
      '--mark-grace: bad grace before not marked "2x" (say 90m, 2h, 1d or 8w)',
    );
    expect(() => readVisitSettings({}, { mark_grace: "8d" })).toThrow(
      "[policy] mark_grace in the deployment file: grace before not marked of 1w1d is out of range (0m to 1w)",
    );
  });
});

test("an older SQLite calendar file gets the status column and the kept-cancellations table, its appointments booked", async () => {
  const { Database: Db } = await import("bun:sqlite");
  const { tempDir } = await import("./helpers.ts");
  const { openCalendarDb } = await import("../roles/healthcenterserver/store/calendar-db.ts");
  const tmp = tempDir();
  try {
    const path = `${tmp.dir}/old.db`;
    await (await openCalendarDb({ kind: "sqlite", path }, undefined)).close();
    // As a file from before the visit's status: no column, no table of kept cancellations.
    const old = new Db(path);
    old.run("DROP INDEX appointments_noshows");
    old.run("ALTER TABLE appointments DROP COLUMN status");
    old.run("DROP TABLE appointments_closed");
    old.run("INSERT INTO calendar_doctors (name, port) VALUES ('doc1', 41000)");
    old.run(
      "INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at) VALUES (1, 60000, 15, 'patient1', 0)",
    );
    old.close();
    const db = await openCalendarDb({ kind: "sqlite", path }, undefined);
    expect(await db.all("SELECT patient, status FROM appointments")).toEqual([
      { patient: "patient1", status: "booked" },
    ]);
    expect(await db.all("SELECT count(*) AS n FROM appointments_closed")).toEqual([{ n: 0 }]);
    await expect(db.run("UPDATE appointments SET status = 'seen'")).rejects.toThrow(/CHECK/);
    expect(await db.all("SELECT name FROM sqlite_master WHERE name = 'appointments_noshows'")).toHaveLength(1);
    await db.close();
  } finally {
    tmp.cleanup();
  }
});

test("mine past past its bound keeps the most recent appointments, listed in time order", async () => {
  const v = await startVisitServer();
  try {
    // 600 visits of patient3, one a quarter-hour apart from three days back (off the seeded grid by 7 minutes).
    const newest = Math.floor((Date.now() - 3 * 24 * 3_600_000) / 60_000) * 60_000 + 7 * 60_000;
    const starts = Array.from({ length: 600 }, (_, k) => newest - k * 15 * 60_000);
    const values = starts.map((ms) => `(2, ${ms}, 15, 'patient3', 0, 'fulfilled')`).join(", ");
    v.target.exec(`INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at, status) VALUES ${values}`);
    const c = await login(v.server.port, "patient3", "password333");
    const listed = await listing(c, "mine past");
    const startOf = (l: string) => Temporal.Instant.from(l.split(" ")[1]!).epochMilliseconds;
    const times = listed.map(startOf);
    expect(listed).toHaveLength(500);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.at(-1)).toBe(newest);
    expect(times).not.toContain(starts.at(-1)!);
    c.close();
  } finally {
    await v.stop();
  }
});
