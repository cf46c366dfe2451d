// A calendar's SQLite file is guarded as the classic one is: a second server on it is refused unless
// --shared-sqlite, and a file deleted under the server is restored from the open connection, so a
// restart finds every appointment (before: both servers started, and bookings were confirmed into the
// deleted file and lost with it).
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

for (const how of ["clean", "kill -9"] as const)
  test(`a calendar's SQLite file deleted under the server is restored; after a ${how} stop every appointment is there`, async () => {
    const db = await calendarDb(`deleted-${how === "clean" ? "clean" : "kill"}.db`);
    const server = await startServer([...db, "--time-zone", zone]);
    let ids: string[] = [];
    try {
      const c = await login(server.port);
      ids = (await listing(c, "slots limit=3")).map((l) => l.split(" ")[0]!);
      expect(await c.request(`selection ${ids[0]}`)).toBe("doc1 41000");
      for (const suffix of ["", "-wal", "-shm"]) rmSync(db[1]! + suffix, { force: true });
      expect(await c.request(`selection ${ids[1]}`)).toBe("doc1 41000");
      await server.stderr.waitFor(/DATABASE FILE RESTORED: .*was deleted/);
      expect(await c.request(`selection ${ids[2]}`)).toBe("doc1 41000");
      c.close();
    } finally {
      if (how === "clean") await server.stop();
      else {
        server.proc.kill("SIGKILL");
        await server.proc.exited;
      }
    }
    const again = await startServer([...db, "--time-zone", zone]);
    try {
      const other = await login(again.port, "patient2", "password222");
      for (const id of ids) expect(await other.request(`selection ${id}`)).toBe("notavailable");
      const mine = await login(again.port);
      expect((await listing(mine, "mine")).map((l) => l.split(" ")[0])).toEqual(ids);
      other.close();
      mine.close();
    } finally {
      await again.stop();
    }
  });
