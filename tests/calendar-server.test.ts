// A server on a calendar (SQLite): rules in the database become dated slots on the wire, booked by
// id, stable across restarts; started slots are refused; rule changes show on a running server
// within a second; an edit that would strand a booking is refused unless --keep-booked.
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { bun, login, runPatient, runToEnd, startServer, tempDir, type Running } from "./helpers.ts";
import { availability, listing, localDate, localStart, rule_doc1, within, zone } from "./calendar-helpers.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";

const tmp = tempDir();
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) await r.stop();
  tmp.cleanup();
});

let n = 0;
async function calendarDb(): Promise<string[]> {
  const db = ["--db", join(tmp.dir, `cal-${++n}.db`)];
  const added = await availability(db, ...rule_doc1, "--port", "41000");
  expect(added.code).toBe(0);
  return db;
}

async function serve(db: string[], extra: string[] = []): Promise<Running> {
  const s = await startServer([...db, "--time-zone", zone, ...extra]);
  running.push(s);
  return s;
}

function stored(db: string[]): { doctor: number; start_ms: number; minutes: number; patient: string }[] {
  const d = new Database(db[1]!, { readonly: true });
  try {
    return d.query("SELECT doctor, start_ms, minutes, patient FROM appointments").all() as never;
  } finally {
    d.close();
  }
}

const stable =
  "rules become dated slots in time order; a slot is booked by id, stored as what was booked, stable across a restart";
test(stable, async () => {
  const db = await calendarDb();
  const server = await serve(db);
  const day = localDate(1);
  const c = await login(server.port);
  const slots = await listing(c, `slots from=${day} to=${day}`);
  expect(slots).toHaveLength(32);
  const first = localStart(day, "09:00");
  expect(slots[0]).toBe(`${slotId(1, first.ms)} ${first.iso} 15 doc1 41000`);
  expect(slots[31]).toBe(`${slotId(1, localStart(day, "16:45").ms)} ${localStart(day, "16:45").iso} 15 doc1 41000`);
  const ids = slots.map((l) => Number(l.split(" ")[0]));
  expect(ids).toEqual([...ids].sort((a, b) => a - b));
  const available = await c.available();
  expect(available.every((l) => /^\d+ (Mon|Tue|Wed|Thu|Fri|Sat|Sun) \d\d:\d\d \d{4}-\d\d-\d\d$/.test(l))).toBe(true);
  expect(available).toContain(`${ids[0]} ${first.iso.slice(0, 10) === day ? dayName(day) : ""} 09:00 ${day}`);
  expect(await c.request(`selection ${ids[0]}`)).toBe("doc1 41000");
  expect(await listing(c, "mine")).toEqual([slots[0]!]);
  expect(await listing(c, `slots from=${day} to=${day} limit=1`)).toEqual([slots[1]!]);
  expect(stored(db)).toEqual([{ doctor: 1, start_ms: first.ms, minutes: 15, patient: "patient1" }]);
  c.close();
  await server.stop();
  const again = await serve(db);
  const d = await login(again.port);
  expect(await listing(d, "mine")).toEqual([slots[0]!]);
  expect(await listing(d, `slots from=${day} to=${day} limit=2`)).toEqual([slots[1]!, slots[2]!]);
  d.close();
});

test("a slot that has started is never offered and never bookable", async () => {
  const db = await calendarDb();
  const server = await serve(db);
  const c = await login(server.port);
  const now = Date.now();
  const page = await listing(c, `slots from=${localDate(0)} limit=5`);
  for (const l of page) expect(Temporal.Instant.from(l.split(" ")[1]!).epochMilliseconds).toBeGreaterThan(now);
  const past = slotId(1, Math.floor((now - 3_600_000) / 60_000) * 60_000);
  expect(await c.request(`selection ${past}`)).toBe("error that time has passed");
  // The wire checks dates with the CLI's parser (calendar/parse.ts): the same one-line reasons.
  expect(await c.request("slots from=2026-02-30")).toBe(
    'error usage: bad from date "2026-02-30": there is no such day',
  );
  expect(await c.request("slots from=2026-12-10 to=2026-12-01")).toBe(
    "error usage: the to date 2026-12-01 is before the from date 2026-12-10",
  );
  expect(await c.request("slots to=0999-01-01")).toBe('error usage: bad to date "0999-01-01" (years 1900 to 2999)');
  expect(await c.request("slots from=tomorrow")).toStartWith("error usage: slots [from=<YYYY-MM-DD>]");
  expect(await listing(c, "mine")).toEqual([]);
  c.close();
});

test("slots day= takes a weekday as Sat or Saturday, in any case, on a calendar; another word is refused", async () => {
  const db = await calendarDb();
  const server = await serve(db);
  const c = await login(server.port);
  const saturdays = await listing(c, "slots day=Sat limit=40");
  expect(saturdays.length).toBe(40);
  for (const l of saturdays) expect(Temporal.ZonedDateTime.from(`${l.split(" ")[1]}[${zone}]`).dayOfWeek).toBe(6);
  for (const day of ["Saturday", "SATURDAY", "sat"])
    expect([day, await listing(c, `slots day=${day} limit=40`)]).toEqual([day, saturdays]);
  for (const day of ["Satur", "Funday", "6"])
    expect(await c.request(`slots day=${day}`)).toBe(
      `error usage: day=${day} is not a weekday (Mon to Sun, or Monday to Sunday)`,
    );
  c.close();
});

test("an appointment that has started cannot be cancelled or moved by its patient: it is the clinic's now", async () => {
  const db = await calendarDb();
  // Booked before it began (a row as the server writes one), it started five minutes ago and runs 30.
  const start = Math.floor((Date.now() - 5 * 60_000) / 60_000) * 60_000;
  const d = new Database(db[1]!);
  d.run("INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at) VALUES (1, ?, 30, 'patient1', 0)", [
    start,
  ]);
  d.close();
  const server = await serve(db);
  const c = await login(server.port);
  const id = slotId(1, start);
  const later = (await listing(c, "slots limit=1"))[0]!.split(" ")[0]!;
  expect(await c.request(`cancel ${id}`)).toBe("error that appointment has started; the clinic can change it");
  expect(await c.request(`reschedule ${id} ${later}`)).toBe(
    "error that appointment has started; the clinic can change it",
  );
  expect(stored(db)).toEqual([{ doctor: 1, start_ms: start, minutes: 30, patient: "patient1" }]);
  c.close();
});

test("a rule added or removed with the CLI shows on a running server within a second", async () => {
  const db = await calendarDb();
  const server = await serve(db);
  const c = await login(server.port);
  expect(await listing(c, "slots doctor=doc2 limit=1")).toEqual([]);
  const add = await availability(
    db,
    "add",
    "doc2",
    "--days",
    "mon-sun",
    "--start",
    "10:00",
    "--end",
    "12:00",
    "--minutes",
    "30",
    "--port",
    "42000",
  );
  expect(add.code).toBe(0);
  const shown = await within(100, async () => (await listing(c, "slots doctor=doc2 limit=1")).length === 1);
  expect(shown).toBeLessThan(1000);
  const line = (await listing(c, `slots doctor=doc2 from=${localDate(1)} limit=1`))[0]!;
  expect(line).toBe(
    `${slotId(2, localStart(localDate(1), "10:00").ms)} ${localStart(localDate(1), "10:00").iso} 30 doc2 42000`,
  );
  expect((await availability(db, "remove", "r2")).code).toBe(0);
  expect(await within(100, async () => (await listing(c, "slots doctor=doc2 limit=1")).length === 0)).toBeLessThan(
    1000,
  );
  c.close();
});

const stranded =
  "an edit that strands a booking is refused with the list; --keep-booked keeps it, listed by mine and cancellable";
test(stranded, async () => {
  const db = await calendarDb();
  const server = await serve(db);
  const day = localDate(2);
  const c = await login(server.port);
  const [line] = await listing(c, `slots from=${day} to=${day} limit=1`);
  const id = line!.split(" ")[0]!;
  expect(await c.request(`selection ${id}`)).toBe("doc1 41000");
  const refused = await availability(db, "except", "doc1", "--from", day, "--reason", "leave");
  expect(refused.code).toBe(2);
  expect(refused.stderr.trim().split("\n")).toHaveLength(1);
  expect(refused.stderr).toContain(`patient1 ${dayName(day)} ${day} 09:00 doc1`);
  const dry = await availability(db, "except", "doc1", "--from", day, "--dry-run");
  expect(dry.code).toBe(0);
  expect(dry.stdout).toContain("dry run, nothing changed");
  expect(dry.stdout).toContain(`patient1 ${dayName(day)} ${day} 09:00 doc1`);
  expect((await availability(db, "list")).stdout).not.toContain(" e1 ");
  const kept = await availability(db, "except", "doc1", "--from", day, "--keep-booked");
  expect(kept.code).toBe(0);
  expect(kept.stdout).toContain("are now outside availability");
  await within(100, async () => (await listing(c, `slots from=${day} to=${day}`)).length === 0);
  expect(await listing(c, "mine")).toEqual([line!]);
  expect(await c.request(`cancel ${id}`)).toBe("cancelled");
  expect(await listing(c, "mine")).toEqual([]);
  expect(stored(db)).toEqual([]);
  // Cancelled, the slot outside availability leaves at once: neither offered nor bookable (the doctor is away).
  const other = await login(server.port, "patient2", "password222");
  expect(await listing(other, `slots from=${day} to=${day}`)).toEqual([]);
  expect(await other.request(`selection ${id}`)).toBe("invalid");
  expect(stored(db)).toEqual([]);
  other.close();
  c.close();
});

test("the CLI's and the server's bad values: one line, exit 2, nothing changed", async () => {
  const db = await calendarDb();
  const cases: [string[], RegExp][] = [
    [
      ["add", "doc1", "--days", "mon", "--start", "09:00", "--end", "08:00", "--minutes", "15"],
      /^error: the rule ends at 08:00, not after its start 09:00$/m,
    ],
    [["except", "doc1", "--from", "2026-02-30"], /^error: --from: bad date "2026-02-30": there is no such day$/m],
    [
      ["add", "doc1", "--days", "fri-mon", "--start", "09:00", "--end", "12:10", "--minutes", "15"],
      /09:00-12:10 is 190 minutes, not a whole number of 15-minute appointments; end at 12:00 or 12:15$/m,
    ],
    [
      ["except", "doc1", "--from", "2026-12-10", "--to", "2026-12-01"],
      /the to date 2026-12-01 is before the from date/,
    ],
    [
      ["add", "doc9", "--days", "mon", "--start", "09:00", "--end", "10:00", "--minutes", "15"],
      /doc9 is a new doctor: give --port/,
    ],
    [
      ["add", "doc1", "--days", "mon,tuw", "--start", "09:00", "--end", "10:00", "--minutes", "15"],
      /^error: --days: bad weekday "tuw" \(mon to sun\); did you mean tue\?$/m,
    ],
    // Leave for a name the calendar does not have is most likely a typo: before, it only asked for --port (which
    // the page's leave form has not), naming no doctor.
    [
      ["except", "dco1", "--from", "2026-12-10"],
      /^error: unknown doctor dco1 \(the calendar has doc1; a new doctor needs --port P\); did you mean doc1\?$/m,
    ],
    [["remove", "r99"], /there is no rule r99/],
    [["frobnicate"], /unknown availability command frobnicate/],
  ];
  for (const [args, message] of cases) {
    const r = await availability(db, ...args);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  }
  const zoneTypo = await runToEnd([
    bun,
    "roles/healthcenterserver.ts",
    "availability",
    "list",
    ...db,
    "--time-zone",
    "Europe/Londn",
  ]);
  expect(zoneTypo.code).toBe(2);
  expect(zoneTypo.stderr).toContain("did you mean Europe/London?");
  // From the deployment file, the zone is named as the file's, on the server and the CLI alike.
  const config = join(tmp.dir, "bad-zone.toml");
  await Bun.write(config, '[clinic]\ntime_zone = "Europe/Londn"\n');
  for (const args of [
    ["--port", "0"],
    ["availability", "list"],
  ]) {
    const r = await runToEnd([bun, "roles/healthcenterserver.ts", ...args, ...db, "--config", config]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(
      'error: [clinic] time_zone in the deployment file: unknown time zone "Europe/Londn" ' +
        "(an IANA name such as Europe/London); did you mean Europe/London?",
    );
  }
  const listed = await availability(db, "list");
  expect(listed.stdout.match(/^ {2}[re]\d+ /gm)).toEqual(["  r1 "]);
  // The errors' hint points at the server's --help, which names the availability commands.
  const help = await runToEnd([bun, "roles/healthcenterserver.ts", "--help"]);
  expect(help.stdout).toContain("healthcenterserver availability add|except|open|remove|list|import");
  for (const weeks of ["0", "520"]) {
    const r = await runToEnd([bun, "roles/healthcenterserver.ts", "--port", "0", ...db, "--horizon-weeks", weeks]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--horizon-weeks");
  }
});

test("check says a database with rules runs the server on a calendar, and what it holds", async () => {
  const db = await calendarDb();
  const r = await runToEnd([bun, "roles/healthcenterserver.ts", "check", "--port", "0", ...db, "--time-zone", zone]);
  expect(r.code).toBe(0);
  expect(r.stdout).toContain(
    `ok: calendar in ${db[1]}: 1 rule(s), 0 exception(s), 0 appointment(s) to come; ` +
      `slots for 8 weeks in ${zone} (the data files' slots are not used)`,
  );
});

test("a start-up that fails after the calendar's keeper started (port taken) still exits at once", async () => {
  const db = await calendarDb();
  const taken = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  try {
    const args = ["--host", "127.0.0.1", "--port", String(taken.port), ...db, "--time-zone", zone];
    const r = await runToEnd([bun, "roles/healthcenterserver.ts", ...args]);
    expect(r.stderr).toContain(`TCP port ${taken.port} on 127.0.0.1 is already in use`);
    expect(r.code).toBe(3);
    // The keeper's poll and refresh timers do not hold the process: runToEnd's 20 s would have run out.
    expect(r.ms).toBeLessThan(10_000);
  } finally {
    taken.stop(true);
  }
});

function dayName(date: string): string {
  return ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][Temporal.PlainDate.from(date).dayOfWeek]!;
}

test("the patient's --list and --json carry the dated slot: Tue 8 Dec, 13:00, 15 min and its ISO start", async () => {
  const db = await calendarDb();
  const server = await serve(db);
  const day = localDate(3);
  const c = await login(server.port);
  const [line] = await listing(c, `slots from=${day} to=${day} limit=1`);
  const [id, iso] = line!.split(" ");
  expect(await c.request(`selection ${id}`)).toBe("doc1 41000");
  c.close();
  const where = ["--server", `127.0.0.1:${server.port}`];
  const json = await runPatient(["patient1", ...where, "--list", "--json"]);
  expect(json.code).toBe(0);
  const [appointment] = JSON.parse(json.stdout).appointments;
  expect(appointment).toMatchObject({ index: Number(id), start: iso, minutes: 15, doctor: "doc1", time: "09:00" });
  const text = await runPatient(["patient1", ...where, "--list"]);
  const d = Temporal.PlainDate.from(day);
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.month - 1];
  expect(text.stdout).toContain(`slot ${id} ${dayName(day)} ${d.day} ${month}, 09:00, 15 min with Doctor1`);
});

test("a booking kept outside a new rule's grid hides the new starts it overlaps, until it is cancelled", async () => {
  const db = ["--db", join(tmp.dir, `cal-${++n}.db`)];
  const rule = ["add", "doc1", "--days", "mon-sun", "--start", "09:00", "--end", "12:00", "--port", "41000"];
  expect((await availability(db, ...rule, "--minutes", "30")).code).toBe(0);
  const server = await serve(db);
  const day = localDate(1);
  const at = (t: string) => slotId(1, localStart(day, t).ms);
  const times = async (c: Awaited<ReturnType<typeof login>>) =>
    (await listing(c, `slots from=${day} to=${day}`)).map((l) => l.split(" ")[1]!.slice(11, 16));
  const c = await login(server.port);
  expect(await c.request(`selection ${at("10:00")}`)).toBe("doc1 41000");
  // The rule becomes 20-minute slots; the 10:00-10:30 appointment stays, outside the new grid.
  expect((await availability(db, "remove", "r1", "--keep-booked")).code).toBe(0);
  expect((await availability(db, ...rule, "--minutes", "20", "--keep-booked")).code).toBe(0);
  await within(100, async () => (await times(c)).includes("09:20"));
  // 10:20 meets 10:00-10:30: neither offered nor bookable (the database would refuse it anyway).
  expect(await times(c)).toEqual(["09:00", "09:20", "09:40", "10:40", "11:00", "11:20", "11:40"]);
  const other = await login(server.port, "patient2", "password222");
  expect(await other.request(`selection ${at("10:20")}`)).toBe("notavailable");
  expect((await other.available()).some((l) => l.startsWith(`${at("10:20")} `))).toBe(false);
  expect(await c.request(`cancel ${at("10:00")}`)).toBe("cancelled");
  expect(await times(other)).toContain("10:20");
  expect(await other.request(`selection ${at("10:20")}`)).toBe("doc1 41000");
  expect(stored(db).map((a) => [a.start_ms, a.minutes, a.patient])).toEqual([
    [localStart(day, "10:20").ms, 20, "patient2"],
  ]);
  other.close();
  c.close();
});
