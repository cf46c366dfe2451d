// A calendar's SQLite file is guarded as the classic one is where it matters most: a second server on
// it is refused unless --shared-sqlite, and once the file is deleted under the server nothing more is
// confirmed into a file no path names (before: both servers started, and bookings were confirmed into
// the deleted file and lost with it).
import { afterAll, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { availability, listing, rule_doc1, zone } from "./calendar-helpers.ts";
import { bun, login, runToEnd, startServer, tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function calendarDb(name: string): Promise<string[]> {
  const db = ["--db", join(tmp.dir, name)];
  expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
  return db;
}

test("a second server on a calendar's SQLite file is refused (exit 2) unless --shared-sqlite", async () => {
  const db = await calendarDb("two.db");
  const first = await startServer([...db, "--time-zone", zone]);
  try {
    const args = [bun, "roles/healthcenterserver.ts", ...db, "--time-zone", zone, "--port", "0"];
    const second = await runToEnd(args, "", 15_000);
    expect(second.code).toBe(2);
    expect(second.stderr).toContain("--shared-sqlite");
  } finally {
    await first.stop();
  }
});

test("a calendar's SQLite file deleted under the server: later bookings answer an error, never a confirmation", async () => {
  const db = await calendarDb("deleted.db");
  const server = await startServer([...db, "--time-zone", zone]);
  try {
    const c = await login(server.port);
    const ids = (await listing(c, "slots limit=2")).map((l) => l.split(" ")[0]!);
    expect(await c.request(`selection ${ids[0]}`)).toBe("doc1 41000");
    for (const suffix of ["", "-wal", "-shm"]) rmSync(db[1]! + suffix, { force: true });
    expect(await c.request(`selection ${ids[1]}`)).toMatch(/^error /);
    await server.stderr.waitFor(/BOOKINGS STOPPED: .*deleted\.db was deleted/);
    c.close();
  } finally {
    await server.stop();
  }
});
