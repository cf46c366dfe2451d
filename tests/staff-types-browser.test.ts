// The staff page on a typed calendar in a real browser (Debian's chromium, playwright-core), on a
// 390-pixel phone screen with the keyboard only: the type selector changes the week to that type's
// starts (a start a booked span meets shown as not free), the front desk books the chosen type, and a
// type's own rule refuses it until Override is ticked with a reason.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import type { BrowserContext, Page } from "playwright-core";
import { launchPhone, no_browser, typeInto, until } from "./browser-helpers.ts";
import { login, tempDir, type Running } from "./helpers.ts";
import { at, typedStaffClinic } from "./staff-types-helpers.ts";

if (no_browser) console.warn(`skipping the typed staff page browser test: ${no_browser}`);

const tmp = tempDir();
let clinic: { server: Running; base: string; db: string };
let context: BrowserContext;

beforeAll(async () => {
  if (no_browser) return;
  // long may be booked 3 days ahead at the soonest: tomorrow's needs the desk's override.
  clinic = await typedStaffClinic(tmp.dir, "browser", ["--min-notice", "3d"]);
  context = await launchPhone(tmp.dir);
}, 30_000);

afterAll(async () => {
  await context?.close();
  await clinic?.server.stop();
  tmp.cleanup();
});

/** The selector moved by arrow keys to `value`. */
async function chooseType(page: Page, value: string): Promise<void> {
  const values = await page.$$eval("#view-type option", (o) => o.map((x) => (x as unknown as { value: string }).value));
  const from = values.indexOf(await page.inputValue("#view-type"));
  const to = values.indexOf(value);
  await page.focus("#view-type");
  for (let i = from; i !== to; i += to > from ? 1 : -1) await page.keyboard.press(to > from ? "ArrowDown" : "ArrowUp");
  expect(await page.inputValue("#view-type")).toBe(value);
}

test.skipIf(no_browser !== undefined)(
  "keyboard only on a phone: choose a type, see its starts and the ones a booked span meets, book that type, override a type's own rule with a reason",
  async () => {
    const { server, base, db } = clinic;
    const c = await login(server.port);
    expect(await c.request(`selection ${at(1, "09:15")} type=followup`)).toBe("doc1 41000");
    c.close();
    const page = await context.newPage();
    const refusedByCsp: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) refusedByCsp.push(m.text());
    });
    await page.goto(base + "/");
    await page.waitForSelector("#types", { state: "visible", timeout: 10_000 });
    // Tomorrow may be in the second week listed.
    if ((await page.$(`#slot-${at(1, "09:00")}`)) === null) {
      await page.focus("#next-week");
      await page.keyboard.press("Enter");
    }
    // Each doctor's default: doc1's first consultation at 09:00 would meet the 09:15 follow-up.
    await until(page, `#slot-${at(1, "09:00")}`, (t) => t === `#${at(1, "09:00")} not free`);
    expect(await page.$(`#slot-${at(1, "09:45")}`)).toBeNull();

    await page.focus("#name");
    await page.keyboard.type("alice");
    await page.keyboard.press("Tab");
    await page.keyboard.type("alice-password-1");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#desk", { state: "visible", timeout: 10_000 });

    // Follow-ups: 09:00 is free for 15 minutes, 09:45 is listed.
    await chooseType(page, "followup");
    await until(page, `#slot-${at(1, "09:45")}`, (t) => t === `#${at(1, "09:45")} free`);
    await until(page, `#slot-${at(1, "09:00")}`, (t) => t === `#${at(1, "09:00")} free`);
    await until(page, `#slot-${at(1, "09:15")}`, (t) => t === `#${at(1, "09:15")} patient1`);
    await typeInto(page, "#desk-patient", "patient2");
    await typeInto(page, "#desk-slot", String(at(1, "09:45")));
    await page.keyboard.press("Tab"); // to Book
    await page.keyboard.press("Enter");
    await until(page, "#desk-message", (t) => t === `booked: slot ${at(1, "09:45")} (followup) for patient2`);
    await until(page, `#slot-${at(1, "09:45")}`, (t) => t === `#${at(1, "09:45")} patient2`);

    // Back to the defaults: a first consultation at 09:30 would now meet the 09:45 follow-up.
    await chooseType(page, "");
    await until(page, `#slot-${at(1, "09:30")}`, (t) => t === `#${at(1, "09:30")} not free`);
    await until(page, `#slot-${at(1, "10:00")}`, (t) => t === `#${at(1, "10:00")} free`);

    // long's own minimum notice refuses tomorrow; Override with a reason books it as long.
    await chooseType(page, "long");
    await until(page, `#slot-${at(2, "10:00")}`, (t) => t === `#${at(2, "10:00")} free`);
    await typeInto(page, "#desk-slot", String(at(2, "10:00")));
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await until(page, "#desk-message", (t) => t.endsWith("(to do it anyway: tick Override and give a reason)"));
    await typeInto(page, "#desk-reason", "urgent, doctor agreed");
    await page.focus("#desk-override");
    await page.keyboard.press("Space");
    await page.focus("#desk-book");
    await page.keyboard.press("Enter");
    await until(page, "#desk-message", (t) => t === `booked: slot ${at(2, "10:00")} (long) for patient2`);
    await until(page, `#slot-${at(2, "10:00")}`, (t) => t === `#${at(2, "10:00")} patient2`);
    await until(page, `#slot-${at(2, "09:30")}`, (t) => t === `#${at(2, "09:30")} not free`);
    const d = new Database(db, { readonly: true });
    const rows = d.query("SELECT doctor, type, minutes, before_min, after_min, patient FROM appointments").values();
    d.close();
    expect(rows).toContainEqual([1, "followup", 15, 0, 0, "patient2"]);
    expect(rows).toContainEqual([2, "long", 30, 5, 15, "patient2"]);
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    expect(refusedByCsp).toEqual([]);
    await page.close();
  },
  60_000,
);
