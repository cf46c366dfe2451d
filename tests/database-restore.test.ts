// The booking database file (or only its -wal) deleted or replaced under a running server: the
// server restores it at its path from the connection it still holds open, so a restart, clean or
// after kill -9, finds every confirmed booking, and no slot is ever confirmed to two patients.
import { afterAll, describe, expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { existsSync, linkSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { login, readBookings, type Running, startServer, tempDir } from "./helpers.ts";
import { calendar } from "./notify-helpers.ts";
import { slotId } from "../roles/healthcenterserver/calendar/slot-id.ts";
import { database_file_watch_ms } from "../shared/limits.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

const restored = /DATABASE FILE RESTORED: .*from the copy the server still had open/;

function removeFiles(db: string, suffixes: string[]): void {
  for (const suffix of suffixes) rmSync(db + suffix, { force: true });
}

function replaceWithCopy(db: string): void {
  const copy = `${db}.other`;
  const d = new Database(db);
  d.run(`VACUUM INTO '${copy}'`);
  d.close();
  renameSync(copy, db);
}

async function stopBy(server: Running, how: "clean" | "kill -9"): Promise<void> {
  if (how === "clean") await server.stop();
  else {
    server.proc.kill("SIGKILL");
    await server.proc.exited;
  }
}

/** Restarted on the file: every confirmed slot is patient1's and refused to patient2; the others are free. */
async function expectAllKept(db: string, confirmed: number[]): Promise<void> {
  const server = await startServer(["--db", db]);
  try {
    const c = await login(server.port, "patient2", "password222");
    for (const slot of confirmed) expect(await c.request(`selection ${slot}`)).toBe("notavailable");
    expect(await c.request("selection 6")).toBe("doc2 42000");
    c.close();
  } finally {
    await server.stop();
  }
  const expected: [number, string][] = [...confirmed.map((s): [number, string] => [s, "patient1"]), [6, "patient2"]];
  expect([...readBookings(db)].sort()).toEqual(expected);
}

const faults: [string, (db: string) => void][] = [
  ["the file, its -wal and -shm deleted", (db) => removeFiles(db, ["", "-wal", "-shm"])],
  ["only the -wal and -shm deleted", (db) => removeFiles(db, ["-wal", "-shm"])],
  ["only the -wal deleted", (db) => removeFiles(db, ["-wal"])],
  ["the file replaced by another", replaceWithCopy],
];

describe("a deleted or replaced database file loses nothing", () => {
  for (const [fault, breakIt] of faults)
    for (const how of ["clean", "kill -9"] as const) {
      test(`${fault}, then a booking, then a ${how} stop: every confirmed booking is there after the restart`, async () => {
        const db = join(tmp.dir, `${fault.replaceAll(" ", "-")}-${how.replace(" ", "")}.db`);
        const server = await startServer(["--db", db]);
        try {
          const c = await login(server.port);
          expect(await c.request("selection 1")).toBe("doc1 41000");
          expect(await c.request("selection 2")).toBe("doc2 42000");
          breakIt(db);
          expect(await c.request("selection 3")).toBe("doc1 41000");
          await server.stderr.waitFor(restored);
          expect(await c.request("cancel 2")).toBe("cancelled");
          expect(await c.request("selection 4")).toBe("doc1 41000");
          c.close();
        } finally {
          await stopBy(server, how);
        }
        await expectAllKept(db, [1, 3, 4]);
      });
    }

  test("noticed with no booking after it: restored within seconds, so a kill -9 then loses nothing", async () => {
    const db = join(tmp.dir, "unattended.db");
    const server = await startServer(["--db", db]);
    try {
      const c = await login(server.port);
      for (const slot of [1, 3, 4]) await c.request(`selection ${slot}`);
      c.close();
      removeFiles(db, ["-wal", "-shm"]);
      await server.stderr.waitFor(restored, 10_000);
    } finally {
      await stopBy(server, "kill -9");
    }
    await expectAllKept(db, [1, 3, 4]);
  });

  test("deleted, then a clean stop before the watch looks: the stop restores it first", async () => {
    const db = join(tmp.dir, "stopped-at-once.db");
    const server = await startServer(["--db", db]);
    try {
      const c = await login(server.port);
      for (const slot of [1, 3, 4]) expect(await c.request(`selection ${slot}`)).toMatch(/^doc\d /);
      c.close();
      removeFiles(db, ["", "-wal", "-shm"]);
    } finally {
      await server.stop();
    }
    expect(server.stderr.text).toMatch(restored);
    await expectAllKept(db, [1, 3, 4]);
  });

  test("the file that replaced it is kept beside it, not deleted", async () => {
    const db = join(tmp.dir, "kept.db");
    const server = await startServer(["--db", db]);
    try {
      const c = await login(server.port);
      expect(await c.request("selection 1")).toBe("doc1 41000");
      replaceWithCopy(db);
      expect(await c.request("selection 3")).toBe("doc1 41000");
      c.close();
      await server.stderr.waitFor(/the file that was there is kept as .*kept\.db\.replaced-\d+/);
    } finally {
      await server.stop();
    }
    const kept = readdirSync(tmp.dir).filter((f) => /^kept\.db\.replaced-\d+$/.test(f));
    expect(kept.length).toBe(1);
    expect([...readBookings(join(tmp.dir, kept[0]!))]).toEqual([[1, "patient1"]]);
  });

  test("where it cannot be restored (its directory is gone), bookings answer an error and the log says why", async () => {
    const dir = join(tmp.dir, "gone");
    const db = join(dir, "gone.db");
    const { mkdirSync } = await import("node:fs");
    mkdirSync(dir);
    const server = await startServer(["--db", db]);
    try {
      const c = await login(server.port);
      expect(await c.request("selection 1")).toBe("doc1 41000");
      rmSync(dir, { recursive: true, force: true });
      expect(await c.request("selection 2")).toMatch(/^error /);
      await server.stderr.waitFor(/BOOKINGS STOPPED: .*gone\.db was deleted .*could not be restored/);
      expect(await c.request("selection 3")).toMatch(/^error /);
      // Everything that does not write keeps working.
      expect(await c.available()).toEqual(["2 Mon 03pm", "3 Thu 02pm", "4 Wed 10am", "5 Sat 12pm", "6 Fri 04pm"]);
      c.close();
    } finally {
      await server.stop();
    }
    expect(existsSync(db)).toBe(false);
  });
});

test("a store closed and opened again in one process is not taken for a replaced file (its -wal is new)", async () => {
  const path = join(tmp.dir, "reopened.db");
  const start = Temporal.Now.instant().epochMilliseconds + 3 * 24 * 3_600_000;
  const at = (k: number) => slotId(1, Math.floor(start / 900_000) * 900_000 + k * 900_000);
  const first = await calendar(path, undefined, []);
  expect(await first.store.commit([{ kind: "book", index: at(0), patient: "patient1" }])).toEqual([{ kind: "done" }]);
  // The last connection's close deletes the -wal file; a link keeps its inode taken, so the next is another.
  linkSync(`${path}-wal`, join(tmp.dir, "reopened-old-wal"));
  await first.close();
  const again = await calendar(path, undefined, []);
  expect(await again.store.commit([{ kind: "book", index: at(1), patient: "patient2" }])).toEqual([{ kind: "done" }]);
  await Bun.sleep(database_file_watch_ms * 3); // the file watch runs, and finds nothing wrong
  expect(await again.store.commit([{ kind: "book", index: at(2), patient: "patient3" }])).toEqual([{ kind: "done" }]);
  await again.close();
  const d = new Database(path, { readonly: true });
  expect(d.query("SELECT patient FROM appointments ORDER BY start_ms").values()).toEqual([
    ["patient1"],
    ["patient2"],
    ["patient3"],
  ]);
  d.close();
  expect(readdirSync(tmp.dir).filter((f) => f.includes("reopened.db.replaced"))).toEqual([]);
});
