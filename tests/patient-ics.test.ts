// patient --ics: the patient's upcoming appointments as one calendar file, read back by an
// independent parser (Debian's python3-icalendar). Each event carries the UID and SEQUENCE of the
// server's emails for that appointment (a move keeps the UID), and local times stay right across a
// daylight-saving change. Against a real server on a calendar, with a real SMTP server (aiosmtpd).
import { afterAll, expect, test } from "bun:test";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bun, login, runPatient, runToEnd, startServer, tempDir, writeDataDir } from "./helpers.ts";
import { listing, within } from "./calendar-helpers.ts";
import { offsetAt } from "./dst-oracle.ts";
import { calendar, parseIcs, startSmtpSink } from "./notify-helpers.ts";
import { derivedUid } from "../roles/healthcenterserver/notify/outbox-plan.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { icsFileText, parseIcsReply } from "../roles/patient/ics-file.ts";

const tmp = tempDir();
const running: { kill(): void }[] = [];
afterAll(() => {
  for (const r of running) r.kill();
  tmp.cleanup();
});

/** Of a few zones, the one whose next clock change comes first, and the local dates either side of it. */
function nextClockChange() {
  const zones = ["Europe/London", "America/New_York", "Australia/Sydney"].map((zone) => {
    const at = Temporal.Now.zonedDateTimeISO(zone).add({ days: 2 }).getTimeZoneTransition("next")!;
    return { zone, at };
  });
  const { zone, at } = zones.sort((a, b) => a.at.epochMilliseconds - b.at.epochMilliseconds)[0]!;
  const date = at.toPlainDate();
  const weeks = Math.ceil((at.epochMilliseconds - Date.now()) / (7 * 86_400_000)) + 1;
  return { zone, before: date.subtract({ days: 1 }).toString(), after: date.add({ days: 1 }).toString(), weeks };
}

/** "2027-03-28T09:00+0100": python's local form of an instant in `zone`, offset from the Intl oracle. */
function pythonLocal(zone: string, ms: number, wall: string): string {
  const off = offsetAt(zone, ms);
  const sign = off < 0 ? "-" : "+";
  const abs = Math.abs(off);
  return `${wall}${sign}${String(Math.floor(abs / 60)).padStart(2, "0")}${String(abs % 60).padStart(2, "0")}`;
}

test("--ics writes the upcoming appointments with the emails' UIDs and sequences, right across a clock change", async () => {
  const { zone, before, after, weeks } = nextClockChange();
  const data = await writeDataDir(join(tmp.dir, "data"), 1, {
    "patient1insurance.txt": "insurance1\nemail patient1@example.org\n",
  });
  chmodSync(join(data, "patient1.txt"), 0o600);
  const smtp = await startSmtpSink(join(tmp.dir, "mail"));
  running.push(smtp.proc);
  const config = join(tmp.dir, "deploy.toml");
  writeFileSync(
    config,
    `[notify]\nsmtp = "smtp://127.0.0.1:${smtp.port}"\nfrom = "clinic@example.org"\nquiet = "none"\n` +
      `clinic = "Riverside Clinic"\naddress = "1 Hauptstraße; Zürich"\n`,
  );
  const db = ["--db", join(tmp.dir, "cal.db"), "--time-zone", zone];
  const rule = [
    "add",
    "doc1",
    "--days",
    "mon-sun",
    "--start",
    "09:00",
    "--end",
    "10:00",
    "--minutes",
    "30",
    "--port",
    "41000",
  ];
  expect((await runToEnd([bun, "roles/healthcenterserver.ts", "availability", ...rule, ...db])).code).toBe(0);
  const args = [...db, "--data", data, "--config", config, "--horizon-weeks", String(weeks)];
  const server = await startServer(args);
  running.push(server.proc);
  const c = await login(server.port);
  const day = async (date: string) => (await listing(c, `slots from=${date} to=${date}`)).map((l) => l.split(" "));
  const [b0900, b0930] = await day(before);
  const [a0900, a0930] = await day(after);
  for (const s of [b0900!, a0900!, a0930!]) expect(await c.request(`selection ${s[0]}`)).toBe("doc1 41000");
  expect(await c.request(`reschedule ${a0930![0]} ${b0930![0]}`)).toBe("doc1 41000");
  expect(await c.request(`cancel ${a0900![0]}`)).toBe("cancelled");
  // The emails: 3 bookings, the move, the cancellation.
  await within(2000, async () => smtp.files().length >= 5);
  const mails = parseIcs(smtp.files());
  const last = (utc: string) => mails.filter((m) => m.utc === utc && m.method === "REQUEST").at(-1)!;

  const file = join(tmp.dir, "mine.ics");
  const patient = ["patient1", "--data", data, "--server", `127.0.0.1:${server.port}`];
  const run = await runPatient([...patient, "--ics", file]);
  expect(run.stderr).toBe("");
  expect([run.code, run.stdout.trim()]).toEqual([0, `Wrote 2 upcoming appointments to ${file}.`]);
  const events = parseIcs([file]);
  const held = [b0900!, b0930!];
  expect(events).toHaveLength(2);
  for (const [i, s] of held.entries()) {
    const ms = Temporal.Instant.from(s[1]!).epochMilliseconds;
    const e = events[i]!;
    expect(e.utc).toBe(new Date(ms).toISOString().replace(".000", ""));
    expect(e.local).toBe(pythonLocal(zone, ms, `${before}T${i === 0 ? "09:00" : "09:30"}`));
    expect([e.method, e.tzid, e.status, e.summary]).toEqual(["PUBLISH", zone, "CONFIRMED", "Appointment with doc1"]);
    expect(e.location).toBe("Riverside Clinic, 1 Hauptstraße; Zürich");
    const mail = last(e.utc);
    expect([e.uid, e.sequence]).toEqual([mail.uid, mail.sequence]);
  }
  // The moved one keeps its booking's UID, one sequence up.
  expect(events[1]!.sequence).toBe(1);
  expect(mails.filter((m) => m.uid === events[1]!.uid).map((m) => `${m.method} ${m.sequence}`)).toEqual([
    "REQUEST 0",
    "REQUEST 1",
  ]);

  // Across the clock change: a booking on the day after, still 09:00 local, another offset.
  expect(await c.request(`selection ${a0900![0]}`)).toBe("doc1 41000");
  await within(2000, async () => smtp.files().length >= 6);
  const out = await runPatient([...patient, "--ics", "-"]);
  expect(out.code).toBe(0);
  writeFileSync(join(tmp.dir, "stdout.ics"), out.stdout);
  const three = parseIcs([join(tmp.dir, "stdout.ics")]);
  const afterMs = Temporal.Instant.from(a0900![1]!).epochMilliseconds;
  expect(three.map((e) => e.local)).toEqual([
    events[0]!.local,
    events[1]!.local,
    pythonLocal(zone, afterMs, `${after}T09:00`),
  ]);
  expect(three[0]!.local.slice(-5)).not.toBe(three[2]!.local.slice(-5));
  const rebooked = parseIcs(smtp.files()).at(-1)!;
  expect([three[2]!.uid, three[2]!.sequence]).toEqual([rebooked.uid, rebooked.sequence]);
  expect(three[2]!.uid).not.toBe(mails.find((m) => m.method === "CANCEL")!.uid); // a new booking, a new event
  expect(out.stdout).toContain("BEGIN:VTIMEZONE\r\n");

  // An unwritable path: one line, exit 2, nothing written.
  const bad = await runPatient([...patient, "--ics", join(tmp.dir, "no-such-dir", "x.ics")]);
  expect([bad.code, bad.stderr.trim().split("\n").length]).toEqual([2, 1]);
  expect(bad.stderr).toContain(`cannot write the calendar file ${join(tmp.dir, "no-such-dir", "x.ics")}: ENOENT`);
  c.close();
});

test("--ics on a server without a calendar says so in one line, exit 2, and writes nothing", async () => {
  const data = await writeDataDir(join(tmp.dir, "classic"), 4);
  chmodSync(join(data, "patient1.txt"), 0o600);
  const server = await startServer(["--db", join(tmp.dir, "classic.db"), "--data", data]);
  running.push(server.proc);
  const file = join(tmp.dir, "classic.ics");
  const run = await runPatient(["patient1", "--data", data, "--server", `127.0.0.1:${server.port}`, "--ics", file]);
  expect(run.code).toBe(2);
  expect(run.stderr.trim().split("\n")).toEqual([expect.any(String)]);
  expect(run.stderr).toContain("ics needs a calendar (this server has a weekday file)");
  expect(existsSync(file)).toBe(false);
  const both = await runPatient(["patient1", "--data", data, "--ics", file, "--list"]);
  expect([both.code, both.stderr]).toEqual([2, expect.stringContaining("give one of --slot, --list")]);
});

test("an appointment booked while the outbox was off keeps its derived UID when a message is sent later", async () => {
  const path = join(tmp.dir, "off-then-on.db");
  const off = await calendar(path, undefined, []);
  const start = Temporal.Now.plainDateISO("Europe/London")
    .add({ days: 3 })
    .toZonedDateTime({ timeZone: "Europe/London", plainTime: "10:00" }).epochMilliseconds;
  const [from, to] = [slotId(1, start), slotId(1, start + 15 * 60_000)];
  expect(await off.store.commit([{ kind: "book", index: from, patient: "patient1" }])).toEqual([{ kind: "done" }]);
  expect(await off.rows()).toEqual([]);
  await off.close();
  const on = await calendar(path, undefined, ["webhook"]);
  expect(await on.store.commit([{ kind: "move", from, to, patient: "patient1" }])).toEqual([{ kind: "done" }]);
  const uid = derivedUid({ doctor: 1, startMs: start, patient: "patient1" });
  expect((await on.rows()).map((r) => `${r.kind} ${r.seq} ${r.uid}`)).toEqual([`moved 1 ${uid}`, `reminder 1 ${uid}`]);
  await on.close();
});

test("a server's ics reply is checked before it goes into the file: nothing it says can add a line", () => {
  const good = ["zone Europe/London", 'clinic "Caf\\u00e9\\r\\nBEGIN:VEVENT"', 'address ""', "later-key x"];
  const event = "event 2 abc-1@healthcenter 299455800002 2026-12-08T13:00+00:00 30 doc2";
  const parsed = parseIcsReply([...good, event]);
  if (!parsed.ok) throw new Error(parsed.error);
  expect(parsed.value.clinic).toBe("Café  BEGIN:VEVENT");
  const text = icsFileText(parsed.value, Date.UTC(2026, 11, 4));
  expect(text.split("\r\n").filter((l) => l === "BEGIN:VEVENT")).toHaveLength(1);
  expect(text).toContain("UID:abc-1@healthcenter\r\nSEQUENCE:2\r\n");
  expect(text).toContain("DTSTART;TZID=Europe/London:20261208T130000\r\n");
  for (const bad of [
    ["zone Europe/London;X=1", event],
    ["zone Nowhere/Atlantis", event],
    [event],
    ["zone UTC", "event 0 a:b@x 299455800002 2026-12-08T13:00+00:00 30 doc2"],
    ["zone UTC", "event 0 a@x 299455800002 2026-12-08T13:00+00:00 30 doc2 extra"],
    ["zone UTC", "event 0 a@x 299455800002 tomorrow 30 doc2"],
    ["zone UTC", "clinic not-json"],
  ])
    expect(parseIcsReply(bad).ok).toBe(false);
  expect(parseIcsReply(["error unknown command"])).toEqual({ ok: false, error: "unknown command" });
});
