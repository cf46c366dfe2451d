// Live pages: each watches the schedule over server-sent events. A committed change costs the
// booking path one grid update and one push onto a list; once per staff_events_flush_ms the list
// is encoded once per kind of reader (with names, without, or a doctor account's: only its own
// doctor's patients named) and written to every page. A page that falls
// behind by staff_watcher_queue_bytes_max is disconnected; its browser reconnects and starts
// from a fresh snapshot. On a calendar whose rules offer types a booking changes its neighbours'
// starts too, so every page gets a fresh snapshot of the type it shows instead (typed-view.ts), at
// most once per staff_typed_snapshot_ms, and never more than a staff_typed_snapshot_share of the
// server's time (a big clinic's snapshots take tens of milliseconds).
import {
  staff_events_batch_max,
  staff_events_flush_ms,
  staff_heartbeat_ms,
  staff_reconnect_ms,
  staff_typed_snapshot_ms,
  staff_typed_snapshot_share,
  staff_watcher_queue_bytes_max,
  staff_watchers_anonymous_max,
  staff_watchers_max,
} from "../../../shared/limits.ts";
import type { ChangeFeed } from "../booking/changes.ts";
import { changesFor, type ChangeRow, type Grid, type Snapshot } from "./grid.ts";
import { namesKey, type NamesShown } from "./accounts.ts";

/** On a typed calendar: the week for a type ("": each rule's default); `typed()` false: the Grid as it is. */
export type TypedViews = {
  typed(): boolean;
  snapshot(names: NamesShown, type: string): Snapshot | undefined;
  /** The one line refusing a type= no type is named (with the nearest name); undefined when known or "". */
  refusal(type: string): string | undefined;
};

type Watcher = {
  /** Whose patients' names this page sees (a doctor account's: its own doctor's). */
  names: NamesShown;
  type: string;
  controller: ReadableStreamDefaultController<Uint8Array>;
  closed: boolean;
};

const encoder = new TextEncoder();
const heartbeat = encoder.encode(": keep-alive\n\n");

export class Watchers {
  private readonly all = new Set<Watcher>();
  private pending: ChangeRow[] = [];
  /** More changes in one interval than a page should get one by one: send snapshots instead. */
  private overflowed = false;
  private flushTimer: Timer | undefined;
  private heartbeatTimer: Timer | undefined;
  private lastSnapshotMs = 0;
  /** How long the last round of typed snapshots took to make. */
  private lastSnapshotCostMs = 0;
  private readonly unsubscribe: () => void;

  constructor(
    private readonly grid: Grid,
    feed: ChangeFeed,
    private readonly views?: TypedViews,
  ) {
    this.unsubscribe = feed.subscribe((change) => {
      const row = grid.apply(change);
      if (row === undefined || this.all.size === 0) return;
      const typed = this.views?.typed() ?? false;
      if (!typed && this.pending.length < staff_events_batch_max) this.pending.push(row);
      else this.overflowed = true;
      const every = Math.max(staff_typed_snapshot_ms, this.lastSnapshotCostMs / staff_typed_snapshot_share);
      const wait = typed ? this.lastSnapshotMs + every - Date.now() : 0;
      this.flushTimer ??= setTimeout(() => this.flush(), Math.max(staff_events_flush_ms, wait));
    });
  }

  get count(): number {
    return this.all.size;
  }

  /** The grid started again (a calendar replaced the schedule): every live page gets a fresh snapshot. */
  resync(): void {
    if (this.all.size === 0) return;
    this.pending = [];
    this.overflowed = true;
    this.flushTimer ??= setTimeout(() => this.flush(), staff_events_flush_ms);
  }

  /** Anonymous viewers hold at most staff_watchers_anonymous_max places: the rest is kept for signed-in staff. */
  fullFor(signedIn: boolean): boolean {
    if (this.all.size >= staff_watchers_max) return true;
    return !signedIn && this.anonymous >= staff_watchers_anonymous_max;
  }

  private get anonymous(): number {
    let n = 0;
    for (const w of this.all) if (w.names === false) n++;
    return n;
  }

  /** A new live page: a stream that starts with a snapshot. */
  open(names: NamesShown, signal: AbortSignal, type = ""): ReadableStream<Uint8Array> {
    let watcher: Watcher;
    return new ReadableStream<Uint8Array>(
      {
        start: (controller) => {
          watcher = { names, type, controller, closed: false };
          this.all.add(watcher);
          this.send(watcher, this.snapshotEvent(names, type));
          this.heartbeatTimer ??= setInterval(() => this.beat(), staff_heartbeat_ms);
          signal.addEventListener("abort", () => this.close(watcher), { once: true });
        },
        cancel: () => this.close(watcher),
      },
      { highWaterMark: staff_watcher_queue_bytes_max, size: (chunk) => chunk?.byteLength ?? 0 },
    );
  }

  /** Ends every stream and stops listening (server shutdown). */
  stop(): void {
    this.unsubscribe();
    for (const w of this.all) this.close(w, "end");
    clearTimeout(this.flushTimer);
  }

  /** Sends what is pending to every page now (the timer calls it; so can a test). */
  flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    const rows = this.pending;
    const overflowed = this.overflowed;
    this.pending = [];
    this.overflowed = false;
    if (overflowed) {
      const started = performance.now();
      const cache = new Map<string, Uint8Array>();
      for (const w of this.all) {
        const key = `${namesKey(w.names)}\n${w.type}`;
        if (!cache.has(key)) cache.set(key, this.snapshotEvent(w.names, w.type));
        this.send(w, cache.get(key)!);
      }
      this.lastSnapshotMs = Date.now();
      this.lastSnapshotCostMs = performance.now() - started;
      return;
    }
    // One encoding per kind of reader: everyone's names, none, or one doctor's (bounded by the pages open).
    const events = new Map<string, Uint8Array>();
    for (const w of this.all) {
      const key = namesKey(w.names);
      let event = events.get(key);
      if (event === undefined) events.set(key, (event = changesEvent(changesFor(rows, w.names, this.grid.doctors))));
      this.send(w, event);
    }
  }

  private beat(): void {
    for (const w of this.all) this.send(w, heartbeat);
  }

  private snapshotEvent(names: NamesShown, type: string): Uint8Array {
    const snapshot = this.views?.snapshot(names, type) ?? this.grid.snapshot(names);
    return encoder.encode(`retry: ${staff_reconnect_ms}\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`);
  }

  private send(w: Watcher, bytes: Uint8Array): void {
    if (w.closed) return;
    if ((w.controller.desiredSize ?? 0) < bytes.byteLength) return this.close(w, "error");
    w.controller.enqueue(bytes);
  }

  /** "end" lets the page read what is queued; "error" cuts a page that fell behind; "gone": the peer left. */
  private close(w: Watcher, how: "end" | "error" | "gone" = "gone"): void {
    if (w.closed) return;
    w.closed = true;
    this.all.delete(w);
    try {
      if (how === "end") w.controller.close();
      else if (how === "error") w.controller.error(new Error("live page fell behind"));
    } catch {
      // Already cancelled by the peer.
    }
    if (this.all.size === 0) {
      clearInterval(this.heartbeatTimer);
      this.heartbeatTimer = undefined;
    }
  }
}

function changesEvent(rows: ChangeRow[]): Uint8Array {
  return encoder.encode(`event: changes\ndata: ${JSON.stringify(rows)}\n\n`);
}
