// The staff page on a calendar in a real browser (Debian's chromium, playwright-core): one week at a
// time with its dates in calendar order, moved week by week with the buttons, the zone in the note; the
// front desk's override of a clinic's rule (the box and a reason).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { startServer, tempDir, writeDataDir, type Running } from "./helpers.ts";
import { staffFile } from "./staff-helpers.ts";
import { availability, zone } from "./calendar-helpers.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";

const chromium_path = "/usr/bin/chromium";
const browserTest = existsSync(chromium_path) ? test : test.skip;
const tmp = tempDir();
let server: Running | undefined;
let context: BrowserContext | undefined;
let http = 0;

beforeAll(async () => {
  if (!existsSync(chromium_path)) return;
  const db = ["--db", join(tmp.dir, "week.db")];
  const rule = ["add", "doc1", "--days", "mon-sun", "--start", "09:00", "--end", "10:00", "--minutes", "30"];
  expect((await availability(db, ...rule, "--port", "41000")).code).toBe(0);
  const staff = await staffFile([["alice", "admin", "alice-password-1"]]);
  const data = await writeDataDir(join(tmp.dir, "data"), 6, { "staff.txt": staff });
  server = await startServer([...db, "--data", data, "--time-zone", zone, "--http", "127.0.0.1:0"]);
  http = Number((await server.stdout.waitFor(/Staff page: http:\/\/127\.0\.0\.1:(\d+)\//))[1]);
  const { chromium } = await import("playwright-core");
  context = await chromium.launchPersistentContext(join(tmp.dir, "profile"), {
    executablePath: chromium_path,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
  });
}, 30_000);

afterAll(async () => {
  await context?.close();
  await server?.stop();
  tmp.cleanup();
});

function monday(date: Temporal.PlainDate): string {
  return date.subtract({ days: date.dayOfWeek - 1 }).toString();
}

async function headers(page: Page): Promise<string[]> {
  return (await page.$$eval("#grid thead th", (ths) => ths.map((th) => th.textContent ?? ""))).slice(1);
}

browserTest(
  "a week at a time, in date order, moved with the buttons; the zone shown",
  async () => {
    const page = await context!.newPage();
    await page.goto(`http://127.0.0.1:${http}/`);
    const today = Temporal.Now.plainDateISO(zone);
    const first = monday(today.add({ days: 1 }));
    await page.waitForSelector("#week-label");
    const label = async () => (await page.textContent("#week-label"))?.trim();
    const deadline = Date.now() + 10_000;
    while (!(await label())?.startsWith("Week of Monday") && Date.now() < deadline) await Bun.sleep(50);
    const shown = (await label())!.slice("Week of Monday ".length);
    expect([monday(today), first]).toContain(shown);
    const days = await headers(page);
    expect(days.length).toBeGreaterThan(0);
    expect(days.every((d) => monday(Temporal.PlainDate.from(d.slice(0, 10))) === shown)).toBe(true);
    expect(days).toEqual([...days].sort());
    expect(await page.textContent("#note")).toContain(`Times in ${zone}.`);
    await page.click("#next-week");
    const next = Temporal.PlainDate.from(shown).add({ days: 7 }).toString();
    while ((await label()) !== `Week of Monday ${next}` && Date.now() < deadline + 10_000) await Bun.sleep(50);
    expect(await label()).toBe(`Week of Monday ${next}`);
    const nextDays = await headers(page);
    expect(nextDays).toHaveLength(7);
    expect(nextDays[0]).toBe(`${next} Mon`);
    await page.click("#prev-week");
    while ((await label()) !== `Week of Monday ${shown}` && Date.now() < deadline + 20_000) await Bun.sleep(50);
    expect(await label()).toBe(`Week of Monday ${shown}`);
  },
  60_000,
);

browserTest(
  "an admin signed in marks a doctor away from the page; the week then shows no slots that day",
  async () => {
    const page = await context!.newPage();
    await page.goto(`http://127.0.0.1:${http}/`);
    await page.fill("#name", "alice");
    await page.fill("#password", "alice-password-1");
    await page.click("#signin button[type=submit]");
    await page.waitForSelector("#leave:not([hidden])", { timeout: 10_000 });
    const day = Temporal.Now.plainDateISO(zone).add({ days: 3 }).toString();
    await page.fill("#leave-doctor", "doc1");
    await page.fill("#leave-from", day);
    await page.fill("#leave-reason", "training");
    await page.click("#leave button[type=submit]");
    const deadline = Date.now() + 10_000;
    let message = "";
    while (!message.includes("away") && Date.now() < deadline) {
      message = (await page.textContent("#leave-message")) ?? "";
      await Bun.sleep(50);
    }
    expect(message).toContain(`doc1 away ${day}`);
    // The page's own reads count against the schedule's budget too (20 a second): a 503 is asked again.
    const note = async () => {
      for (let i = 0; i < 40; i++) {
        const res = await fetch(`http://127.0.0.1:${http}/api/schedule`);
        if (res.status !== 503) return (await res.json()) as { note: string };
        await Bun.sleep(50);
      }
      throw new Error("the schedule was refused 40 times in a row");
    };
    while (!(await note()).note.includes("Away") && Date.now() < deadline + 5_000) await Bun.sleep(50);
    expect((await note()).note).toContain(`doc1 ${day}..${day} (training)`);
  },
  60_000,
);

async function textBecomes(page: Page, selector: string, matches: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 10_000;
  let seen = "";
  while (Date.now() < deadline) {
    seen = (await page.textContent(selector).catch(() => null)) ?? "";
    if (matches(seen)) return seen;
    await Bun.sleep(50);
  }
  throw new Error(`${selector} shows ${JSON.stringify(seen)}`);
}

browserTest(
  "the front desk is told a clinic's rule refused a booking, and overrides it with the box and a reason",
  async () => {
    const db = ["--db", join(tmp.dir, "rules.db")];
    const rule = ["add", "doc1", "--days", "mon-sun", "--start", "09:00", "--end", "10:00", "--minutes", "30"];
    expect((await availability(db, ...rule, "--port", "41000")).code).toBe(0);
    const staff = await staffFile([["alice", "front-desk", "alice-password-1"]]);
    const data = await writeDataDir(join(tmp.dir, "rules-data"), 6, { "staff.txt": staff });
    const rules = await startServer([
      ...db,
      "--data",
      data,
      "--time-zone",
      zone,
      "--http",
      "127.0.0.1:0",
      "--min-notice",
      "3d",
    ]);
    try {
      const base = (await rules.stdout.waitFor(/Staff page: (http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
      const page = await context!.newPage();
      await page.goto(`${base}/`);
      await page.fill("#name", "alice");
      await page.fill("#password", "alice-password-1");
      await page.press("#password", "Enter");
      await page.waitForSelector("#desk", { state: "visible", timeout: 10_000 });
      const start = Temporal.Now.plainDateISO(zone)
        .add({ days: 1 })
        .toZonedDateTime({ timeZone: zone, plainTime: "09:00" });
      const slot = String(slotId(1, start.epochMilliseconds));
      await page.fill("#desk-patient", "patient1");
      await page.fill("#desk-slot", slot);
      await page.click("#desk-book");
      const refused = await textBecomes(page, "#desk-message", (t) => t.startsWith("too soon to book"));
      expect(refused).toEndWith("(to do it anyway: tick Override and give a reason)");
      await page.check("#desk-override");
      await page.click("#desk-book");
      await textBecomes(page, "#desk-message", (t) => t === "an override of the clinic's rules needs a reason");
      await page.fill("#desk-reason", "doctor asked for it");
      await page.click("#desk-book");
      await textBecomes(page, "#desk-message", (t) => t === `booked: slot ${slot} for patient1`);
      expect(await page.isChecked("#desk-override")).toBe(false);
      await page.close();
    } finally {
      await rules.stop();
    }
  },
  60_000,
);
