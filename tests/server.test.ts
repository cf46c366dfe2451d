// Phases 1 and 2 against a running server over real sockets.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { Client, login, readBookings, startServer, tempDir, type Running } from "./helpers.ts";

let server: Running;
const tmp = tempDir();
const db = join(tmp.dir, "bookings.db");

beforeAll(async () => {
  server = await startServer(["--db", db]);
});
afterAll(async () => {
  await server.stop();
  tmp.cleanup();
});

const storedBookings = () => Object.fromEntries(readBookings(db)) as Record<number, string>;

describe("Phase 1: authentication", () => {
  test("the right password answers success", async () => {
    const c = await Client.connect(server.port);
    expect(await c.request("authenticate patient1 password111")).toBe("success");
    c.close();
  });

  test("a wrong password answers failure and leaves the connection unauthenticated", async () => {
    const c = await Client.connect(server.port);
    expect(await c.request("authenticate patient1 nope")).toBe("failure");
    expect(await c.request("available")).toBe("error authenticate first");
    c.close();
  });

  test("an unknown user answers failure", async () => {
    const c = await Client.connect(server.port);
    expect(await c.request("authenticate nobody password111")).toBe("failure");
    c.close();
  });

  test("available and selection before a login answer an error and book nothing", async () => {
    const c = await Client.connect(server.port);
    expect(await c.request("available")).toBe("error authenticate first");
    expect(await c.request("selection 5")).toBe("error authenticate first");
    c.close();
    expect(storedBookings()[5]).toBeUndefined();
  });

  test("the log shows the login with the password masked", async () => {
    const c = await login(server.port, "patient2", "password222");
    c.close();
    await server.stdout.waitFor(/sends the response: Success to patient with username patient2/);
    expect(server.stdout.text).toContain("with username patient2 and password ********");
    expect(server.stdout.text).toContain("User database:\npatient1 ********\npatient2 ********");
    expect(server.stdout.text).not.toContain("password222");
    expect(server.stdout.text).not.toContain("password111");
  });
});

describe("Phase 2: booking (seed cases 1, 2 and 4)", () => {
  test("available lists every free slot, then an empty line", async () => {
    const c = await login(server.port);
    const slots = await c.available();
    expect(slots).toContain("1 Tue 01pm");
    expect(slots.every((l) => /^\d+ \w+ \w+$/.test(l))).toBe(true);
    c.close();
  });

  test("case 1: booking slot 2 answers its doctor and port, and it is stored", async () => {
    const c = await login(server.port);
    expect(await c.request("selection 2")).toBe("doc2 42000");
    expect(storedBookings()[2]).toBe("patient1");
    expect(await c.available()).not.toContain("2 Mon 03pm");
    c.close();
    await server.stdout.waitFor(/confirms the following appointment 2 to patient with username patient1/);
  });

  test("case 2: an index not in the schedule answers invalid and the patient may choose again", async () => {
    const c = await login(server.port);
    expect(await c.request("selection 8")).toBe("invalid");
    await server.stdout.waitFor(/Receiving invalid time index, let patient re-enter/);
    expect(await c.request("selection 3")).toBe("doc1 41000");
    c.close();
  });

  test("case 4: a booked slot answers notavailable and stays with its first patient", async () => {
    const first = await login(server.port);
    expect(await first.request("selection 6")).toBe("doc2 42000");
    first.close();
    const c = await login(server.port, "patient2", "password222");
    expect(await c.available()).not.toContain("6 Fri 04pm");
    expect(await c.request("selection 6")).toBe("notavailable");
    c.close();
    await server.stdout.waitFor(/rejects the following appointment 6 to patient with username patient2/);
    expect(storedBookings()[6]).toBe("patient1");
  });
});

describe("framing", () => {
  test("a session written one byte at a time is understood", async () => {
    const c = await Client.connect(server.port);
    for (const ch of "authenticate patient2 password222\navailable\n") {
      c.write(ch);
      await Bun.sleep(1);
    }
    expect(await c.line()).toBe("success");
    const lines: string[] = [];
    for (let l = await c.line(); l !== ""; l = await c.line()) lines.push(l!);
    expect(lines).toContain("1 Tue 01pm");
    c.close();
  });

  test("several requests in one write get their replies in order", async () => {
    const c = await Client.connect(server.port);
    c.write("authenticate patient2 password222\r\nselection 99\nselection 1\nselection 1\n");
    expect(await c.line()).toBe("success");
    expect(await c.line()).toBe("invalid");
    expect(await c.line()).toBe("doc1 41000");
    expect(await c.line()).toBe("notavailable");
    c.close();
    expect(storedBookings()[1]).toBe("patient2");
  });
});
