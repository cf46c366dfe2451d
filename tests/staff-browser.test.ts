// The staff page in a real browser: Debian's chromium driven by playwright-core. The page loads,
// a booking made over TCP appears without a reload, signing in with the token shows the name,
// and a screenshot is saved to the test's temp dir. .ci/run installs chromium when missing.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";
import { login, startServer, tempDir, writeDataDir } from "./helpers.ts";
import { availability, listing, zone } from "./calendar-helpers.ts";
import { signIn, staff_token, staffFile, startStaffServer, type StaffServer } from "./staff-helpers.ts";

const chromium_path = "/usr/bin/chromium";
const no_browser = existsSync(chromium_path)
  ? undefined
  : `${chromium_path} is not installed (.ci/run installs Debian's chromium with apt-get; it could not here)`;
if (no_browser) console.warn(`skipping the staff page browser test: ${no_browser}`);

const chromium_args = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

let staff: StaffServer;
let context: BrowserContext;
const profile = tempDir();

beforeAll(async () => {
  if (no_browser) return;
  // A cold chromium start can take seconds on a busy two-core machine.
  staff = await startStaffServer({ slots: 12 });
  const { chromium } = await import("playwright-core");
  // A persistent context is how playwright takes a user data dir: a fresh one per run.
  context = await chromium.launchPersistentContext(join(profile.dir, "profile"), {
    executablePath: chromium_path,
    headless: true,
    args: chromium_args,
    viewport: { width: 390, height: 844 },
  });
}, 30_000);

afterAll(async () => {
  await context?.close();
  await staff?.stop();
  profile.cleanup();
});

async function slotState(page: Page, index: number, state: "free" | "booked", text?: string): Promise<void> {
  const selector = `#slot-${index}[data-state="${state}"]`;
  await page.waitForSelector(selector, { timeout: 10_000 });
  if (text === undefined) return;
  // Polled from here: a predicate evaluated in the page would be eval, which the page's CSP forbids.
  const deadline = Date.now() + 10_000;
  let seen: string | null = null;
  while (Date.now() < deadline) {
    seen = await page.textContent(selector);
    if (seen === text) return;
    await Bun.sleep(50);
  }
  throw new Error(`slot ${index} shows ${JSON.stringify(seen)}, not ${JSON.stringify(text)}`);
}

test.skipIf(no_browser !== undefined)(
  "a phone-sized page shows a booking made over TCP live, the name once staff sign in, then a move and a cancellation",
  async () => {
    const page = await context.newPage();
    const blocked: string[] = [];
    page.on("console", (m) => {
      if (/Content Security Policy|Refused to/i.test(m.text())) blocked.push(m.text());
    });
    await page.goto(staff.base + "/");
    await slotState(page, 5, "free", "#5 free");
    expect(await page.textContent("#status")).toContain("Live");
    // A marker that a reload would wipe.
    await page.evaluate("window.loadedOnce = true");

    const patient = await login(staff.server.port, "patient1", "password111");
    expect(await patient.request("selection 5")).toMatch(/^doc/);
    patient.close();
    await slotState(page, 5, "booked", "#5 booked");
    expect(await page.evaluate("window.loadedOnce")).toBe(true);
    expect(await page.content()).not.toContain("patient1");
    expect(await page.textContent('[data-doctor="doc1"]')).toContain("1 booked");

    await page.fill("#password", staff_token);
    await page.click('#signin button[type="submit"]');
    await slotState(page, 5, "booked", "#5 patient1");
    expect(await page.isVisible("#signout button")).toBe(true);
    expect(await page.isVisible("#signin")).toBe(false);

    // Readable on a phone: nothing wider than the screen but the grid, which scrolls in its own box.
    expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
    const shot = join(staff.dir, "staff-page.png");
    await page.screenshot({ path: shot, fullPage: true });
    expect(readFileSync(shot).subarray(1, 4).toString()).toBe("PNG");
    console.log(`screenshot: ${shot}`);
    // A move and a cancellation show live too.
    const again = await login(staff.server.port, "patient1", "password111");
    expect(await again.request("reschedule 5 6")).toMatch(/^doc/);
    await slotState(page, 5, "free", "#5 free");
    await slotState(page, 6, "booked", "#6 patient1");
    expect(await again.request("cancel 6")).toBe("cancelled");
    again.close();
    await slotState(page, 6, "free", "#6 free");
    expect(await page.textContent('[data-doctor="doc2"]')).toContain("0 booked");
    expect(blocked).toEqual([]);
    await page.close();
  },
  30_000,
);

/**
 * A server on a calendar of one rule (`doctor`, 09:00-10:00 every day, 30 minutes, port 41000) in the file
 * NAME.db, with a data folder NAME-data of `files` when given, and its staff page's address.
 */
async function oneRuleServer(name: string, doctor: string, files?: Record<string, string>, flags: string[] = []) {
  const db = ["--db", join(profile.dir, `${name}.db`)];
  const rule = ["add", doctor, "--days", "mon-sun", "--start", "09:00", "--end", "10:00", "--minutes", "30"];
  expect((await availability(db, ...rule, "--port", "41000")).code).toBe(0);
  const data = files ? ["--data", await writeDataDir(join(profile.dir, `${name}-data`), 2, files)] : [];
  const server = await startServer([...db, ...flags, ...data, "--time-zone", zone, "--http", "127.0.0.1:0"]);
  try {
    const base = (await server.stdout.waitFor(/Staff page: (http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
    return { server, base };
  } catch (err) {
    await server.stop();
    throw err;
  }
}

test.skipIf(no_browser !== undefined)(
  "a doctor's name of 64 letters wraps in its total: the phone-sized page is no wider than the screen",
  async () => {
    // Before, the totals' boxes did not wrap a long name: the page was 1,037 pixels wide on a 390-pixel phone.
    const long = `dr${"w".repeat(62)}`;
    const { server, base } = await oneRuleServer("long-name", long);
    try {
      const page = await context.newPage();
      await page.goto(base + "/");
      await page.waitForSelector(`[data-doctor="${long}"]`, { timeout: 10_000 });
      expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
      await page.close();
    } finally {
      await server.stop();
    }
  },
  30_000,
);

test.skipIf(no_browser !== undefined)(
  "a cancellation's reason of 480 letters without a space wraps in the slot's history: no wider than the screen",
  async () => {
    // Before, the history's lines did not wrap it: the page was 4,138 pixels wide on a 390-pixel phone.
    const { server, base } = await oneRuleServer("long-reason", "doc1", {
      "staff.txt": await staffFile([["alice", "front-desk", "alice-password-1"]]),
    });
    try {
      const cookie = await signIn(base, "alice", "alice-password-1");
      const c = await login(server.port);
      const [line] = await listing(c, "slots limit=1");
      c.close();
      const slot = line!.split(" ")[0]!;
      const post = (path: string, form: Record<string, string>) =>
        fetch(base + path, { method: "POST", body: new URLSearchParams(form), headers: { Cookie: cookie } });
      expect((await post("/api/book", { slot, patient: "patient1" })).status).toBe(200);
      const reason = "y".repeat(480);
      expect((await post("/api/cancel", { slot, patient: "patient1", reason })).status).toBe(200);
      await context.addCookies([{ name: "hcs_staff", value: cookie.split("=")[1]!, url: base }]);
      const page = await context.newPage();
      await page.goto(base + "/");
      await page.waitForSelector("#history:not([hidden])", { timeout: 10_000 });
      await page.fill("#history-slot", slot);
      await page.click("#history button");
      await page.waitForSelector("#history-lines li:nth-child(2)", { timeout: 10_000 });
      expect(await page.textContent("#history-lines")).toContain(reason);
      expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
      await page.close();
    } finally {
      await context.clearCookies();
      await server.stop();
    }
  },
  30_000,
);

test.skipIf(no_browser !== undefined)(
  "the confirmations' table scrolls in its own box: a failing webhook's rows leave the page no wider than the screen",
  async () => {
    // Before, its seven columns sat in the page itself: 596 pixels wide on a 390-pixel phone.
    const hook = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("down", { status: 500 }) });
    const secret = join(profile.dir, "outbox.secret");
    writeFileSync(secret, "s3cret\n");
    const notify = `[notify]\nwebhook = "http://127.0.0.1:${hook.port}/hook"\nwebhook_secret_file = "${secret}"\n`;
    writeFileSync(join(profile.dir, "outbox.toml"), `${notify}quiet = "none"\n`);
    const { server, base } = await oneRuleServer(
      "outbox",
      "doc1",
      {
        "staff.txt": await staffFile([["alice", "front-desk", "alice-password-1"]]),
        "patient1insurance.txt": "insurance1\nemail patient1@example.org\nphone +15550100\n",
      },
      ["--config", join(profile.dir, "outbox.toml")],
    );
    try {
      const cookie = await signIn(base, "alice", "alice-password-1");
      const c = await login(server.port);
      const [line] = await listing(c, "slots limit=1");
      expect(await c.request(`selection ${line!.split(" ")[0]}`)).toBe("doc1 41000");
      c.close();
      // The page reads the outbox when it opens, then every 10 s: opened once the message is there.
      const listed = async () => {
        const res = await fetch(base + "/api/outbox", { headers: { Cookie: cookie } });
        return res.ok && ((await res.json()) as { pending: unknown[] }).pending.length > 0;
      };
      for (const deadline = Date.now() + 10_000; !(await listed()) && Date.now() < deadline; ) await Bun.sleep(100);
      await context.addCookies([{ name: "hcs_staff", value: cookie.split("=")[1]!, url: base }]);
      const page = await context.newPage();
      await page.goto(base + "/");
      await page.waitForSelector("#outbox-rows tr", { timeout: 20_000 });
      expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
      await page.close();
    } finally {
      await context.clearCookies();
      await server.stop();
      hook.stop(true);
    }
  },
  40_000,
);

test.skipIf(no_browser !== undefined)(
  "a refusal naming a 64-letter doctor wraps in the leave form's message: no wider than the screen",
  async () => {
    // Before, the form's message did not wrap the name: the page was wider than a 390-pixel phone.
    const { server, base } = await oneRuleServer("leave-typo", "doc1", {
      "staff.txt": await staffFile([["boss", "admin", "boss-password-1"]]),
    });
    try {
      const cookie = await signIn(base, "boss", "boss-password-1");
      await context.addCookies([{ name: "hcs_staff", value: cookie.split("=")[1]!, url: base }]);
      const page = await context.newPage();
      await page.goto(base + "/");
      await page.waitForSelector("#leave:not([hidden])", { timeout: 10_000 });
      await page.fill("#leave-doctor", `dr${"w".repeat(62)}`);
      await page.fill("#leave-from", Temporal.Now.plainDateISO(zone).add({ days: 3 }).toString());
      await page.click('#leave button[type="submit"]');
      await page.waitForSelector("#leave-message:has-text('unknown doctor')", { timeout: 10_000 });
      expect(await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")).toBe(true);
      await page.close();
    } finally {
      await context.clearCookies();
      await server.stop();
    }
  },
  30_000,
);
