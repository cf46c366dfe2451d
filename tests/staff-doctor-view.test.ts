// A doctor account sees patients' names on its own doctor's appointments only (issue 25: "sees and
// manages their own schedule"), over real HTTP on every endpoint that names patients: the schedule,
// the live events (a booking made over TCP with another doctor arrives without the name), the day's
// list, a patient's appointments, an appointment's history and the outbox. Other doctors' appointments
// still show as booked; the front desk still sees every name.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { login, tempDir } from "./helpers.ts";
import { within } from "./calendar-helpers.ts";
import { EventReader, signIn } from "./staff-helpers.ts";
import { auditOf, startVisitServer, type VisitServer } from "./visit-helpers.ts";
import { decodeSlotId, slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { Grid } from "../roles/healthcenterserver/staff/grid.ts";
import { ScheduleAnswers } from "../roles/healthcenterserver/staff/schedule-answers.ts";
import { StaffSessions } from "../roles/healthcenterserver/staff/staff-sessions.ts";
import { staff_schedule_snapshots_max } from "../shared/limits.ts";
import { at, typedStaffClinic } from "./staff-types-helpers.ts";

const day = 24 * 60 * 60_000;
const tmp = tempDir();
let s: VisitServer;
const cookies: Record<string, string> = {};
/** Booked over TCP in the test: patient1 with doc1 (X1), patient2 with doc2 (X2), two days ahead. */
let X1 = 0;
let X2 = 0;

beforeAll(async () => {
  // [notify] with a webhook nobody answers: each booking's reminder waits in the outbox, naming the patient.
  const secret = join(tmp.dir, "hook.secret");
  writeFileSync(secret, "s3cret\n");
  const config = join(tmp.dir, "deploy.toml");
  writeFileSync(config, `[notify]\nwebhook = "http://127.0.0.1:9/hook"\nwebhook_secret_file = "${secret}"\n`);
  s = await startVisitServer(["--bookings-per-patient", "0", "--config", config]);
  for (const [name, password] of [
    ["desk", "desk-password-1"],
    ["drone", "drone-password-1"],
    ["drtwo", "drtwo-password-1"],
    ["boss", "boss-password-1"],
    ["audi", "audi-password-1"],
  ] as const)
    cookies[name] = await signIn(s.base, name, password);
  const later = s.at.E!.startMs + day; // two days ahead: the reminders are due tomorrow
  [X1, X2] = [slotId(1, later), slotId(2, later)];
}, 60_000);
afterAll(async () => {
  await s?.stop();
  tmp.cleanup();
});

const get = async (who: string, path: string): Promise<{ status: number; body: any }> => {
  const res = await fetch(s.base + path, { headers: { Cookie: cookies[who]! } });
  return { status: res.status, body: res.headers.get("content-type")?.includes("json") ? await res.json() : null };
};

type Snap = { names: boolean; namesFor?: string; doctors: { name: string }[]; cells: number[][]; slots: any[][] };
/** Each listed slot's doctor and state (0 free, 1 booked, or the patient's name). */
function slotsOf(snap: Snap): Map<number, { doctor: string; state: number | string }> {
  const doctorOfCell = new Map(snap.cells.map(([id, doctor]) => [id!, snap.doctors[doctor!]!.name]));
  return new Map(snap.slots.map(([index, cell, state]) => [index, { doctor: doctorOfCell.get(cell)!, state }]));
}

async function book(patient: string, password: string, slot: number, doctor: string): Promise<void> {
  const c = await login(s.server.port, patient, password);
  try {
    expect(await c.request(`selection ${slot}`)).toStartWith(`${doctor} `);
  } finally {
    c.close();
  }
}

describe("a doctor account sees its own doctor's patients only", () => {
  test("live events: a TCP booking with another doctor reaches the doctor as booked, the front desk with the name", async () => {
    const drone = await EventReader.open(`${s.base}/api/events`, { Cookie: cookies.drone! });
    const desk = await EventReader.open(`${s.base}/api/events`, { Cookie: cookies.desk! });
    try {
      const first = await drone.next();
      expect(first.event).toBe("snapshot");
      expect(first.data.namesFor).toBe("doc1");
      for (const { state, doctor } of slotsOf(first.data).values())
        if (typeof state === "string") expect(doctor).toBe("doc1");
      expect((await desk.next()).event).toBe("snapshot");
      await book("patient2", "password222", X2, "doc2");
      const change = async (reader: EventReader, slot: number) => {
        while (true) {
          const e = await reader.next();
          const row = e.event === "changes" ? e.data.find((r: number[]) => r[0] === slot) : undefined;
          if (row) return row[2];
        }
      };
      expect(await change(drone, X2)).toBe(1);
      expect(await change(desk, X2)).toBe("patient2");
      await book("patient1", "password111", X1, "doc1");
      expect(await change(drone, X1)).toBe("patient1");
      expect(await change(desk, X1)).toBe("patient1");
    } finally {
      drone.close();
      desk.close();
    }
  });

  test("/api/schedule: own doctor's names, the other doctor's appointments as booked; the front desk sees all", async () => {
    const drone = await get("drone", "/api/schedule");
    expect(drone.body).toMatchObject({ names: true, namesFor: "doc1" });
    const mine = slotsOf(drone.body);
    expect(mine.get(X1)).toEqual({ doctor: "doc1", state: "patient1" });
    expect(mine.get(X2)).toEqual({ doctor: "doc2", state: 1 });
    const named = [...mine.values()].filter((v) => typeof v.state === "string");
    expect(named.length).toBeGreaterThan(0);
    expect(named.every((v) => v.doctor === "doc1")).toBe(true);
    const drtwo = slotsOf((await get("drtwo", "/api/schedule")).body);
    expect([drtwo.get(X1)!.state, drtwo.get(X2)!.state]).toEqual([1, "patient2"]);
    const desk = await get("desk", "/api/schedule");
    expect(desk.body.namesFor).toBeUndefined();
    expect([slotsOf(desk.body).get(X1)!.state, slotsOf(desk.body).get(X2)!.state]).toEqual(["patient1", "patient2"]);
    for (const who of ["boss", "audi"]) {
      const all = slotsOf((await get(who, "/api/schedule")).body);
      expect([all.get(X1)!.state, all.get(X2)!.state]).toEqual(["patient1", "patient2"]);
    }
    // Made again after a change, per doctor: drone's cached answer never reaches drtwo.
    expect(slotsOf((await get("drone", "/api/schedule")).body).get(X2)!.state).toBe(1);
  });

  test("/api/day: the other doctor's appointments without the patient or the cancellation's reason", async () => {
    const { A, C, I } = s.at;
    const rows = async (who: string) =>
      new Map(((await get(who, "/api/day")).body.appointments as any[]).map((a) => [a.slot, a]));
    const drone = await rows("drone");
    expect(drone.get(A!.id)).toMatchObject({ doctor: "doc1", patient: "patient1" });
    expect(drone.get(C!.id)).toMatchObject({ doctor: "doc2", patient: "", status: "booked" });
    expect(drone.get(I!.id)).toMatchObject({ doctor: "doc2", patient: "", status: "cancelled" });
    expect(drone.get(I!.id).reason).toBeUndefined();
    const desk = await rows("desk");
    expect(desk.get(C!.id).patient).toBe("patient1");
    expect(desk.get(I!.id)).toMatchObject({ patient: "patient2", reason: "doctor ill" });
  });

  test("/api/appointments: a doctor gets the patient's appointments with its own doctor; the front desk all", async () => {
    const slots = async (who: string) => {
      const res = await get(who, "/api/appointments?patient=patient2");
      expect(res.status).toBe(200);
      return (res.body.appointments as { index: number; doctor: string }[]).map((a) => a.index);
    };
    const drone = await slots("drone");
    expect(drone).toContain(s.at.E!.id);
    expect(drone).not.toContain(X2);
    expect(await slots("drtwo")).toEqual([X2]);
    expect(await slots("desk")).toEqual(expect.arrayContaining([s.at.E!.id, X2]));
    // The audit record says what each read returned.
    const reads = auditOf(s.db, "patient patient2").filter((r) => r.action === "appointments.read");
    expect(reads.find((r) => r.actor === "drtwo")!.after).toBe(JSON.stringify([X2]));
  });

  test("/api/history: a doctor reads its own doctor's appointments' history (403, recorded, for another's)", async () => {
    const own = await get("drtwo", `/api/history?slot=${X2}`);
    expect(own.status).toBe(200);
    expect(own.body.lines.join("\n")).toContain("booked by patient2 (patient)");
    for (const slot of [X2, s.at.C!.id]) {
      const other = await get("drone", `/api/history?slot=${slot}`);
      expect(other.status).toBe(403);
      expect(other.body.error).toBe("a doctor reads the history of their own appointments (doc1)");
      expect(auditOf(s.db, `slot ${slot}`).some((r) => r.actor === "drone" && r.action === "staff.forbidden")).toBe(
        true,
      );
    }
    expect((await get("drone", `/api/history?slot=${s.at.A!.id}`)).status).toBe(200);
    expect((await get("desk", `/api/history?slot=${X2}`)).status).toBe(200);
    // Moved from doc1 to doc2: doc2's doctor reads the move, not the booking with doc1 before it.
    const next = decodeSlotId(X1).startMs + 15 * 60_000;
    const [Y1, Y2] = [slotId(1, next), slotId(2, next)];
    const c = await login(s.server.port, "patient3", "password333");
    expect(await c.request(`selection ${Y1}`)).toStartWith("doc1 ");
    expect(await c.request(`reschedule ${Y1} ${Y2}`)).toStartWith("doc2 ");
    c.close();
    const story = async (who: string) =>
      ((await get(who, `/api/history?slot=${Y2}`)).body.lines as string[]).join("\n");
    expect(await story("desk")).toMatch(/^booked by patient3 .*\nmoved by patient3 .* from slot \d+ to slot \d+$/s);
    expect(await story("drtwo")).toMatch(/^moved by patient3 .* from slot \d+ to slot \d+$/);
  });

  test("/api/outbox: the patient (and the error) on the doctor's own messages only", async () => {
    const patients = async (who: string) => {
      const { body } = await get(who, "/api/outbox");
      return new Set([...body.pending, ...body.failed].map((m: { patient: string }) => m.patient));
    };
    await within(
      2_000,
      async () => (await patients("desk")).has("patient2") && (await patients("desk")).has("patient1"),
    );
    const drone = await patients("drone");
    expect(drone.has("patient1")).toBe(true);
    expect(drone.has("patient2")).toBe(false);
    expect(drone.has("")).toBe(true);
    const drtwo = await patients("drtwo");
    expect([drtwo.has("patient2"), drtwo.has("patient1")]).toEqual([true, false]);
  });
});

test("the typed view (a calendar whose rules offer types): a doctor's week and live snapshots name its own patients only", async () => {
  const accounts: [string, string, string, string?][] = [
    ["alice", "front-desk", "alice-password-1"],
    ["drone", "doctor", "drone-password-1", "doc1"],
  ];
  const { server, base } = await typedStaffClinic(tmp.dir, "typed", [], accounts);
  try {
    const [alice, drone] = [
      await signIn(base, "alice", "alice-password-1"),
      await signIn(base, "drone", "drone-password-1"),
    ];
    const c = await login(server.port);
    expect(await c.request(`selection ${at(1, "09:15")} type=followup`)).toBe("doc1 41000");
    const live = await EventReader.open(`${base}/api/events?type=followup`, { Cookie: drone });
    expect((await live.next()).data.namesFor).toBe("doc1");
    const c2 = await login(server.port, "patient2", "password222");
    expect(await c2.request(`selection ${at(2, "10:00")} type=long`)).toBe("doc2 42000");
    // The live page gets a fresh snapshot of its type: doc2's booking as booked, doc1's with the name.
    let states: (number | string | undefined)[] = [];
    await within(100, async () => {
      const snap = slotsOf((await live.next()).data);
      states = [at(1, "09:15"), at(2, "10:00")].map((i) => snap.get(i)?.state);
      return states[1] !== 0;
    });
    expect(states).toEqual(["patient1", 1]);
    live.close();
    const view = async (cookie: string) => {
      const res = await fetch(`${base}/api/schedule?type=followup`, { headers: { Cookie: cookie } });
      const snap = slotsOf((await res.json()) as Snap);
      return [at(1, "09:15"), at(2, "10:00")].map((i) => snap.get(i)?.state);
    };
    expect(await view(drone)).toEqual(["patient1", 1]);
    expect(await view(alice)).toEqual(["patient1", "patient2"]);
    c.close();
    c2.close();
  } finally {
    await server.stop();
  }
});

describe("kept bounded, and ended when the doctor changes", () => {
  test(`one schedule snapshot per doctor asking, at most ${staff_schedule_snapshots_max} kept; each names its own patients only`, () => {
    const doctors = Array.from({ length: 3 * staff_schedule_snapshots_max }, (_, d) => `doc${d}`);
    const slots = doctors.map((doctor, d) => ({ index: d, day: "Mon", time: "09am", doctor, port: 41000 }));
    const grid = new Grid(
      slots,
      (p) => `patient${p}`,
      (i) => i,
    );
    const answers = new ScheduleAnswers(grid, Number.MAX_SAFE_INTEGER);
    for (const [d, doctor] of doctors.entries()) {
      const snap = JSON.parse(answers.json(doctor, 0)!) as { slots: [number, number, number | string][] };
      expect(snap.slots.filter(([, , state]) => typeof state === "string")).toEqual([[d, d, `patient${d}`]]);
      expect(answers.kept).toBeLessThanOrEqual(staff_schedule_snapshots_max);
    }
    expect(answers.kept).toBe(staff_schedule_snapshots_max);
    // A change makes each reader's answer again; the everyone and nobody answers are kinds of their own.
    grid.apply({ index: 0, holder: "patient99" });
    expect(answers.json(true, 0)).toContain('"patient99"');
    expect(answers.json(false, 0)).not.toContain("patient");
    expect(answers.json("doc1", 0)).not.toContain("patient99");
  });

  test("a staff.txt reload that moves a doctor account to another doctor ends its sessions", async () => {
    const hash = await Bun.password.hash("pw-1234567890", "argon2id");
    const sessions = new StaffSessions([{ name: "drx", role: "doctor", hash, doctor: "doc1" }], 60_000);
    const signed = await sessions.signIn("drx", "pw-1234567890", "10.0.0.5", 1_000);
    if (signed.kind !== "ok") throw new Error(signed.kind);
    sessions.replaceAccounts([{ name: "drx", role: "doctor", hash, doctor: "doc1" }]);
    expect(sessions.member(signed.id, 1_001)?.doctor).toBe("doc1");
    sessions.replaceAccounts([{ name: "drx", role: "doctor", hash, doctor: "doc2" }]);
    expect(sessions.member(signed.id, 1_002)).toBeUndefined();
  });
});
