// A client that sends its lines and then shuts its writing side (`nc -N`, `printf ... | nc -q1`,
// a script's `shutdown(SHUT_WR)`) still gets every reply, even the ones that wait (an argon2id
// check, a commit). Found trying the README's `printf ... | nc` session against hashed users.
// And a connection's last error (a line too long, too many lines queued) comes after the replies
// to the lines before it, never ahead of them.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { connect } from "node:net";
import { join } from "node:path";
import { backlog_lines_max, line_bytes_max } from "../shared/limits.ts";
import { Client, loopback, readBookings, startServer, tempDir, writeDataDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

let dir = "";
beforeAll(async () => {
  const hash = await Bun.password.hash("password111", "argon2id");
  dir = await writeDataDir(join(tmp.dir, "data"), 6, { "users.txt": `patient1 ${hash}\npatient2 password222\n` });
});

/** Sends `text`, shuts the writing side at once, and resolves with all the server wrote before it closed. */
function sendThenHalfClose(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: loopback, allowHalfOpen: true });
    let got = "";
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no close within 10 s; got ${JSON.stringify(got)}`));
    }, 10_000);
    socket.on("data", (d) => (got += d.toString("latin1")));
    socket.on("error", () => {});
    socket.once("close", () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.once("connect", () => socket.end(text));
  });
}

test("a client that half-closes after its lines gets every reply, the slow login's and the commit's included", async () => {
  const db = join(tmp.dir, "half.db");
  const server = await startServer(["--data", dir, "--db", db]);
  try {
    const got = await sendThenHalfClose(
      server.port,
      "authenticate patient1 password111\nslots doctor=doc2 limit=1\nselection 5\nmine\n",
    );
    expect(got).toBe("success\n2 Mon 09am doc2 42000\n\ndoc1 41000\n5 Mon 09am doc1 41000\n\n");
    expect(readBookings(db).get(5)).toBe("patient1");
    // The plaintext user's synchronous login, then a commit that waits: the same.
    expect(await sendThenHalfClose(server.port, "authenticate patient2 password222\nselection 1\n")).toBe(
      "success\ndoc1 41000\n",
    );
  } finally {
    await server.stop();
  }
});

/** Every line the server sends until it closes the connection. */
async function linesUntilClosed(c: Client): Promise<string[]> {
  const lines: string[] = [];
  for (let line = await c.line(); line !== undefined; line = await c.line()) lines.push(line);
  return lines;
}

test("a line too long behind a slow login is refused after the replies to the lines before it, never ahead of them", async () => {
  const server = await startServer(["--data", dir, "--db", join(tmp.dir, "order.db")]);
  try {
    const c = await Client.connect(server.port);
    c.write("authenticate patient1 password111\nmine\n" + "x".repeat(line_bytes_max * 4) + "\nmine\n");
    expect(await linesUntilClosed(c)).toEqual(["success", "", `error line longer than ${line_bytes_max} bytes`]);
  } finally {
    await server.stop();
  }
});

test("past the lines a connection may queue behind a slow login, the rest wait in the kernel and are all answered", async () => {
  const server = await startServer(["--data", dir, "--db", join(tmp.dir, "queued.db")]);
  try {
    const count = backlog_lines_max * 4 + 5;
    const got = await sendThenHalfClose(
      server.port,
      "authenticate patient1 password111\n" + "ping\n".repeat(count) + "selection 3\n",
    );
    expect(got).toBe(["success", ...Array.from({ length: count }, () => "pong"), "doc1 41000", ""].join("\n"));
  } finally {
    await server.stop();
  }
});

test("a client that half-closes while a reply too large for the socket is still queued gets all of it", async () => {
  // 4000 slots with long day and time names: the listing is about 2 MB, several times what the kernel takes at once.
  const big = join(tmp.dir, "big");
  const [day, time] = ["D".repeat(250), "T".repeat(250)];
  await writeDataDir(big, 0, {
    "availabilities.txt": Array.from({ length: 4000 }, (_, i) => `${i + 1} ${day} ${time} doc1 41000\n`).join(""),
  });
  const server = await startServer(["--data", big, "--db", join(tmp.dir, "big.db"), "--quiet"]);
  try {
    const got = await sendThenHalfClose(server.port, "authenticate patient2 password222\navailable\n");
    const lines = got.split("\n");
    expect(lines[0]).toBe("success");
    expect(lines.slice(1, 4001)).toEqual(Array.from({ length: 4000 }, (_, i) => `${i + 1} ${day} ${time}`));
    expect(lines.slice(4001)).toEqual(["", ""]);
  } finally {
    await server.stop();
  }
});

test("a line begun behind a login slower than the line deadline is not cut off while the server leaves it unread", async () => {
  // argon2id at a high time cost: the login takes longer than --line-timeout 1 (and its sweep tick). The line
  // begun in the same write is finished at once, but the server reads the rest only after the login's reply,
  // so the line's deadline counts from then, not from its first bytes.
  // Bun.password.hash("password111", { algorithm: "argon2id", memoryCost: 65536, timeCost: 80 }), made once: made
  // here it cost as long again as the login it slows (12 s of a 24 s run on a loaded machine). The login's
  // "success" shows it is the hash of that password.
  const hash =
    "$argon2id$v=19$m=65536,t=80,p=1$z4ROvX3fLBlRpTtaBg9msUMWWw5ckvI2SctTWY0kqWM" +
    "$hO2myfU/L5EA0T+KzvgcyalTZZU67yJ/nlVElK4yAuc";
  const slow = await writeDataDir(join(tmp.dir, "slow"), 6, { "users.txt": `patient1 ${hash}\n` });
  const server = await startServer(["--data", slow, "--db", join(tmp.dir, "slow.db"), "--line-timeout", "1"]);
  try {
    const c = await Client.connect(server.port);
    const t0 = performance.now();
    c.write("authenticate patient1 password111\npi");
    await Bun.sleep(50);
    c.write("ng\n");
    expect(await c.line(30_000)).toBe("success");
    expect(performance.now() - t0).toBeGreaterThan(1_300); // past the deadline and its sweep tick: else no point shown
    expect(await c.line()).toBe("pong");
    c.close();
  } finally {
    await server.stop();
  }
});
