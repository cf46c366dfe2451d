// Chromium for the staff page's tests: Debian's, driven by playwright-core (.ci/run installs it when
// missing; where it could not, `no_browser` says why and the tests skip), and what they do on a page.
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { BrowserContext, Page } from "playwright-core";

export const chromium_path = "/usr/bin/chromium";
export const no_browser = existsSync(chromium_path) ? undefined : `${chromium_path} is not installed`;

/** A headless Chromium with its profile under `dir`, on a 390-pixel phone screen. */
export async function launchPhone(dir: string): Promise<BrowserContext> {
  const { chromium } = await import("playwright-core");
  return chromium.launchPersistentContext(join(dir, "profile"), {
    executablePath: chromium_path,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"],
    viewport: { width: 390, height: 844 },
  });
}

/** Polled from here: a predicate evaluated in the page would be eval, which the page's CSP forbids. */
export async function until(page: Page, selector: string, matches: (text: string) => boolean): Promise<string> {
  const deadline = Date.now() + 10_000;
  let seen = "";
  while (Date.now() < deadline) {
    seen = (await page.textContent(selector).catch(() => null)) ?? "";
    if (matches(seen)) return seen;
    await Bun.sleep(50);
  }
  throw new Error(`${selector} shows ${JSON.stringify(seen)}`);
}

/** Replaces a field's text by typing, as a person would. */
export async function typeInto(page: Page, selector: string, text: string): Promise<void> {
  await page.focus(selector);
  await page.keyboard.press("Control+A");
  await page.keyboard.type(text);
}
