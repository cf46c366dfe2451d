// Test helpers: start the real roles as processes on ephemeral loopback ports, and talk to them.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";

export const root = join(import.meta.dir, "..");
export const bun = process.execPath;
export const loopback = "127.0.0.1";
export const child_env = { ...process.env, NO_COLOR: "1", FORCE_COLOR: undefined, CI: undefined } as Record<
  string,
  string | undefined
>;

export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), "appt-test-"));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Collects a child's output and lets a test wait for a line matching a pattern. */
export class Output {
  text = "";
  private waiters: { pattern: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];

  constructor(stream: ReadableStream<Uint8Array>) {
    void this.pump(stream);
  }

  private async pump(stream: ReadableStream<Uint8Array>) {
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      this.text += decoder.decode(chunk, { stream: true });
      this.waiters = this.waiters.filter((w) => {
        const m = this.text.match(w.pattern);
        if (m) w.resolve(m);
        return !m;
      });
    }
  }

  waitFor(pattern: RegExp, timeoutMs = 10_000): Promise<RegExpMatchArray> {
    const m = this.text.match(pattern);
    if (m) return Promise.resolve(m);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for ${pattern}; output so far:\n${this.text}`)),
        timeoutMs,
      );
      this.waiters.push({
        pattern,
        resolve: (m) => {
          clearTimeout(timer);
          resolve(m);
        },
      });
    });
  }
}

export type Running = {
  proc: Subprocess<"ignore" | "pipe", "pipe", "pipe">;
  port: number;
  stdout: Output;
  stderr: Output;
  stop: () => Promise<number>;
};

export async function startRole(args: string[], ready: RegExp, stdin: "ignore" | "pipe" = "ignore"): Promise<Running> {
  const proc = Bun.spawn([bun, ...args], { cwd: root, env: child_env, stdin, stdout: "pipe", stderr: "pipe" });
  const stdout = new Output(proc.stdout);
  const stderr = new Output(proc.stderr);
  const exited = proc.exited.then((code) => {
    throw new Error(`${args.join(" ")} exited with ${code} before it was ready:\n${stdout.text}\n${stderr.text}`);
  });
  const m = await Promise.race([stdout.waitFor(ready), exited]);
  exited.catch(() => {});
  return {
    proc,
    port: Number(m[1]),
    stdout,
    stderr,
    stop: async () => {
      proc.kill("SIGTERM");
      return proc.exited;
    },
  };
}

export function startServer(args: string[] = []): Promise<Running> {
  return startRole(
    ["roles/healthcenterserver.ts", "--host", loopback, "--port", "0", ...args],
    /has port number: (\d+)/,
  );
}

export function startDoctor(name: string, args: string[] = []): Promise<Running> {
  return startRole(["roles/doctor.ts", name, "--host", loopback, "--port", "0", ...args], /static UDP port (\d+)/);
}

/** A raw protocol client over a real TCP socket. */
export class Client {
  private buffer = "";
  private waiting: (() => void) | undefined;
  closed = false;
  socket!: Awaited<ReturnType<typeof Bun.connect>>;

  static async connect(port: number, host = loopback): Promise<Client> {
    const c = new Client();
    c.socket = await Bun.connect({
      hostname: host,
      port,
      socket: {
        data: (_s, d) => {
          c.buffer += d.toString("latin1");
          c.wake();
        },
        close: () => {
          c.closed = true;
          c.wake();
        },
        end: () => {
          c.closed = true;
          c.wake();
        },
        error: () => {
          c.closed = true;
          c.wake();
        },
      },
    });
    return c;
  }

  private wake() {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }

  write(data: string | Uint8Array): void {
    this.socket.write(data);
  }

  /** The next line, or undefined once the server has closed the connection. */
  async line(timeoutMs = 10_000): Promise<string | undefined> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const nl = this.buffer.indexOf("\n");
      if (nl !== -1) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        return line;
      }
      if (this.closed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${timeoutMs} ms (have ${JSON.stringify(this.buffer)})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiting = () => {
          clearTimeout(t);
          resolve();
        };
      });
    }
  }

  async request(line: string): Promise<string | undefined> {
    this.write(line + "\n");
    return this.line();
  }

  /** Lines of an `available` reply, up to the empty line. */
  async available(): Promise<string[]> {
    this.write("available\n");
    const lines: string[] = [];
    while (true) {
      const l = await this.line();
      if (l === undefined) throw new Error("connection closed inside an available reply");
      if (l === "") return lines;
      lines.push(l);
    }
  }

  /** Resolves when the server closes the connection. */
  async waitClosed(timeoutMs = 10_000): Promise<void> {
    while (!this.closed) {
      const l = await this.line(timeoutMs);
      if (l === undefined) return;
    }
  }

  close(): void {
    this.socket.end();
  }
}

export async function login(port: number, user = "patient1", password = "password111"): Promise<Client> {
  const c = await Client.connect(port);
  const reply = await c.request(`authenticate ${user} ${password}`);
  if (reply !== "success") throw new Error(`login as ${user} answered ${reply}`);
  return c;
}

/** Writes a data directory: the seed's users and prices, and a schedule of `slots` slots over doc1 and doc2. */
export async function writeDataDir(dir: string, slots: number, extra: Record<string, string> = {}): Promise<string> {
  const { embedded } = await import("../shared/fixtures.ts");
  const files: Record<string, string> = { ...embedded };
  files["availabilities.txt"] =
    Array.from({ length: slots }, (_, i) => `${i + 1} Mon 09am ${i % 2 ? "doc2 42000" : "doc1 41000"}`).join("\n") +
    "\n";
  Object.assign(files, extra);
  for (const [name, text] of Object.entries(files)) await Bun.write(join(dir, name), text);
  return dir;
}

export function readBookings(dbPath: string): Map<number, string> {
  const { Database } = require("bun:sqlite") as typeof import("bun:sqlite");
  const d = new Database(dbPath, { readonly: true });
  try {
    const rows = d.query("SELECT slot, patient FROM bookings").all() as { slot: number; patient: string }[];
    return new Map(rows.map((r) => [r.slot, r.patient]));
  } finally {
    d.close();
  }
}

export type Finished = { code: number; stdout: string; stderr: string; ms: number };

/** Runs a command to its end with `input` on stdin (bounded by `timeoutMs`). */
export async function runToEnd(cmd: string[], input = "", timeoutMs = 20_000): Promise<Finished> {
  const started = Date.now();
  const proc = Bun.spawn(cmd, { cwd: root, env: child_env, stdin: "pipe", stdout: "pipe", stderr: "pipe" });
  proc.stdin.write(input);
  await proc.stdin.end();
  const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  clearTimeout(timer);
  return { code, stdout, stderr, ms: Date.now() - started };
}

export function runPatient(args: string[], input = ""): Promise<Finished> {
  return runToEnd([bun, "roles/patient.ts", ...args], input);
}

/** A UDP port that was free a moment ago. */
export async function freeUdpPort(): Promise<number> {
  const s = await Bun.udpSocket({ hostname: loopback });
  const port = s.port;
  s.close();
  return port;
}

/** Server and both doctors, with the server sending patients to the doctors' real ports. */
export async function startSystem(
  serverArgs: string[] = [],
): Promise<{ server: Running; doc1: Running; doc2: Running; stop: () => Promise<void> }> {
  const [doc1, doc2] = await Promise.all([startDoctor("doc1"), startDoctor("doc2")]);
  const server = await startServer([
    "--doctor",
    `doc1=${loopback}:${doc1.port}`,
    "--doctor",
    `doc2=${loopback}:${doc2.port}`,
    ...serverArgs,
  ]);
  return { server, doc1, doc2, stop: async () => void (await Promise.all([server.stop(), doc1.stop(), doc2.stop()])) };
}

/** One request/reply exchange from a chosen loopback source address (127.0.0.0/8 is all ours). */
export async function loginFrom(port: number, source: string, user: string, password: string): Promise<string> {
  const { connect } = await import("node:net");
  const socket = connect({ port, host: loopback, localAddress: source });
  socket.on("error", () => {});
  await new Promise((resolve) => socket.once("connect", resolve));
  socket.write(`authenticate ${user} ${password}\n`);
  const reply = await new Promise<string>((resolve) => {
    let text = "";
    socket.on("data", (d) => {
      text += d.toString();
      if (text.includes("\n")) resolve(text.split("\n")[0]!);
    });
    socket.once("close", () => resolve(text));
  });
  socket.destroy();
  return reply;
}

/**
 * Waits until a login from `source` succeeds: the throttle's window has passed for it. A refused
 * login while the window lasts is not checked and does not count, so asking again changes nothing.
 */
export async function untilLoginFrom(port: number, source: string, user: string, password: string, timeoutMs = 60_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await loginFrom(port, source, user, password)) !== "success") {
    if (Date.now() > deadline) throw new Error(`${user} from ${source} still refused after ${timeoutMs} ms`);
    await Bun.sleep(200);
  }
}

/** A throwaway user for tests that must not run as root (root reads and writes any file whatever its mode). */
export const nobody_uid = 65534;

/** The command prefix that runs a program as `nobody_uid` when the tests run as root; none otherwise. */
export function asNobody(): string[] {
  return process.getuid?.() === 0
    ? ["setpriv", `--reuid=${nobody_uid}`, `--regid=${nobody_uid}`, "--clear-groups"]
    : [];
}

/**
 * The programs compiled into `dir` (made 0755, as is each directory above it in the temp dir), so
 * another user can run them wherever this checkout sits (a 0700 home or temp directory). Returns
 * the path of the `healthcenterserver` link; `doctor` and `patient` sit beside it.
 */
export async function programsForAnyUser(dir: string): Promise<string> {
  const { build } = await import("../scripts/build.ts");
  const { chmodSync, mkdirSync } = await import("node:fs");
  mkdirSync(dir, { recursive: true });
  await build(dir);
  for (let d = dir; d.startsWith(tmpdir()) && d !== tmpdir(); d = join(d, "..")) chmodSync(d, 0o755);
  return join(dir, "healthcenterserver");
}

/** Resident memory of a process, in MiB. */
export function rssMiB(pid: number): number {
  const { readFileSync } = require("node:fs") as typeof import("node:fs");
  return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]) / 1024;
}

/**
 * A command on a real terminal: a tmux session on a tmux server of its own (-L). A shared server whose
 * last session was just killed is still exiting, and a session started on it then fails ("server
 * exited unexpectedly"); that made the terminal tests fail about one run in four under load.
 */
export function onTerminal(name: string, cmd: string, rows = 40) {
  const socket = `appt-${name}-${process.pid}`;
  const tmux = (...args: string[]) => Bun.spawnSync(["tmux", "-L", socket, ...args], { env: child_env });
  tmux("new-session", "-d", "-s", socket, "-x", "100", "-y", String(rows), cmd);
  const screen = () => tmux("capture-pane", "-p", "-t", socket).stdout.toString();
  return {
    screen,
    /** tmux send-keys: key names ("Enter", "C-c", "Down"), or "-l" and literal text. */
    keys: (...keys: string[]) => void tmux("send-keys", "-t", socket, ...keys),
    async waitScreen(pattern: RegExp): Promise<string> {
      for (let i = 0; i < 200; i++) {
        if (pattern.test(screen())) return screen();
        await Bun.sleep(50);
      }
      throw new Error(`screen never showed ${pattern}:\n${screen()}`);
    },
    close: () => void tmux("kill-server"),
  };
}
export type Terminal = ReturnType<typeof onTerminal>;

/** A self-signed certificate for 127.0.0.1, valid one day, written by openssl to `cert` and its key to `key`. */
export function writeSelfSignedCert(cert: string, key: string, cwd?: string): void {
  const args = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert, "-days", "1"];
  const subject = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"];
  const made = Bun.spawnSync(["openssl", ...args, ...subject], { cwd, stderr: "pipe" });
  if (made.exitCode !== 0) throw new Error(`openssl could not make a certificate: ${made.stderr.toString()}`);
}
