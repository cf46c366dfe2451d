// The clinic's rules on a running server (SQLite), over real sockets. The server has no clock of its
// own to set, so each rule's boundary is put one minute either side of the real now: right after the
// server is up, the test adds one-off openings whose rule instants fall one minute after and one
// minute before now, then asks at once (within that minute). The rules' lengths reach past the zone's
// next daylight-saving change, so each instant shown is one real duration before a start whose UTC
// offset differs. The staff page's override (with and without a reason) goes over HTTP.
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { formatDuration } from "../roles/healthcenterserver/calendar/duration.ts";
import { durationWords } from "../roles/healthcenterserver/calendar/policy.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { openCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";
import {
  bumpVersion,
  doctorNumber,
  insertException,
  insertRule,
} from "../roles/healthcenterserver/store/calendar-records.ts";
import { parseDbTarget } from "../roles/healthcenterserver/store/db-target.ts";
import { listing, within } from "./calendar-helpers.ts";
import {
  bun,
  login,
  runPatient,
  runToEnd,
  startServer,
  tempDir,
  writeDataDir,
  type Client,
  type Running,
} from "./helpers.ts";
import { signIn, staffFile } from "./staff-helpers.ts";

const zone = "Europe/London";
const minute = 60_000;
const day_min = 24 * 60;
const tmp = tempDir();
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) await r.stop();
  tmp.cleanup();
});

const zoned = (ms: number) => Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
const weekdays = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
/** "Sat 27 Mar, 09:00" made here with Temporal, apart from calendar/display.ts. */
function shortForm(ms: number): string {
  const z = zoned(ms);
  const hm = z.toPlainDateTime().toString().slice(11, 16);
  return `${weekdays[z.dayOfWeek - 1]} ${z.day} ${months[z.month - 1]}, ${hm}`;
}

/** Whole days reaching two days past the zone's next change, kept an hour or more from local midnight. */
function pastNextChange(): number {
  const now = Date.now();
  const next = zoned(now).getTimeZoneTransition("next")!.epochMilliseconds;
  let minutes = Math.ceil((next - now) / 86_400_000 + 2) * day_min;
  const hour = zoned(now + minutes * minute).hour;
  if (hour >= 22 || hour < 1) minutes += 3 * 60;
  return minutes;
}

let files = 0;
/** A calendar database: doc1 and doc2 numbered 1 and 2 (openings only), doc3's daily rule 09:00-10:00. */
async function calendarDb(): Promise<string> {
  const path = join(tmp.dir, `policy-${++files}.db`);
  const db = await openCalendarDb(parseDbTarget(path), undefined);
  const rule = { weekdays: [1, 2, 3, 4, 5, 6, 7], start: "09:00", end: "10:00", minutes: 15, everyWeeks: 1 };
  await doctorNumber(db, "doc1", 41001);
  await doctorNumber(db, "doc2", 41002);
  const doc3 = (await doctorNumber(db, "doc3", 41003))!;
  await insertRule(db, doc3, { ...rule, nthOfMonth: [], validFrom: null, validUntil: null });
  await bumpVersion(db);
  await db.close();
  return path;
}

/** One-off 5-minute openings starting at these instants (doctor number -> starts); ids by doctor number. */
async function open(path: string, starts: [number, number][]): Promise<void> {
  const db = await openCalendarDb(parseDbTarget(path), undefined);
  for (const [doctor, ms] of starts) {
    const from = zoned(ms);
    const date = from.toPlainDate().toString();
    const time = (z: Temporal.ZonedDateTime) => z.toPlainDateTime().toString().slice(11, 16);
    const e = { kind: "open" as const, fromDate: date, toDate: date, minutes: 5, reason: "" };
    await insertException(db, doctor, { ...e, fromTime: time(from), toTime: time(from.add({ minutes: 5 })) });
  }
  await bumpVersion(db);
  await db.close();
}

const ceilMinute = (ms: number) => Math.ceil(ms / minute) * minute;
const mine = async (c: Client) => (await listing(c, "mine")).map((l) => Number(l.split(" ")[0]));
// `available` lists every free start; `slots` only those the clinic's rules let a patient book now.
const isFree = async (c: Client, id: number, _ms: number) =>
  (await listing(c, "available")).some((l) => l.startsWith(`${id} `));

test("each rule one minute before and after its instant, across a daylight-saving change; moves refused at either end change nothing", async () => {
  const notice = pastNextChange();
  const cutoff = notice + 3 * day_min;
  const ahead = notice + 7 * day_min;
  const path = await calendarDb();
  const horizon = String(Math.ceil(ahead / (7 * day_min)) + 2);
  const server = await startServer([
    ...["--db", path, "--time-zone", zone, "--horizon-weeks", horizon],
    ...["--min-notice", formatDuration(notice), "--max-ahead", formatDuration(ahead)],
    ...["--cancel-cutoff", formatDuration(cutoff)],
  ]);
  running.push(server);
  // Each pair: doc1's start puts the rule's instant one to two minutes after now, doc2's two minutes earlier.
  const now = Date.now();
  const at = (rule: number) => ceilMinute(now + rule * minute) + minute;
  const [n1, c1, a1] = [at(notice), at(cutoff), at(ahead)];
  const [n2, c2, a2] = [n1 - 2 * minute, c1 - 2 * minute, a1 - 2 * minute];
  await open(path, [
    [1, n1],
    [2, n2],
    [1, c1],
    [2, c2],
    [1, a1],
    [2, a2],
  ]);
  const id = (doctor: number, ms: number) => slotId(doctor, ms);
  const c = await login(server.port);
  await within(1000, () => isFree(c, id(1, a1), a1));
  // The instants shown are one real duration before starts on the other side of the change.
  for (const [start, rule] of [
    [n2, notice],
    [c2, cutoff],
    [a1, ahead],
  ] as const)
    expect(zoned(start - rule * minute).offset).not.toBe(zoned(start).offset);
  const words = (m: number) => durationWords(m);

  expect(await c.request(`selection ${id(2, n2)}`)).toBe(
    `error too soon to book: the clinic takes bookings until ${words(notice)} before (${shortForm(n2 - notice * minute)})`,
  );
  expect(await c.request(`selection ${id(1, a1)}`)).toBe(
    `error too far ahead: the clinic takes bookings from ${words(ahead)} before (${shortForm(a1 - ahead * minute)})`,
  );
  expect(await c.request(`selection ${id(1, c1)}`)).toBe("doc1 41001");
  expect(await c.request(`selection ${id(2, c2)}`)).toBe("doc2 41002");
  const tooLate = `the clinic allows cancelling until ${words(cutoff)} before (${shortForm(c2 - cutoff * minute)})`;
  expect(await c.request(`reschedule ${id(2, c2)} ${id(2, a2)}`)).toBe(
    `error too late to move: ${tooLate.replace("cancelling", "moving")}`,
  );
  expect(await c.request(`reschedule ${id(1, c1)} ${id(1, a1)}`)).toStartWith("error too far ahead: ");
  expect(await c.request(`reschedule ${id(1, c1)} ${id(2, n2)}`)).toStartWith("error too soon to book: ");
  expect(await mine(c)).toEqual([id(2, c2), id(1, c1)].sort((x, y) => x - y));
  expect(await isFree(c, id(2, a2), a2)).toBe(true);
  expect(await isFree(c, id(1, a1), a1)).toBe(true);
  expect(await isFree(c, id(2, n2), n2)).toBe(true);
  expect(await c.request(`cancel ${id(2, c2)}`)).toBe(`error too late to cancel: ${tooLate}`);
  expect(await c.request(`cancel ${id(1, c1)}`)).toBe("cancelled");
  expect(await c.request(`selection ${id(1, n1)}`)).toBe("doc1 41001");
  expect(await c.request(`selection ${id(2, a2)}`)).toBe("doc2 41002");
  // All of it within the minute the boundaries were set for (else the test proves nothing: it says so).
  expect(Date.now() - now).toBeLessThan(minute);
  expect(await mine(c)).toEqual([id(2, c2), id(1, n1), id(2, a2)].sort((x, y) => x - y));
  c.close();
}, 60_000);

test("the front desk overrides a rule only with a reason, and the audit record says it was an override", async () => {
  const path = await calendarDb();
  const staff = await staffFile([["alice", "front-desk", "alice-password-1"]]);
  const data = await writeDataDir(join(tmp.dir, "data"), 4, { "staff.txt": staff });
  const server = await startServer(
    ["--db", path, "--data", data, "--time-zone", zone, "--http", "127.0.0.1:0"].concat([
      "--min-notice",
      "3d",
      "--cancel-cutoff",
      "3d",
    ]),
  );
  running.push(server);
  const base = (await server.stdout.waitFor(/Staff page: (http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
  const alice = await signIn(base, "alice", "alice-password-1");
  const post = async (path: string, form: Record<string, string>) => {
    const res = await fetch(base + path, {
      method: "POST",
      body: new URLSearchParams(form),
      headers: { Cookie: alice },
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const tomorrow = Temporal.Now.plainDateISO(zone).add({ days: 1 });
  const start = tomorrow.toZonedDateTime({ timeZone: zone, plainTime: "09:00" }).epochMilliseconds;
  const slot = String(slotId(3, start));
  const booking = { slot, patient: "patient1" };

  const refused = await post("/api/book", booking);
  expect(refused.status).toBe(409);
  expect(refused.body).toMatchObject({ outcome: "policy", rule: "min_notice" });
  expect(refused.body.error).toBe(
    `too soon to book: the clinic takes bookings until 3 days before (${shortForm(start - 3 * day_min * minute)})`,
  );
  for (const reason of ["", "   "])
    expect(await post("/api/book", { ...booking, override: "1", reason })).toEqual({
      status: 400,
      body: { error: "an override of the clinic's rules needs a reason" },
    });
  expect((await post("/api/book", { ...booking, override: "1", reason: "urgent, doctor agreed" })).status).toBe(200);

  // The patient may not override, and is past the cut-off for this appointment.
  const c = await login(server.port);
  expect(await c.request(`cancel ${slot}`)).toStartWith(
    "error too late to cancel: the clinic allows cancelling until 3 days before (",
  );
  expect(await c.request(`selection ${slotId(3, start + 15 * minute)}`)).toStartWith("error too soon to book: ");
  const cancel = { slot, patient: "patient1", reason: "patient is ill" };
  expect(await post("/api/cancel", cancel)).toMatchObject({ status: 409, body: { rule: "cancel_cutoff" } });
  expect((await post("/api/cancel", { ...cancel, override: "1" })).status).toBe(200);
  expect(await mine(c)).toEqual([]);
  c.close();

  const d = new Database(path, { readonly: true });
  const rows = d
    .query("SELECT actor, role, action, subject, after, reason FROM audit WHERE action LIKE 'booking.%' ORDER BY seq")
    .all();
  d.close();
  const subject = `slot ${slot}`;
  expect(rows).toEqual([
    {
      actor: "alice",
      role: "front-desk",
      action: "booking.book.refused",
      subject,
      reason: "",
      after: '{"patient":"patient1","outcome":"policy","rule":"min_notice"}',
    },
    {
      actor: "alice",
      role: "front-desk",
      action: "booking.booked",
      subject,
      reason: "urgent, doctor agreed",
      after: '{"patient":"patient1","override":["min_notice"]}',
    },
    {
      actor: "alice",
      role: "front-desk",
      action: "booking.cancel.refused",
      subject,
      reason: "patient is ill",
      after: '{"patient":"patient1","outcome":"policy","rule":"cancel_cutoff"}',
    },
    {
      actor: "alice",
      role: "front-desk",
      action: "booking.cancelled",
      subject,
      reason: "patient is ill",
      after: '{"override":["cancel_cutoff"]}',
    },
  ]);
  const history = await fetch(`${base}/api/history?slot=${slot}`, { headers: { Cookie: alice } });
  const lines = ((await history.json()) as { lines: string[] }).lines;
  expect(lines.filter((l) => l.includes("overriding the clinic's"))).toHaveLength(2);
}, 60_000);

test("[policy] from the deployment file; the patient CLI says a refusal as a sentence with [clinic] phone", async () => {
  const path = await calendarDb();
  const config = join(tmp.dir, "clinic.toml");
  await Bun.write(
    config,
    '[clinic]\ntime_zone = "Europe/London"\nphone = "020 7946 0000"\n[policy]\nmin_notice = "3d"\ncancel_cutoff = "4d"\n',
  );
  const server = await startServer(["--config", config, "--db", path]);
  const start = Temporal.Now.plainDateISO(zone)
    .add({ days: 1 })
    .toZonedDateTime({ timeZone: zone, plainTime: "09:00" }).epochMilliseconds;
  const slot = slotId(3, start);
  const at = ["--config", config, "--server", `127.0.0.1:${server.port}`];
  const booked = await runPatient(["patient1", ...at, "--slot", String(slot), "--insurance", "gold"]);
  await server.stop();
  expect(booked.code).toBe(1);
  const closed = shortForm(start - 3 * day_min * minute);
  expect(booked.stderr).toContain(
    `slot ${slot} not booked. Too soon to book: the clinic takes bookings until 3 days before (${closed}). ` +
      "To book it anyway, call the clinic: 020 7946 0000.",
  );
  // Booked by the server's own path (the store's rules bind only changes that come through it).
  const db = new Database(path);
  db.run("INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at) VALUES (3, ?, 15, 'patient1', 0)", [
    start,
  ]);
  db.close();
  const again = await startServer(["--config", config, "--db", path]);
  running.push(again);
  const at2 = ["--config", config, "--server", `127.0.0.1:${again.port}`];
  const cancel = await runPatient(["patient1", ...at2, "--cancel", String(slot)]);
  expect(cancel.code).toBe(1);
  expect(cancel.stderr).toContain(
    `error: Too late to cancel: the clinic allows cancelling until 4 days before (${shortForm(start - 4 * day_min * minute)}). ` +
      "To change it now, call the clinic: 020 7946 0000. You keep slot",
  );
  const json = await runPatient(["patient1", ...at2, "--cancel", String(slot), "--json"]);
  expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, result: "policy" });
}, 60_000);

test("a type with its own cut-off has it instead of the clinic's: the appointment's stored type decides", async () => {
  const path = await calendarDb();
  const tomorrow = Temporal.Now.plainDateISO(zone).add({ days: 1 });
  const at = (time: string) => tomorrow.toZonedDateTime({ timeZone: zone, plainTime: time }).epochMilliseconds;
  const db = new Database(path);
  db.run("INSERT INTO calendar_types (name, minutes, cancel_cutoff) VALUES ('first', 15, ?)", [3 * day_min]);
  const insert =
    "INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at, type) VALUES (3, ?, 15, ?, 0, ?)";
  db.run(insert, [at("09:00"), "patient1", "first"]);
  db.run(insert, [at("09:15"), "patient1", ""]);
  db.close();
  const server = await startServer(["--db", path, "--time-zone", zone, "--cancel-cutoff", "1h"]);
  running.push(server);
  const c = await login(server.port);
  expect(await c.request(`cancel ${slotId(3, at("09:00"))}`)).toBe(
    `error too late to cancel: the clinic allows cancelling until 3 days before (${shortForm(at("09:00") - 3 * day_min * minute)})`,
  );
  expect(await c.request(`cancel ${slotId(3, at("09:15"))}`)).toBe("cancelled");
  expect(await mine(c)).toEqual([slotId(3, at("09:00"))]);
  c.close();
}, 60_000);

test("bad rules stop the server and check with one line naming the value, exit 2", async () => {
  const path = await calendarDb();
  const cases: [string[], string][] = [
    [["--cancel-cutoff", "9w"], "--cancel-cutoff 9w is beyond the horizon of 8 weeks (--horizon-weeks)"],
    [["--min-notice=-2h"], '--min-notice: bad minimum notice "-2h" (say 90m, 2h, 1d or 8w)'],
    [["--min-notice", "1w", "--max-ahead", "6d"], "--min-notice 1w is not less than --max-ahead 6d"],
  ];
  for (const [flags, said] of cases)
    for (const command of [[], ["check"]]) {
      const r = await runToEnd([bun, "roles/healthcenterserver.ts", ...command, "--db", path, "--port", "0", ...flags]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(said);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
    }
}, 60_000);

test("a booking has the notice of the type it is booked as: type=, or the rule's default type", async () => {
  const db = ["--db", join(tmp.dir, `typed-${++files}.db`)];
  const cli = (...args: string[]) =>
    runToEnd([bun, "roles/healthcenterserver.ts", ...args, ...db, "--time-zone", zone]);
  expect((await cli("types", "add", "first", "--minutes", "30", "--min-notice", "3d")).code).toBe(0);
  expect((await cli("types", "add", "followup", "--minutes", "15")).code).toBe(0);
  const rule = ["add", "doc1", "--days", "mon-sun", "--start", "09:00", "--end", "12:00", "--types", "first,followup"];
  expect((await cli("availability", ...rule, "--port", "41000")).code).toBe(0);
  const server = await startServer([...db, "--time-zone", zone]);
  running.push(server);
  const c = await login(server.port);
  const day = Temporal.Now.plainDateISO(zone).add({ days: 1 }).toString();
  // Tomorrow is inside first's own notice: slots type=first offers none of it; 09:00 starts both grids.
  expect(await listing(c, `slots from=${day} to=${day} type=first`)).toEqual([]);
  const first = (await listing(c, `slots from=${day} to=${day} type=followup`))[0]!.split(" ");
  const followup = (await listing(c, `slots from=${day} to=${day} type=followup`)).at(-1)!.split(" ");
  const closed = shortForm(Temporal.Instant.from(first[1]!).epochMilliseconds - 3 * day_min * minute);
  const tooSoon = `error too soon to book: the clinic takes bookings until 3 days before (${closed})`;
  expect(await c.request(`selection ${first[0]} type=first`)).toBe(tooSoon);
  expect(await c.request(`selection ${first[0]}`)).toBe(tooSoon);
  expect(await c.request(`selection ${followup[0]} type=followup`)).toBe("doc1 41000");
  c.close();
}, 60_000);

test("slots without type= offers only starts each rule's default type lets a patient book: its own notice too", async () => {
  // Before, slots without type= was bounded by the clinic's rules only: it listed tomorrow's starts of a rule whose
  // default type has a notice of 3 days, and selection of each was refused as too soon (the menu offered them).
  const db = ["--db", join(tmp.dir, `default-notice-${++files}.db`)];
  const cli = (...args: string[]) =>
    runToEnd([bun, "roles/healthcenterserver.ts", ...args, ...db, "--time-zone", zone]);
  expect((await cli("types", "add", "first", "--minutes", "30", "--min-notice", "3d")).code).toBe(0);
  const typed = ["add", "doc1", "--days", "mon-sun", "--start", "09:00", "--end", "12:00", "--types", "first"];
  expect((await cli("availability", ...typed, "--port", "41000")).code).toBe(0);
  const plain = ["add", "doc2", "--days", "mon-sun", "--start", "09:00", "--end", "10:00", "--minutes", "30"];
  expect((await cli("availability", ...plain, "--port", "42000")).code).toBe(0);
  const server = await startServer([...db, "--time-zone", zone]);
  running.push(server);
  const c = await login(server.port);
  const day = Temporal.Now.plainDateISO(zone).add({ days: 1 }).toString();
  const tomorrow = await listing(c, `slots from=${day} to=${day}`);
  expect(tomorrow.map((l) => l.split(" ")[3])).toEqual(["doc2", "doc2"]);
  const later = Temporal.Now.plainDateISO(zone).add({ days: 5 }).toString();
  const offered = await listing(c, `slots from=${later} to=${later} doctor=doc1`);
  expect(offered.length).toBe(6);
  expect(await c.request(`selection ${offered[0]!.split(" ")[0]}`)).toBe("doc1 41000");
  c.close();
}, 60_000);

test("slots offers only the starts the rules let a patient book now: none inside the notice or past the furthest ahead", async () => {
  const db = ["--db", join(tmp.dir, `window-${++files}.db`)];
  const rule = ["add", "doc1", "--days", "mon-sun", "--start", "00:00", "--end", "24:00", "--minutes", "15"];
  expect(
    (
      await runToEnd([
        bun,
        "roles/healthcenterserver.ts",
        "availability",
        ...rule,
        ...db,
        "--port",
        "41000",
        "--time-zone",
        zone,
      ])
    ).code,
  ).toBe(0);
  const server = await startServer([...db, "--time-zone", zone, "--min-notice", "2h", "--max-ahead", "1w"]);
  running.push(server);
  const c = await login(server.port);
  const startOf = (l: string) => Temporal.Instant.from(l.split(" ")[1]!).epochMilliseconds;
  const now = Date.now();
  const [first] = await listing(c, "slots limit=1");
  expect(startOf(first!)).toBeGreaterThanOrEqual(now + 120 * minute);
  expect(startOf(first!)).toBeLessThan(now + 120 * minute + 15 * minute + 60 * minute); // the next quarter, with slack
  expect(await c.request(`selection ${first!.split(" ")[0]}`)).toBe("doc1 41000");
  const inWeek = zoned(now + 6 * day_min * minute)
    .toPlainDate()
    .toString();
  const pastWeek = zoned(now + 8 * day_min * minute)
    .toPlainDate()
    .toString();
  expect(
    (await listing(c, `slots from=${inWeek} limit=1000`)).every(
      (l) => startOf(l) <= now + 7 * day_min * minute + minute,
    ),
  ).toBe(true);
  expect(await listing(c, `slots from=${pastWeek}`)).toEqual([]);
  // `available` still lists every free start (the classic command), the refused ones included.
  expect((await listing(c, "available")).length).toBeGreaterThan((await listing(c, "slots")).length);
  c.close();
}, 60_000);
