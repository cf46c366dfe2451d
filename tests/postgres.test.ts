// Several health center servers on one real PostgreSQL (a throwaway cluster, tests/pg-helpers.ts):
// one winner per slot across instances, views that follow each other, and faults (kill -9 of an
// instance, Postgres restarting, Postgres down at start-up) that never confirm an unstored booking.
import { describe, expect } from "bun:test";
import { join } from "node:path";
import {
  Client,
  Output,
  bun,
  child_env,
  login,
  root,
  runPatient,
  runToEnd,
  startServer,
  startSystem,
  tempDir,
  writeDataDir,
  type Running,
} from "./helpers.ts";
import { freeTcpPort } from "./pg-helpers.ts";
import { postgresForFile } from "./pg-file.ts";
import { schema_version } from "../roles/healthcenterserver/store/postgres/pg-schema.ts";

const tmp = tempDir();
let databases = 0;

const cluster = postgresForFile(() => tmp.cleanup());
const { pgTest, running } = cluster;

function freshDatabase(): string {
  const name = `appt_${++databases}`;
  cluster.pg.createDatabase(name);
  return name;
}

const dbArgs = (db: string) => ["--db", cluster.pg.url(db), "--db-password-file", cluster.pg.passwordFile];

/** A data directory with `patients` users (p1/pw1 ...) and `slots` slots. */
async function data(patients: number, slots: number): Promise<string> {
  const dir = join(tmp.dir, `data-${patients}-${slots}`);
  const users = Array.from({ length: patients }, (_, i) => `p${i + 1} pw${i + 1}`).join("\n") + "\n";
  return writeDataDir(dir, slots, { "users.txt": users });
}

/** Load tests book many slots per patient: no per-patient limit unless `extra` sets one. */
async function instances(
  db: string,
  dir: string,
  n: number,
  extra = ["--bookings-per-patient", "0"],
): Promise<Running[]> {
  const started = await Promise.all(
    Array.from({ length: n }, () => startServer(["--data", dir, ...dbArgs(db), "--quiet", ...extra])),
  );
  running.push(...started);
  return started;
}

function storedBookings(db: string): Map<number, string> {
  const out = cluster.pg.psql(db, "SELECT slot || ' ' || patient FROM bookings").trim();
  return new Map(
    out === "" ? [] : out.split("\n").map((l) => [Number(l.split(" ")[0]), l.split(" ")[1]!] as [number, string]),
  );
}

const freeIndexes = async (c: Client) => (await c.available()).map((l) => Number(l.split(" ")[0]));

/** Asks each instance's free list until all equal the database's (every slot not booked), within `ms`. */
async function untilViewsAgree(db: string, clients: Client[], slots: number, ms: number): Promise<number> {
  const started = Date.now();
  while (true) {
    const held = storedBookings(db);
    const expected = Array.from({ length: slots }, (_, i) => i + 1).filter((s) => !held.has(s));
    const lists = await Promise.all(clients.map(freeIndexes));
    if (lists.every((l) => JSON.stringify(l) === JSON.stringify(expected))) return Date.now() - started;
    if (Date.now() - started > ms) {
      expect(lists.map((l) => l.join(","))).toEqual(clients.map(() => expected.join(",")));
    }
  }
}

const booked = /^doc\d+ \d+/;

/** Asks /readyz until it answers `status` with `text` in the body (bounded). */
async function untilReadyz(url: string, status: number, ms: number, text = ""): Promise<void> {
  const deadline = Date.now() + ms;
  while (true) {
    const res = await fetch(url);
    const body = await res.text();
    if (res.status === status && body.includes(text)) return;
    if (Date.now() > deadline) throw new Error(`/readyz still answers ${res.status} ${body}, not ${status} ${text}`);
    await Bun.sleep(50);
  }
}

describe("several servers on one PostgreSQL", () => {
  pgTest(
    "two instances, 200 patients racing for one slot: exactly one winner, and both free lists agree within a second",
    async () => {
      const db = freshDatabase();
      const [a, b] = await instances(db, await data(200, 10), 2); // started together on an empty database: one migration
      expect(cluster.pg.psql(db, "SELECT version FROM appointments_schema").trim()).toBe(String(schema_version));
      const patients = await Promise.all(
        Array.from({ length: 200 }, (_, i) => login(i % 2 ? b!.port : a!.port, `p${i + 1}`, `pw${i + 1}`)),
      );
      for (const c of patients) c.write("selection 1\n");
      const replies = await Promise.all(patients.map((c) => c.line()));
      expect(replies.filter((r) => booked.test(r ?? "")).length).toBe(1);
      expect(replies.filter((r) => r === "notavailable").length).toBe(199);
      const winner = replies.findIndex((r) => booked.test(r ?? ""));
      expect([...storedBookings(db)]).toEqual([[1, `p${winner + 1}`]]);

      // A booking on one instance leaves the other's free list within a second.
      const [onA, onB] = [patients[0]!, patients[1]!];
      expect(await onA.request("selection 7")).toMatch(booked);
      const ms = await untilViewsAgree(db, [onA, onB], 10, 1_000);
      expect(ms).toBeLessThan(1_000);
      for (const c of patients) c.close();
    },
    30_000,
  );

  pgTest(
    "kill -9 of one instance during a booking load: every confirmed booking is stored, the other keeps serving",
    async () => {
      const db = freshDatabase();
      const [a, b] = await instances(db, await data(120, 240), 2);
      const patients = await Promise.all(
        Array.from({ length: 120 }, (_, i) => login(i < 60 ? a!.port : b!.port, `p${i + 1}`, `pw${i + 1}`)),
      );
      const confirmed: [number, string][] = [];
      let confirmedOnA = 0;
      let killed: (() => void) | undefined;
      const killedA = new Promise<void>((resolve) => (killed = resolve));
      // Each patient books its two slots one after the other; A is killed after its 20th confirmation.
      const book = async (i: number) => {
        for (const slot of [2 * i + 1, 2 * i + 2]) {
          const reply = await patients[i]!.request(`selection ${slot}`).catch(() => undefined);
          if (reply === undefined) return; // A died with this request unanswered
          expect(reply).toMatch(booked);
          confirmed.push([slot, `p${i + 1}`]);
          if (i < 60 && ++confirmedOnA === 20) {
            a!.proc.kill("SIGKILL");
            killed!();
          }
        }
      };
      await Promise.all([...patients.keys()].map(book));
      await killedA;
      expect(await a!.proc.exited).not.toBe(0);
      const stored = storedBookings(db);
      for (const [slot, patient] of confirmed) expect(stored.get(slot)).toBe(patient);
      expect(confirmed.filter(([slot]) => slot > 120).length).toBe(120); // all of B's patients were served

      // B still serves: a new login, a booking, and a free list that shows what A committed before dying.
      const late = await login(b!.port, "p1", "pw1");
      expect(await late.request("selection 240")).toBe("notavailable");
      await untilViewsAgree(db, [late], 240, 1_000);
      for (const c of patients) c.close();
      late.close();
    },
    30_000,
  );

  pgTest(
    "PostgreSQL restarted during a booking load: no confirmation without a stored row, and service recovers without restarting the servers",
    async () => {
      const db = freshDatabase();
      const slots = 2_000;
      const [a, b] = await instances(db, await data(40, slots), 2, [
        "--bookings-per-patient",
        "0",
        "--http",
        "127.0.0.1:0",
      ]);
      const readyz = `http://127.0.0.1:${(await a!.stdout.waitFor(/Staff page: http:\/\/127\.0\.0\.1:(\d+)\//))[1]}/readyz`;
      const patients = await Promise.all(
        Array.from({ length: 40 }, (_, i) => login(i % 2 ? b!.port : a!.port, `p${i + 1}`, `pw${i + 1}`)),
      );
      const confirmed: [number, string][] = [];
      const errors: string[] = [];
      let restarted = false;
      let confirmedAfterRestart = 0;
      const deadline = Date.now() + 20_000;
      // Patient i books slots i+1, i+41, i+81, ... until the restart is over and it has booked again since.
      const load = async (i: number) => {
        let bookedSince = false;
        for (let slot = i + 1; slot <= slots && !bookedSince && Date.now() < deadline; slot += 40) {
          const reply = await patients[i]!.request(`selection ${slot}`);
          if (reply !== undefined && booked.test(reply)) {
            confirmed.push([slot, `p${i + 1}`]);
            if (restarted) bookedSince = true;
            if (restarted) confirmedAfterRestart++;
          } else errors.push(reply ?? "(closed)");
          await Bun.sleep(restarted ? 0 : 5); // pace the load so it spans the restart
        }
      };
      const loads = Promise.all([...patients.keys()].map(load));
      await Bun.sleep(200);
      cluster.pg.stopServer();
      let during: Client;
      try {
        // Down: logins and `available` answer from memory; a booking gets a clear error; /readyz says why.
        during = await login(a!.port, "p1", "pw1");
        expect((await during.available()).length).toBeGreaterThan(0);
        expect(await during.request(`selection ${slots}`)).toBe("error booking could not be saved, try again");
        await untilReadyz(readyz, 503, 3_000, `PostgreSQL at 127.0.0.1:${cluster.pg.port}/${db} does not answer`);
      } finally {
        cluster.pg.startServer(); // even when a check above failed: the tests after this one need it
        restarted = true;
      }
      await loads;

      expect(errors.length).toBeGreaterThan(0);
      // Refused before it was sent, or sent on a connection the restart cut: the reply says which.
      const honest = ["error booking could not be saved, try again", "error booking outcome unknown, see mine"];
      for (const e of new Set(errors)) expect(honest).toContain(e);
      expect(confirmedAfterRestart).toBe(40);
      const stored = storedBookings(db);
      for (const [slot, patient] of confirmed) expect(stored.get(slot)).toBe(patient);
      await untilViewsAgree(db, [during, patients[1]!], slots, 10_000);
      await untilReadyz(readyz, 200, 3_000);
      // Right after the restart too, a booking on one instance shows on the other within a second.
      expect(await patients[1]!.request(`selection ${slots - 1}`)).toMatch(booked);
      expect(await untilViewsAgree(db, [during, patients[1]!], slots, 1_000)).toBeLessThan(1_000);
      for (const c of [...patients, during]) c.close();
    },
    30_000,
  );

  pgTest(
    "PostgreSQL that stops answering (SIGSTOP): a booking gets an error within the commit timeout, the server keeps answering, and resumes with it",
    async () => {
      const db = freshDatabase();
      const [a] = await instances(db, await data(2, 20), 1);
      const c = await login(a!.port, "p1", "pw1");
      expect(await c.request("selection 1")).toMatch(booked);
      const pids = cluster.pg.serverPids();
      for (const pid of pids) process.kill(pid, "SIGSTOP");
      try {
        const started = Date.now();
        c.write("selection 2\n");
        const other = await login(a!.port, "p2", "pw2"); // logins and the free list answer meanwhile
        expect((await other.available()).length).toBe(18);
        expect(await c.line(15_000)).toBe("error booking outcome unknown, see mine");
        expect(Date.now() - started).toBeLessThan(10_000); // before the patient's own 10 s reply timeout
        other.close();
      } finally {
        for (const pid of pids) process.kill(pid, "SIGCONT");
      }
      // Back: the stuck transaction may have landed after all; the view follows the database either way.
      expect(await c.request("selection 3")).toMatch(booked);
      await untilViewsAgree(db, [c], 20, 5_000);
      c.close();
    },
    30_000,
  );

  pgTest(
    "the seed cases pass against a Postgres-backed server",
    async () => {
      const db = freshDatabase();
      const system = await startSystem(dbArgs(db));
      try {
        const server = `127.0.0.1:${system.server.port}`;
        const case1 = await runPatient(["patient1", "--server", server], "2\n");
        expect(case1.code).toBe(0);
        expect(case1.stdout).toContain(
          `Phase3: Patient1 receive $ 40 estimation cost from doctor with port number ${system.doc2.port}`,
        );
        const case2 = await runPatient(["patient1", "--server", server], "8\n");
        expect(case2.code).toBe(2);
        expect(case2.stdout).toContain("1 Tue 01pm\n3 Thu 02pm\n4 Wed 10am\n5 Sat 12pm\n6 Fri 04pm\n");
        const case3 = await runPatient(["patient2", "--server", server], "3\n");
        expect(case3.code).toBe(0);
        expect(case3.stdout).toMatch(/Cost\s+20/);
        const case4 = await runPatient(["patient2", "--server", server], "3\n");
        expect(case4.code).toBe(1);
        expect(case4.stdout).toContain("The requested appointment from Patient2 is not available.----->Exiting");
        expect([...storedBookings(db)].sort()).toEqual([
          [2, "patient1"],
          [3, "patient2"],
        ]);
      } finally {
        await system.stop();
      }
    },
    30_000,
  );
  pgTest(
    "cancellations, moves and the per-patient limit across two instances: one transaction each, the limit held together",
    async () => {
      const db = freshDatabase();
      const [a, b] = await instances(db, await data(2, 40), 2, ["--bookings-per-patient", "3"]);
      const onA = await Promise.all(Array.from({ length: 10 }, () => login(a!.port, "p1", "pw1")));
      const onB = await Promise.all(Array.from({ length: 10 }, () => login(b!.port, "p1", "pw1")));
      const all = [...onA, ...onB];
      for (const [i, c] of all.entries()) c.write(`selection ${i + 1}\n`);
      const replies = await Promise.all(all.map((c) => c.line()));
      const won = all.map((_, i) => i + 1).filter((_, i) => /^doc\d \d+$/.test(replies[i] ?? ""));
      expect(won.length).toBeLessThanOrEqual(3);
      expect(replies.filter((r) => /^error booking limit reached: \d held$/.test(r ?? "")).length).toBe(
        20 - won.length,
      );
      expect([...storedBookings(db).keys()].sort((x, y) => x - y)).toEqual(won);
      const [first] = won;
      const c = onA[0]!;
      await untilViewsAgree(db, [c, onB[0]!], 40, 1_000); // A may have booked some on B: both know
      expect(await c.request(`reschedule ${first} 30`)).toMatch(/^doc\d \d+$/);
      expect(await c.request(`cancel ${first}`)).toBe("notyours");
      expect(await c.request("cancel 30")).toBe("cancelled");
      const other = await login(b!.port, "p2", "pw2");
      expect(await other.request("selection 31")).toMatch(/^doc\d \d+$/);
      expect(await c.request(`reschedule ${won[1] ?? first} 31`)).toBe("notavailable");
      const stored = storedBookings(db);
      expect(stored.has(30)).toBe(false);
      expect(stored.get(31)).toBe("p2");
      expect(stored.size).toBe(won.length);
      // The move and the cancellation on A show on B within a second, as B's booking does on A.
      await untilViewsAgree(db, [c, other], 40, 1_000);
      for (const x of [...all, other]) x.close();
    },
    30_000,
  );
});

describe("start-up and settings", () => {
  pgTest("with PostgreSQL down, start-up waits --db-wait seconds and exits 3 naming the address", async () => {
    const port = freeTcpPort();
    const r = await runToEnd([
      bun,
      "roles/healthcenterserver.ts",
      "--port",
      "0",
      "--db",
      `postgres://appt@127.0.0.1:${port}/nowhere`,
      "--db-wait",
      "1",
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`cannot reach PostgreSQL at 127.0.0.1:${port}/nowhere`);
    expect(r.ms).toBeLessThan(10_000);
  });

  pgTest(
    "a password in the URL is refused (exit 2); a wrong one in the file, or a missing database, is a clear error (exit 2)",
    async () => {
      const inUrl = await runToEnd([
        bun,
        "roles/healthcenterserver.ts",
        "--port",
        "0",
        "--db",
        `postgres://appt:secret@127.0.0.1:${cluster.pg.port}/postgres`,
      ]);
      expect(inUrl.code).toBe(2);
      expect(inUrl.stderr).toContain("use --db-password-file FILE or PGPASSWORD");
      const wrong = join(tmp.dir, "wrong-password");
      await Bun.write(wrong, "not-it\n");
      const r = await runToEnd([
        bun,
        "roles/healthcenterserver.ts",
        "--port",
        "0",
        "--db",
        cluster.pg.url("postgres"),
        "--db-password-file",
        wrong,
      ]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`127.0.0.1:${cluster.pg.port}/postgres`);
      expect(r.stderr).toContain("password authentication failed");
      const missing = await runToEnd([bun, "roles/healthcenterserver.ts", "--port", "0", ...dbArgs("nosuchdb")]);
      expect(missing.code).toBe(2);
      expect(missing.stderr).toContain(
        `127.0.0.1:${cluster.pg.port}/nosuchdb: cannot be used as the booking database (database "nosuchdb" does not exist)`,
      );
    },
  );

  pgTest(
    "a database whose schema is newer than the program is refused at start-up (exit 2), and left alone",
    async () => {
      const db = freshDatabase();
      cluster.pg.psql(
        db,
        "CREATE TABLE appointments_schema (version integer NOT NULL); INSERT INTO appointments_schema VALUES (99)",
      );
      const r = await runToEnd([bun, "roles/healthcenterserver.ts", "--port", "0", ...dbArgs(db)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`has schema version 99, newer than this program's ${schema_version}`);
      expect(cluster.pg.psql(db, "SELECT version FROM appointments_schema").trim()).toBe("99");
      expect(cluster.pg.psql(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'bookings'").trim()).toBe("0");
    },
  );

  pgTest(
    "a version-1 database with bookings is migrated to the calendar's schema at start-up: the bookings stay booked",
    async () => {
      expect(schema_version).toBeGreaterThan(1);
      const db = freshDatabase();
      // Version 1 exactly as the first release created it, with two patients' bookings.
      cluster.pg.psql(
        db,
        "CREATE TABLE appointments_schema (version integer NOT NULL); INSERT INTO appointments_schema VALUES (1);" +
          "CREATE TABLE bookings (slot integer PRIMARY KEY, patient text NOT NULL," +
          " booked_at timestamptz NOT NULL DEFAULT now());" +
          "CREATE INDEX bookings_by_patient ON bookings (patient);" +
          "INSERT INTO bookings (slot, patient) VALUES (2, 'p1'), (5, 'p2');",
      );
      const [a] = await instances(db, await data(2, 6), 1, []);
      expect(cluster.pg.psql(db, "SELECT version FROM appointments_schema").trim()).toBe(String(schema_version));
      expect(cluster.pg.psql(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'calendar_rules'").trim()).toBe("1");
      expect([...storedBookings(db)].sort()).toEqual([
        [2, "p1"],
        [5, "p2"],
      ]);
      const c = await login(a!.port, "p1", "pw1");
      expect(await freeIndexes(c)).toEqual([1, 3, 4, 6]);
      expect(await c.request("mine")).toMatch(/^2 /);
      expect(await c.line()).toBe("");
      expect(await c.request("selection 5")).toBe("notavailable");
      expect(await c.request("cancel 2")).toBe("cancelled");
      expect(storedBookings(db).has(2)).toBe(false);
      c.close();
    },
  );

  pgTest(
    "a database where another program already has a bookings table is refused (exit 2), and left alone",
    async () => {
      const db = freshDatabase();
      cluster.pg.psql(db, "CREATE TABLE bookings (id integer PRIMARY KEY, title text)");
      const r = await runToEnd([bun, "roles/healthcenterserver.ts", "--port", "0", ...dbArgs(db)]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`127.0.0.1:${cluster.pg.port}/${db}: cannot be used as the booking database`);
      expect(cluster.pg.psql(db, "SELECT count(*) FROM pg_tables WHERE tablename = 'appointments_schema'").trim()).toBe(
        "0",
      );
    },
  );

  pgTest("PGPASSWORD and the deployment file's [server] db select PostgreSQL too", async () => {
    const db = freshDatabase();
    const config = join(tmp.dir, "deploy.toml");
    await Bun.write(config, `[server]\ndb = "${cluster.pg.url(db)}"\n`);
    const proc = Bun.spawn(
      [bun, "roles/healthcenterserver.ts", "--host", "127.0.0.1", "--port", "0", "--config", config],
      {
        cwd: root,
        env: { ...child_env, PGPASSWORD: (await Bun.file(cluster.pg.passwordFile).text()).trim() },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    const out = new Output(proc.stdout);
    try {
      const port = Number((await out.waitFor(/has port number: (\d+)/))[1]);
      await out.waitFor(new RegExp(`booked in PostgreSQL at 127\\.0\\.0\\.1:${cluster.pg.port}/${db}`));
      const c = await login(port);
      expect(await c.request("selection 5")).toMatch(booked);
      expect(storedBookings(db).get(5)).toBe("patient1");
      c.close();
    } finally {
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    }
  });
});
