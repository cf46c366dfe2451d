// A patient that trusts no server: a hostile fake server (a real Bun.listen socket) sends terminal
// escapes, endless lists, floods and trickles; the patient shows only visible text and stops at
// its caps on one reply's lines, bytes and time.
import { afterEach, describe, expect, test } from "bun:test";
import type { Socket, TCPSocketListener } from "bun";
import { LineClient } from "../roles/patient/line-client.ts";
import { reply_bytes_max } from "../shared/limits.ts";
import { visible } from "../roles/patient/visible.ts";
import { bun, child_env, loopback, root, runPatient } from "./helpers.ts";

type Fake = { out: Uint8Array[]; feed?: () => Uint8Array | undefined };
type Script = (request: string, s: Socket<Fake>) => void;

let listener: TCPSocketListener<Fake> | undefined;
/** Connections the latest fake server accepted. */
let opened = 0;
/** Resolves when the patient side closes a connection to the fake server. */
let patientClosed: Promise<void>;
afterEach(() => {
  listener?.stop(true);
  listener = undefined;
});

/** Writes what the script queued, and what `feed` produces, as fast as the patient reads (and no faster). */
function pump(s: Socket<Fake>): void {
  while (true) {
    const next = s.data.out.shift() ?? s.data.feed?.();
    if (next === undefined) return;
    const n = s.write(next);
    if (n < 0) return;
    if (n < next.length) {
      s.data.out.unshift(next.subarray(n));
      return;
    }
  }
}

/** A server that answers `success` to any login and leaves the rest to `script`. */
function fakeServer(script: Script): number {
  let buffered = "";
  let closed = () => {};
  patientClosed = new Promise((resolve) => (closed = resolve));
  opened = 0;
  listener = Bun.listen<Fake>({
    hostname: loopback,
    port: 0,
    socket: {
      open(s) {
        opened++;
        s.data = { out: [] };
      },
      data(s, bytes) {
        buffered += bytes.toString("latin1");
        for (let nl = buffered.indexOf("\n"); nl !== -1; nl = buffered.indexOf("\n")) {
          const request = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (request.startsWith("authenticate ")) s.data.out.push(Buffer.from("success\n"));
          else script(request, s);
        }
        pump(s);
      },
      drain: pump,
      close: () => closed(),
    },
  });
  return listener.port;
}

const escapes = "\x1b[2J\x1b]0;pwned\x07";
const raw_controls = /[\x00-\x09\x0b-\x1f\x7f-\x9f\ufffd]/;

describe("server text is shown with control characters made visible", () => {
  test("escape sequences in slot lines and in an error reply never reach the patient's output raw", async () => {
    const port = fakeServer((request, s) => {
      if (request === "available")
        s.data.out.push(Buffer.from(`1 ${escapes}Mon 09am\n2 Tue\x9b31m 10am\n\n`, "latin1"));
      else s.data.out.push(Buffer.from(`error \x1b[31mdatabase on fire\x1b[0m\x07\n`, "latin1"));
    });
    const r = await runPatient(["patient1", "--server", `${loopback}:${port}`], "1\n");
    expect(r.code).toBe(3);
    expect(r.stdout).not.toMatch(raw_controls);
    expect(r.stderr).not.toMatch(raw_controls);
    expect(r.stdout).toContain("1 \\x1b[2J\\x1b]0;pwned\\x07Mon 09am");
    expect(r.stdout).toContain("2 Tue\\x9b31m 10am");
    expect(r.stderr).toContain("the server said: \\x1b[31mdatabase on fire\\x1b[0m\\x07");
  });

  test("visible() keeps printable ASCII and escapes everything else", () => {
    expect(visible("3 Thu 02pm doc1 41000")).toBe("3 Thu 02pm doc1 41000");
    expect(visible("a\tb\rc\x00\x7f\x9b\u202e")).toBe("a\\tb\\rc\\x00\\x7f\\x9b\\u{202e}");
  });
});

describe("one reply is capped in lines, bytes and time", () => {
  test("an endless slot list: the patient stops at the byte cap, exits 3, and its memory stays bounded", async () => {
    const line = Buffer.from(`7 Mon ${"x".repeat(1000)}\n`);
    const chunk = Buffer.concat(Array.from({ length: 64 }, () => line));
    let sent = 0;
    const port = fakeServer((request, s) => {
      if (request === "available") s.data.feed = () => ((sent += chunk.length), chunk);
    });
    const proc = Bun.spawn([bun, "roles/patient.ts", "patient1", "--server", `${loopback}:${port}`], {
      cwd: root,
      env: child_env,
      stdin: "pipe",
      stdout: "pipe",
      stderr: "pipe",
    });
    proc.stdin.end();
    const started = Date.now();
    let peakKiB = 0;
    const sampler = setInterval(() => {
      const status = Bun.file(`/proc/${proc.pid}/status`);
      status.text().then(
        (t) => (peakKiB = Math.max(peakKiB, Number(/VmHWM:\s+(\d+)/.exec(t)?.[1] ?? 0))),
        () => {},
      );
    }, 20);
    const killer = setTimeout(() => proc.kill("SIGKILL"), 20_000);
    const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
    clearInterval(sampler);
    clearTimeout(killer);
    expect(code).toBe(3);
    expect(stderr).toContain(`sent a reply of more than ${reply_bytes_max} bytes; stopped reading from it`);
    expect(Date.now() - started).toBeLessThan(15_000);
    // It read the cap's worth and no more than a socket buffer or two beyond it.
    expect(sent).toBeLessThan(reply_bytes_max * 2);
    expect(peakKiB).toBeLessThan(400 * 1024);
  });

  test("a legitimate million-slot list is read whole within the default caps", async () => {
    const slots = 1_000_000;
    const port = fakeServer((request, s) => {
      let next = 1;
      if (request === "available") {
        s.data.feed = () => {
          if (next > slots) return undefined;
          const end = Math.min(slots, next + 9_999);
          let text = "";
          for (; next <= end; next++) text += `${next} Mon 09am\n`;
          return Buffer.from(next > slots ? text + "\n" : text);
        };
      }
    });
    const c = await LineClient.connect(loopback, port);
    c.write("available\n");
    const lines = await c.list();
    expect(lines.length).toBe(slots);
    expect(lines.at(-1)).toBe(`${slots} Mon 09am`);
    c.close();
  });

  test("a list past the line cap, and a list that trickles past the time cap, are refused and the connection closed", async () => {
    const port = fakeServer((request, s) => {
      if (request === "available") s.data.out.push(Buffer.from("1 Mon 09am\n".repeat(50) + "\n"));
      if (request === "slow") {
        const timer = setInterval(() => s.write("2 Tue 10am\n") < 0 && clearInterval(timer), 20);
      }
    });
    const c = await LineClient.connect(loopback, port);
    c.write("authenticate patient1 password111\n");
    expect(await c.line()).toBe("success");
    c.write("available\n");
    await expect(c.list({ linesMax: 10, bytesMax: 1 << 20, totalMs: 5_000 })).rejects.toThrow(
      "sent a reply of more than 10 lines; stopped reading from it",
    );
    expect(() => c.write("available\n")).toThrow("more than 10 lines");

    const slow = await LineClient.connect(loopback, port);
    slow.write("slow\n");
    const started = Date.now();
    await expect(slow.list({ linesMax: 1000, bytesMax: 1 << 20, totalMs: 300 })).rejects.toThrow(
      "took longer than 300 ms to send one reply",
    );
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  test("bytes nobody asked for past the cap close the connection instead of growing the patient", async () => {
    const flood = Buffer.from("9 Sun 11pm\n".repeat(100_000));
    let sent = 0;
    const port = fakeServer((request, s) => {
      if (request === "flood") {
        s.data.feed = () => ((sent += flood.length), flood);
      }
    });
    const c = await LineClient.connect(loopback, port);
    c.write("flood\n");
    // Nothing is read while the flood arrives; the client refuses it on its own and hangs up.
    await Promise.race([
      patientClosed,
      Bun.sleep(10_000).then(() => {
        throw new Error("the patient never closed the flooded connection");
      }),
    ]);
    expect(c.closed).toBe(true);
    await expect(c.line()).rejects.toThrow(`sent more than ${reply_bytes_max} bytes that were not read`);
    expect(sent).toBeLessThan(reply_bytes_max * 2);
  });

  test("an endless `mine` (--list): stopped at the byte cap on the one connection, the message names the reply, memory bounded", async () => {
    const chunk = Buffer.from("7 Mon 09am doc1 41000 127.0.0.1\n".repeat(2048));
    // Only the first connection floods; asked again, the server hangs up (so a retry's error would hide the flood).
    const port = fakeServer((request, s) => {
      if (request === "mine" && opened === 1) s.data.feed = () => chunk;
      else if (request === "mine") s.end();
    });
    const { code, stderr, peakMiB } = await runMeasured(["patient1", "--server", `${loopback}:${port}`, "--list"]);
    expect(code).toBe(3);
    expect(stderr).toContain(`sent a reply of more than ${reply_bytes_max} bytes; stopped reading from it`);
    expect(opened).toBe(1);
    expect(peakMiB).toBeLessThan(400);
  });
});

describe("a big schedule is shown, not a stack overflow", () => {
  test("`patient --slot 5` on 750,000 free slots books slot 5 (no RangeError from spreading the list)", async () => {
    const slots = 750_000;
    let selected = "";
    const port = fakeServer((request, s) => {
      if (request === "available") {
        let next = 1;
        s.data.feed = () => {
          if (next > slots) return undefined;
          let text = "";
          for (const end = Math.min(slots, next + 9_999); next <= end; next++) text += `${next} Mon 09am\n`;
          return Buffer.from(next > slots ? text + "\n" : text);
        };
      } else if (request.startsWith("selection ")) {
        selected = request;
        s.data.out.push(Buffer.from("notavailable\n"));
      }
    });
    const { code, stderr } = await runMeasured(["patient1", "--server", `${loopback}:${port}`, "--slot", "5"]);
    expect(stderr).not.toContain("RangeError");
    expect(selected).toBe("selection 5");
    expect(code).toBe(1); // the fake server said notavailable: a refusal, not a crash (70)
  });
});

/** Runs the patient to its end (bounded), sampling its peak resident memory. */
async function runMeasured(args: string[]): Promise<{ code: number; stderr: string; peakMiB: number }> {
  const proc = Bun.spawn([bun, "roles/patient.ts", ...args], {
    cwd: root,
    env: child_env,
    stdin: "pipe",
    stdout: "ignore",
    stderr: "pipe",
  });
  proc.stdin.end();
  let peakKiB = 0;
  const sampler = setInterval(() => {
    Bun.file(`/proc/${proc.pid}/status`)
      .text()
      .then(
        (t) => (peakKiB = Math.max(peakKiB, Number(/VmHWM:\s+(\d+)/.exec(t)?.[1] ?? 0))),
        () => {},
      );
  }, 20);
  const killer = setTimeout(() => proc.kill("SIGKILL"), 40_000);
  const [code, stderr] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  clearInterval(sampler);
  clearTimeout(killer);
  return { code, stderr, peakMiB: peakKiB / 1024 };
}
