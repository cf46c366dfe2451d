// Helpers for the notify tests: a real SMTP server (aiosmtpd) writing each message to a directory,
// a local webhook receiver, and the independent iCalendar parser (python3-icalendar).
import { mkdirSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { root } from "./helpers.ts";

const python = "/usr/bin/python3";

async function freeTcpPort(): Promise<number> {
  const probe = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = probe.port;
  probe.stop(true);
  return port;
}

/** aiosmtpd on a free loopback port; `login` (USER:PASSWORD) makes it require AUTH. */
export async function startSmtpSink(dir: string, login?: string) {
  mkdirSync(dir, { recursive: true });
  const port = await freeTcpPort();
  const args = [python, join(root, "tests", "smtp-sink.py"), String(port), dir, ...(login ? [login] : [])];
  const proc = Bun.spawn(args, { stdout: "pipe", stderr: "pipe" });
  const reader = proc.stdout.getReader();
  const { value } = await reader.read();
  if (!new TextDecoder().decode(value).includes("ready")) throw new Error("aiosmtpd did not start");
  const files = () =>
    readdirSync(dir)
      .filter((f) => f.endsWith(".eml"))
      .sort()
      .map((f) => join(dir, f));
  return { port, proc, files };
}

export type Hooked = { raw: string; body: Record<string, unknown>; signature: string; key: string };

/** A webhook receiver on a free loopback port; `answer` decides each reply (default 200). */
export function webhookReceiver(answer: (n: number) => Response | Promise<Response> = () => new Response("ok")) {
  const received: Hooked[] = [];
  let n = 0;
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: 60,
    async fetch(req) {
      const raw = await req.text();
      received.push({
        raw,
        body: JSON.parse(raw),
        signature: req.headers.get("x-signature") ?? "",
        key: req.headers.get("idempotency-key") ?? "",
      });
      return answer(++n);
    },
  });
  return { server, received };
}

export type ParsedEvent = {
  file: string;
  method: string;
  uid: string;
  sequence: number;
  status: string;
  tzid: string;
  utc: string;
  local: string;
  location: string;
  summary: string;
};

/** Every event of these .eml or .ics files as python3-icalendar reads it. */
export function parseIcs(files: string[]): ParsedEvent[] {
  const run = Bun.spawnSync([python, join(root, "tests", "ics-parse.py"), ...files], { timeout: 30_000 });
  if (run.exitCode !== 0) throw new Error(`ics-parse.py: ${run.stderr.toString()}`);
  return run.stdout
    .toString()
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}
