// Bookings are durable: confirmed means on disk, across a clean restart and across kill -9.
import { expect, test } from "bun:test";
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { login, readBookings, startServer, tempDir, writeDataDir } from "./helpers.ts";

test("bookings survive a restart on the same database file", async () => {
  const tmp = tempDir();
  const db = join(tmp.dir, "b.db");
  try {
    let server = await startServer(["--db", db]);
    let c = await login(server.port);
    expect(await c.request("selection 2")).toBe("doc2 42000");
    c.close();
    expect(await server.stop()).toBe(0);

    server = await startServer(["--db", db]);
    expect(server.stdout.text).toContain("1 booked in");
    c = await login(server.port, "patient2", "password222");
    expect(await c.available()).toEqual(["1 Tue 01pm", "3 Thu 02pm", "4 Wed 10am", "5 Sat 12pm", "6 Fri 04pm"]);
    expect(await c.request("selection 2")).toBe("notavailable");
    c.close();
    await server.stop();
    expect(readBookings(db).get(2)).toBe("patient1");
  } finally {
    tmp.cleanup();
  }
});

test("kill -9 in the middle of a booking storm loses no confirmed booking and leaves a readable database", async () => {
  const tmp = tempDir();
  const db = join(tmp.dir, "b.db");
  const slots = 20_000;
  try {
    const data = await writeDataDir(tmp.dir, slots);
    const server = await startServer(["--db", db, "--data", data, "--bookings-per-patient", "0", "--quiet"]);
    const confirmed = new Map<number, string>();
    let next = 1;
    let killed = false;
    const worker = async (w: number) => {
      const user = w % 2 ? "patient1" : "patient2";
      const c = await login(server.port, user, w % 2 ? "password111" : "password222").catch(() => undefined);
      if (!c) return;
      while (!killed && next <= slots) {
        const index = next++;
        c.write(`selection ${index}\n`);
        const reply = await c.line(5000).catch(() => undefined);
        if (reply === undefined) return;
        if (/^doc\d \d+$/.test(reply)) confirmed.set(index, user);
      }
      c.close();
    };
    const workers = Array.from({ length: 32 }, (_, w) => worker(w));
    const deadline = Date.now() + 45_000;
    while (confirmed.size < 300 && Date.now() < deadline) await Bun.sleep(5);
    expect(confirmed.size).toBeGreaterThanOrEqual(300);
    server.proc.kill("SIGKILL");
    killed = true;
    await server.proc.exited;
    await Promise.all(workers);

    const check = new Database(db);
    expect((check.query("PRAGMA integrity_check").get() as { integrity_check: string }).integrity_check).toBe("ok");
    check.close();
    const stored = readBookings(db);
    for (const [index, user] of confirmed) expect(stored.get(index)).toBe(user);
    expect(stored.size).toBeGreaterThanOrEqual(confirmed.size);

    const again = await startServer(["--db", db, "--data", data, "--bookings-per-patient", "0", "--quiet"]);
    const c = await login(again.port);
    const someConfirmed = [...confirmed.keys()].slice(-5);
    for (const index of someConfirmed) expect(await c.request(`selection ${index}`)).toBe("notavailable");
    c.close();
    await again.stop();
  } finally {
    tmp.cleanup();
  }
});
