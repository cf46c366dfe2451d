// A booking reserved under the old rules whose commit comes only after the server has followed an edit that
// removed its slot is refused: the version its transaction reads is the server's by then, but the slot is no
// longer offered (the server keeps it, held, outside availability). Before, it was stored where the doctor no
// longer works, unseen by the edit's check. The commit is held back by another transaction holding the
// doctor's lock (taken after the rules' lock). SQLite has no such moment: the server's write waits for the
// lock in SQLite's busy handler, its thread (and so its poll of the rules) waiting with it.
import { SQL } from "bun";
import { expect } from "bun:test";
import { login, startServer, tempDir, type Client } from "./helpers.ts";
import { postgresForFile } from "./pg-file.ts";
import { pg_password } from "./pg-helpers.ts";
import { availability, listing, localDate, localStart, within, zone } from "./calendar-helpers.ts";
import { decodeSlotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { doctor_lock_class, rules_lock_class } from "../roles/healthcenterserver/store/postgres/pg-doctor-locks.ts";

const tmp = tempDir();
const cluster = postgresForFile(() => tmp.cleanup());
const running = cluster.running;
const day = localDate(2);

/** doc2's afternoons keep the calendar going; doc1 works one morning (rule id returned); a server on it. */
async function calendar(db: string[]) {
  const keep = ["add", "doc2", "--days", "mon-sun", "--start", "13:00", "--end", "14:00", "--minutes", "15"];
  expect((await availability(db, ...keep, "--port", "41001")).code).toBe(0);
  const morning = ["add", "doc1", "--valid-from", day, "--valid-until", day, "--days", "mon-sun", "--port", "41000"];
  expect((await availability(db, ...morning, "--start", "09:00", "--end", "10:00", "--minutes", "15")).code).toBe(0);
  const ruleId = /^ {2}r(\d+) {2}doc1 mon-sun 09:00/m.exec((await availability(db, "list")).stdout)![1]!;
  const server = await startServer([...db, "--time-zone", zone, "--bookings-per-patient", "0"]);
  running.push(server);
  const [booker, looker] = [await login(server.port), await login(server.port)];
  const slots = await listing(looker, `slots from=${day} to=${day} doctor=doc1`);
  expect(slots.length).toBe(4);
  const first = Number(slots[0]!.split(" ")[0]);
  expect(slots[0]).toContain(localStart(day, "09:00").iso);
  return { ruleId, booker, looker, first, doctor: decodeSlotId(first).doctorNumber };
}

/** doc1's free slots that day, as the server offers them now. */
const morning = async (c: Client) => (await listing(c, `slots from=${day} to=${day} doctor=doc1`)).length;

cluster.pgTest(
  "PostgreSQL: a booking that reads the rules' version after the server followed the edit is refused",
  async () => {
    const pg = cluster.pg;
    pg.createDatabase("followed");
    const db = ["--db", pg.url("followed"), "--db-password-file", pg.passwordFile];
    const { ruleId, booker, looker, first, doctor } = await calendar(db);
    const waiting = (lockClass: number) =>
      pg
        .psql(
          "followed",
          `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND classid = ${lockClass} AND NOT granted`,
        )
        .trim() === "1";
    // An edit in its transaction (the rules' lock, as applyEdit's), and another holding doc1's.
    const [edit, other] = [1, 2].map(() => new SQL({ url: pg.url("followed"), password: pg_password, max: 1 }));
    let [commitEdit, endOther] = [() => {}, () => {}];
    const editing = edit!.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${rules_lock_class}, 0)`;
      await tx`DELETE FROM calendar_rules WHERE id = ${Number(ruleId)}`;
      await tx`UPDATE calendar_state SET version = version + 1`;
      await new Promise<void>((resolve) => (commitEdit = resolve));
    });
    const holding = other!.begin(async (tx) => {
      await tx`SELECT pg_advisory_xact_lock(${doctor_lock_class}, ${doctor})`;
      await new Promise<void>((resolve) => (endOther = resolve));
    });
    await within(
      100,
      async () => pg.psql("followed", "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'").trim() === "2",
    );
    let replied: string | undefined;
    const booking = booker.request(`selection ${first}`).then((r) => (replied = r ?? "closed"));
    await within(500, async () => waiting(rules_lock_class)); // the batch waits for the edit
    commitEdit();
    await editing;
    await within(500, async () => waiting(doctor_lock_class)); // then for doc1's lock
    await within(100, async () => (await morning(looker)) === 0); // meanwhile the server follows the edit
    expect(replied).toBeUndefined();
    endOther();
    await holding;
    await booking;
    expect(replied).toBe("notavailable");
    expect(pg.psql("followed", `SELECT count(*) FROM appointments WHERE doctor = ${doctor}`).trim()).toBe("0");
    expect(await morning(looker)).toBe(0); // the refused slot, no longer offered, is not listed free
    for (const s of [edit!, other!]) await s.close();
    booker.close();
    looker.close();
  },
  60_000,
);
