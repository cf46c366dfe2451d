// A booking reserved under the old rules whose commit comes only after the server has followed an edit that
// removed its slot is refused: the version its transaction reads is the server's by then, but the slot is no
// longer offered (the server keeps it, held, outside availability). Before, it was stored where the doctor no
// longer works, unseen by the edit's check. The commit is held back by another transaction holding the
// doctor's lock (taken after the rules' lock). SQLite has no such moment: the server's write waits for the
// lock in SQLite's busy handler, its thread (and so its poll of the rules) waiting with it.
import { SQL, type TransactionSQL } from "bun";
import { expect } from "bun:test";
import { login, startServer, tempDir, type Client } from "./helpers.ts";
import { postgresForFile } from "./pg-file.ts";
import { pg_password } from "./pg-helpers.ts";
import { availability, firstAndFollowup, listing, localDate, localStart, within, zone } from "./calendar-helpers.ts";
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

type Pg = typeof cluster.pg;

/**
 * Books `slot` while `edit` runs in a transaction of its own under the rules' lock (as applyEdit's) and
 * another holds the doctor's lock: the booking's batch waits for the edit, then for the doctor, while the
 * server follows the committed edit (`followed`). Its reply once the doctor's lock is let go.
 */
async function bookAcrossEdit(
  pg: Pg,
  name: string,
  booker: Client,
  slot: number,
  edit: (tx: TransactionSQL) => Promise<unknown>,
  followed: () => Promise<boolean>,
): Promise<string | undefined> {
  // This database's advisory locks (pg_locks shows the whole cluster's).
  const advisory =
    "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' " +
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())";
  const waiting = (lockClass: number) =>
    pg.psql(name, `${advisory} AND classid = ${lockClass} AND NOT granted`).trim() === "1";
  const [editor, other] = [1, 2].map(() => new SQL({ url: pg.url(name), password: pg_password, max: 1 }));
  let [commitEdit, endOther] = [() => {}, () => {}];
  const editing = editor!.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${rules_lock_class}, 0)`;
    await edit(tx);
    await tx`UPDATE calendar_state SET version = version + 1`;
    await new Promise<void>((resolve) => (commitEdit = resolve));
  });
  const holding = other!.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(${doctor_lock_class}, ${decodeSlotId(slot).doctorNumber})`;
    await new Promise<void>((resolve) => (endOther = resolve));
  });
  await within(500, async () => pg.psql(name, advisory).trim() === "2");
  let replied: string | undefined;
  const booking = booker.request(`selection ${slot}`).then((r) => (replied = r ?? "closed"));
  await within(500, async () => waiting(rules_lock_class)); // the batch waits for the edit
  commitEdit();
  await editing;
  await within(500, async () => waiting(doctor_lock_class)); // then for the doctor's lock
  await within(500, followed); // meanwhile the server follows the edit
  expect(replied).toBeUndefined();
  endOther();
  await holding;
  await booking;
  for (const s of [editor!, other!]) await s.close();
  return replied;
}

cluster.pgTest(
  "PostgreSQL: a booking that reads the rules' version after the server followed the edit is refused",
  async () => {
    const pg = cluster.pg;
    pg.createDatabase("followed");
    const db = ["--db", pg.url("followed"), "--db-password-file", pg.passwordFile];
    const { ruleId, booker, looker, first, doctor } = await calendar(db);
    const removeRule = (tx: TransactionSQL) => tx`DELETE FROM calendar_rules WHERE id = ${Number(ruleId)}`;
    const followed = async () => (await morning(looker)) === 0;
    expect(await bookAcrossEdit(pg, "followed", booker, first, removeRule, followed)).toBe("notavailable");
    expect(pg.psql("followed", `SELECT count(*) FROM appointments WHERE doctor = ${doctor}`).trim()).toBe("0");
    expect(await morning(looker)).toBe(0); // the refused slot, no longer offered, is not listed free
    booker.close();
    looker.close();
  },
  60_000,
);

cluster.pgTest(
  "PostgreSQL: a typed booking whose type no longer starts at its slot once the server followed the edit is refused",
  async () => {
    const pg = cluster.pg;
    pg.createDatabase("typed_followed");
    const db = ["--db", pg.url("typed_followed"), "--db-password-file", pg.passwordFile];
    await firstAndFollowup(db);
    const server = await startServer([...db, "--time-zone", zone]);
    running.push(server);
    const [booker, looker] = [await login(server.port), await login(server.port)];
    const firsts = () => listing(looker, `slots from=${day} to=${day} type=first`);
    const [, second] = await firsts();
    expect(second).toContain(`${day}T09:30`); // first starts at 09:00, 09:30, ...
    // 20 minutes: first starts at 09:00, 09:20, 09:40, ..., no longer at 09:30 (`types add` refuses it so).
    const longer = (tx: TransactionSQL) => tx`UPDATE calendar_types SET minutes = 20 WHERE name = 'first'`;
    const followed = async () => (await firsts()).some((l) => l.includes(`${day}T10:20`));
    const slot = Number(second!.split(" ")[0]);
    expect(await bookAcrossEdit(pg, "typed_followed", booker, slot, longer, followed)).toBe("notavailable");
    expect(pg.psql("typed_followed", "SELECT count(*) FROM appointments").trim()).toBe("0");
    booker.close();
    looker.close();
  },
  60_000,
);
