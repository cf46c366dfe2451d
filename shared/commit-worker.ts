// Runs in a Worker: owns the booking database and commits batches, so the fsync of one batch
// never blocks the event loop that is reading the next patients' requests.
import { BookingStore, type BookingRequest } from "./store.ts";

export type CommitRequest = { kind: "open"; path: string } | { kind: "commit"; batch: BookingRequest[] } | { kind: "close" };
export type CommitReply = { kind: "opened" } | { kind: "committed"; stored: boolean[] } | { kind: "failed"; message: string } | { kind: "closed" };

declare const self: Worker;
let store: BookingStore | undefined;

self.onmessage = (event: MessageEvent<CommitRequest>) => {
  const request = event.data;
  const reply = (r: CommitReply) => self.postMessage(r);
  try {
    switch (request.kind) {
      case "open":
        store = new BookingStore(request.path);
        return reply({ kind: "opened" });
      case "commit":
        return reply({ kind: "committed", stored: store!.commit(request.batch) });
      case "close":
        store?.close();
        store = undefined;
        return reply({ kind: "closed" });
    }
  } catch (err) {
    reply({ kind: "failed", message: (err as Error).message });
  }
};
