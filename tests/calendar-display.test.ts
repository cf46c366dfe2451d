// A slot's start shown in the clinic's zone: parts, ISO 8601 with offset, the staff page's short form.
// The cached reading is checked against Temporal's own at random instants and at every change.
import { describe, expect, test } from "bun:test";
import { startOfLocalDay } from "../roles/healthcenterserver/calendar/day-clock.ts";
import { isoLocal, localDate, localParts, shortLocal } from "../roles/healthcenterserver/calendar/display.ts";
import { historyLine } from "../roles/healthcenterserver/staff/history-route.ts";

const temporalIso = (ms: number, zone: string) => {
  const z = Temporal.Instant.fromEpochMilliseconds(ms).toZonedDateTimeISO(zone);
  return `${z.toPlainDateTime().toString().slice(0, 16)}${z.offset}`;
};

describe("local time of a slot", () => {
  test("parts, ISO with offset and the short form, in winter and summer", () => {
    const winter = Date.parse("2026-12-08T13:00:00Z");
    expect(localParts(winter, "Europe/Paris")).toEqual({
      date: "2026-12-08",
      weekday: "Tue",
      time: "14:00",
      offset: "+01:00",
    });
    expect(isoLocal(winter, "Europe/London")).toBe("2026-12-08T13:00+00:00");
    expect(shortLocal(winter, "Europe/London")).toBe("Tue 8 Dec, 13:00");
    const summer = Date.parse("2026-07-01T13:00:00Z");
    expect(isoLocal(summer, "Europe/London")).toBe("2026-07-01T14:00+01:00");
    expect(isoLocal(summer, "Pacific/Chatham")).toBe("2026-07-02T01:45+12:45");
    expect(shortLocal(summer, "America/New_York")).toBe("Wed 1 Jul, 09:00");
    expect(localDate(summer, "Pacific/Chatham")).toBe("2026-07-02");
  });

  test("the staff page's history line tells when in the clinic's zone, in the short form", () => {
    const at = { atMs: Date.parse("2026-12-08T13:00:00Z"), actor: "alice", role: "front-desk", via: "staff-page" };
    const what = {
      address: "127.0.0.1",
      action: "booking.booked",
      subject: "slot 5",
      before: "",
      after: "",
      reason: "",
    };
    const r = { seq: 1, ...at, ...what, prevHash: "", hash: "" };
    expect(historyLine(r, "Europe/Paris")).toBe(
      "booked by alice (front-desk) via staff-page from 127.0.0.1 on Tue 8 Dec, 14:00",
    );
    // A record whose time was changed by hand to no time (audit verify names it): the line says so; before,
    // the page's /api/history answered 500 for that appointment.
    for (const atMs of [Number.NaN, 9e18])
      expect(historyLine({ ...r, atMs }, "Europe/Paris")).toBe(
        "booked by alice (front-desk) via staff-page from 127.0.0.1 on no readable time (the record was changed)",
      );
  });

  test("the repeated hour shows both offsets: 01:30 EDT, then 01:30 EST", () => {
    const first = Date.parse("2026-11-01T05:30:00Z");
    expect(isoLocal(first, "America/New_York")).toBe("2026-11-01T01:30-04:00");
    expect(isoLocal(first + 3_600_000, "America/New_York")).toBe("2026-11-01T01:30-05:00");
  });

  test("the cached reading agrees with Temporal at random instants and on both sides of every change", () => {
    const zones = [
      "America/New_York",
      "Australia/Lord_Howe",
      "America/Santiago",
      "Asia/Tehran",
      "Pacific/Chatham",
      "UTC",
    ];
    let seed = 42;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const from = Date.parse("2017-01-01T00:00:00Z");
    const span = Date.parse("2027-01-01T00:00:00Z") - from;
    let checked = 0;
    for (const zone of zones) {
      for (let i = 0; i < 2000; i++) {
        const ms = from + Math.floor((random() * span) / 60_000) * 60_000;
        expect(isoLocal(ms, zone)).toBe(temporalIso(ms, zone));
        checked++;
      }
      let at = Temporal.Instant.fromEpochMilliseconds(from).toZonedDateTimeISO(zone).getTimeZoneTransition("next");
      for (let n = 0; at !== null && at.epochMilliseconds < from + span && n < 40; n++) {
        for (const ms of [at.epochMilliseconds - 60_000, at.epochMilliseconds, at.epochMilliseconds + 60_000]) {
          expect(isoLocal(ms, zone)).toBe(temporalIso(ms, zone));
          checked++;
        }
        at = at.getTimeZoneTransition("next");
      }
    }
    expect(checked).toBeGreaterThan(12_000);
  });

  test("a local day starts at its 00:00, or at the jump when 00:00 is skipped (Santiago, 2026-09-06)", () => {
    expect(startOfLocalDay("Europe/London", "2026-12-08")).toBe(Date.parse("2026-12-08T00:00:00Z"));
    expect(isoLocal(startOfLocalDay("America/Santiago", "2026-09-06"), "America/Santiago")).toBe(
      "2026-09-06T01:00-03:00",
    );
  });
});
