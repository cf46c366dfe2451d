// The front desk in a real browser (Debian's chromium driven by playwright-core), on a 390-pixel
// phone screen and with the keyboard only: sign in, find a patient by name, book, cancel with a
// reason, read the slot's history; then a race for one slot between the page and 50 patients over
// TCP: one winner, and the audit trail tells both sides truthfully.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import type { BrowserContext } from "playwright-core";
import { launchPhone, no_browser, typeInto, until } from "./browser-helpers.ts";
import { login, readBookings, tempDir } from "./helpers.ts";
import { staffFile, startStaffServer, type StaffServer } from "./staff-helpers.ts";

if (no_browser) console.warn(`skipping the front desk browser test: ${no_browser}`);

let staff: StaffServer;
let context: BrowserContext;
const profile = tempDir();

beforeAll(async () => {
  if (no_browser) return;
  const accounts = await staffFile([["alice", "front-desk", "alice-password-1"]]);
  staff = await startStaffServer({ slots: 12, staff: accounts, args: ["--bookings-per-patient", "0"] });
  context = await launchPhone(profile.dir);
}, 30_000);

afterAll(async () => {
  await context?.close();
  await staff?.stop();
  profile.cleanup();
});

function auditRows(db: string, subject: string): { actor: string; role: string; action: string; after: string }[] {
  const d = new Database(db, { readonly: true });
  try {
    return d.query("SELECT actor, role, action, after FROM audit WHERE subject = ? ORDER BY seq").all(subject) as {
      actor: string;
      role: string;
      action: string;
      after: string;
    }[];
  } finally {
    d.close();
  }
}

test.skipIf(no_browser !== undefined)(
  "keyboard only on a phone: sign in, find a patient, book, cancel with a reason, read the history; a race with 50 TCP patients has one winner",
  async () => {
    const page = await context.newPage();
    const blocked: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) blocked.push(m.text());
    });
    await page.goto(staff.base + "/");
    await page.waitForSelector('#slot-5[data-state="free"]');
    expect(await page.isVisible("#desk")).toBe(false);
    await page.focus("#name");
    await page.keyboard.type("alice");
    await page.keyboard.press("Tab");
    await page.keyboard.type("alice-password-1");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#desk", { state: "visible", timeout: 10_000 });

    // Search by part of a name: the list offers the patients.
    await typeInto(page, "#desk-patient", "tient");
    const deadline = Date.now() + 5_000;
    while ((await page.$$("#desk-patients option")).length < 2 && Date.now() < deadline) await Bun.sleep(50);
    expect(
      await page.$$eval("#desk-patients option", (o) => o.map((x) => (x as unknown as { value: string }).value)),
    ).toEqual(["patient1", "patient2"]);
    await typeInto(page, "#desk-patient", "patient1");
    await typeInto(page, "#desk-slot", "5");
    await page.keyboard.press("Tab"); // to Book
    await page.keyboard.press("Enter");
    await until(page, "#desk-message", (t) => t === "booked: slot 5 for patient1");
    await until(page, "#slot-5", (t) => t === "#5 patient1");
    expect(readBookings(staff.db).get(5)).toBe("patient1");

    // A move, by keyboard: the old slot frees and the new one fills, live.
    await typeInto(page, "#desk-to", "7");
    await page.keyboard.press("Tab"); // to Move
    await page.keyboard.press("Enter");
    await until(page, "#desk-message", (t) => t === "moved: slot 7 for patient1");
    await until(page, "#slot-5", (t) => t === "#5 free");
    await until(page, "#slot-7", (t) => t === "#7 patient1");
    await typeInto(page, "#desk-slot", "7");

    // A cancellation without a reason is refused; with one it is done, and shows live.
    await page.focus("#desk-cancel");
    await page.keyboard.press("Enter");
    await until(page, "#desk-message", (t) => t === "a cancellation needs a reason");
    await typeInto(page, "#desk-reason", "phoned: <b>ill</b>");
    await page.focus("#desk-cancel");
    await page.keyboard.press("Enter");
    await until(page, "#desk-message", (t) => t.startsWith("cancelled"));
    await until(page, "#slot-7", (t) => t === "#7 free");

    await typeInto(page, "#history-slot", "7");
    await page.keyboard.press("Enter");
    const lines = await until(page, "#history-lines", (t) => t.includes("cancelled"));
    expect(lines).toMatch(
      /^booked by alice \(front-desk\) via staff-page from 127\.0\.0\.1 on \w{3} \d+ \w{3}, \d\d:\d\d/,
    );
    expect(lines).toContain("moved by alice (front-desk) via staff-page from 127.0.0.1 on ");
    expect(lines).toContain(" from slot 5 to slot 7");
    expect(lines).toContain('reason: "phoned: <b>ill</b>"');
    expect(await page.$$("#history-lines b")).toHaveLength(0);
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);

    // The race: 50 patients over TCP and the page, for slot 9, all at once.
    const patients = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        login(staff.server.port, i % 2 ? "patient2" : "patient1", i % 2 ? "password222" : "password111"),
      ),
    );
    await typeInto(page, "#desk-patient", "patient2");
    await typeInto(page, "#desk-slot", "9");
    await page.focus("#desk-book");
    const [replies] = await Promise.all([
      Promise.all(patients.map((c) => c.request("selection 9"))),
      page.keyboard.press("Enter"),
    ]);
    for (const c of patients) c.close();
    const message = await until(page, "#desk-message", (t) => /slot 9|taken/.test(t));
    const pageWon = message === "booked: slot 9 for patient2";
    const tcpWins = replies.filter((r) => r?.startsWith("doc")).length;
    expect(tcpWins + (pageWon ? 1 : 0)).toBe(1);
    expect(replies.filter((r) => r === "notavailable").length).toBe(pageWon ? 50 : 49);
    const holder = readBookings(staff.db).get(9);
    const records = auditRows(staff.db, "slot 9");
    const booked = records.filter((r) => r.action === "booking.booked");
    expect(booked).toHaveLength(1);
    if (pageWon) {
      expect(holder).toBe("patient2");
      expect(booked[0]).toMatchObject({ actor: "alice", role: "front-desk" });
    } else {
      expect(message).toBe("that slot is taken");
      expect(booked[0]).toMatchObject({ actor: holder, role: "patient" });
      expect(records).toContainEqual({
        actor: "alice",
        role: "front-desk",
        action: "booking.book.refused",
        after: '{"patient":"patient2","outcome":"notavailable"}',
      });
    }
    await until(page, "#slot-9", (t) => t === `#9 ${holder}`);
    expect(blocked).toEqual([]);
    await page.close();
  },
  60_000,
);
