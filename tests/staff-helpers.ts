// Helpers for the staff page tests: a server with --http on loopback, and a reader of its event stream.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { startServer, tempDir, writeDataDir, type Running } from "./helpers.ts";

export const staff_token = "staff-token-for-tests-0123456789abcdef";

export type StaffServer = { server: Running; base: string; db: string; dir: string; stop: () => Promise<void> };

/** A server on loopback with the staff page on an ephemeral port; `slots` slots over doc1 and doc2. */
export async function startStaffServer(
  options: { slots?: number; token?: boolean; args?: string[]; staff?: string } = {},
): Promise<StaffServer> {
  const tmp = tempDir();
  const db = join(tmp.dir, "bookings.db");
  const args = ["--db", db, "--http", "127.0.0.1:0", ...(options.args ?? [])];
  if (options.slots !== undefined || options.staff !== undefined) {
    const extra: Record<string, string> = options.staff === undefined ? {} : { "staff.txt": options.staff };
    args.push("--data", await writeDataDir(join(tmp.dir, "data"), options.slots ?? 24, extra));
  }
  if (options.token ?? true) {
    const tokenFile = join(tmp.dir, "staff.token");
    writeFileSync(tokenFile, staff_token + "\n");
    args.push("--staff-token-file", tokenFile);
  }
  const server = await startServer(args);
  const m = await server.stdout.waitFor(/Staff page: (http:\/\/127\.0\.0\.1:\d+)\//);
  return {
    server,
    base: m[1]!,
    db,
    dir: tmp.dir,
    stop: async () => {
      await server.stop();
      tmp.cleanup();
    },
  };
}

export type StaffEvent = { event: string; data: any };

/** Reads a server-sent event stream; `next` waits (bounded) for the next event. */
export class EventReader {
  private readonly abort = new AbortController();
  private reader!: { read(): Promise<{ value?: Uint8Array; done: boolean }> };
  private buffer = "";
  private readonly decoder = new TextDecoder();
  status = 0;

  static async open(url: string, headers: Record<string, string> = {}): Promise<EventReader> {
    const r = new EventReader();
    const res = await fetch(url, { headers, signal: r.abort.signal });
    r.status = res.status;
    if (res.body) r.reader = res.body.getReader();
    return r;
  }

  async next(timeoutMs = 5_000): Promise<StaffEvent> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const end = this.buffer.indexOf("\n\n");
      if (end !== -1) {
        const block = this.buffer.slice(0, end);
        this.buffer = this.buffer.slice(end + 2);
        if (block.startsWith(":")) continue;
        const event = /^event: (.*)$/m.exec(block)?.[1] ?? "message";
        const data = /^data: (.*)$/m.exec(block)?.[1] ?? "";
        return { event, data: JSON.parse(data) };
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no event within ${timeoutMs} ms (have ${JSON.stringify(this.buffer)})`);
      let timer: Timer | undefined;
      const late = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`no event within ${timeoutMs} ms (have ${JSON.stringify(this.buffer)})`)),
          left,
        );
      });
      const { value, done } = await Promise.race([this.reader.read(), late]).finally(() => clearTimeout(timer));
      if (done) throw new Error("the event stream ended");
      this.buffer += this.decoder.decode(value, { stream: true });
    }
  }

  close(): void {
    this.abort.abort();
  }
}

/** The value of one sample line of /metrics, e.g. `hcs_bookings_total{outcome="booked"}`. */
export function metric(text: string, series: string, absent?: number): number {
  const line = text.split("\n").find((l) => l.startsWith(series + " "));
  if (line === undefined && absent !== undefined) return absent;
  if (line === undefined) throw new Error(`no ${series} in /metrics:\n${text}`);
  return Number(line.slice(series.length + 1));
}

/** staff.txt lines for `[name, role, password, doctor?]` accounts (argon2id, as `staff add` writes them). */
export async function staffFile(accounts: [string, string, string, string?][]): Promise<string> {
  const lines = await Promise.all(
    accounts.map(
      async ([name, role, password, doctor]) =>
        `${name} ${role} ${await Bun.password.hash(password, "argon2id")}${doctor ? ` ${doctor}` : ""}`,
    ),
  );
  return lines.join("\n") + "\n";
}

/** Signs in by name and password; the session cookie ("hcs_staff=..."), or the refusal's status. */
export async function signIn(base: string, name: string, password: string): Promise<string> {
  const res = await fetch(base + "/api/signin", { method: "POST", body: new URLSearchParams({ name, password }) });
  if (res.status !== 204) throw new Error(`sign-in of ${name}: ${res.status} ${await res.text()}`);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}
