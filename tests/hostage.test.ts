// Connections cannot be held hostage: stalled TLS handshakes, slowloris, file descriptors, memory.
// Every loop here is bounded in count, and every wait in time.
import { slowestReaders } from "../roles/healthcenterserver/network/deadlines.ts";
import type { Connection } from "../roles/healthcenterserver/network/connection.ts";
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { join } from "node:path";
import {
  bun,
  child_env,
  Client,
  login,
  loopback,
  Output,
  root,
  rssMiB,
  startServer,
  tempDir,
  writeDataDir,
  writeSelfSignedCert,
} from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A raw socket that has connected (and may never send or read anything). */
async function rawSocket(port: number): Promise<Socket> {
  const s = connect(port, loopback);
  s.on("error", () => {});
  await new Promise((resolve, reject) => {
    s.once("connect", resolve);
    s.once("error", reject);
  });
  return s;
}

function closed(s: Socket, timeoutMs: number): Promise<boolean> {
  if (s.destroyed) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    s.once("close", () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

describe("connections cannot be held hostage", () => {
  const hasOpenssl = Bun.which("openssl") !== null;
  test.skipIf(!hasOpenssl)(
    "TLS handshakes that stall count against --max-connections and are closed at the login deadline",
    async () => {
      const cert = join(tmp.dir, "cert.pem");
      const key = join(tmp.dir, "key.pem");
      writeSelfSignedCert(cert, key);
      const server = await startServer([
        "--db",
        join(tmp.dir, "tls.db"),
        "--tls-cert",
        cert,
        "--tls-key",
        key,
        "--max-connections",
        "10",
        "--login-timeout",
        "1",
        "--line-timeout",
        "1",
      ]);
      const tlsLogin = async (): Promise<string> => {
        let text = "";
        let done: (s: string) => void = () => {};
        const reply = new Promise<string>((resolve) => (done = resolve));
        const s = await Bun.connect({
          hostname: loopback,
          port: server.port,
          tls: { ca: readFileSync(cert, "utf8") },
          socket: {
            handshake(sock) {
              sock.write("authenticate patient1 password111\n");
            },
            data(_s, d) {
              text += d.toString();
              if (text.includes("\n")) done(text.split("\n")[0]!);
            },
            close() {
              done(text.split("\n")[0] ?? "");
            },
            error() {
              done("error");
            },
          },
        });
        const r = await Promise.race([reply, Bun.sleep(5000).then(() => "timeout")]);
        s.end();
        return r;
      };
      try {
        // Ten connections that never start (or never finish) a handshake take every place; a real TLS patient
        // still gets in, in the place of the oldest of them (none has logged in).
        const stalled = await Promise.all(Array.from({ length: 10 }, () => rawSocket(server.port)));
        await Bun.sleep(100); // the server has accepted them all
        expect(await tlsLogin()).toBe("success");
        await server.stdout.waitFor(/Dropping 127\.0\.0\.1:\d+: not logged in; a newer connection takes its place/);
        // The login deadline (1 s) closes every stalled handshake; then a real TLS patient gets in.
        const allClosed = await Promise.all(stalled.map((s) => closed(s, 5000)));
        expect(allClosed.every(Boolean)).toBe(true);
        expect(await tlsLogin()).toBe("success");
      } finally {
        await server.stop();
      }
    },
  );

  test("slowloris: connections that never log in, or never finish a line, lose their place within the deadlines", async () => {
    const server = await startServer([
      "--db",
      join(tmp.dir, "slow.db"),
      "--max-connections",
      "20",
      "--login-timeout",
      "2",
      "--line-timeout",
      "1",
    ]);
    try {
      // Twenty clients fill the cap, each sending one byte of a login every 200 ms, never a whole line.
      const slow = await Promise.all(Array.from({ length: 20 }, () => rawSocket(server.port)));
      const text = "authenticate patient1 password111\n";
      let at = 0;
      const trickle = setInterval(() => {
        for (const s of slow) if (!s.destroyed) s.write(text[at % 20]!);
        at++;
      }, 200);
      const replies = slow.map(
        (s) =>
          new Promise<string>((resolve) => {
            let t = "";
            s.on("data", (d) => {
              t += d;
            });
            s.once("close", () => resolve(t));
          }),
      );
      try {
        // A patient gets in at once, in the place of the oldest of them; the rest lose theirs at the line deadline.
        const extra = await Client.connect(server.port);
        expect(await extra.request("authenticate patient2 password222")).toBe("success");
        const started = Date.now();
        const got = await Promise.all(replies.map((r) => Promise.race([r, Bun.sleep(5000).then(() => "still open")])));
        expect(got[0]).toMatch(/^error too many connections: this one had not logged in/);
        expect(got.slice(1).every((t) => t === "error line timeout\n")).toBe(true);
        extra.close();
        expect(Date.now() - started).toBeLessThan(3000);
      } finally {
        clearInterval(trickle);
      }
      // Connected, never a login (whole lines that are not logins are closed after three errors anyway): the login deadline.
      const silent = await rawSocket(server.port);
      const silentReply = new Promise<string>((resolve) => {
        let t = "";
        silent.on("data", (d) => {
          t += d;
        });
        silent.once("close", () => resolve(t));
      });
      const started = Date.now();
      expect(await Promise.race([silentReply, Bun.sleep(6000).then(() => "still open")])).toBe("error login timeout\n");
      expect(Date.now() - started).toBeLessThan(3500);
      // A logged-in patient that starts a line and stalls: the line deadline.
      const c = await login(server.port);
      c.write("avail");
      expect(await c.line(4000)).toBe("error line timeout");
      await c.waitClosed(4000);
      (await login(server.port, "patient2", "password222")).close();
    } finally {
      await server.stop();
    }
  });

  const hasPrlimit = Bun.which("prlimit") !== null;
  test.skipIf(!hasPrlimit)(
    "with a low file-descriptor limit the cap stays below it: the rest are told, and the CPU stays idle",
    async () => {
      const proc = Bun.spawn(
        [
          "prlimit",
          "--nofile=120:120",
          bun,
          "roles/healthcenterserver.ts",
          "--host",
          loopback,
          "--port",
          "0",
          "--db",
          join(tmp.dir, "fd.db"),
          "--max-connections",
          "1000",
        ],
        { cwd: root, env: child_env, stdout: "pipe", stderr: "pipe" },
      );
      const out = new Output(proc.stdout);
      const sockets: Client[] = [];
      try {
        const port = Number((await out.waitFor(/has port number: (\d+)/))[1]);
        const m = await out.waitFor(
          /at most (\d+) connections for file descriptor limit 120 \(lowered from --max-connections\)/,
        );
        const cap = Number(m[1]);
        expect(cap).toBeGreaterThan(20);
        expect(cap).toBeLessThan(120);
        for (let i = 0; i < cap; i++) sockets.push(await login(port));
        const turnedAway: string[] = [];
        for (let i = 0; i < 20; i++) {
          const c = await Client.connect(port);
          turnedAway.push((await c.line(5000)) ?? "closed");
          c.close();
        }
        expect(turnedAway.every((l) => l === "error too many connections, try again later")).toBe(true);
        const cpu = cpuSeconds(proc.pid);
        await Bun.sleep(1000);
        expect(cpuSeconds(proc.pid) - cpu).toBeLessThan(0.3);
        expect((await sockets[0]!.available()).length).toBe(6);
      } finally {
        for (const c of sockets) c.close();
        proc.kill("SIGTERM");
        await proc.exited;
      }
    },
  );
});

describe("memory is bounded in total", () => {
  test("300 clients that never read their replies on a 100,000-slot schedule grow the server by a bounded amount", async () => {
    const dir = await writeDataDir(join(tmp.dir, "big"), 100_000);
    const server = await startServer(["--db", join(dir, "b.db"), "--data", dir, "--quiet"]);
    const sockets: Socket[] = [];
    try {
      const before = rssMiB(server.proc.pid);
      for (let batch = 0; batch < 6; batch++) {
        sockets.push(
          ...(await Promise.all(
            Array.from({ length: 50 }, async () => {
              const s = await rawSocket(server.port);
              s.pause(); // never read
              s.write("authenticate patient1 password111\n" + "available\n".repeat(40));
              return s;
            }),
          )),
        );
      }
      await Bun.sleep(1500); // let the server produce all it will for them
      const grown = rssMiB(server.proc.pid) - before;
      expect(grown).toBeLessThan(128);
      const c = await login(server.port, "patient2", "password222");
      expect(await c.request("selection 99999")).toBe("doc1 41000");
      c.close();
    } finally {
      for (const s of sockets) s.destroy();
      await server.stop();
    }
  });

  test("past the global cap the reader longest without taking a byte goes first, not one whose replies went out whole", async () => {
    // 4000 slots of about 530 bytes: each `available` reply is one buffer of about 2.1 MB; the kernel takes under
    // 700 KB of each (socket_send_buffer_bytes), so six or so replies queued are over the 8 MiB cap.
    const dir = join(tmp.dir, "order");
    const [day, time] = ["D".repeat(256), "T".repeat(256)];
    await writeDataDir(dir, 0, {
      "availabilities.txt": Array.from({ length: 4000 }, (_, i) => `${i + 1} ${day} ${time} doc1 41000\n`).join(""),
    });
    const server = await startServer(["--db", join(dir, "b.db"), "--data", dir, "--max-queued-mb", "8"]);
    const stalled: Socket[] = [];
    try {
      // The healthy patient connects first; its small replies all go out whole, straight to the socket.
      const healthy = await rawSocket(server.port);
      let got = "";
      healthy.on("data", (d) => (got += d.toString("latin1")));
      const until = async (pattern: RegExp) => {
        for (let i = 0; i < 500 && !pattern.test(got); i++) await Bun.sleep(20);
        expect(got).toMatch(pattern);
      };
      healthy.write("authenticate patient2 password222\n");
      await until(/^success\n$/);
      for (let i = 1; i <= 5; i++) {
        healthy.write("ping\n");
        await until(new RegExp(`^success\n(pong\n){${i}}$`));
      }
      await Bun.sleep(30);
      // Later clients ask for the schedule and never read: past the cap, the stalled ones go.
      const ports: number[] = [];
      const addStalled = async () => {
        const s = await rawSocket(server.port);
        ports.push(s.localPort!);
        s.pause();
        s.write("authenticate patient1 password111\navailable\n");
        stalled.push(s);
        await Bun.sleep(100);
      };
      for (let i = 0; i < 6; i++) await addStalled();
      const shed = /Dropping 127\.0\.0\.1:(\d+): the server holds more than 8388608 bytes/g;
      const dropped = () => [...server.stdout.text.matchAll(shed)].map((m) => Number(m[1]));
      // The healthy patient stops reading a moment and asks for the schedule: its reply queues too. When that
      // puts the server over the cap, the one dropped is a stalled client, never this one (tried a few times,
      // with one more stalled client each time, until its request is the one over the cap).
      let shedByHealthy = false;
      for (let round = 0; round < 4 && !shedByHealthy; round++) {
        const before = dropped().length;
        healthy.pause();
        healthy.write("available\n");
        for (let i = 0; i < 50 && dropped().length === before; i++) await Bun.sleep(20);
        shedByHealthy = dropped().length > before;
        healthy.resume();
        await until(new RegExp(`(\\n4000 D+ T+[^\\n]*\\n\\n[^]*){${round + 1}}$`));
        if (!shedByHealthy) await addStalled();
      }
      expect(shedByHealthy).toBe(true);
      for (const port of dropped()) expect(ports).toContain(port);
      expect(healthy.destroyed).toBe(false);
      healthy.destroy();
    } finally {
      for (const s of stalled) s.destroy();
      await server.stop();
    }
  });

  test("past the global cap, of two readers that took bytes within one millisecond the earlier goes first", () => {
    // The reply just queued was partly taken at once: that reader is the latest, whatever its queue's size.
    const paused = { queued: 100_000, lastWrittenMs: 5, lastTakenOrder: 7 };
    const reader = { queued: 2_000_000, lastWrittenMs: 5, lastTakenOrder: 8 };
    const older = { queued: 10, lastWrittenMs: 4, lastTakenOrder: 6 };
    const idle = { queued: 0, lastWrittenMs: 1, lastTakenOrder: 1 };
    const conns = [reader, paused, idle, older] as unknown as Connection[];
    expect(slowestReaders(conns, 50)).toEqual([older, paused] as unknown as Connection[]);
    expect(slowestReaders(conns, 5)).toEqual([older] as unknown as Connection[]);
  });

  test("past the global cap on queued replies the slowest readers are dropped first; a reading client is served", async () => {
    // 4000 slots with long day and time names: each `available` reply is one cached buffer of about 2 MB.
    const dir = join(tmp.dir, "cap");
    const [day, time] = ["D".repeat(250), "T".repeat(250)];
    await writeDataDir(dir, 0, {
      "availabilities.txt": Array.from({ length: 4000 }, (_, i) => `${i + 1} ${day} ${time} doc1 41000\n`).join(""),
    });
    const server = await startServer(["--db", join(dir, "b.db"), "--data", dir, "--max-queued-mb", "8", "--quiet"]);
    const sockets: Socket[] = [];
    try {
      const reader = await login(server.port, "patient2", "password222");
      // Each stops reading after a different amount, so what the kernel cannot take differs from one to the next.
      for (let i = 0; i < 40; i++) {
        const s = await rawSocket(server.port);
        let got = 0;
        s.on("data", (d) => {
          got += d.length;
          if (got >= i * 50_000) s.pause();
        });
        if (i === 0) s.pause();
        s.write("authenticate patient1 password111\n" + "available\n".repeat(4));
        sockets.push(s);
      }
      await server.stdout.waitFor(
        /Dropping 127\.0\.0\.1:\d+: the server holds more than 8388608 bytes of unread replies; this reader is the slowest/,
      );
      // Once the others have stopped reading (or are gone), the reader is the one that took bytes last.
      for (let i = 0; i < 250 && sockets.some((s) => !s.isPaused() && !s.destroyed); i++) await Bun.sleep(20);
      for (let i = 0; i < 5; i++) expect((await reader.available()).length).toBe(4000);
      const dropped = await Promise.all(sockets.map((s) => closed(s, 100)));
      expect(dropped.some(Boolean)).toBe(true);
      expect(reader.closed).toBe(false);
      reader.close();
    } finally {
      for (const s of sockets) s.destroy();
      await server.stop();
    }
  });
});
