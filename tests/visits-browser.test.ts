// Marking visits in a real browser (Debian's chromium driven by playwright-core), on a 390-pixel phone
// screen with the keyboard only: the front desk signs in, reads today's list in time order with each
// status (one over and unmarked shows "not marked"), marks one arrived and one seen, and a mark
// that makes no sense now (no-show before the start, anything once seen) is not offered; the
// database and the trail agree.
import { afterAll, beforeAll, expect, test } from "bun:test";
import type { BrowserContext } from "playwright-core";
import { launchPhone, no_browser, until } from "./browser-helpers.ts";
import { tempDir } from "./helpers.ts";
import { auditOf, startVisitServer, statusesIn, type VisitServer } from "./visit-helpers.ts";

if (no_browser) console.warn(`skipping the visit marking browser test: ${no_browser}`);

let s: VisitServer;
let context: BrowserContext;
const profile = tempDir();

beforeAll(async () => {
  if (no_browser) return;
  s = await startVisitServer(["--mark-grace", "45m"]);
  context = await launchPhone(profile.dir);
}, 60_000);

afterAll(async () => {
  await context?.close();
  await s?.stop();
  profile.cleanup();
});

test.skipIf(no_browser !== undefined)(
  "keyboard only on a phone: today's list with each status, arrived and seen marked, only the marks that make sense offered",
  async () => {
    const page = await context.newPage();
    const refused: string[] = [];
    page.on("console", (m) => {
      if (m.text().includes("Refused to")) refused.push(m.text());
    });
    await page.goto(s.base + "/");
    await page.focus("#name");
    await page.keyboard.type("desk");
    await page.keyboard.press("Tab");
    await page.keyboard.type("desk-password-1");
    await page.keyboard.press("Enter");
    const { A, B, C, D, I } = s.at;
    const status = (a: typeof A) => `#visit-${a!.id} .visit-status`;
    await until(page, status(A), (t) => t === "not marked");
    // Time order, each with its status.
    const ids = await page.$$eval("#today-rows tr", (rows) => rows.map((r) => r.id));
    expect(ids).toEqual([A, I, C, B, D].map((a) => `visit-${a!.id}`));
    expect(await page.textContent(status(B))).toBe("booked");
    expect(await page.textContent(status(I))).toBe("cancelled by the clinic: doctor ill");
    expect(await page.$$(`#visit-${I!.id} button`)).toHaveLength(0);

    // Arrived for the one later today, by keyboard: focus its first button, Enter.
    await page.focus(`#visit-${D!.id} button:nth-of-type(1)`);
    await page.keyboard.press("Enter");
    await until(page, status(D), (t) => t === "arrived");
    expect(await page.textContent("#today-message")).toContain("patient2");
    // Seen for the one over: Tab from its Arrived button to Seen.
    await page.focus(`#visit-${A!.id} button:nth-of-type(1)`);
    await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await until(page, status(A), (t) => t === "seen");
    // Only the marks that make sense now are offered: none for the one seen, none for the one arrived
    // before its start (seen and no-show wait for it); the server refuses them anyway (visits.test.ts).
    expect(await page.$$(`#visit-${A!.id} button`)).toHaveLength(0);
    expect(await page.$$(`#visit-${D!.id} button`)).toHaveLength(0);
    expect(await page.textContent(status(D))).toBe("arrived");

    const stored = statusesIn(s.db);
    expect([A, B, C, D].map((a) => stored.get(a!.id))).toEqual(["fulfilled", "booked", "booked", "arrived"]);
    expect(auditOf(s.db, `slot ${A!.id}`).map((r) => [r.actor, r.action])).toEqual([["desk", "appointment.fulfilled"]]);
    expect(auditOf(s.db, `slot ${D!.id}`).map((r) => [r.actor, r.action])).toEqual([["desk", "appointment.arrived"]]);
    expect(refused).toEqual([]);
    await page.close();
  },
  60_000,
);
