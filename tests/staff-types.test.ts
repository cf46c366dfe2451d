// The staff page on a calendar whose rules offer appointment types: the week shows each doctor's
// starts as a patient sees them for the chosen type (`slots type=`), a start a booked span (length
// plus buffers) meets shown as not free, live; and the front desk books a chosen type (`type=` on
// POST /api/book, the same path and answers as `selection <id> type=`).
import { Database } from "bun:sqlite";
import { afterAll, expect, test } from "bun:test";
import { login, tempDir, type Running } from "./helpers.ts";
import { listing, within } from "./calendar-helpers.ts";
import { EventReader, signIn } from "./staff-helpers.ts";
import { at, typedStaffClinic } from "./staff-types-helpers.ts";

const tmp = tempDir();
const running: Running[] = [];
afterAll(async () => {
  for (const r of running) await r.stop();
  tmp.cleanup();
});

type Snap = {
  types?: string[];
  type?: string;
  doctors: { name: string; slots: number; booked: number; blocked?: number }[];
  cells: [number, number, number, number, number, number][];
  slots: [number, number, number | string][];
};

const schedule = async (base: string, type: string, cookie?: string) => {
  const res = await fetch(`${base}/api/schedule${type ? `?type=${type}` : ""}`, {
    headers: cookie ? { Cookie: cookie } : {},
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Snap;
};
const stateOf = (snap: Snap, index: number) => snap.slots.find((s) => s[0] === index)?.[2];

test("the typed week: each doctor's free starts are what slots type= lists, starts a booked span meets are not free, live; the desk books a chosen type", async () => {
  const { server, base, db } = await typedStaffClinic(tmp.dir, "week");
  running.push(server);
  const c = await login(server.port);
  const c2 = await login(server.port, "patient2", "password222");
  expect(await c.request(`selection ${at(1, "09:15")} type=followup`)).toBe("doc1 41000");
  expect(await c2.request(`selection ${at(1, "10:00")}`)).toBe("doc1 41000");
  const live = await EventReader.open(`${base}/api/events?type=followup`);
  expect((await live.next()).event).toBe("snapshot");

  // The desk books a type: unknown ones refused in one line naming the nearest, nothing booked.
  const alice = await signIn(base, "alice", "alice-password-1");
  const book = (form: Record<string, string>) =>
    fetch(`${base}/api/book`, { method: "POST", headers: { Cookie: alice }, body: new URLSearchParams(form) });
  const bad = await book({ patient: "patient2", slot: String(at(2, "10:00")), type: "lnog" });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toEqual({ error: 'unknown appointment type "lnog"; did you mean long?' });
  const notThere = await book({ patient: "patient2", slot: String(at(1, "10:30")), type: "long" });
  expect(notThere.status).toBe(400);
  expect(((await notThere.json()) as { error: string }).error).toBe("no such slot, or long does not start there");
  const booked = await book({ patient: "patient2", slot: String(at(2, "10:00")), type: "long" });
  expect(booked.status).toBe(200);
  expect(((await booked.json()) as { outcome: string }).outcome).toBe("booked");
  // Its span (09:55-10:45) meets a follow-up at 10:30: taken, as `selection <id> type=followup` answers.
  const taken = await book({ patient: "patient1", slot: String(at(2, "10:30")), type: "followup" });
  expect(taken.status).toBe(409);
  expect(((await taken.json()) as { error: string }).error).toBe("that slot is taken");
  const move = await fetch(`${base}/api/move`, {
    method: "POST",
    headers: { Cookie: alice },
    body: new URLSearchParams({
      patient: "patient2",
      slot: String(at(2, "10:00")),
      to: String(at(2, "11:00")),
      type: "long",
    }),
  });
  expect(move.status).toBe(400);
  expect(await move.json()).toEqual({ error: "type= is for a booking (a move keeps the appointment's type)" });
  expect(await c.request(`selection ${at(2, "10:30")} type=followup`)).toBe("notavailable");
  const d = new Database(db, { readonly: true });
  const stored = d.query("SELECT doctor, type, minutes, before_min, after_min, patient FROM appointments").values();
  d.close();
  expect(stored).toContainEqual([2, "long", 30, 5, 15, "patient2"]);
  expect(stored).toHaveLength(3);

  // The live page showing follow-ups gets the desk's booking, with the neighbours it hides.
  let snap: Snap = { doctors: [], cells: [], slots: [] };
  await within(100, async () => {
    snap = (await live.next()).data as Snap;
    return stateOf(snap, at(2, "10:00")) === 1;
  });
  const doc2 = ["09:30", "09:45", "10:15", "10:30", "10:45"].map((t) => stateOf(snap, at(2, t)));
  expect(doc2).toEqual([0, 2, 2, 2, 0]);
  live.close();

  // Each view (each rule's default, and each type) against `slots` over TCP: the same free starts.
  for (const type of ["", "first", "followup", "long"]) {
    const view = await schedule(base, type);
    expect(view.types).toEqual(["first", "followup", "long"]);
    expect(view.type).toBe(type);
    const doctorOfCell = new Map(view.cells.map((cell) => [cell[0], cell[1]]));
    for (const [n, doctor] of view.doctors.entries()) {
      const lines = await listing(c, `slots doctor=${doctor.name}${type ? ` type=${type}` : ""} limit=1000`);
      const ids = lines.map((l) => Number(l.split(" ")[0]));
      const offers = (n === 0 ? ["", "first", "followup"] : ["", "followup", "long"]).includes(type);
      if (offers) expect(ids.length).toBeGreaterThan(10);
      else expect(ids).toEqual([]);
      const free = view.slots.filter((s) => s[2] === 0 && doctorOfCell.get(s[1]) === n).map((s) => s[0]);
      expect(free).toEqual(ids);
      expect(doctor.slots - doctor.booked).toBe(ids.length);
    }
  }
  // The first consultation's view of doc1: 09:00 meets the 09:15 follow-up (not free), 09:15 and 10:00 booked.
  const first = await schedule(base, "first", alice);
  expect(
    [at(1, "09:00"), at(1, "09:15"), at(1, "09:30"), at(1, "10:00"), at(1, "10:30")].map((i) => stateOf(first, i)),
  ).toEqual([2, "patient1", 0, "patient2", 0]);
  expect((await fetch(`${base}/api/schedule?type=frist`)).status).toBe(400);
  expect((await fetch(`${base}/api/schedule?type=${"x".repeat(65)}`)).status).toBe(400);
  expect(await (await fetch(`${base}/api/events?type=frist`)).text()).toBe(
    'unknown appointment type "frist"; did you mean first?\n',
  );
  c.close();
  c2.close();
}, 60_000);
