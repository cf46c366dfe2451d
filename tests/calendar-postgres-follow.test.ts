// A calendar server on a shared PostgreSQL keeps following the others across a lost LISTEN connection
// (its reconnect re-reads every slot: changes it was not told of show), and a database outage writes
// a bounded number of warnings, not one per poll (the rules every 250 ms) or per notice.
import { expect } from "bun:test";
import { login, startServer, type Running } from "./helpers.ts";
import { postgresForFile } from "./pg-file.ts";
import { availability, listing, localDate, rule_doc1, within, zone } from "./calendar-helpers.ts";
import { decodeSlotId } from "../roles/healthcenterserver/calendar/slot-id.ts";

const cluster = postgresForFile();
const { pgTest, running } = cluster;

async function calendarServers(name: string, count: number): Promise<Running[]> {
  cluster.pg.createDatabase(name);
  const db = ["--db", cluster.pg.url(name), "--db-password-file", cluster.pg.passwordFile];
  expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
  const servers = await Promise.all(Array.from({ length: count }, () => startServer([...db, "--time-zone", zone])));
  running.push(...servers);
  return servers;
}

pgTest(
  "after its LISTEN connection is cut, a server re-reads the calendar: a booking and a cancellation it missed show",
  async () => {
    const [a, b] = await calendarServers("follow", 2);
    const day = localDate(1);
    const ca = await login(a!.port);
    const cb = await login(b!.port, "patient2", "password222");
    const ids = (await listing(ca, `slots from=${day} to=${day}`)).map((l) => l.split(" ")[0]!);
    const [booked, missed] = [ids[0]!, ids[2]!];
    const offeredOnA = async () => (await listing(ca, `slots from=${day} to=${day}`)).map((l) => l.split(" ")[0]!);

    // Followed by notice: B books a slot, and A stops offering it.
    expect(await cb.request(`selection ${booked}`)).toBe("doc1 41000");
    await within(100, async () => !(await offeredOnA()).includes(booked));

    // Changes A is not told of (as while its LISTEN is down): that booking cancelled, another slot booked.
    const b1 = decodeSlotId(Number(booked));
    const m = decodeSlotId(Number(missed));
    cluster.pg.psql(
      "follow",
      `DELETE FROM appointments WHERE doctor = ${b1.doctorNumber} AND start_ms = ${b1.startMs}`,
    );
    cluster.pg.psql(
      "follow",
      `INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at)
       VALUES (${m.doctorNumber}, ${m.startMs}, 15, 'patient3', 0)`,
    );
    const stale = await offeredOnA();
    expect(stale.includes(booked) || !stale.includes(missed)).toBe(false);

    // The LISTEN connections are cut; once they are back, A (and B) say what the database says.
    const cut = cluster.pg.psql(
      "follow",
      `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
       WHERE datname = 'follow' AND query ILIKE 'LISTEN%'`,
    );
    expect(Number(cut.trim())).toBe(2);
    await within(500, async () => {
      const now = await offeredOnA();
      return now.includes(booked) && !now.includes(missed);
    });
    const onA = (await offeredOnA()).join();
    await within(
      500,
      async () => (await listing(cb, `slots from=${day} to=${day}`)).map((l) => l.split(" ")[0]).join() === onA,
    );
    expect(await ca.request(`selection ${missed}`)).toBe("notavailable");
  },
  60_000,
);

pgTest(
  "a 3-second database outage writes a bounded number of warnings, and the server follows again after it",
  async () => {
    const [a] = await calendarServers("outage", 1);
    const warning = /cannot read (the availability rules|bookings|another server's bookings)/g;
    cluster.pg.stopServer();
    try {
      await Bun.sleep(3000);
    } finally {
      cluster.pg.startServer();
    }
    // Back: a booking on the server is stored again (bounded tries while its pool reconnects).
    const c = await login(a!.port);
    const ids = (await listing(c, `slots from=${localDate(1)} to=${localDate(1)}`)).map((l) => l.split(" ")[0]!);
    expect(ids).toHaveLength(32);
    await within(1000, async () => (await c.request(`selection ${ids.pop()}`)) === "doc1 41000");
    const lines = (a!.stdout.text + a!.stderr.text).match(warning) ?? [];
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(3);
    // Bun's own LISTEN retry lines go through the log (capped per second), not raw to stderr.
    expect(a!.stderr.text).not.toContain("bun:sql LISTEN");
    // And the recovery is said once.
    await within(100, async () => /availability rules can be read again/.test(a!.stdout.text + a!.stderr.text));
  },
  60_000,
);
