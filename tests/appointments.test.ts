// Patients who manage their appointments: slots, mine, cancel, reschedule, ping and the per-patient
// limit, over real sockets; races between changes; changes surviving kill -9.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { BookingStore } from "../roles/healthcenterserver/store/sqlite/store.ts";
import { Client, login, readBookings, startServer, tempDir, writeDataDir, type Running } from "./helpers.ts";

const tmp = tempDir();
let server: Running;
let dbCount = 0;
const freshDb = () => join(tmp.dir, `a${++dbCount}.db`);

beforeAll(async () => {
  server = await startServer(["--db", freshDb()]);
});
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

/** Lines of a `slots` or `mine` reply, up to the empty line. */
async function listing(c: Client, request: string): Promise<string[]> {
  c.write(request + "\n");
  const lines: string[] = [];
  for (;;) {
    const l = await c.line();
    if (l === undefined) throw new Error(`connection closed inside the reply to ${request}`);
    if (l === "") return lines;
    lines.push(l);
  }
}

/** A server of its own (the shared one keeps the seed's state for the tests that read it). */
async function ownServer(args: string[] = []): Promise<{ s: Running; db: string }> {
  const db = freshDb();
  return { s: await startServer(["--db", db, ...args]), db };
}

test("ping answers pong before and after login", async () => {
  const c = await Client.connect(server.port);
  expect(await c.request("ping")).toBe("pong");
  expect(await c.request("authenticate patient1 password111")).toBe("success");
  expect(await c.request("ping")).toBe("pong");
  expect(await c.request("ping now")).toBe("error usage: ping");
  c.close();
});

test("the new commands before login answer an error and change nothing", async () => {
  const c = await Client.connect(server.port);
  expect(await c.request("slots")).toBe("error authenticate first");
  expect(await c.request("mine")).toBe("error authenticate first");
  expect(await c.request("cancel 1")).toBe("error authenticate first");
  await c.waitClosed().catch(() => {});
  const d = await Client.connect(server.port);
  expect(await d.request("reschedule 1 2")).toBe("error authenticate first");
  d.close();
  const e = await login(server.port);
  expect((await listing(e, "slots")).length).toBe(6);
  e.close();
});

test("slots lists free slots with doctor and port, filtered by day and doctor, paged by after and limit", async () => {
  const c = await login(server.port);
  expect(await listing(c, "slots")).toEqual([
    "1 Tue 01pm doc1 41000",
    "2 Mon 03pm doc2 42000",
    "3 Thu 02pm doc1 41000",
    "4 Wed 10am doc1 41000",
    "5 Sat 12pm doc2 42000",
    "6 Fri 04pm doc2 42000",
  ]);
  expect(await listing(c, "slots doctor=doc2")).toEqual([
    "2 Mon 03pm doc2 42000",
    "5 Sat 12pm doc2 42000",
    "6 Fri 04pm doc2 42000",
  ]);
  expect(await listing(c, "slots day=sat")).toEqual(["5 Sat 12pm doc2 42000"]);
  expect(await listing(c, "slots day=Sat doctor=doc1")).toEqual([]);
  expect(await listing(c, "slots after=2 limit=2")).toEqual(["3 Thu 02pm doc1 41000", "4 Wed 10am doc1 41000"]);
  expect(await listing(c, "slots doctor=doc1 after=3")).toEqual(["4 Wed 10am doc1 41000"]);
  expect(await listing(c, "slots limit=5000")).toHaveLength(6);
  c.close();
});

test("slots with bad arguments answers a usage error", async () => {
  const c = await login(server.port);
  const usage =
    "error usage: slots [from=<YYYY-MM-DD>] [to=<YYYY-MM-DD>] [day=<Day>] [doctor=<name>] [type=<name>] [after=<index>] [limit=<1-1000>]";
  expect(await c.request("slots limit=0")).toBe(usage);
  expect(await c.request("slots colour=red")).toBe(usage);
  c.close();
  const d = await login(server.port);
  expect(await d.request("slots after=-1")).toBe(usage);
  expect(await d.request("slots day=Mon day=Tue")).toBe(usage);
  d.close();
});

test("a page of slots skips taken ones and a large schedule pages to its end", async () => {
  const dir = join(tmp.dir, "large");
  const data = await writeDataDir(dir, 2500);
  const { s } = await ownServer(["--data", data, "--bookings-per-patient", "0"]);
  try {
    const c = await login(s.port);
    for (const i of [1, 2, 1000]) expect(await c.request(`selection ${i}`)).toMatch(/^doc\d \d+$/);
    const first = await listing(c, "slots");
    expect(first).toHaveLength(1000);
    expect(first[0]).toBe("3 Mon 09am doc1 41000");
    const seen = [...first];
    for (let page = 0; page < 5; page++) {
      const after = Number(seen.at(-1)!.split(" ")[0]);
      const next = await listing(c, `slots after=${after}`);
      if (next.length === 0) break;
      seen.push(...next);
    }
    expect(seen).toHaveLength(2497);
    expect(await listing(c, "slots doctor=doc2 after=2490")).toEqual([
      "2492 Mon 09am doc2 42000",
      "2494 Mon 09am doc2 42000",
      "2496 Mon 09am doc2 42000",
      "2498 Mon 09am doc2 42000",
      "2500 Mon 09am doc2 42000",
    ]);
    c.close();
  } finally {
    await s.stop();
  }
});

test("mine lists the patient's own bookings, cancel and reschedule answer every case", async () => {
  const { s, db } = await ownServer();
  try {
    const p1 = await login(s.port);
    const p2 = await login(s.port, "patient2", "password222");
    expect(await listing(p1, "mine")).toEqual([]);
    expect(await p1.request("selection 5")).toBe("doc2 42000");
    expect(await p2.request("selection 1")).toBe("doc1 41000");
    expect(await listing(p1, "mine")).toEqual(["5 Sat 12pm doc2 42000"]);
    expect(await p1.request("cancel 1")).toBe("notyours");
    expect(await p1.request("cancel 2")).toBe("notyours");
    expect(await p1.request("cancel 99")).toBe("invalid");
    expect(await p1.request("cancel 0")).toBe("invalid");
    expect(await p1.request("reschedule 5 1")).toBe("notavailable");
    expect(await p1.request("reschedule 2 3")).toBe("notyours");
    expect(await p1.request("reschedule 5 99")).toBe("invalid");
    expect(await p1.request("reschedule 99999999999999999999 3")).toBe("invalid");
    expect(readBookings(db)).toEqual(
      new Map([
        [5, "patient1"],
        [1, "patient2"],
      ]),
    );
    expect(await p1.request("reschedule 5 3")).toBe("doc1 41000");
    expect(await listing(p1, "mine")).toEqual(["3 Thu 02pm doc1 41000"]);
    expect(await p1.request("cancel 3")).toBe("cancelled");
    expect(await p1.request("cancel 3")).toBe("notyours");
    expect(await listing(p1, "mine")).toEqual([]);
    expect(readBookings(db)).toEqual(new Map([[1, "patient2"]]));
    expect(await p2.available()).toEqual(["2 Mon 03pm", "3 Thu 02pm", "4 Wed 10am", "5 Sat 12pm", "6 Fri 04pm"]);
    p1.close();
    p2.close();
  } finally {
    await s.stop();
  }
});

test("cancel and reschedule with bad arguments answer a usage error and change nothing", async () => {
  const c = await login(server.port);
  expect(await c.request("cancel abc")).toBe("error usage: cancel <index>");
  expect(await c.request("reschedule 1")).toBe("error usage: reschedule <from> <to>");
  c.close();
  const d = await login(server.port);
  expect(await d.request("cancel")).toBe("error usage: cancel <index>");
  expect(await d.request("reschedule 1 x")).toBe("error usage: reschedule <from> <to>");
  expect(await d.request("mine please")).toBe("error usage: mine [past]");
  expect(await d.line()).toBeUndefined();
  const e = await login(server.port);
  expect(await e.request("mine past")).toBe("error usage: mine past needs a calendar (this server has a weekday file)");
  expect((await listing(e, "slots")).length).toBe(6);
  e.close();
});

test("a selection past the per-patient limit answers the limit error and books nothing", async () => {
  const { s, db } = await ownServer(["--bookings-per-patient", "2"]);
  try {
    const c = await login(s.port);
    expect(await c.request("selection 1")).toBe("doc1 41000");
    expect(await c.request("selection 2")).toBe("doc2 42000");
    expect(await c.request("selection 3")).toBe("error booking limit reached: 2 held");
    expect(await c.request("reschedule 2 3")).toBe("doc1 41000");
    expect(await c.request("cancel 1")).toBe("cancelled");
    expect(await c.request("selection 4")).toBe("doc1 41000");
    expect(readBookings(db)).toEqual(
      new Map([
        [3, "patient1"],
        [4, "patient1"],
      ]),
    );
    c.close();
  } finally {
    await s.stop();
  }
});

test("the limit holds under fifty parallel connections of one patient", async () => {
  const dir = join(tmp.dir, "fifty");
  const { s, db } = await ownServer(["--data", await writeDataDir(dir, 100)]);
  try {
    const clients = await Promise.all(Array.from({ length: 50 }, () => login(s.port)));
    for (const [i, c] of clients.entries()) c.write(`selection ${i + 1}\n`);
    const replies = await Promise.all(clients.map((c) => c.line()));
    expect(replies.filter((r) => /^doc\d \d+$/.test(r ?? ""))).toHaveLength(3);
    expect(replies.filter((r) => r === "error booking limit reached: 3 held")).toHaveLength(47);
    expect([...readBookings(db).values()]).toEqual(["patient1", "patient1", "patient1"]);
    for (const c of clients) c.close();
  } finally {
    await s.stop();
  }
});

test("the store refuses a booking past the limit inside its transaction", async () => {
  const store = new BookingStore(freshDb(), { bookingsPerPatient: 2 });
  try {
    const book = (index: number, patient: string) => ({ kind: "book" as const, index, patient });
    expect(await store.commit([book(1, "a"), book(2, "a"), book(3, "a"), book(4, "b")])).toEqual([
      { kind: "done" },
      { kind: "done" },
      { kind: "limit", held: 2 },
      { kind: "done" },
    ]);
    expect(
      await store.commit([
        { kind: "move", from: 1, to: 4, patient: "a" },
        { kind: "move", from: 1, to: 5, patient: "a" },
      ]),
    ).toEqual([{ kind: "taken", holder: "b" }, { kind: "done" }]);
    expect(
      await store.commit([
        { kind: "cancel", index: 4, patient: "a" },
        { kind: "cancel", index: 9, patient: "a" },
      ]),
    ).toEqual([
      { kind: "notyours", holder: "b" },
      { kind: "notyours", holder: "" },
    ]);
    expect(store.bookings()).toEqual(
      new Map([
        [2, "a"],
        [4, "b"],
        [5, "a"],
      ]),
    );
  } finally {
    store.close();
  }
});

/** The free slot indexes as `available` lists them. */
async function freeList(c: Client): Promise<Set<number>> {
  return new Set((await c.available()).map((l) => Number(l.split(" ")[0])));
}

test("a cancellation racing a booking of its slot: exactly one outcome is stored, and the free list agrees", async () => {
  const dir = join(tmp.dir, "race");
  const rounds = 40;
  const { s, db } = await ownServer(["--data", await writeDataDir(dir, rounds), "--bookings-per-patient", "0"]);
  try {
    const holder = await login(s.port);
    const rival = await login(s.port, "patient2", "password222");
    for (let i = 1; i <= rounds; i++) expect(await holder.request(`selection ${i}`)).toMatch(/^doc\d \d+$/);
    const outcomes = new Set<string>();
    for (let i = 1; i <= rounds; i++) {
      // Alternate who writes first, so both orders reach the server.
      const first = i % 2 ? holder : rival;
      const second = i % 2 ? rival : holder;
      first.write(i % 2 ? `cancel ${i}\n` : `selection ${i}\n`);
      second.write(i % 2 ? `selection ${i}\n` : `cancel ${i}\n`);
      const [cancelled, booked] = await Promise.all([holder.line(), rival.line()]);
      expect(cancelled).toBe("cancelled");
      expect(booked === "notavailable" || /^doc\d \d+$/.test(booked ?? "")).toBe(true);
      const stored = readBookings(db).get(i);
      expect(stored).toBe(booked === "notavailable" ? undefined : "patient2");
      outcomes.add(booked === "notavailable" ? "freed" : "rebooked");
    }
    const free = await freeList(rival);
    const stored = readBookings(db);
    for (let i = 1; i <= rounds; i++) expect(free.has(i)).toBe(!stored.has(i));
    expect(outcomes.size).toBeGreaterThanOrEqual(1);
    holder.close();
    rival.close();
  } finally {
    await s.stop();
  }
});

test("a move racing a booking of its target: one of them wins whole, the other changes nothing", async () => {
  const dir = join(tmp.dir, "moverace");
  const rounds = 30;
  const { s, db } = await ownServer(["--data", await writeDataDir(dir, 2 * rounds), "--bookings-per-patient", "0"]);
  try {
    const mover = await login(s.port);
    const rival = await login(s.port, "patient2", "password222");
    for (let i = 1; i <= rounds; i++) expect(await mover.request(`selection ${i}`)).toMatch(/^doc\d \d+$/);
    for (let i = 1; i <= rounds; i++) {
      const target = rounds + i;
      const pair = i % 2 ? [mover, rival] : [rival, mover];
      for (const c of pair) c.write(c === mover ? `reschedule ${i} ${target}\n` : `selection ${target}\n`);
      const [moved, booked] = await Promise.all([mover.line(), rival.line()]);
      const stored = readBookings(db);
      if (moved === "notavailable") {
        expect(booked).toMatch(/^doc\d \d+$/);
        expect([stored.get(i), stored.get(target)]).toEqual(["patient1", "patient2"]);
      } else {
        expect(moved).toMatch(/^doc\d \d+$/);
        expect(booked).toBe("notavailable");
        expect([stored.get(i), stored.get(target)]).toEqual([undefined, "patient1"]);
      }
    }
    const free = await freeList(rival);
    const stored = readBookings(db);
    for (let i = 1; i <= 2 * rounds; i++) expect(free.has(i)).toBe(!stored.has(i));
    mover.close();
    rival.close();
  } finally {
    await s.stop();
  }
});

test("kill -9 during a storm of cancellations and moves: every confirmed change is stored, no move is half done", async () => {
  const dir = join(tmp.dir, "kill");
  const held = 600;
  const data = await writeDataDir(dir, 2 * held);
  const db = freshDb();
  const s = await startServer(["--db", db, "--data", data, "--bookings-per-patient", "0", "--quiet"]);
  const c = await login(s.port);
  for (let i = 1; i <= held; i += 10) {
    for (let j = i; j < i + 10; j++) c.write(`selection ${j}\n`);
    for (let j = i; j < i + 10; j++) expect(await c.line()).toMatch(/^doc\d \d+$/);
  }
  c.close();
  const confirmed: { kind: "cancel" | "move"; from: number }[] = [];
  let next = 1;
  let killed = false;
  const worker = async () => {
    const w = await login(s.port).catch(() => undefined);
    while (w && !killed && next <= held) {
      const i = next++;
      w.write(i % 2 ? `cancel ${i}\n` : `reschedule ${i} ${held + i}\n`);
      const reply = await w.line(5000).catch(() => undefined);
      if (reply === undefined) return;
      if (reply === "cancelled") confirmed.push({ kind: "cancel", from: i });
      else if (/^doc\d \d+$/.test(reply)) confirmed.push({ kind: "move", from: i });
    }
    w?.close();
  };
  const workers = Array.from({ length: 16 }, worker);
  const deadline = Date.now() + 20_000;
  while (confirmed.length < 150 && Date.now() < deadline) await Bun.sleep(5);
  s.proc.kill("SIGKILL");
  killed = true;
  await s.proc.exited;
  await Promise.all(workers);
  expect(confirmed.length).toBeGreaterThanOrEqual(150);
  const stored = readBookings(db);
  for (const change of confirmed) {
    expect(stored.has(change.from)).toBe(false);
    if (change.kind === "move") expect(stored.get(held + change.from)).toBe("patient1");
  }
  for (let i = 2; i <= held; i += 2) expect(stored.has(i) !== stored.has(held + i)).toBe(true);
});
