// The log can never stop the service: full disks, stuck readers and floods. And its formats.
// Every loop here is bounded in count, and every wait in time.
import { afterAll, describe, expect, test } from "bun:test";
import { closeSync, constants, openSync, readFileSync, readSync, statSync, unlinkSync, writeSync } from "node:fs";
import { join } from "node:path";
import { log_cause_lines_per_second_max } from "../shared/limits.ts";
import { Log } from "../shared/log.ts";
import {
  bun,
  child_env,
  Client,
  login,
  loginFrom,
  loopback,
  Output,
  readBookings,
  root,
  startServer,
  tempDir,
} from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

/** A TCP port that was free a moment ago (for a server whose start-up line we cannot read). */
function freeTcpPort(): number {
  const l = Bun.listen({ hostname: loopback, port: 0, socket: { data() {} } });
  const port = l.port;
  l.stop(true);
  return port;
}

/** Waits (bounded) until something accepts on the port. */
async function untilListening(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      (await Client.connect(port)).close();
      return;
    } catch {
      await Bun.sleep(20);
    }
  }
  throw new Error(`nothing listening on ${port} within ${timeoutMs} ms`);
}

/** Many failed logins from 127.0.0.2 (so the throttle spares 127.0.0.1), on `connections` connections of three tries each. */
async function failedLogins(port: number, connections: number): Promise<void> {
  const { connect } = await import("node:net");
  await Promise.all(
    Array.from(
      { length: connections },
      (_, i) =>
        new Promise<void>((resolve) => {
          const socket = connect({ port, host: loopback, localAddress: "127.0.0.2" });
          const timer = setTimeout(() => socket.destroy(), 10_000);
          socket.on("error", () => {});
          socket.on("data", () => {});
          socket.once("close", () => {
            clearTimeout(timer);
            resolve();
          });
          socket.once("connect", () => {
            for (let k = 0; k < 3; k++) socket.write(`authenticate nobody${i} wrong${k}\n`);
          });
        }),
    ),
  );
}

/** A text file's content, polled until `pattern` shows (bounded). */
async function waitInFile(path: string, pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    let text = "";
    try {
      text = readFileSync(path, "utf8");
    } catch {
      /* not there yet */
    }
    const m = text.match(pattern);
    if (m) return m;
    if (Date.now() > deadline) throw new Error(`no ${pattern} in ${path}:\n${text.slice(-2000)}`);
    await Bun.sleep(20);
  }
}

describe("a log that cannot be written never stops the service", () => {
  test("server and doctor with stdout on /dev/full (ENOSPC) keep serving and stay up", async () => {
    const port = freeTcpPort();
    const full = openSync("/dev/full", "w");
    const dbPath = join(tmp.dir, "full.db");
    const server = Bun.spawn(
      [bun, "roles/healthcenterserver.ts", "--host", loopback, "--port", String(port), "--db", dbPath],
      { cwd: root, env: child_env, stdout: full, stderr: full },
    );
    const udpPort = freeTcpPort();
    const doctor = Bun.spawn([bun, "roles/doctor.ts", "doc1", "--host", loopback, "--port", String(udpPort)], {
      cwd: root,
      env: child_env,
      stdout: full,
      stderr: full,
    });
    closeSync(full);
    try {
      await untilListening(port);
      await failedLogins(port, 50);
      const c = await login(port);
      expect(await c.request("selection 2")).toBe("doc2 42000");
      c.close();
      const { requestQuote } = await import("../roles/patient/quote.ts");
      for (let i = 0; i < 3; i++)
        expect(
          await requestQuote({ host: loopback, port: udpPort, patient: "patient1", insurance: "insurance1" }),
        ).toBe(30);
      expect(server.exitCode).toBeNull();
      expect(doctor.exitCode).toBeNull();
      server.kill("SIGTERM");
      doctor.kill("SIGTERM");
      expect(await server.exited).toBe(0);
      expect(await doctor.exited).toBe(0);
      expect(readBookings(dbPath).get(2)).toBe("patient1");
    } finally {
      server.kill("SIGKILL");
      doctor.kill("SIGKILL");
    }
  });

  const canMount = Bun.spawnSync(["unshare", "-m", "true"]).exitCode === 0;
  test.skipIf(!canMount)(
    "a log on a full tmpfs drops lines, serves on, and says how many it dropped once there is room",
    async () => {
      const mnt = join(tmp.dir, "mnt");
      Bun.spawnSync(["mkdir", "-p", mnt]);
      const script = 'mount -t tmpfs -o size=256k tmpfs "$0" && exec "$@" > "$0/server.log"';
      const proc = Bun.spawn(
        [
          "unshare",
          "-m",
          "--propagation",
          "private",
          "sh",
          "-c",
          script,
          mnt,
          bun,
          "roles/healthcenterserver.ts",
          "--host",
          loopback,
          "--port",
          "0",
          "--db",
          join(tmp.dir, "tmpfs.db"),
        ],
        { cwd: root, env: child_env, stdout: "ignore", stderr: "pipe" },
      );
      const stderr = new Output(proc.stderr);
      try {
        // unshare and sh exec in place, so the server's pid sees the tmpfs at /proc/PID/root.
        const inside = `/proc/${proc.pid}/root${mnt}`;
        const logPath = join(inside, "server.log");
        const port = Number((await waitInFile(logPath, /has port number: (\d+)/))[1]);
        // Fill the disk to the last byte.
        const filler = openSync(join(inside, "filler"), "w");
        const block = Buffer.alloc(4096, 120);
        let full = false;
        for (let i = 0; i < 1000 && !full; i++) {
          try {
            writeSync(filler, block);
          } catch {
            full = true;
          }
        }
        for (let i = 0; i < 64 && full; i++) {
          try {
            writeSync(filler, block.subarray(0, 1));
          } catch {
            break;
          }
        }
        closeSync(filler);
        expect(full).toBe(true);
        const sizeFull = statSync(logPath).size;
        await failedLogins(port, 20);
        const c = await login(port);
        expect(await c.request("selection 3")).toBe("doc1 41000");
        c.close();
        // The log says so on stderr once its first write fails (the lines wait up to 10 ms first).
        await stderr.waitFor(/log: standard output cannot be written \(ENOSPC writing the log\)/);
        expect(proc.exitCode).toBeNull();
        expect(statSync(logPath).size).toBeLessThanOrEqual(sizeFull + 4096);
        unlinkSync(join(inside, "filler"));
        // The next lines after the retry interval get through, headed by the count of those lost.
        let m: RegExpMatchArray | undefined;
        for (let i = 0; i < 5 && !m; i++) {
          (await login(port, "patient2", "password222")).close();
          m = await waitInFile(logPath, /log: (\d+) lines were dropped \(ENOSPC writing the log\)/, 2_000).catch(
            () => undefined,
          );
        }
        if (!m)
          throw new Error(`no report of dropped lines; the log ends:\n${readFileSync(logPath, "utf8").slice(-3000)}`);
        expect(Number(m[1])).toBeGreaterThan(10);
        proc.kill("SIGTERM");
        expect(await proc.exited).toBe(0);
      } finally {
        proc.kill("SIGKILL");
      }
    },
  );

  test("a stdout pipe whose reader stops does not stop the server", async () => {
    const fifo = join(tmp.dir, "stuck.fifo");
    expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
    const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const writer = openSync(fifo, constants.O_WRONLY);
    const dir = join(tmp.dir, "stuck");
    const { writeDataDir } = await import("./helpers.ts");
    await writeDataDir(dir, 200);
    const proc = Bun.spawn(
      [
        bun,
        "roles/healthcenterserver.ts",
        "--host",
        loopback,
        "--port",
        "0",
        "--db",
        join(dir, "b.db"),
        "--data",
        dir,
        "--bookings-per-patient",
        "0",
      ],
      { cwd: root, env: child_env, stdout: writer, stderr: "pipe" },
    );
    closeSync(writer);
    try {
      const buf = Buffer.alloc(65536);
      let text = "";
      const deadline = Date.now() + 10_000;
      while (!/has port number: \d+/.test(text) && Date.now() < deadline) {
        try {
          text += buf.toString("utf8", 0, readSync(reader, buf));
        } catch {
          await Bun.sleep(10);
        }
      }
      const port = Number(/has port number: (\d+)/.exec(text)![1]);
      // From here nobody reads. Make far more log than the pipe holds (64 KiB), then serve.
      const chatty = await login(port);
      for (let i = 0; i < 300; i++) chatty.write("available\n");
      await failedLogins(port, 30);
      for (let round = 0; round < 5; round++) {
        const started = performance.now();
        const c = await login(port, "patient2", "password222");
        expect((await c.available()).length).toBeGreaterThan(100);
        expect(await c.request(`selection ${round + 1}`)).toMatch(/^doc[12] 4[12]000$/);
        c.close();
        expect(performance.now() - started).toBeLessThan(1000);
      }
      chatty.close();
      expect(proc.exitCode).toBeNull();
      proc.kill("SIGTERM");
      expect(await proc.exited).toBe(0);
    } finally {
      proc.kill("SIGKILL");
      closeSync(reader);
    }
  });
});

describe("log volume is bounded", () => {
  test("a flood of failed logins writes a bounded log, summarised, and the server keeps logging", async () => {
    const logPath = join(tmp.dir, "flood.log");
    const out = openSync(logPath, "w");
    const port = freeTcpPort();
    const proc = Bun.spawn(
      [
        bun,
        "roles/healthcenterserver.ts",
        "--host",
        loopback,
        "--port",
        String(port),
        "--db",
        join(tmp.dir, "flood.db"),
        "--login-window",
        "1",
      ],
      { cwd: root, env: child_env, stdout: out, stderr: "pipe" },
    );
    closeSync(out);
    try {
      await untilListening(port);
      // Two seconds of failed logins from several addresses, as fast as they are answered (bounded in count).
      const until = Date.now() + 2_000;
      let tries = 0;
      await Promise.all(
        Array.from({ length: 8 }, async (_, w) => {
          while (Date.now() < until && tries < 20_000) {
            tries += 3;
            await failedLogins(port, 1).catch(() => {});
            void w;
          }
        }),
      );
      expect(tries).toBeGreaterThan(300);
      const size = statSync(logPath).size;
      // Causes are capped at 100 lines a second each: about 4 causes x 100 lines x 150 bytes a second.
      expect(size).toBeLessThan(400 * 1024);
      await waitInFile(
        logPath,
        /log: \d+ more lines about (refused logins|logins|dropped connections) in that second were not logged/,
        3_000,
      );
      // The cap is per second: a login once the flood is over is logged again (bounded retries).
      let logged = false;
      for (let i = 0; i < 4 && !logged; i++) {
        expect(await loginFrom(port, "127.0.0.9", "patient2", "password222")).toBe("success");
        logged = await waitInFile(logPath, /sends the response: Success to patient with username patient2/, 1_000).then(
          () => true,
          () => false,
        );
      }
      expect(logged).toBe(true);
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  });

  test("a UDP flood makes a doctor write a bounded log, and it keeps answering", async () => {
    const logPath = join(tmp.dir, "doctor-flood.log");
    const out = openSync(logPath, "w");
    const port = freeTcpPort();
    const proc = Bun.spawn([bun, "roles/doctor.ts", "doc2", "--host", loopback, "--port", String(port)], {
      cwd: root,
      env: child_env,
      stdout: out,
      stderr: "pipe",
    });
    closeSync(out);
    try {
      await waitInFile(logPath, /static UDP port/);
      const s = await Bun.udpSocket({ hostname: loopback, socket: { data() {} } });
      const until = Date.now() + 2_000;
      let sent = 0;
      while (Date.now() < until && sent < 400_000) {
        for (let i = 0; i < 200; i++, sent++)
          s.send(i % 3 ? "patient1 insurance1" : "\x00garbage with more words", port, loopback);
        await Bun.sleep(0);
      }
      s.close();
      expect(sent).toBeGreaterThan(10_000);
      await waitInFile(
        logPath,
        /log: \d+ more lines about (quotes|ignored datagrams) in that second were not logged/,
        3_000,
      );
      expect(statSync(logPath).size).toBeLessThan(400 * 1024);
      const { requestQuote } = await import("../roles/patient/quote.ts");
      expect(await requestQuote({ host: loopback, port, patient: "patient1", insurance: "insurance3" })).toBe(10);
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  });
});

/** Sends `line` in batches of 16 (the backlog a connection may hold) and reads each reply to its end, for up to
 * `count` requests or `ms` milliseconds; returns how many were answered. */
async function pump(c: Client, line: string, replyLines: number, count: number, ms: number): Promise<number> {
  const until = Date.now() + ms;
  let done = 0;
  while (done < count && Date.now() < until) {
    c.write(`${line}\n`.repeat(16));
    for (let i = 0; i < 16 * replyLines; i++) if ((await c.line()) === undefined) throw new Error("closed");
    done += 16;
  }
  return done;
}

describe("a cause's cap", () => {
  test("past the cap a cause's lines are counted, summarised after their second, and its next line is kept", async () => {
    const path = join(tmp.dir, "cap.log");
    const fd = openSync(path, "w");
    const log = new Log({ format: "text", fd, errFd: fd });
    const meta = { event: "test.flood", cause: "test floods" };
    for (let i = 0; i < 3 * log_cause_lines_per_second_max; i++) log.info(`flood line ${i}`, meta);
    log.flush();
    const kept = () => readFileSync(path, "utf8").match(/ info flood line \d+$/gm)?.length ?? 0;
    // At most two seconds' worth, should the flood straddle a second.
    expect(kept()).toBeGreaterThanOrEqual(log_cause_lines_per_second_max);
    expect(kept()).toBeLessThanOrEqual(2 * log_cause_lines_per_second_max);
    expect(log.linesSuppressed).toBe(3 * log_cause_lines_per_second_max - kept());
    const summary = /log: (\d+) more lines about test floods in that second were not logged/;
    for (let i = 0; i < 60 && !summary.test(readFileSync(path, "utf8")); i++) {
      await Bun.sleep(50);
      log.flush();
    }
    expect(Number(summary.exec(readFileSync(path, "utf8"))?.[1])).toBe(log.linesSuppressed);
    // The window reopened with the next second: a line of the same cause is written again.
    log.info("after the flood", meta);
    log.flush();
    expect(readFileSync(path, "utf8")).toContain(" info after the flood\n");
    closeSync(fd);
  });
});

describe("dropsInfo: asked before a line's work", () => {
  test("false while a cause is under its cap, true and counted past it, as info would; true with --quiet", async () => {
    const path = join(tmp.dir, "drops.log");
    const fd = openSync(path, "w");
    const log = new Log({ format: "text", fd, errFd: fd });
    const meta = { event: "test.asked", cause: "asked floods" };
    let kept = 0;
    for (let i = 0; i < 3 * log_cause_lines_per_second_max; i++)
      if (!log.dropsInfo(meta.cause)) {
        log.info(`asked line ${i}`, meta);
        kept++;
      }
    log.flush();
    const written = readFileSync(path, "utf8").match(/ info asked line \d+$/gm)?.length ?? 0;
    // Past the cap nothing more is written; a second that turned during the loop lets at most one more cap in.
    expect(kept).toBeGreaterThanOrEqual(log_cause_lines_per_second_max);
    expect(kept).toBeLessThanOrEqual(2 * log_cause_lines_per_second_max);
    expect(written).toBe(kept);
    expect(log.linesSuppressed).toBe(3 * log_cause_lines_per_second_max - kept);
    const summary = /log: (\d+) more lines about asked floods in that second were not logged/;
    for (let i = 0; i < 60 && !summary.test(readFileSync(path, "utf8")); i++) {
      await Bun.sleep(50);
      log.flush();
    }
    expect(Number(summary.exec(readFileSync(path, "utf8"))?.[1])).toBe(log.linesSuppressed);
    expect(log.dropsInfo(meta.cause)).toBe(false); // the window reopened with the next second
    expect(new Log({ quiet: true, format: "text", fd, errFd: fd }).dropsInfo(meta.cause)).toBe(true);
    closeSync(fd);
  });
});

describe("log volume is bounded for a logged-in patient's requests", () => {
  test("10,000 slots, cancels of someone else's slot and selections at the limit each write a bounded log", async () => {
    const logPath = join(tmp.dir, "requests.log");
    const out = openSync(logPath, "w");
    const port = freeTcpPort();
    const args = ["--host", loopback, "--port", String(port), "--db", join(tmp.dir, "requests.db")];
    const proc = Bun.spawn([bun, "roles/healthcenterserver.ts", ...args], {
      cwd: root,
      env: child_env,
      stdout: out,
      stderr: "pipe",
    });
    closeSync(out);
    try {
      await untilListening(port);
      const other = await login(port, "patient2", "password222");
      expect(await other.request("selection 1")).toBe("doc1 41000");
      other.close();
      const c = await login(port);
      for (const i of [2, 3, 4]) expect(await c.request(`selection ${i}`)).not.toStartWith("error");
      expect(await c.request("selection 5")).toBe("error booking limit reached: 3 held");
      const kinds = [
        { line: "slots limit=1", replyLines: 2, logged: /Slots requested by patient1/g, cause: "slots" },
        {
          line: "cancel 1",
          replyLines: 1,
          logged: /is not patient1's to cancel|Cancellation of slot 1/g,
          cause: "cancellations",
        },
        {
          line: "selection 5",
          replyLines: 1,
          logged: /already holds 3 bookings|request for appointment 5 from/g,
          cause: "selections",
        },
      ];
      for (const k of kinds) {
        const before = statSync(logPath).size;
        const started = Date.now();
        const sent = await pump(c, k.line, k.replyLines, 10_000, 2_000);
        const seconds = (Date.now() - started) / 1000;
        expect(sent).toBeGreaterThan(500);
        await waitInFile(
          logPath,
          new RegExp(`log: \\d+ more lines about ${k.cause} in that second were not logged`),
          3_000,
        );
        const text = readFileSync(logPath, "utf8").slice(before);
        // 100 lines a second per cause (two causes at most per request), plus the second the run began in.
        expect(text.match(k.logged)?.length ?? 0).toBeLessThanOrEqual(2 * 100 * (Math.ceil(seconds) + 1));
        expect(text.length).toBeLessThan(400 * 1024);
      }
      c.close();
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  });
});

describe("log formats", () => {
  const stamped = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (info|audit|notice|warn|error) /;

  test("off a terminal each line has a timestamp and a level, and the user list is printed once, at start-up", async () => {
    const server = await startServer(["--db", join(tmp.dir, "fmt.db")]);
    try {
      for (let i = 0; i < 3; i++) (await login(server.port)).close();
      await server.stdout.waitFor(/(.*Success to patient with username patient1[^]*){3}/);
      const lines = server.stdout.text.split("\n").filter((l) => l !== "");
      const heads = lines.filter((l) => !/^patient\d \*+$/.test(l)); // the user list's rows continue its line
      for (const l of heads) expect(l).toMatch(stamped);
      expect(server.stdout.text.match(/User database:/g)?.length).toBe(1);
      expect(server.stdout.text.indexOf("User database:")).toBeLessThan(server.stdout.text.indexOf("received request"));
    } finally {
      await server.stop();
    }
  });

  test("--log-format json gives one object a line: ts, level, event, fields", async () => {
    const server = await startServer(["--db", join(tmp.dir, "json.db"), "--log-format", "json"]);
    try {
      const c = await login(server.port);
      expect(await c.request("selection 4")).toBe("doc1 41000");
      c.close();
      await server.stdout.waitFor(/"event":"booking.confirmed"/);
      const records = server.stdout.text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      for (const r of records) {
        expect(Object.keys(r)).toEqual(["ts", "level", "event", "msg", "fields"]);
        expect(Number.isNaN(Date.parse(r.ts))).toBe(false);
      }
      const booked = records.find((r) => r.event === "booking.confirmed");
      expect(booked.level).toBe("audit");
      expect(booked.fields).toMatchObject({ user: "patient1", index: 4, doctor: "doc1" });
    } finally {
      await server.stop();
    }
  });

  test("--quiet keeps the audit trail (bookings, cancellations, moves, refused logins) and drops the rest", async () => {
    const server = await startServer(["--db", join(tmp.dir, "quiet.db"), "--quiet"]);
    try {
      const bad = await Client.connect(server.port);
      expect(await bad.request("authenticate patient1 wrong")).toBe("failure");
      bad.close();
      const c = await login(server.port, "patient2", "password222");
      expect((await c.available()).length).toBe(6);
      expect(await c.request("selection 5")).toBe("doc2 42000");
      expect(await c.request("reschedule 5 6")).toBe("doc2 42000");
      expect(await c.request("cancel 6")).toBe("cancelled");
      c.close();
      await server.stdout.waitFor(
        /audit Phase2: The Health Center Server confirms the following appointment 5 to patient with username patient2/,
      );
      await server.stdout.waitFor(/audit patient2 moved from slot 5 to slot 6\n[^]*audit Slot 6 cancelled by patient2/);
      expect(server.stdout.text).toMatch(
        /audit Phase1: The Health Center Server sends the response: Failure to patient with username patient1/,
      );
      expect(server.stdout.text).not.toContain("received request");
      expect(server.stdout.text).not.toContain("Success to patient");
      expect(server.stdout.text).not.toContain("User database");
    } finally {
      await server.stop();
    }
  });

  test("on a terminal the seed's wording is printed as it is, user list on each login", async () => {
    const db = join(tmp.dir, "tty.db");
    const cmd = `${bun} roles/healthcenterserver.ts --host ${loopback} --port 0 --db ${db}`;
    const proc = Bun.spawn(["script", "-qfec", cmd, "/dev/null"], {
      cwd: root,
      env: child_env,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    const out = new Output(proc.stdout);
    try {
      const port = Number((await out.waitFor(/has port number: (\d+)/))[1]);
      (await login(port)).close();
      await out.waitFor(/Success to patient with username patient1/);
      const text = out.text.replace(/\r/g, "");
      expect(text).toMatch(/^Phase1: The Health Center Server has port number: \d+ and IP address: 127\.0\.0\.1\n/m);
      expect(text).toContain(
        "-----\nPhase1: The Health Center Server has received request from a patient with username patient1 and password ********\nUser database:\npatient1 ********\npatient2 ********\n",
      );
      expect(text).not.toMatch(stamped);
    } finally {
      proc.kill("SIGTERM");
      await proc.exited;
    }
  });
});
