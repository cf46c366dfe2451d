// The experiment of bench/audit-variants.ts CHECKPOINT_WORKER: a Worker with its own connection to the
// server's file runs PRAGMA wal_checkpoint(PASSIVE) whenever the WAL was written since its last look
// (every 50 ms), again at once while commits landed during one (so the next commit can restart the WAL).
// It reports, to stderr, its checkpoints and the longest WAL (frames) it saw.
import { Database } from "bun:sqlite";
import { statSync } from "node:fs";

declare const self: Worker;
const tick_ms = 50;

self.onmessage = (e: MessageEvent<string>) => {
  const path = e.data;
  const db = new Database(path);
  db.run("PRAGMA busy_timeout = 0");
  db.run("PRAGMA wal_autocheckpoint = 0");
  const checkpoint = db.prepare("PRAGMA wal_checkpoint(PASSIVE)");
  let seen = 0;
  let runs = 0;
  let longest = 0;
  setInterval(() => {
    const written = statSync(`${path}-wal`, { throwIfNoEntry: false })?.mtimeMs ?? 0;
    if (written === seen) return;
    seen = written;
    for (let again = 0; again < 3; again++) {
      const r = checkpoint.get() as { log: number; checkpointed: number };
      runs++;
      longest = Math.max(longest, r.log);
      if (r.log === r.checkpointed) break;
    }
    if (runs % 100 === 0) console.error(`checkpoint worker: ${runs} checkpoints, the WAL at most ${longest} frames`);
  }, tick_ms);
};
