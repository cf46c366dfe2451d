// The booking database seen from the event loop: commits run in a Worker (shared/commit-worker.ts),
// one at a time, in order; each answer is a promise.
import type { CommitReply, CommitRequest } from "./commit-worker.ts";
import type { BookingRequest } from "./store.ts";

export interface Committer {
  commit(batch: BookingRequest[]): Promise<boolean[]>;
  close(): Promise<void>;
}

/** In a compiled binary the worker is an embedded entrypoint, named by its path from the project root. */
function workerUrl(): string {
  const compiled = import.meta.url.includes("$bunfs");
  return compiled ? "./shared/commit-worker.ts" : new URL("./commit-worker.ts", import.meta.url).href;
}

export class WorkerCommitter implements Committer {
  private readonly worker: Worker;
  // Replies come back in the order requests went out.
  private readonly waiting: ((reply: CommitReply) => void)[] = [];

  private constructor() {
    this.worker = new Worker(workerUrl());
    this.worker.onmessage = (event: MessageEvent<CommitReply>) => this.waiting.shift()?.(event.data);
    this.worker.onerror = (event) => {
      const failure: CommitReply = { kind: "failed", message: event.message };
      for (const w of this.waiting.splice(0)) w(failure);
    };
  }

  static async open(path: string): Promise<WorkerCommitter> {
    const c = new WorkerCommitter();
    const reply = await c.ask({ kind: "open", path });
    if (reply.kind !== "opened") throw new Error(reply.kind === "failed" ? reply.message : `unexpected ${reply.kind}`);
    return c;
  }

  private ask(request: CommitRequest): Promise<CommitReply> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.worker.postMessage(request);
    });
  }

  async commit(batch: BookingRequest[]): Promise<boolean[]> {
    const reply = await this.ask({ kind: "commit", batch });
    if (reply.kind === "committed") return reply.stored;
    throw new Error(reply.kind === "failed" ? reply.message : `unexpected ${reply.kind}`);
  }

  async close(): Promise<void> {
    await this.ask({ kind: "close" });
    this.worker.terminate();
  }
}
