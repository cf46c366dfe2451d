// The outbox: a booking, a move and a cancellation write their messages in their own transaction,
// on SQLite and on a real PostgreSQL alike; and when a message may go out (reminders counted in the
// clinic's local time across daylight-saving changes, quiet hours), driven by a given clock.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { decide, inQuiet, parseQuiet, reminderDue } from "../roles/healthcenterserver/notify/when.ts";
import { tempDir } from "./helpers.ts";
import { calendar, london } from "./notify-helpers.ts";
import { postgresBin, startPostgres, type Postgres } from "./pg-helpers.ts";

const ms = (iso: string) => Temporal.Instant.from(iso).epochMilliseconds;
const localIso = (t: number) => Temporal.Instant.fromEpochMilliseconds(t).toZonedDateTimeISO(london).toString();
const quiet = parseQuiet("21:00-08:00");

describe("when a reminder is due", () => {
  test("24 hours before counts in local time across both of London's 2026 clock changes", () => {
    // Sunday 29 March 09:00 BST (08:00Z) is reminded Saturday 09:00 GMT (09:00Z): 23 real hours before.
    expect(localIso(reminderDue(ms("2026-03-29T08:00:00Z"), london, 1440, quiet))).toBe(
      "2026-03-28T09:00:00+00:00[Europe/London]",
    );
    // Sunday 25 October 09:00 GMT is reminded Saturday 09:00 BST: 25 real hours before.
    expect(localIso(reminderDue(ms("2026-10-25T09:00:00Z"), london, 1440, quiet))).toBe(
      "2026-10-24T09:00:00+01:00[Europe/London]",
    );
    expect(localIso(reminderDue(ms("2026-03-30T12:00:00Z"), london, 120, quiet))).toBe(
      "2026-03-30T11:00:00+01:00[Europe/London]",
    );
  });

  test("a reminder falling in quiet hours goes out the evening before them; none configured leaves it", () => {
    // 07:30 on Monday 30 March: 07:30 Sunday is quiet, so 20:59 Saturday.
    expect(localIso(reminderDue(ms("2026-03-30T06:30:00Z"), london, 1440, quiet))).toBe(
      "2026-03-28T20:59:00+00:00[Europe/London]",
    );
    expect(localIso(reminderDue(ms("2026-03-30T06:30:00Z"), london, 1440, parseQuiet("none")))).toBe(
      "2026-03-29T07:30:00+01:00[Europe/London]",
    );
    expect(() => parseQuiet("21:00-25:00")).toThrow(/expected HH:MM-HH:MM/);
    // 24:00 ends the day as 00:00 does; it cannot start quiet hours.
    expect(parseQuiet("21:00-24:00")).toEqual(parseQuiet("21:00-00:00"));
    expect(() => parseQuiet("24:00-08:00")).toThrow(/expected HH:MM-HH:MM/);
  });

  test("the sender's decision: send, wait out the quiet hours (across a clock change), or skip", () => {
    const start = ms("2026-03-30T12:00:00Z");
    expect(decide("booked", start, ms("2026-03-28T12:00:00Z"), london, quiet)).toEqual({ do: "send" });
    // Booked at 22:00 GMT on Saturday: the confirmation waits for 08:00 BST Sunday (07:00Z).
    expect(decide("booked", start, ms("2026-03-28T22:00:00Z"), london, quiet)).toEqual({
      do: "wait",
      until: ms("2026-03-29T07:00:00Z"),
    });
    expect(decide("reminder", start, start + 1, london, quiet)).toEqual({
      do: "skip",
      why: "the appointment has begun",
    });
    expect(decide("reminder", ms("2026-03-30T07:00:00Z"), ms("2026-03-29T21:30:00Z"), london, quiet)).toEqual({
      do: "skip",
      why: "quiet hours last until the appointment",
    });
    expect(decide("cancelled", start, start + 3_600_000, london, undefined)).toEqual({ do: "send" });
  });

  test("quiet hours hold no change the patient must hear before the appointment; a reminder that late is skipped", () => {
    // Monday 30 March 07:30 BST; it is Sunday 22:00 BST, and the quiet hours last until 08:00, after the start.
    const early = ms("2026-03-30T06:30:00Z");
    const night = ms("2026-03-29T21:00:00Z");
    for (const kind of ["booked", "moved", "cancelled"] as const)
      expect(decide(kind, early, night, london, quiet)).toEqual({ do: "send" });
    expect(decide("reminder", early, night, london, quiet)).toEqual({
      do: "skip",
      why: "quiet hours last until the appointment",
    });
    // An appointment after the quiet hours: its messages still wait for 08:00 BST (07:00Z).
    const later = ms("2026-03-30T09:00:00Z");
    for (const kind of ["booked", "moved", "cancelled"] as const)
      expect(decide(kind, later, night, london, quiet)).toEqual({ do: "wait", until: ms("2026-03-30T07:00:00Z") });
    // Cancelled after it began: nothing urgent, so it waits too.
    const begun = ms("2026-03-29T20:30:00Z");
    expect(decide("cancelled", begun, night, london, quiet)).toEqual({ do: "wait", until: ms("2026-03-30T07:00:00Z") });
  });

  test("a move is judged by the earlier of its old and new starts: 07:30 moved to 10:00 at 22:00 goes at once", () => {
    // Monday 30 March 07:30 BST moved to 10:00 BST on Sunday at 22:00 BST: the patient would set out for 07:30.
    const [old, moved, night] = [ms("2026-03-30T06:30:00Z"), ms("2026-03-30T09:00:00Z"), ms("2026-03-29T21:00:00Z")];
    expect(decide("moved", moved, night, london, quiet, old)).toEqual({ do: "send" });
    // Moved the other way (10:00 to 07:30): the new start is the earlier one.
    expect(decide("moved", old, night, london, quiet, moved)).toEqual({ do: "send" });
    // Both starts after the quiet hours end, or the old one already past: it waits for 08:00 BST (07:00Z).
    const wait = { do: "wait" as const, until: ms("2026-03-30T07:00:00Z") };
    expect(decide("moved", moved, night, london, quiet, moved + 3_600_000)).toEqual(wait);
    expect(decide("moved", moved, night, london, quiet, ms("2026-03-29T20:30:00Z"))).toEqual(wait);
    // Outside quiet hours it goes at once; a move whose new start has begun is skipped, whatever the old one.
    expect(decide("moved", moved, ms("2026-03-29T12:00:00Z"), london, quiet, old)).toEqual({ do: "send" });
    expect(decide("moved", moved, moved + 1, london, quiet, old)).toEqual({
      do: "skip",
      why: "the appointment has begun",
    });
  });

  test("quiet hours that begin or end inside the spring-forward gap begin or end at the clock change", () => {
    // London skips 01:00-02:00 on Sunday 29 March 2026 (01:00Z). Quiet from 01:30 begins at the change:
    // a reminder due at 02:00 BST goes out at 00:59 GMT, not at 02:29 BST (inside the quiet hours).
    const fromInGap = parseQuiet("01:30-06:00");
    const due = reminderDue(ms("2026-03-29T03:00:00Z"), london, 120, fromInGap);
    expect(localIso(due)).toBe("2026-03-29T00:59:00+00:00[Europe/London]");
    expect(inQuiet(due, london, fromInGap)).toBe(false);
    // Quiet until 01:30 ends at the change (02:00 BST), not at 02:30 BST.
    const toInGap = parseQuiet("22:00-01:30");
    expect(decide("booked", ms("2026-04-02T12:00:00Z"), ms("2026-03-28T23:00:00Z"), london, toInGap)).toEqual({
      do: "wait",
      until: ms("2026-03-29T01:00:00Z"),
    });
  });

  test("quiet hours that begin or end in the hour the clocks go back are one span of time, not two", () => {
    // London repeats 01:00-02:00 on Sunday 25 October 2026 (01:00 BST is 00:00Z, the second 01:00 is 01:00Z).
    // Quiet until 01:30 ends at the first 01:30: in the second, a wait until then was a wait until the
    // past, and the sender took the message up again at once, for half an hour.
    const toInRepeat = parseQuiet("22:00-01:30");
    const secondPass = ms("2026-10-25T01:10:00Z");
    expect(inQuiet(secondPass, london, toInRepeat)).toBe(false);
    expect(decide("booked", ms("2026-10-26T12:00:00Z"), secondPass, london, toInRepeat)).toEqual({ do: "send" });
    // Quiet from 01:30 begins at the first 01:30 and holds through the second pass's 01:00-01:30.
    const fromInRepeat = parseQuiet("01:30-06:00");
    expect(inQuiet(secondPass, london, fromInRepeat)).toBe(true);
    expect(decide("booked", ms("2026-10-26T12:00:00Z"), secondPass, london, fromInRepeat)).toEqual({
      do: "wait",
      until: ms("2026-10-25T06:00:00Z"),
    });
    expect(localIso(reminderDue(ms("2026-10-25T03:10:00Z"), london, 120, fromInRepeat))).toBe(
      "2026-10-25T01:29:00+01:00[Europe/London]",
    );
    // Every wait is until a later instant, quiet until just before it and not at it, every 5 minutes of
    // both change days, here and where the change is at midnight (Santiago) or half an hour (Lord Howe).
    const zones = [london, "America/Santiago", "Australia/Lord_Howe", "America/New_York"];
    for (const zone of zones)
      for (const q of ["22:00-01:30", "01:30-06:00", "00:00-01:00", "23:30-00:30", "01:00-02:00", "02:00-03:00"]) {
        const hours = parseQuiet(q);
        for (const day of ["2026-03-28", "2026-04-04", "2026-09-05", "2026-10-03", "2026-10-24", "2026-11-01"]) {
          const from = ms(`${day}T00:00:00Z`);
          for (let now = from; now < from + 3 * 86_400_000; now += 300_000) {
            const d = decide("booked", now + 10 * 86_400_000, now, zone, hours);
            if (d.do !== "wait") continue;
            const ok = d.until > now && inQuiet(d.until - 60_000, zone, hours) && !inQuiet(d.until, zone, hours);
            if (!ok) expect([zone, q, new Date(now).toISOString(), new Date(d.until).toISOString()]).toBeUndefined();
          }
        }
      }
  });
});

async function bookMoveCancel(dbPath: string, dbPasswordFile?: string) {
  const { store, rows, close } = await calendar(dbPath, dbPasswordFile, ["email", "webhook"]);
  const day = Temporal.Now.plainDateISO(london).add({ days: 3 });
  const at = (time: string) => day.toZonedDateTime({ timeZone: london, plainTime: time }).epochMilliseconds;
  const [a, b] = [slotId(1, at("10:00")), slotId(1, at("11:00"))];
  expect(await store.commit([{ kind: "book", index: a, patient: "patient1" }])).toEqual([{ kind: "done" }]);
  const booked = await rows();
  expect(booked.map((r) => `${r.kind} ${r.seq} ${r.channel} ${r.state}`)).toEqual([
    "booked 0 email pending",
    "booked 0 webhook pending",
    "reminder 0 email pending",
    "reminder 0 webhook pending",
  ]);
  const uid = booked[0]!.uid;
  expect(localIso(booked[2]!.due_ms).slice(11, 16)).toBe("10:00");
  // A refused change writes nothing.
  expect((await store.commit([{ kind: "book", index: a, patient: "patient2" }]))[0]!.kind).toBe("taken");
  expect(await rows()).toHaveLength(4);
  await store.commit([{ kind: "move", from: a, to: b, patient: "patient1" }]);
  const moved = await rows();
  expect(moved.filter((r) => r.kind === "reminder" && r.seq === 0).map((r) => r.state)).toEqual([
    "withdrawn",
    "withdrawn",
  ]);
  const now = moved.filter((r) => r.seq === 1);
  expect(now.map((r) => `${r.kind} ${r.state} ${localIso(r.start_ms).slice(11, 16)}`)).toEqual([
    "moved pending 11:00",
    "moved pending 11:00",
    "reminder pending 11:00",
    "reminder pending 11:00",
  ]);
  expect(new Set(moved.map((r) => r.uid))).toEqual(new Set([uid]));
  await store.commit([{ kind: "cancel", index: b, patient: "patient1" }]);
  const cancelled = await rows();
  expect(cancelled.filter((r) => r.kind === "reminder").every((r) => r.state === "withdrawn")).toBe(true);
  expect(cancelled.slice(-2).map((r) => `${r.uid === uid} ${r.kind} ${r.seq} ${r.state}`)).toEqual([
    "true cancelled 2 pending",
    "true cancelled 2 pending",
  ]);
  // An appointment booked as a 45-minute type on a 15-minute grid: each message says 45 minutes.
  const c = slotId(1, at("14:00"));
  const span = { type: "long", minutes: 45, before: 0, after: 0 };
  expect(await store.commit([{ kind: "book", index: c, patient: "patient1", span }])).toEqual([{ kind: "done" }]);
  expect(await store.commit([{ kind: "cancel", index: c, patient: "patient1" }])).toEqual([{ kind: "done" }]);
  const typed = (await rows()).filter((r) => r.start_ms === at("14:00"));
  expect(typed.map((r) => `${r.kind} ${r.minutes}`)).toEqual([
    "booked 45",
    "booked 45",
    "reminder 45",
    "reminder 45",
    "cancelled 45",
    "cancelled 45",
  ]);
  await close();
}

test("SQLite: booking, move and cancellation write their messages in their own transaction", async () => {
  const { dir, cleanup } = tempDir();
  try {
    await bookMoveCancel(join(dir, "cal.db"));
  } finally {
    cleanup();
  }
});

const found = postgresBin();
const pgTest = "missing" in found ? test.skip : test;
let pg: Postgres | undefined;
beforeAll(() => {
  if ("bin" in found) pg = startPostgres(found.bin);
}, 60_000);
afterAll(() => pg?.stop(), 60_000);

pgTest("PostgreSQL: the same messages, in the same transaction", async () => {
  pg!.createDatabase("outbox");
  await bookMoveCancel(pg!.url("outbox"), pg!.passwordFile);
});
