// What happened at the visit on PostgreSQL, over real sockets (a throwaway cluster): the day's list
// with each status and "not marked", marking by the front desk and a refusal, the audit record of the
// change in the database, `mine past` over TCP, and the no-show limit. The transitions themselves are
// store cases run on PostgreSQL too (visit-cases.ts, store-conformance.test.ts).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { login } from "./helpers.ts";
import { listing } from "./calendar-helpers.ts";
import { postgresBin, startPostgres, type Postgres } from "./pg-helpers.ts";
import { signIn } from "./staff-helpers.ts";
import { startVisitServer, type VisitServer } from "./visit-helpers.ts";
import { isoLocal } from "../roles/healthcenterserver/calendar/display.ts";

const found = postgresBin();
const pgTest = "missing" in found ? test.skip : test;
let pg: Postgres;
let s: VisitServer;

beforeAll(async () => {
  if (!("bin" in found)) return;
  pg = startPostgres(found.bin);
  pg.createDatabase("visits");
  const target = {
    args: ["--db", pg.url("visits"), "--db-password-file", pg.passwordFile],
    exec: (sql: string) => void pg.psql("visits", sql),
  };
  s = await startVisitServer(["--mark-grace", "45m", "--no-show-limit", "2", "--bookings-per-patient", "0"], target);
}, 90_000);
afterAll(async () => {
  await s?.stop();
  pg?.stop();
}, 60_000);

pgTest(
  "on PostgreSQL: the day's list, marking and its audit record, mine past, and the no-show limit",
  async () => {
    const desk = await signIn(s.base, "desk", "desk-password-1");
    const { A, B, C, D, I, F, G, J } = s.at;
    const day = await fetch(`${s.base}/api/day`, { headers: { Cookie: desk } });
    const rows = ((await day.json()) as { appointments: { slot: number; shown: string }[] }).appointments;
    expect(rows.map((r) => [r.slot, r.shown])).toEqual([
      [A!.id, "notmarked"],
      [I!.id, "cancelled"],
      [C!.id, "notmarked"],
      [B!.id, "booked"],
      [D!.id, "booked"],
    ]);
    const mark = (slot: number, status: string) =>
      fetch(`${s.base}/api/mark`, {
        method: "POST",
        headers: { Cookie: desk },
        body: new URLSearchParams({ slot: String(slot), status }),
      });
    expect((await mark(A!.id, "fulfilled")).status).toBe(200);
    const early = await mark(D!.id, "noshow");
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: string }).error).toContain("has not started yet");
    expect((await mark(B!.id, "noshow")).status).toBe(200);
    const stored = pg.psql(
      "visits",
      `SELECT status FROM appointments WHERE start_ms IN (${A!.startMs}, ${D!.startMs})
    ORDER BY start_ms`,
    );
    expect(stored.trim().split("\n")).toEqual(["fulfilled", "booked"]);
    const trail = pg.psql("visits", `SELECT actor || ' ' || action FROM audit WHERE subject = 'slot ${A!.id}'`);
    expect(trail.trim()).toBe("desk appointment.fulfilled");

    const c = await login(s.server.port, "patient3", "password333");
    const line = (a: typeof F, status: string) => `${a!.id} ${isoLocal(a!.startMs, s.zone)} 15 doc1 41000 ${status}`;
    expect(await listing(c, "mine past")).toEqual([line(F, "noshow"), line(G, "cancelled"), line(J, "fulfilled")]);
    c.close();

    // patient2: B marked a no-show above, and one more a week ago: at the limit of 2.
    s.target.exec(
      `INSERT INTO appointments (doctor, start_ms, minutes, patient, booked_at, status)
     VALUES (2, ${B!.startMs - 7 * 86_400_000}, 15, 'patient2', 0, 'noshow')`,
    );
    const p2 = await login(s.server.port, "patient2", "password222");
    const [free] = await listing(p2, "slots limit=1");
    expect(await p2.request(`selection ${free!.split(" ")[0]}`)).toStartWith("error 2 missed appointments");
    p2.close();
  },
  60_000,
);
