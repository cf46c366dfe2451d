// The load generator: many concurrent simulated patients speaking the wire protocol (the doctor's quotes
// are driven by bench/udp-loadgen.c). Bounded by a session count and a duration, whichever comes first.

export type SessionKind =
  /** connect, authenticate, available, selection of a booked slot, close */
  | { kind: "read-mostly"; bookedSlot: number }
  /**
   * connect, authenticate, selection of a fresh slot (slots.next, then counting up), close. As
   * patient1, or with `patients` as p<k>/pw<k> for k = slot mod patients, so each holds a few.
   */
  | { kind: "booking"; slots: { next: number }; patients?: number }
  /** connect, authenticate, book a fresh slot, list mine, move it to another fresh slot, cancel that, close:
   * three commits */
  | { kind: "mixed"; slots: { next: number } };

export type RunResult = {
  sessions: number;
  errors: number;
  seconds: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
};

const auth = Buffer.from("authenticate patient1 password111\n");
const available = Buffer.from("available\n");

type Step = { send: Buffer | (() => Buffer); done: (text: string) => boolean; check: (text: string) => boolean };

function stepsFor(session: SessionKind): () => Step[] {
  const authStep: Step = { send: auth, done: (t) => t.endsWith("\n"), check: (t) => t === "success\n" };
  if (session.kind === "read-mostly") {
    const selection = Buffer.from(`selection ${session.bookedSlot}\n`);
    const steps: Step[] = [
      authStep,
      { send: available, done: (t) => t.endsWith("\n\n") || t === "\n", check: () => true },
      { send: selection, done: (t) => t.endsWith("\n"), check: (t) => t === "notavailable\n" },
    ];
    return () => steps;
  }
  if (session.kind === "mixed") return () => mixedSteps(authStep, session.slots);
  const patients = session.patients;
  return () => {
    const slot = session.slots.next++;
    const who = patients ? ((slot - 1) % patients) + 1 : 0;
    return [
      who ? { ...authStep, send: Buffer.from(`authenticate p${who} pw${who}\n`) } : authStep,
      {
        send: Buffer.from(`selection ${slot}\n`),
        done: (t) => t.endsWith("\n"),
        check: (t) => /^doc\d+ \d+\n$/.test(t),
      },
    ];
  };
}

function mixedSteps(authStep: Step, slots: { next: number }): Step[] {
  const booked = /^doc\d+ \d+\n$/;
  const a = slots.next++;
  const b = slots.next++;
  return [
    authStep,
    { send: Buffer.from(`selection ${a}\n`), done: (t) => t.endsWith("\n"), check: (t) => booked.test(t) },
    {
      send: Buffer.from("mine\n"),
      done: (t) => t.endsWith("\n\n") || t === "\n",
      check: (t) => t.startsWith(`${a} `) || t.includes(`\n${a} `),
    },
    { send: Buffer.from(`reschedule ${a} ${b}\n`), done: (t) => t.endsWith("\n"), check: (t) => booked.test(t) },
    { send: Buffer.from(`cancel ${b}\n`), done: (t) => t.endsWith("\n"), check: (t) => t === "cancelled\n" },
  ];
}

/** One session over a fresh connection; resolves with success or failure, never throws. */
function runSession(port: number, steps: Step[]): Promise<boolean> {
  return new Promise((resolve) => {
    let step = 0;
    let text = "";
    let finished = false;
    const finish = (ok: boolean, socket?: { end(): void }) => {
      if (finished) return;
      finished = true;
      socket?.end();
      resolve(ok);
    };
    const send = (s: { write(b: Buffer): number }) => {
      const current = steps[step]!;
      s.write(typeof current.send === "function" ? current.send() : current.send);
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: (s) => send(s),
        data: (s, bytes) => {
          text += bytes.toString("latin1");
          const current = steps[step]!;
          if (!current.done(text)) return;
          if (!current.check(text)) return finish(false, s);
          text = "";
          step++;
          if (step === steps.length) return finish(true, s);
          send(s);
        },
        close: () => finish(false),
        error: () => finish(false),
        connectError: () => finish(false),
      },
    }).catch(() => finish(false));
  });
}

/** `port` may list several servers (instances sharing one database): patient w talks to ports[w % n]. */
export async function runSessions(
  port: number | number[],
  session: SessionKind,
  concurrency: number,
  maxSessions: number,
  maxSeconds: number,
): Promise<RunResult> {
  const ports = Array.isArray(port) ? port : [port];
  const steps = stepsFor(session);
  const latencies = new Float64Array(maxSessions);
  let started = 0;
  let completed = 0;
  let errors = 0;
  const t0 = performance.now();
  const deadline = t0 + maxSeconds * 1000;
  const worker = async (w: number) => {
    const port = ports[w % ports.length]!;
    while (started < maxSessions && performance.now() < deadline) {
      started++;
      const begin = performance.now();
      const ok = await runSession(port, steps());
      if (ok) latencies[completed++] = performance.now() - begin;
      else errors++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  const sorted = latencies.subarray(0, completed).sort();
  return {
    sessions: completed,
    errors,
    seconds: (performance.now() - t0) / 1000,
    p50_ms: percentile(sorted, 50),
    p99_ms: percentile(sorted, 99),
    max_ms: sorted.at(-1) ?? NaN,
  };
}

/**
 * The same sessions driven by bench/loadgen.c (compiled at `binary`): a client that costs the shared
 * cores little. `sourceAddress` (127.0.0.x) keeps its ports apart from other clients' on 127.0.0.1.
 */
export async function runSessionsC(
  binary: string,
  port: number,
  session: SessionKind,
  concurrency: number,
  maxSessions: number,
  maxSeconds: number,
  sourceAddress?: string,
): Promise<RunResult> {
  if (session.kind === "mixed") return runSessions(port, session, concurrency, maxSessions, maxSeconds);
  const slot = session.kind === "booking" ? session.slots.next : session.bookedSlot;
  const mode = session.kind === "booking" ? "book" : "read";
  const proc = Bun.spawn(
    [
      binary,
      String(port),
      mode,
      String(concurrency),
      String(maxSessions),
      String(maxSeconds),
      String(slot),
      ...(sourceAddress ? [sourceAddress] : []),
    ],
    { stdout: "pipe" },
  );
  const out = JSON.parse(await new Response(proc.stdout).text()) as RunResult & { next_slot: number };
  await proc.exited;
  if (session.kind === "booking") session.slots.next = out.next_slot;
  return out;
}

export function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}
