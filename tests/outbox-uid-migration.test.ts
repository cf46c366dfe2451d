// The appointment's uid and sequence live on its row (appointments.uid, .seq), so no index of the outbox
// by slot is written per booking: a file made before that gets them copied from its outbox when opened,
// and its next move and cancellation keep the appointment's uid and raise the sequence.
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { tempDir } from "./helpers.ts";
import { calendar, london } from "./notify-helpers.ts";
import { withdraw_sql } from "../roles/healthcenterserver/notify/outbox-plan.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const indexes = (db: Database) =>
  (
    db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'outbox'").all() as {
      name: string;
    }[]
  )
    .map((r) => r.name)
    .sort();

test("a file from before appointments.uid gets each appointment's uid from its outbox; a move and a cancellation keep it", async () => {
  const path = join(tmp.dir, "older.db");
  const start = Temporal.Now.plainDateISO(london)
    .add({ days: 3 })
    .toZonedDateTime({ timeZone: london, plainTime: "10:00" }).epochMilliseconds;
  const [a, b, c] = [slotId(1, start), slotId(1, start + 15 * 60_000), slotId(1, start + 60 * 60_000)];
  const before = await calendar(path, undefined, ["webhook"]);
  expect(
    await before.store.commit([
      { kind: "book", index: a, patient: "patient1" },
      { kind: "book", index: c, patient: "patient2" },
    ]),
  ).toEqual([{ kind: "done" }, { kind: "done" }]);
  expect(await before.store.commit([{ kind: "move", from: a, to: b, patient: "patient1" }])).toEqual([
    { kind: "done" },
  ]);
  const booked = await before.rows();
  const [uid1, uid2] = ["patient1", "patient2"].map((p) =>
    String(booked.find((r) => (r as { patient?: string }).patient === p)!.uid),
  );
  expect(uid1).not.toBe(uid2);
  await before.close();

  // Made into the older layout: no uid or seq on appointments, and the outbox's index by slot.
  const raw = new Database(path);
  raw.run("CREATE INDEX outbox_by_slot ON outbox (doctor, start_ms)");
  raw.run("ALTER TABLE appointments DROP COLUMN uid");
  raw.run("ALTER TABLE appointments DROP COLUMN seq");
  raw.close();

  const after = await calendar(path, undefined, ["webhook"]);
  const stored = await after.db.all("SELECT patient, uid, seq FROM appointments ORDER BY patient");
  expect(stored.map((r) => `${r.patient} ${r.uid} ${r.seq}`)).toEqual([`patient1 ${uid1} 1`, `patient2 ${uid2} 0`]);
  const check = new Database(path, { readonly: true });
  expect(indexes(check)).toEqual(["outbox_due", "outbox_pending_reminders"]);
  check.close();
  expect(await after.store.commit([{ kind: "move", from: b, to: a, patient: "patient1" }])).toEqual([{ kind: "done" }]);
  expect(await after.store.commit([{ kind: "cancel", index: c, patient: "patient2" }])).toEqual([{ kind: "done" }]);
  const later = (await after.rows()).slice(booked.length);
  expect(later.map((r) => `${r.kind} ${r.seq} ${r.uid}`)).toEqual([
    `moved 2 ${uid1}`,
    `reminder 2 ${uid1}`,
    `cancelled 1 ${uid2}`,
  ]);
  // Every reminder but the last move's is withdrawn: each found by the uid the appointment's row kept.
  const withdrawn = (await after.rows()).filter((r) => r.state === "withdrawn");
  expect(withdrawn.map((r) => `${r.kind} ${r.seq} ${r.uid}`).sort()).toEqual(
    [`reminder 0 ${uid1}`, `reminder 1 ${uid1}`, `reminder 0 ${uid2}`].sort(),
  );
  await after.close();
});

test("a move or cancellation finds the pending reminder it withdraws by index, not by reading every message", async () => {
  const path = join(tmp.dir, "plan.db");
  const store = await calendar(path, undefined, ["webhook"]);
  await store.close();
  const db = new Database(path, { readonly: true });
  const plan = db.prepare(`EXPLAIN QUERY PLAN ${withdraw_sql}`).all("some-uid") as { detail: string }[];
  db.close();
  expect(plan.map((p) => p.detail).join("\n")).toContain("USING INDEX outbox_pending_reminders (uid=?)");
});
