// The zone a calendar's rules were written in is kept with them (calendar_state.zone, set by the first
// edit), and a server, `check` or an edit that would read them in another zone is refused in one line
// naming both (exit 2, nothing changed). Before, rules written with --time-zone Asia/Kathmandu were read
// in the machine's zone by a server started without it: every slot moved 5 h 45, and appointments
// already booked fell between the new slots (a London clinic on a UTC machine moved an hour at the
// spring change, silently).
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { bun, login, runToEnd, startServer, tempDir } from "./helpers.ts";
import { listing } from "./calendar-helpers.ts";
import { applyEdit } from "../roles/healthcenterserver/commands/availability-edit.ts";
import { storedZone } from "../roles/healthcenterserver/store/calendar-zone.ts";
import { openCalendarDb } from "../roles/healthcenterserver/store/calendar-db.ts";
import { parseDbTarget } from "../roles/healthcenterserver/store/db-target.ts";
import { pg_password, postgresBin, startPostgres } from "./pg-helpers.ts";

const tmp = tempDir();
const running: { kill(): void }[] = [];
afterAll(() => {
  for (const r of running) r.kill();
  tmp.cleanup();
});

const server = (args: string[]) => runToEnd([bun, "roles/healthcenterserver.ts", ...args], "", 20_000);
const rule = ["add", "doc1", "--days", "mon-sun", "--start", "09:00", "--end", "12:00", "--minutes", "45"];
const sqlite = (file: string, sql: string) => Bun.spawnSync(["sqlite3", file, sql]).stdout.toString().trim();

test("rules written in one zone are never read in another: server, check and edits refuse, naming both", async () => {
  const path = join(tmp.dir, "cal.db");
  const db = ["--db", path];
  const kathmandu = ["--time-zone", "Asia/Kathmandu"];
  const added = await server(["availability", ...rule, "--port", "41000", ...db, ...kathmandu]);
  expect(added.code).toBe(0);
  expect(sqlite(path, "SELECT zone FROM calendar_state")).toBe("Asia/Kathmandu");
  const before = sqlite(path, "SELECT count(*) FROM calendar_rules");
  const said = "the calendar's rules in this database are in Asia/Kathmandu time, not Europe/London";
  for (const args of [
    ["--host", "127.0.0.1", "--port", "0", ...db, "--time-zone", "Europe/London"],
    ["check", ...db, "--time-zone", "Europe/London"],
    ["availability", "add", "doc2", ...rule.slice(2), "--port", "42000", ...db, "--time-zone", "Europe/London"],
    ["availability", "list", ...db, "--time-zone", "Europe/London"],
    ["types", "add", "first", "--minutes", "30", ...db, "--time-zone", "Europe/London"],
  ]) {
    const r = await server(args);
    expect([args[0], r.code]).toEqual([args[0], 2]);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringContaining(said)]);
    expect(r.stderr).toContain("--time-zone Asia/Kathmandu");
    expect(r.stdout).not.toContain("has port number");
  }
  expect(sqlite(path, "SELECT count(*) FROM calendar_rules")).toBe(before);
  expect(sqlite(path, "SELECT count(*) FROM calendar_types")).toBe("0");
  // Another name of the same zone (an alias the runtime knows) is that zone: taken.
  expect((await server(["check", ...db, "--time-zone", "Asia/Katmandu"])).code).toBe(0);
  // An edit given no zone takes the rules' own (README's `types add` names none); a server does not
  // guess: with no zone given (the machine's, UTC here or elsewhere) it is refused, saying which to give.
  const typed = await server(["types", "add", "first", "--minutes", "30", ...db]);
  expect([typed.code, typed.stderr]).toEqual([0, ""]);
  const listed = await server(["availability", "list", ...db]);
  expect(listed.stdout).toContain("Availability (time zone Asia/Kathmandu):");
  if (Temporal.Now.timeZoneId() !== "Asia/Kathmandu") {
    const bare = await server(["check", ...db]);
    expect([bare.code, bare.stderr]).toEqual([2, expect.stringContaining("give --time-zone Asia/Kathmandu")]);
  }
  // In its own zone the server serves the rules' wall times.
  const ok = await startServer([...db, ...kathmandu]);
  running.push(ok.proc);
  const c = await login(ok.port);
  const first = (await listing(c, "slots limit=1"))[0]!.split(" ")[1]!;
  expect(first).toMatch(/T(09:00|09:45|10:30|11:15)\+05:45$/);
  c.close();
});

test("an edit given no zone records none: the machine's zone is a default, not the clinic's word", async () => {
  const path = join(tmp.dir, "unsaid.db");
  expect((await server(["types", "add", "first", "--minutes", "30", "--db", path])).code).toBe(0);
  expect(sqlite(path, "SELECT coalesce(zone, 'none') FROM calendar_state")).toBe("none");
  const added = await server([
    "availability",
    ...rule,
    "--port",
    "41000",
    "--db",
    path,
    "--time-zone",
    "Europe/London",
  ]);
  expect(added.code).toBe(0);
  expect(sqlite(path, "SELECT zone FROM calendar_state")).toBe("Europe/London");
});

test("a calendar whose zone was never recorded (an older database) starts in any zone; its next edit records it", async () => {
  const path = join(tmp.dir, "old.db");
  const db = ["--db", path];
  expect((await server(["availability", ...rule, "--port", "41000", ...db, "--time-zone", "UTC"])).code).toBe(0);
  sqlite(path, "UPDATE calendar_state SET zone = NULL");
  const checked = await server(["check", ...db, "--time-zone", "Europe/London"]);
  expect(checked.code).toBe(0);
  const edit = ["availability", "except", "doc1", "--from", "2030-01-07", ...db, "--time-zone", "Europe/London"];
  expect((await server(edit)).code).toBe(0);
  expect(sqlite(path, "SELECT zone FROM calendar_state")).toBe("Europe/London");
});

test("a recorded zone this program does not know (edited by hand) is refused in one line; availability zone repairs it", async () => {
  const path = join(tmp.dir, "mars.db");
  const db = ["--db", path];
  expect((await server(["availability", ...rule, "--port", "41000", ...db, "--time-zone", "UTC"])).code).toBe(0);
  sqlite(path, "UPDATE calendar_state SET zone = 'Mars/Base'");
  const said = 'recorded in time zone "Mars/Base", which this program does not know';
  for (const args of [
    ["--host", "127.0.0.1", "--port", "0", ...db],
    ["--host", "127.0.0.1", "--port", "0", ...db, "--time-zone", "UTC"],
    ["check", ...db],
    ["availability", "list", ...db],
    ["availability", "add", "doc2", ...rule.slice(2), "--port", "42000", ...db],
    ["types", "add", "first", "--minutes", "30", ...db],
  ]) {
    const r = await server(args);
    expect([args.slice(0, 2), r.code, r.stderr.trim().split("\n")]).toEqual([
      args.slice(0, 2),
      2,
      [expect.stringContaining(said)],
    ]);
  }
  expect(sqlite(path, "SELECT count(*) FROM calendar_rules")).toBe("1");
  const shown = await server(["availability", "zone", ...db]);
  expect([shown.code, shown.stdout]).toEqual([0, expect.stringContaining("Mars/Base")]);
  expect((await server(["availability", "zone", "Europe/London", ...db])).code).toBe(0);
  expect((await server(["availability", "list", ...db])).stdout).toContain("time zone Europe/London");
});

test("two edits in different zones at once: the one whose zone was not recorded first is refused, rolled back", async () => {
  // Each edit reads the recorded zone before its transaction: on a database with none, both pass that check,
  // and the second to commit found the first's zone there (UPDATE ... WHERE zone IS NULL changed nothing).
  // The check must hold inside the transaction: here the first edit's zone is recorded after the second's read.
  const path = join(tmp.dir, "race.db");
  expect((await server(["types", "add", "first", "--minutes", "30", "--db", path])).code).toBe(0);
  const db = await openCalendarDb(parseDbTarget(path), undefined);
  try {
    expect(await storedZone(db)).toBeUndefined(); // the second edit's check passes here
    expect((await server(["availability", ...rule, "--port", "41000", "--db", path, "--time-zone", "UTC"])).code).toBe(
      0,
    );
    const ctx = { zone: "Asia/Kathmandu", zoneExplicit: true, weeks: 8, dryRun: false, keepBooked: false, now: 0 };
    const edit = applyEdit(db, ctx, "second edit", (tx) => tx.run("DELETE FROM calendar_rules").then(() => {}));
    await expect(edit).rejects.toThrow("the calendar's rules in this database are in UTC time, not Asia/Kathmandu");
  } finally {
    await db.close();
  }
  expect(sqlite(path, "SELECT zone FROM calendar_state")).toBe("UTC");
  expect(sqlite(path, "SELECT count(*) FROM calendar_rules")).toBe("1");
});

test("PostgreSQL: an edit in another zone, begun while another edit's transaction is open, waits for it and is refused after", async () => {
  const found = postgresBin();
  if (!("bin" in found)) return console.warn(`skipped: ${found.missing}`);
  const pg = startPostgres(found.bin);
  let conn: Awaited<ReturnType<typeof openCalendarDb>> | undefined;
  try {
    pg.createDatabase("zones");
    const db = ["--db", pg.url("zones"), "--db-password-file", pg.passwordFile];
    expect((await server(["types", "add", "first", "--minutes", "30", ...db])).code).toBe(0);
    conn = await openCalendarDb(parseDbTarget(pg.url("zones")), pg_password);
    const [held, release] = gate();
    const [inside, entered] = gate();
    const ctx = { zone: "Asia/Kathmandu", zoneExplicit: true, weeks: 8, dryRun: false, keepBooked: false, now: 0 };
    const second = applyEdit(conn, ctx, "second edit", async (tx) => {
      entered();
      await held;
      await tx.run("DELETE FROM calendar_rules");
    });
    await inside; // the edit's transaction is open, the rules' lock held (pg-doctor-locks.ts), no zone recorded
    // Another edit, in UTC, read no zone either: it waits on the rules' lock, then sees Kathmandu recorded.
    const first = server(["availability", ...rule, "--port", "41000", ...db, "--time-zone", "UTC"]);
    const waiting = () =>
      pg.psql("zones", "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").trim();
    for (let i = 0; i < 500 && waiting() !== "1"; i++) await Bun.sleep(20);
    expect(waiting()).toBe("1");
    release();
    await second;
    const refused = await first;
    expect([refused.code, refused.stderr.trim().split("\n")]).toEqual([
      2,
      [expect.stringContaining("the calendar's rules in this database are in Asia/Kathmandu time, not UTC")],
    ]);
    expect(pg.psql("zones", "SELECT zone FROM calendar_state").trim()).toBe("Asia/Kathmandu");
    expect(pg.psql("zones", "SELECT count(*) FROM calendar_rules").trim()).toBe("0");
  } finally {
    await conn?.close();
    pg.stop();
  }
}, 60_000);

function gate(): [Promise<void>, () => void] {
  let open!: () => void;
  return [new Promise<void>((resolve) => (open = resolve)), () => open()];
}
