// An appointment's history on the staff page (GET /api/history) tells that appointment's story, over
// real TCP bookings and HTTP: a slot cancelled and booked again, or moved away from and booked again,
// shows the new appointment's records only (the earlier ones stay in the trail and its export), and a
// move into a slot that an earlier appointment had also been moved into follows the new one's move.
// The running server keeps the history's index by subject after the commits (audit/subject-indexer.ts).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { within } from "./calendar-helpers.ts";
import { login } from "./helpers.ts";
import { signIn } from "./staff-helpers.ts";
import { startVisitServer, type VisitServer } from "./visit-helpers.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { append_only_triggers } from "../roles/healthcenterserver/store/sqlite/sqlite-audit.ts";

const minute = 60_000;
let s: VisitServer;
let desk = "";
beforeAll(async () => {
  s = await startVisitServer();
  desk = await signIn(s.base, "desk", "desk-password-1");
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

/** Each line sent in one session of the patient, each answer checked to start with `expected`. */
async function as(patient: string, password: string, steps: [string, string][]) {
  const c = await login(s.server.port, patient, password);
  try {
    for (const [line, expected] of steps) expect(await c.request(line)).toStartWith(expected);
  } finally {
    c.close();
  }
}

const story = async (slot: number) => {
  const res = await fetch(`${s.base}/api/history?slot=${slot}`, { headers: { Cookie: desk } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { lines: string[] }).lines.map((l) => l.replace(/ via .*?(?= from slot|$)/, ""));
};

test("a slot cancelled and booked again: the history is the new appointment's", async () => {
  const x = slotId(1, s.at.E!.startMs + 2 * 60 * minute);
  await as("patient1", "password111", [
    [`selection ${x}`, "doc1 "],
    [`cancel ${x}`, ""],
  ]);
  await as("patient3", "password333", [[`selection ${x}`, "doc1 "]]);
  expect(await story(x)).toEqual(["booked by patient3 (patient)"]);
});

test("a slot moved away from and booked again, then moved into: the story follows the last appointment", async () => {
  const t = s.at.E!.startMs + 4 * 60 * minute;
  const at = (quarters: number) => slotId(1, t + quarters * 15 * minute);
  const [a, b, x, y] = [at(0), at(1), at(2), at(3)];
  // patient1: booked at a, moved into x, then away to y. patient3: booked at b, moved into x.
  await as("patient1", "password111", [
    [`selection ${a}`, "doc1 "],
    [`reschedule ${a} ${x}`, "doc1 "],
    [`reschedule ${x} ${y}`, "doc1 "],
  ]);
  await as("patient3", "password333", [
    [`selection ${b}`, "doc1 "],
    [`reschedule ${b} ${x}`, "doc1 "],
  ]);
  expect(await story(x)).toEqual([
    "booked by patient3 (patient)",
    `moved by patient3 (patient) from slot ${b} to slot ${x}`,
  ]);
});

test("a move's record whose before was changed by hand into no JSON: the history answers, the slot it came from unknown", async () => {
  const t = s.at.E!.startMs + 6 * 60 * minute;
  const [a, z] = [slotId(1, t), slotId(1, t + 15 * minute)];
  await as("patient1", "password111", [
    [`selection ${a}`, "doc1 "],
    [`reschedule ${a} ${z}`, "doc1 "],
  ]);
  s.target.exec(
    "DROP TRIGGER audit_no_update; " +
      `UPDATE audit SET before = 'not json' WHERE action = 'booking.moved' AND subject = 'slot ${z}'; ` +
      append_only_triggers()[0],
  );
  expect(await story(z)).toEqual([`moved by patient1 (patient) from slot ? to slot ${z}`]);
});

test("the running server indexes every record by subject after its commit: the index's cursor reaches the trail's end", async () => {
  const read = () => {
    const db = new Database(s.db, { readonly: true });
    try {
      const q = (sql: string) => Number((db.prepare(sql).get() as { n: number | null }).n ?? 0);
      const cursor = q("SELECT seq AS n FROM audit_followers WHERE name = 'subjects'");
      const missing = q(
        "SELECT count(*) AS n FROM audit a WHERE NOT EXISTS (SELECT 1 FROM audit_subjects i WHERE i.seq = a.seq)",
      );
      return { cursor, last: q("SELECT max(seq) AS n FROM audit"), missing };
    } finally {
      db.close();
    }
  };
  await as("patient2", "password222", [[`selection ${slotId(2, s.at.E!.startMs + 6 * 60 * minute)}`, "doc2 "]]);
  expect(read().last).toBeGreaterThan(0);
  await within(2_000, async () => {
    const now = read();
    return now.cursor === now.last && now.missing === 0;
  });
});
