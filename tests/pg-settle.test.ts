// Memory follows a shared database: the real Booker, committer and mirror of two servers, in this
// process, against a real PostgreSQL (tests/pg-helpers.ts), driven through the interleaving that
// once stopped a server (a lagging mirror is not a broken invariant), plus cancellations and `mine`
// decided by what is stored, over real servers.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { closeSync, openSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { SQL } from "bun";
import { parseSlots } from "../shared/slot-file.ts";
import { embedded } from "../shared/fixtures.ts";
import { Log } from "../shared/log.ts";
import { Booker, type BookingOutcome, type CancelOutcome } from "../roles/healthcenterserver/booking/booker.ts";
import { Schedule } from "../roles/healthcenterserver/booking/schedule.ts";
import { parseDbTarget, type PostgresTarget } from "../roles/healthcenterserver/store/db-target.ts";
import { openPostgres } from "../roles/healthcenterserver/store/postgres/pg-bookings.ts";
import { login, startServer, tempDir, writeDataDir, type Running } from "./helpers.ts";
import { pg_password, postgresBin, startPostgres, type Postgres } from "./pg-helpers.ts";

const found = postgresBin();
const pgTest = "missing" in found ? test.skip : test;

const tmp = tempDir();
let pg: Postgres;
const running: Running[] = [];
const closers: (() => Promise<void>)[] = [];
let databases = 0;

beforeAll(() => {
  if ("bin" in found) pg = startPostgres(found.bin);
}, 60_000);
afterAll(async () => {
  for (const close of closers) await close().catch(() => {});
  for (const r of running) r.proc.kill("SIGKILL");
  await Promise.all(running.map((r) => r.proc.exited));
  pg?.stop();
  tmp.cleanup();
});

function freshDatabase(): string {
  const name = `settle_${++databases}`;
  pg.createDatabase(name);
  return name;
}

type Server = { booker: Booker; schedule: Schedule; corrections: string[]; broken: unknown[] };

/** One server's booking side, as the entry builds it for PostgreSQL. */
async function openServer(db: string, log = new Log({ quiet: true })): Promise<Server> {
  const schedule = new Schedule(parseSlots("availabilities.txt", embedded["availabilities.txt"]!));
  const target = parseDbTarget(pg.url(db)) as PostgresTarget;
  const store = await openPostgres(target, pg_password, 5_000, schedule, log, 3);
  closers.push(() => store.close());
  await store.load(schedule);
  const broken: unknown[] = [];
  const booker = new Booker(schedule, store, (err) => broken.push(err), {
    bookingsPerPatient: 3,
    shared: { heldBy: (p) => store.heldBy(p) },
  });
  const corrections: string[] = [];
  booker.onCorrected = (what) => corrections.push(what);
  await store.follow((i) => booker.isPending(i));
  return { booker, schedule, corrections, broken };
}

const book = (s: Server, index: number, patient: string) =>
  new Promise<BookingOutcome>((resolve) => s.booker.book(index, patient, resolve));
const cancel = (s: Server, index: number, patient: string) =>
  new Promise<CancelOutcome>((resolve) => s.booker.cancel(index, patient, resolve));

async function until(what: string, ok: () => boolean, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${what}`);
    await Bun.sleep(5);
  }
}

/** Waits until PostgreSQL shows slot `slot`'s lock held (`granted`) or waited on (not `granted`) by some session. */
async function slotLock(db: string, slot: number, granted: boolean): Promise<void> {
  const sql = `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = ${0x736c6f74}
    AND objid = ${slot} AND objsubid = 2 AND granted = ${granted}`;
  await until(`slot ${slot}'s lock ${granted ? "held" : "waited on"}`, () => Number(pg.psql(db, sql).trim()) > 0);
}

describe("memory follows a shared database", () => {
  pgTest(
    "book on A, cancel and re-book on B before A's mirror catches up, then A's own queued cancellation commits: A corrects memory, logs and counts it, and keeps serving",
    async () => {
      const db = freshDatabase();
      const [a, b] = [await openServer(db), await openServer(db)];
      expect((await book(a, 5, "x")).kind).toBe("booked");
      // Another session holds slot 6's lock: A's next batch (y books 6) waits on it in PostgreSQL.
      const holder = new SQL({ url: pg.url(db), password: pg_password, max: 1 });
      let release: () => void = () => {};
      const held = holder.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${0x736c6f74}, 6)`;
        await new Promise<void>((resolve) => (release = resolve));
      });
      await slotLock(db, 6, true);
      const yBooks = book(a, 6, "y");
      await slotLock(db, 6, false); // y's batch is in its commit now, waiting
      const xCancelsOnA = cancel(a, 5, "x"); // queued behind it
      expect((await cancel(b, 5, "x")).kind).toBe("cancelled");
      await until("A's mirror sees slot 5 freed on B", () => a.schedule.holderOf(5) === undefined);
      // x books 5 again, and A has not heard of it yet (a notice still on its way, a LISTEN reconnect).
      pg.psql(db, "INSERT INTO bookings (slot, patient) VALUES (5, 'x')");
      release();
      await held;
      expect((await yBooks).kind).toBe("booked");
      expect((await xCancelsOnA).kind).toBe("cancelled"); // the database cancelled x's second booking
      expect(a.broken).toEqual([]);
      expect(a.corrections).toEqual([
        "memory had slot 5 as free when the database cancelled it for x; memory follows the database",
      ]);
      expect(pg.psql(db, "SELECT count(*) FROM bookings WHERE slot = 5").trim()).toBe("0");
      expect(a.schedule.holderOf(5)).toBeUndefined();
      // A keeps serving, and its memory agrees with the database.
      expect((await book(a, 5, "z")).kind).toBe("booked");
      await until("B follows", () => b.schedule.holderOf(5) === "z");
      await holder.close();
    },
    30_000,
  );

  pgTest(
    "a move back and forth on both servers at once never stops either: the database decides, memory follows",
    async () => {
      const db = freshDatabase();
      const [a, b] = [await openServer(db), await openServer(db)];
      expect((await book(a, 1, "x")).kind).toBe("booked");
      await until("B sees x's booking", () => b.schedule.holderOf(1) === "x");
      const move = (s: Server, from: number, to: number) =>
        new Promise<string>((resolve) => s.booker.move(from, to, "x", (o) => resolve(o.kind)));
      for (let round = 0; round < 40; round++) {
        // Each server moves x between 1 and 2 by what it believes; the database lets one win each time.
        const outcomes = await Promise.all([move(a, 1, 2), move(b, 2, 1), move(a, 2, 1), move(b, 1, 2)]);
        for (const o of outcomes) expect(["moved", "notyours", "notavailable"]).toContain(o);
      }
      expect(a.broken).toEqual([]);
      expect(b.broken).toEqual([]);
      const stored = pg.psql(db, "SELECT slot FROM bookings WHERE patient = 'x'").trim().split("\n");
      expect(stored.length).toBe(1);
      for (const s of [a, b]) await until("memory agrees", () => s.schedule.heldBy("x").join() === stored.join());
    },
    30_000,
  );
});

describe("memory corrections on real servers", () => {
  pgTest(
    "the lagging-mirror interleaving between two server processes: the server keeps serving, logs the correction and counts it on /metrics",
    async () => {
      const db = freshDatabase();
      const dir = await writeDataDir(join(tmp.dir, db), 10, { "users.txt": "x pwx\ny pwy\n" });
      const args = ["--data", dir, "--db", pg.url(db), "--db-password-file", pg.passwordFile, "--http", "127.0.0.1:0"];
      const [sa, sb] = await Promise.all([startServer(args), startServer(args)]);
      running.push(sa!, sb!);
      const metrics = `http://127.0.0.1:${(await sa!.stdout.waitFor(/Staff page: http:\/\/127\.0\.0\.1:(\d+)\//))[1]}/metrics`;
      const [xa, ya, xb] = await Promise.all([
        login(sa!.port, "x", "pwx"),
        login(sa!.port, "y", "pwy"),
        login(sb!.port, "x", "pwx"),
      ]);
      expect(await xa.request("selection 5")).toMatch(/^doc\d \d+$/);
      const other = new SQL({ url: pg.url(db), password: pg_password, max: 1 });
      let release: () => void = () => {};
      const held = other.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${0x736c6f74}, 6)`;
        await new Promise<void>((resolve) => (release = resolve));
      });
      await slotLock(db, 6, true);
      ya.write("selection 6\n");
      await slotLock(db, 6, false); // A's batch waits on slot 6's lock
      xa.write("cancel 5\n"); // queued behind it
      expect(await xb.request("cancel 5")).toBe("cancelled");
      const look = await login(sa!.port, "y", "pwy"); // xa and ya wait for their answers
      const deadline = Date.now() + 3_000;
      while (!(await look.available()).some((l) => l.startsWith("5 "))) {
        if (Date.now() > deadline) throw new Error("A never saw slot 5 freed");
        await Bun.sleep(20);
      }
      pg.psql(db, "INSERT INTO bookings (slot, patient) VALUES (5, 'x')"); // re-booked; A not told yet
      release();
      await held;
      await other.close();
      expect(await ya.line()).toMatch(/^doc\d \d+$/);
      expect(await xa.line()).toBe("cancelled");
      expect(await xa.request("ping")).toBe("pong"); // still serving
      expect(sa!.proc.exitCode).toBeNull();
      await sa!.stderr.waitFor(
        /memory had slot 5 as free when the database cancelled it for x; memory follows the database/,
      );
      expect(await (await fetch(metrics)).text()).toMatch(/^hcs_memory_corrections_total 1$/m);
      for (const c of [xa, ya, xb, look]) c.close();
    },
    30_000,
  );
});

describe("a batch rolled back for a deadlock", () => {
  pgTest(
    "is tried once more, logged, and its patients hear only the outcome of the second try",
    async () => {
      const db = freshDatabase();
      const logFile = join(tmp.dir, "retry.log");
      const errFd = openSync(logFile, "w");
      const a = await openServer(db, new Log({ quiet: true, errFd }));
      // Another session takes slot 2's lock, then (once A's batch holds 1 and waits on 2) asks for 1:
      // a cycle, which PostgreSQL breaks after deadlock_timeout by failing A's batch, the first to wait.
      const other = new SQL({ url: pg.url(db), password: pg_password, max: 1 });
      let ask: () => void = () => {};
      const cycle = other.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(${0x736c6f74}, 2)`;
        await new Promise<void>((resolve) => (ask = resolve));
        await tx`SELECT pg_advisory_xact_lock(${0x736c6f74}, 1)`;
      });
      await slotLock(db, 2, true);
      const both = Promise.all([book(a, 1, "x"), book(a, 2, "y")]); // one batch: locks 1, then 2
      await slotLock(db, 2, false); // A's batch holds 1 and waits on 2
      ask();
      expect((await both).map((o) => o.kind)).toEqual(["booked", "booked"]);
      await cycle;
      await other.close();
      closeSync(errFd);
      expect(readFileSync(logFile, "utf8")).toMatch(
        /PostgreSQL rolled a batch back \(deadlock detected\); it is tried once more/,
      );
      expect(pg.psql(db, "SELECT slot || patient FROM bookings ORDER BY slot").trim().split("\n")).toEqual([
        "1x",
        "2y",
      ]);
      expect(a.broken).toEqual([]);
    },
    30_000,
  );
});

describe("cancel and mine decided by what is stored", () => {
  pgTest(
    "booked on B and cancelled on A a moment later: cancelled, never notyours; mine on A lists what is stored, never more than the limit",
    async () => {
      const db = freshDatabase();
      const dir = await writeDataDir(join(tmp.dir, db), 40, { "users.txt": "x pwx\n" });
      const args = ["--data", dir, "--db", pg.url(db), "--db-password-file", pg.passwordFile, "--quiet"];
      const [sa, sb] = await Promise.all([startServer(args), startServer(args)]);
      running.push(sa!, sb!);
      const [a, b] = await Promise.all([login(sa!.port, "x", "pwx"), login(sb!.port, "x", "pwx")]);
      for (let i = 0; i < 20; i++) {
        expect(await b.request(`selection ${i + 1}`)).toMatch(/^doc\d \d+$/);
        expect(await a.request(`cancel ${i + 1}`)).toBe("cancelled");
      }
      // Under the limit of 3: three on A, then B swaps one; A's `mine` right away says what is stored.
      for (const s of [21, 22, 23]) expect(await a.request(`selection ${s}`)).toMatch(/^doc\d \d+$/);
      expect(await b.request("cancel 21")).toBe("cancelled");
      expect(await b.request("selection 24")).toMatch(/^doc\d \d+$/);
      a.write("mine\n");
      const listed: string[] = [];
      for (let l = await a.line(); l !== undefined && l !== ""; l = await a.line()) listed.push(l.split(" ")[0]!);
      expect(listed).toEqual(["22", "23", "24"]);
      a.close();
      b.close();
    },
    30_000,
  );
});
