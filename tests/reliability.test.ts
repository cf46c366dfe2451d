// Concurrency, hostile input, slow and dead clients, shutdown, bad data files.
// Every loop here is bounded in count, and every wait in time.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { join } from "node:path";
import {
  Client,
  login,
  readBookings,
  runToEnd,
  bun,
  startServer,
  tempDir,
  writeDataDir,
  type Running,
} from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function rssKiB(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1]);
}

describe("races", () => {
  test("300 patients selecting the same slot at once: exactly one gets the doctor, the rest notavailable", async () => {
    const db = join(tmp.dir, "race1.db");
    const server = await startServer(["--db", db, "--quiet"]);
    try {
      const clients = await Promise.all(
        Array.from({ length: 300 }, (_, i) =>
          login(server.port, i % 2 ? "patient1" : "patient2", i % 2 ? "password111" : "password222"),
        ),
      );
      for (const c of clients) c.write("selection 4\n");
      const replies = await Promise.all(clients.map((c) => c.line()));
      expect(replies.filter((r) => r === "doc1 41000").length).toBe(1);
      expect(replies.filter((r) => r === "notavailable").length).toBe(299);
      const winner = replies.indexOf("doc1 41000");
      expect(readBookings(db).get(4)).toBe(winner % 2 ? "patient1" : "patient2");
      expect(readBookings(db).size).toBe(1);
      for (const c of clients) c.close();
    } finally {
      await server.stop();
    }
  });

  test("200 patients booking different slots at once: every confirmation is stored, no slot twice", async () => {
    const dir = join(tmp.dir, "race2");
    const data = await writeDataDir(dir, 1000);
    const db = join(dir, "b.db");
    const server = await startServer(["--db", db, "--data", data, "--bookings-per-patient", "0", "--quiet"]);
    try {
      const clients = await Promise.all(Array.from({ length: 200 }, () => login(server.port)));
      // Each asks for 3 slots; neighbours overlap, so half the asks collide.
      const confirmed: number[] = [];
      await Promise.all(
        clients.map(async (c, i) => {
          for (let k = 0; k < 3; k++) {
            const index = ((i + k * 100) % 300) + 1;
            const reply = await c.request(`selection ${index}`);
            expect(reply === "notavailable" || /^doc[12] 4[12]000$/.test(reply!)).toBe(true);
            if (reply !== "notavailable") confirmed.push(index);
          }
        }),
      );
      expect(new Set(confirmed).size).toBe(confirmed.length);
      const stored = readBookings(db);
      expect(stored.size).toBe(confirmed.length);
      for (const index of confirmed) expect(stored.has(index)).toBe(true);
      for (const c of clients) c.close();
    } finally {
      await server.stop();
    }
  });
});

describe("hostile input", () => {
  let server: Running;
  const db = join(tmp.dir, "hostile.db");
  beforeAll(async () => {
    server = await startServer(["--db", db]);
  });
  afterAll(async () => {
    await server.stop();
  });

  /** After each attack, a polite patient is still served and nothing was booked. */
  async function stillServing() {
    const c = await login(server.port, "patient2", "password222");
    expect((await c.available()).length).toBe(6);
    c.close();
    expect(readBookings(db).size).toBe(0);
  }

  test("garbage and binary bytes get an error and, after a few, a closed connection", async () => {
    const c = await Client.connect(server.port);
    c.write(new Uint8Array([0, 1, 2, 3, 255, 254, 10]));
    expect(await c.line()).toBe("error not printable ASCII");
    c.write("\x1b[2J\x07\n");
    expect(await c.line()).toMatch(/^error /);
    c.write("HELO\n");
    expect(await c.line()).toBe("error unknown command");
    await c.waitClosed();
    await stillServing();
  });

  test("a 1 MB line is refused with an error and the connection closed", async () => {
    const c = await Client.connect(server.port);
    c.write("authenticate " + "x".repeat(1024 * 1024) + "\n");
    expect(await c.line()).toBe("error line longer than 1024 bytes");
    await c.waitClosed();
    await stillServing();
  });

  test("a line that never ends is cut off at the limit", async () => {
    const c = await Client.connect(server.port);
    for (let i = 0; i < 20; i++) c.write("a".repeat(100));
    expect(await c.line()).toBe("error line longer than 1024 bytes");
    await c.waitClosed();
    await stillServing();
  });

  test("thousands of tiny writes make a session that still works", async () => {
    const c = await Client.connect(server.port);
    const session = "authenticate patient1 password111\n" + "available\n".repeat(300);
    for (let i = 0; i < session.length; i++) {
      c.write(session[i]!);
      if (i % 500 === 0) await Bun.sleep(0);
    }
    expect(await c.line()).toBe("success");
    for (let n = 0; n < 300; n++) {
      for (let k = 0; k < 6; k++) expect(await c.line()).toMatch(/^\d /);
      expect(await c.line()).toBe("");
    }
    c.close();
    await stillServing();
  });

  test("bad selections answer invalid or an error, and book nothing", async () => {
    const c = await login(server.port);
    expect(await c.request("selection 0")).toBe("invalid");
    expect(await c.request("selection -1")).toBe("invalid");
    expect(await c.request("selection 99999999999999999999")).toBe("invalid");
    expect(await c.request("selection abc")).toBe("error usage: selection <index>");
    expect(await c.request("selection 3 4")).toBe("error usage: selection <index>");
    c.close();
    await stillServing();
  });

  test("commands before login, and repeated wrong passwords, close the connection", async () => {
    const a = await Client.connect(server.port);
    expect(await a.request("selection 1")).toBe("error authenticate first");
    expect(await a.request("available")).toBe("error authenticate first");
    expect(await a.request("selection 1")).toBe("error authenticate first");
    await a.waitClosed();
    const b = await Client.connect(server.port);
    for (let i = 0; i < 3; i++) expect(await b.request(`authenticate patient1 guess${i}`)).toBe("failure");
    await b.waitClosed();
    await server.stdout.waitFor(/Closing the connection from 127\.0\.0\.1:\d+ after 3 failed logins/);
    await stillServing();
  });
});

describe("slow and dead clients", () => {
  test("idle and half-open connections are closed after the idle timeout", async () => {
    const server = await startServer(["--db", join(tmp.dir, "idle.db"), "--idle-timeout", "1"]);
    try {
      const idle = await login(server.port);
      const halfOpen = await Client.connect(server.port);
      halfOpen.write("authen"); // a line started and never finished
      const started = Date.now();
      expect(await idle.line(5000)).toBe("error idle timeout");
      await idle.waitClosed(5000);
      await halfOpen.waitClosed(5000);
      expect(Date.now() - started).toBeLessThan(4000);
      await server.stdout.waitFor(/Closing idle connection from 127\.0\.0\.1/);
    } finally {
      await server.stop();
    }
  });

  test("a client that never reads is dropped before the server's memory grows without bound", async () => {
    const dir = join(tmp.dir, "slow");
    const data = await writeDataDir(dir, 100_000);
    const args = ["--db", join(dir, "b.db"), "--data", data, "--idle-timeout", "2"];
    const server = await startServer(args);
    try {
      const before = rssKiB(server.proc.pid);
      const socket = netConnect(server.port, "127.0.0.1");
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.on("error", () => {}); // the server's reset is expected
      socket.pause(); // never read
      const closed = new Promise((resolve) => socket.once("close", resolve));
      socket.write("authenticate patient1 password111\n");
      // Each reply is about 1.6 MB; ask for far more than the server will queue (200 MB).
      let writes = 0;
      const writer = setInterval(() => {
        if (writes++ < 128 && !socket.destroyed) socket.write("available\n");
      }, 2);
      await Promise.race([closed, Bun.sleep(20_000)]);
      clearInterval(writer);
      expect(socket.destroyed || socket.readyState === "closed").toBe(true);
      // One reply at a time is produced for it, and one that takes nothing of it for the idle timeout goes.
      await server.stdout.waitFor(/Dropping 127\.0\.0\.1:\d+: not reading replies/);
      const grownKiB = rssKiB(server.proc.pid) - before;
      expect(grownKiB).toBeLessThan(32 * 1024);
      socket.destroy();
      const c = await login(server.port);
      expect(await c.request("selection 7")).toBe("doc1 41000");
      c.close();
    } finally {
      await server.stop();
    }
  });

  test("a connection dropped for unread replies runs none of the lines it sent after them", async () => {
    const dir = join(tmp.dir, "dropped");
    const data = await writeDataDir(dir, 100_000);
    const dbPath = join(dir, "b.db");
    const server = await startServer(["--db", dbPath, "--data", data, "--idle-timeout", "2"]);
    try {
      const socket = netConnect(server.port, "127.0.0.1");
      await new Promise((resolve) => socket.once("connect", resolve));
      socket.on("error", () => {});
      socket.pause(); // never read
      const closed = new Promise((resolve) => socket.once("close", resolve));
      // One write: a login, far more full lists than the server queues for one connection, then a booking.
      socket.write("authenticate patient1 password111\n" + "available\n".repeat(200) + "selection 7\n");
      await Promise.race([closed, Bun.sleep(20_000)]);
      await server.stdout.waitFor(/Dropping 127\.0\.0\.1:\d+: not reading replies/);
      socket.destroy();
      // The booking behind the drop never ran: slot 7 is free for the next patient, and nothing is stored.
      const c = await login(server.port, "patient2", "password222");
      expect(await c.request("selection 7")).toBe("doc1 41000");
      c.close();
      await server.stop();
      expect(readBookings(dbPath).get(7)).toBe("patient2");
      expect(readBookings(dbPath).size).toBe(1);
    } finally {
      await server.stop();
    }
  });

  test("connections past the cap are answered with an error, the rest keep working", async () => {
    const server = await startServer(["--db", join(tmp.dir, "cap.db"), "--max-connections", "5"]);
    try {
      const five = await Promise.all(Array.from({ length: 5 }, () => login(server.port)));
      const extra = await Client.connect(server.port);
      expect(await extra.line()).toBe("error too many connections, try again later");
      await extra.waitClosed();
      expect((await five[0]!.available()).length).toBe(6);
      five[4]!.close();
      await five[0]!.available(); // let the server see the close
      let again: Client | undefined;
      for (let i = 0; i < 50 && !again; i++) {
        const c = await Client.connect(server.port);
        if ((await c.request("authenticate patient2 password222")) === "success") again = c;
        else await Bun.sleep(20);
      }
      expect(again).toBeDefined();
      for (const c of [...five, again!]) c.close();
    } finally {
      await server.stop();
    }
  });
});

describe("shutdown", () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    test(`${signal} finishes in-flight bookings, closes the database cleanly and exits 0`, async () => {
      const db = join(tmp.dir, `stop-${signal}.db`);
      const server = await startServer(["--db", db]);
      const clients = await Promise.all([1, 3, 4].map(() => login(server.port)));
      [1, 3, 4].forEach((slot, i) => clients[i]!.write(`selection ${slot}\n`));
      server.proc.kill(signal);
      const replies = await Promise.all(clients.map((c) => c.line()));
      expect(replies).toEqual(["doc1 41000", "doc1 41000", "doc1 41000"]);
      for (const c of clients) await c.waitClosed();
      expect(await server.proc.exited).toBe(0);
      await server.stdout.waitFor(/The Health Center Server has stopped/);
      expect(existsSync(`${db}-wal`)).toBe(false);
      expect([...readBookings(db).keys()].sort()).toEqual([1, 3, 4]);
    });
  }

  test("after SIGTERM no new connection is accepted", async () => {
    const server = await startServer(["--db", join(tmp.dir, "stop2.db")]);
    const c = await login(server.port);
    server.proc.kill("SIGTERM");
    await server.proc.exited;
    await c.waitClosed();
    expect(
      await Client.connect(server.port).then(
        () => "connected",
        () => "refused",
      ),
    ).toBe("refused");
  });
});

describe("bad data files stop start-up with the file and line, exit 2", () => {
  async function startWith(name: string, files: Record<string, string>, args: string[] = []) {
    const dir = join(tmp.dir, name);
    await writeDataDir(dir, 6, files);
    return runToEnd([
      bun,
      "roles/healthcenterserver.ts",
      "--port",
      "0",
      "--host",
      "127.0.0.1",
      "--data",
      dir,
      "--db",
      join(dir, "b.db"),
      ...args,
    ]);
  }

  test("a missing file", async () => {
    const dir = join(tmp.dir, "nousers");
    await writeDataDir(dir, 6);
    rmSync(join(dir, "users.txt"));
    const r = await runToEnd([
      bun,
      "roles/healthcenterserver.ts",
      "--port",
      "0",
      "--data",
      dir,
      "--db",
      join(tmp.dir, "x.db"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${join(dir, "users.txt")}: file not found`);
  });

  test("a duplicate slot index", async () => {
    const r = await startWith("dup", {
      "availabilities.txt": "1 Tue 01pm doc1 41000\n2 Mon 03pm doc2 42000\n2 Thu 02pm doc1 41000\n",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("availabilities.txt line 3: duplicate slot index 2");
  });

  test("a slot naming an unknown doctor", async () => {
    const r = await startWith("unknown", { "availabilities.txt": "1 Tue 01pm doc1 41000\n2 Mon 03pm doc9 49000\n" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("availabilities.txt line 2: unknown doctor doc9");
  });

  test("a price that is not a number", async () => {
    const r = await startWith("price", { "doc2.txt": "insurance1 40\ninsurance2 sixty\n" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('doc2.txt line 2: price "sixty" is not a whole number');
    const doctor = await runToEnd([bun, "roles/doctor.ts", "doc2", "--port", "0", "--data", join(tmp.dir, "price")]);
    expect(doctor.code).toBe(2);
    expect(doctor.stderr).toContain('doc2.txt line 2: price "sixty" is not a whole number');
  });

  test("a database file that is not a database", async () => {
    const dir = join(tmp.dir, "notdb");
    await writeDataDir(dir, 6);
    await Bun.write(join(dir, "b.db"), "this is not sqlite\n".repeat(100));
    const r = await runToEnd([
      bun,
      "roles/healthcenterserver.ts",
      "--port",
      "0",
      "--data",
      dir,
      "--db",
      join(dir, "b.db"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("b.db");
    expect(r.stderr).not.toContain("    at ");
  });
});
