// A calendar shared by two servers on one real PostgreSQL (a throwaway cluster): the same slot ids
// on both, one winner when both book one slot, a booking on one not offered by the other, and a rule
// added with the CLI showing on both within a second.
import { expect } from "bun:test";
import { login, startServer } from "./helpers.ts";
import { postgresForFile } from "./pg-file.ts";
import { availability, listing, localDate, localStart, rule_doc1, within, zone } from "./calendar-helpers.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";

const cluster = postgresForFile();
const { pgTest, running } = cluster;

pgTest(
  "two servers on one PostgreSQL share the calendar: same ids, one winner, bookings and rule changes followed",
  async () => {
    cluster.pg.createDatabase("cal");
    const db = ["--db", cluster.pg.url("cal"), "--db-password-file", cluster.pg.passwordFile];
    expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
    const [a, b] = await Promise.all([0, 1].map(() => startServer([...db, "--time-zone", zone])));
    running.push(a!, b!);
    const day = localDate(1);
    const ca = await login(a!.port);
    const cb = await login(b!.port, "patient2", "password222");
    const pageA = await listing(ca, `slots from=${day} to=${day}`);
    expect(pageA).toHaveLength(32);
    expect(await listing(cb, `slots from=${day} to=${day}`)).toEqual(pageA);
    const first = localStart(day, "09:00");
    expect(pageA[0]).toBe(`${slotId(1, first.ms)} ${first.iso} 15 doc1 41000`);

    // Both book the same slot at once: one winner.
    const id = pageA[0]!.split(" ")[0]!;
    const replies = await Promise.all([ca.request(`selection ${id}`), cb.request(`selection ${id}`)]);
    expect(replies.sort()).toEqual(["doc1 41000", "notavailable"]);
    const rows = cluster.pg.psql("cal", "SELECT patient || ' ' || start_ms || ' ' || minutes FROM appointments").trim();
    expect(rows.split("\n")).toHaveLength(1);
    expect(rows).toMatch(new RegExp(`^patient[12] ${first.ms} 15$`));

    // A booking on A is no longer offered by B.
    const second = pageA[1]!.split(" ")[0]!;
    expect(await ca.request(`selection ${second}`)).toMatch(/^doc1 41000$|^error booking limit/);
    const took = await within(
      100,
      async () => !(await listing(cb, `slots from=${day} to=${day}`)).join().includes(second),
    );
    expect(took).toBeLessThan(1000);

    // A rule added with the CLI shows on both servers within a second.
    const add = await availability(
      db,
      ...[
        "add",
        "doc2",
        "--days",
        "mon-sun",
        "--start",
        "10:00",
        "--end",
        "11:00",
        "--minutes",
        "20",
        "--port",
        "42000",
      ],
    );
    expect(add.code).toBe(0);
    for (const c of [ca, cb])
      expect(await within(100, async () => (await listing(c, "slots doctor=doc2 limit=1")).length === 1)).toBeLessThan(
        1000,
      );
    ca.close();
    cb.close();
  },
  60_000,
);

pgTest(
  "the clinic's rules on PostgreSQL: each server refuses in the transaction, with the same line",
  async () => {
    cluster.pg.createDatabase("cal_rules");
    const db = ["--db", cluster.pg.url("cal_rules"), "--db-password-file", cluster.pg.passwordFile];
    expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
    const held = localStart(localDate(1), "09:15");
    cluster.pg.psql(
      "cal_rules",
      `INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at) VALUES (1, ${held.ms}, 15, 'patient1', 0)`,
    );
    const rules = ["--min-notice", "3d", "--cancel-cutoff", "3d"];
    const [a, b] = await Promise.all([0, 1].map(() => startServer([...db, "--time-zone", zone, ...rules])));
    running.push(a!, b!);
    const soon = localStart(localDate(1), "09:00");
    const short = (ms: number) => {
      const z = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
      const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
      const day = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"][z.dayOfWeek - 1];
      return `${day} ${z.day} ${months[z.month - 1]}, ${z.toPlainDateTime().toString().slice(11, 16)}`;
    };
    for (const server of [a!, b!]) {
      const c = await login(server.port);
      expect(await c.request(`selection ${slotId(1, soon.ms)}`)).toBe(
        `error too soon to book: the clinic takes bookings until 3 days before (${short(soon.ms - 3 * 86_400_000)})`,
      );
      expect(await c.request(`cancel ${slotId(1, held.ms)}`)).toBe(
        `error too late to cancel: the clinic allows cancelling until 3 days before (${short(held.ms - 3 * 86_400_000)})`,
      );
      c.close();
    }
    const rows = cluster.pg.psql("cal_rules", "SELECT patient || ' ' || start_ms FROM appointments").trim();
    expect(rows).toBe(`patient1 ${held.ms}`);
  },
  60_000,
);
