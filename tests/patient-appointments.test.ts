// The patient's appointment actions over real sockets: the scripted flags (--list, --cancel,
// --move, --json), a quiet re-login after an idle close, and `mine` settling a change whose
// connection dropped after it was sent.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import type { Socket } from "bun";
import { AppointmentsClient } from "../roles/patient/appointments-client.ts";
import {
  login,
  loopback,
  readBookings,
  runPatient,
  startServer,
  startSystem,
  tempDir,
  type Running,
} from "./helpers.ts";

const tmp = tempDir();
let system: Awaited<ReturnType<typeof startSystem>>;
const db = join(tmp.dir, "flags.db");
const at = () => ["--server", `${loopback}:${system.server.port}`];
const credentials = { user: "patient1", password: "password111" };

beforeAll(async () => {
  system = await startSystem(["--db", db]);
});
afterAll(async () => {
  await system?.stop();
  tmp.cleanup();
});

test("--list, --move and --cancel print what changed, and --json gives one JSON document", async () => {
  const c = await login(system.server.port);
  expect(await c.request("selection 5")).toMatch(/^doc2 \d+ 127\.0\.0\.1$/);
  c.close();
  const list = await runPatient(["patient1", ...at(), "--list"]);
  expect(list.code).toBe(0);
  expect(list.stdout).toBe("Your appointments:\n  slot 5      Sat 12pm with Doctor2\n");

  const moved = await runPatient(["patient1", ...at(), "--move", "5:3", "--json"]);
  expect(moved.code).toBe(0);
  const doc = JSON.parse(moved.stdout);
  expect(doc).toMatchObject({ ok: true, action: "move", from: 5, to: 3, result: "moved" });
  expect(doc.appointments.map((a: { index: number }) => a.index)).toEqual([3]);
  expect(readBookings(db).get(3)).toBe("patient1");
  expect(readBookings(db).has(5)).toBe(false);

  const notMine = await runPatient(["patient1", ...at(), "--cancel", "5"]);
  expect(notMine.code).toBe(1);
  expect(notMine.stderr).toContain("slot 5 is not one of your appointments; nothing changed");
  const cancelled = await runPatient(["patient1", ...at(), "--cancel", "3", "--json"]);
  expect(cancelled.code).toBe(0);
  expect(JSON.parse(cancelled.stdout)).toEqual({
    ok: true,
    action: "cancel",
    index: 3,
    result: "cancelled",
    appointments: [],
  });
  const empty = await runPatient(["patient1", ...at(), "--list", "--json"]);
  expect(JSON.parse(empty.stdout)).toEqual({ ok: true, action: "list", user: "patient1", appointments: [] });
  expect(readBookings(db).size).toBe(0);
});

test("a move to a taken slot exits 1 and keeps the old one; bad flags are usage errors", async () => {
  const other = await login(system.server.port, "patient2", "password222");
  expect(await other.request("selection 1")).toMatch(/^doc1 /);
  const mine = await login(system.server.port);
  expect(await mine.request("selection 6")).toMatch(/^doc2 /);
  const taken = await runPatient(["patient1", ...at(), "--move", "6:1", "--json"]);
  expect(taken.code).toBe(1);
  expect(JSON.parse(taken.stdout)).toMatchObject({ ok: false, result: "notavailable", appointments: [{ index: 6 }] });
  const same = await runPatient(["patient1", ...at(), "--move", "6:6"]);
  expect(same.code).toBe(1);
  expect(same.stderr).toContain("slot 6 (Fri 04pm with Doctor2) is already yours; nothing changed.");
  expect(await mine.request("cancel 6")).toBe("cancelled");
  expect(await other.request("cancel 1")).toBe("cancelled");
  for (const args of [["--move", "3"], ["--json"], ["--list", "--cancel", "2"], ["--cancel", "x"]]) {
    const r = await runPatient(["patient1", ...at(), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain("    at ");
  }
  mine.close();
  other.close();
});

test("--json with the server unreachable still prints one JSON document (exit 3, the message on stderr too)", async () => {
  const r = await runPatient(["patient1", "--server", `${loopback}:1`, "--list", "--json"]);
  expect(r.code).toBe(3);
  expect(JSON.parse(r.stdout)).toMatchObject({
    ok: false,
    action: "list",
    error: expect.stringContaining("cannot reach the health center server"),
  });
  expect(r.stderr).toContain("cannot reach the health center server at 127.0.0.1:1");
});

test("a connection the server closed as idle is opened again with a quiet login", async () => {
  const s = await startServer(["--db", join(tmp.dir, "idle.db"), "--idle-timeout", "1"]);
  try {
    const client = (await AppointmentsClient.open({ credentials, server: { host: loopback, port: s.port } }))!;
    expect((await client.book(2)).kind).toBe("done");
    // The server's sweep closes the idle connection within about a second; the client notices the FIN.
    const deadline = Date.now() + 10_000;
    while (client.isOpen && Date.now() < deadline) await Bun.sleep(50);
    expect(client.isOpen).toBe(false);
    expect((await client.mine()).map((a) => a.index)).toEqual([2]);
    expect((await client.cancel(2)).kind).toBe("done");
    expect(client.reconnects).toBe(1);
    client.close();
  } finally {
    await s.stop();
  }
});

/** A TCP proxy to the server that cuts the connection at the first line starting with `cut`, after passing it on or not. */
async function cuttingProxy(port: number, cut: string, passOn = true) {
  let cuts = 0;
  const listener = Bun.listen<{ upstream?: Socket<undefined>; early: Uint8Array[] }>({
    hostname: loopback,
    port: 0,
    socket: {
      async open(s) {
        s.data = { early: [] };
        s.data.upstream = await Bun.connect({
          hostname: loopback,
          port,
          socket: { data: (_u, d) => void s.write(d), close: () => void s.end(), error: () => void s.end() },
        });
        for (const d of s.data.early) s.data.upstream.write(d);
      },
      data(s, d) {
        if (!s.data.upstream) return void s.data.early.push(d);
        const cutting = cuts === 0 && Buffer.from(d).toString().startsWith(cut);
        if (passOn || !cutting) s.data.upstream.write(d);
        if (cutting) {
          cuts += 1;
          s.terminate();
        }
      },
      close(s) {
        s.data.upstream?.end();
      },
    },
  });
  return { port: listener.port, stop: () => listener.stop(true) };
}

test("a booking whose connection drops after it was sent is settled with mine: it took effect", async () => {
  const s: Running = await startServer(["--db", join(tmp.dir, "drop.db")]);
  const proxy = await cuttingProxy(s.port, "selection");
  try {
    const client = (await AppointmentsClient.open({ credentials, server: { host: loopback, port: proxy.port } }))!;
    expect(await client.book(4)).toEqual({ kind: "done", recovered: true });
    expect(client.reconnects).toBe(1);
    expect(readBookings(join(tmp.dir, "drop.db")).get(4)).toBe("patient1");
    client.close();
  } finally {
    proxy.stop();
    await s.stop();
  }
});

test("a cancellation whose connection drops after it was sent is settled with mine", async () => {
  const s: Running = await startServer(["--db", join(tmp.dir, "dropcancel.db")]);
  const c = await login(s.port);
  expect(await c.request("selection 3")).toMatch(/^doc1 /);
  const proxy = await cuttingProxy(s.port, "cancel");
  try {
    const client = (await AppointmentsClient.open({ credentials, server: { host: loopback, port: proxy.port } }))!;
    expect(await client.cancel(3)).toEqual({ kind: "done", recovered: true });
    expect(readBookings(join(tmp.dir, "dropcancel.db")).has(3)).toBe(false);
    client.close();
  } finally {
    c.close();
    proxy.stop();
    await s.stop();
  }
});

test("a booking whose connection drops before it reached the server is settled with mine: it did not happen", async () => {
  const s: Running = await startServer(["--db", join(tmp.dir, "droplost.db")]);
  const proxy = await cuttingProxy(s.port, "selection", false);
  try {
    const client = (await AppointmentsClient.open({ credentials, server: { host: loopback, port: proxy.port } }))!;
    expect(await client.book(4)).toEqual({ kind: "lost" });
    expect(readBookings(join(tmp.dir, "droplost.db")).size).toBe(0);
    expect((await client.book(4)).kind).toBe("done");
    client.close();
  } finally {
    proxy.stop();
    await s.stop();
  }
});

test("prices: each doctor is asked once; one that never answers is 'price unavailable' after the bounded retries", async () => {
  const { PriceBook, describePrice } = await import("../roles/patient/prices.ts");
  const { freeUdpPort } = await import("./helpers.ts");
  const silent = await freeUdpPort();
  const book = new PriceBook({ patient: "patient1", insurance: "insurance1", retries: 2, timeoutMs: 100 });
  const doc1 = { index: 1, day: "Tue", time: "01pm", doctor: "doc1", port: system.doc1.port, host: loopback };
  const dead = { index: 2, day: "Mon", time: "03pm", doctor: "doc9", port: silent, host: loopback };
  const started = Date.now();
  await book.learn([doc1, dead, { ...doc1, index: 3 }]);
  expect(Date.now() - started).toBeLessThan(2_000);
  expect(describePrice(await book.of(doc1))).toBe("about $30");
  expect(describePrice(await book.of(dead))).toBe("price unavailable");
  await system.doc1.stdout.waitFor(/Patient1 with the insurance plan insurance1/);
  expect(system.doc1.stdout.text.match(/Patient1 with the insurance plan insurance1/g)).toHaveLength(1);
});

test.skipIf(Bun.which("tmux") === null)(
  "on a terminal, a slot taken while the patient confirms is said so, and the fresh list comes back",
  async () => {
    const { bun, root, onTerminal } = await import("./helpers.ts");
    const term = onTerminal(
      "taken",
      `cd ${root} && NO_COLOR=1 ${bun} roles/patient.ts patient1 ${at().join(" ")}; echo EXIT=$?; sleep 30`,
      50,
    );
    const { waitScreen } = term;
    const rival = await login(system.server.port, "patient2", "password222");
    try {
      await waitScreen(/What would you like to do\?/);
      term.keys("Enter");
      await waitScreen(/Pick an appointment[\s\S]*Back/);
      term.keys("Fri");
      // The count is of the slots loaded, in the heading (clack's own "(N matches)" counted More and Back too).
      await waitScreen(/1 of the \d+ slots loaded matches\n[\s\S]*Search: Fri/);
      term.keys("Enter");
      await waitScreen(/Book Fri 04pm with Doctor2, about \$40\?/);
      expect(await rival.request("selection 6")).toMatch(/^doc2 /);
      term.keys("Enter");
      const fresh = await waitScreen(
        /just taken by someone else\. Here is the fresh list\.[\s\S]*Pick an appointment[\s\S]*Back/,
      );
      expect(fresh.slice(fresh.lastIndexOf("Pick an appointment"))).not.toContain("Fri 04pm");
      term.keys("Escape");
      await waitScreen(/What would you like to do\?[\s\S]*What would you like to do\?/);
      term.keys("C-c");
      const final = await waitScreen(/EXIT=\d/);
      expect(final).toContain("EXIT=130");
      expect(readBookings(db).get(6)).toBe("patient2");
    } finally {
      term.close();
      expect(await rival.request("cancel 6")).toBe("cancelled");
      rival.close();
    }
  },
);
