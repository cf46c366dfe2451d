// The audit trail's cost, measured in one run so the machine's noise cancels:
// 1. Booking with the audit on against off: the same SQLite store (synchronous=FULL, WAL), the same
//    batches, once with `who` on every change (one audit record each, hashed, in the same
//    transaction) and once without; rounds alternate. Reports bookings per second and the ratio.
// 2. `audit verify` over a million records (written here with the chain's own code), timed end to end.
// Run: bun bench/audit.ts [--records N]
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { nextRecord, type AuditContent } from "../roles/healthcenterserver/audit/chain.ts";
import type { Change } from "../roles/healthcenterserver/store/appointment-store.ts";
import { rowOf } from "../roles/healthcenterserver/store/sqlite/sqlite-audit.ts";
import { BookingStore } from "../roles/healthcenterserver/store/sqlite/store.ts";
import { tempDir } from "../tests/helpers.ts";

const rounds = 6;
const batches_per_round = 200;
const batch_size = 8;
const who = { actor: "patient1", role: "patient", via: "tcp", address: "10.0.0.5", reason: "" };

function bookRound(store: BookingStore, first: number, audited: boolean): number {
  const started = performance.now();
  let slot = first;
  for (let b = 0; b < batches_per_round; b++) {
    const batch: Change[] = [];
    for (let i = 0; i < batch_size; i++)
      batch.push({ kind: "book", index: slot++, patient: `p${slot % 97}`, ...(audited ? { who } : {}) });
    store.commit(batch);
  }
  return performance.now() - started;
}

function bookingRatio(dir: string): void {
  const on = new BookingStore(join(dir, "on.db"));
  const off = new BookingStore(join(dir, "off.db"));
  const ms = { on: 0, off: 0 };
  for (let r = 0; r < rounds; r++) {
    const first = r * batches_per_round * batch_size;
    // Alternate which goes first, so a warming disk or cache favours neither.
    if (r % 2 === 0) (ms.off += bookRound(off, first, false)), (ms.on += bookRound(on, first, true));
    else (ms.on += bookRound(on, first, true)), (ms.off += bookRound(off, first, false));
  }
  on.close();
  off.close();
  const n = rounds * batches_per_round * batch_size;
  const rate = (t: number) => Math.round((n / t) * 1000);
  console.log(
    JSON.stringify({
      bench: "booking with the audit trail",
      bookings: n,
      batch_size,
      per_second_off: rate(ms.off),
      per_second_on: rate(ms.on),
      ratio_on_to_off: Number((ms.off / ms.on).toFixed(3)),
    }),
  );
}

async function verifyMillion(dir: string, records: number): Promise<void> {
  const file = join(dir, "million.db");
  new BookingStore(file).close(); // the schema, as the server makes it
  const db = new Database(file);
  const insert = db.prepare(`INSERT INTO audit VALUES (${Array(13).fill("?").join(", ")})`);
  let last: { seq: number; hash: string } | undefined;
  db.transaction(() => {
    for (let i = 0; i < records; i++) {
      const content: AuditContent = {
        atMs: 1_780_000_000_000 + i * 1000,
        actor: `patient${i % 5000}`,
        role: "patient",
        via: "tcp",
        address: "10.0.0.5",
        action: "booking.booked",
        subject: `slot ${i}`,
        before: "",
        after: `{"patient":"patient${i % 5000}"}`,
        reason: "",
      };
      const r = nextRecord(last, content);
      insert.run(...rowOf(r));
      last = r;
    }
  })();
  insert.finalize();
  db.close();
  const started = performance.now();
  const proc = Bun.spawnSync([process.execPath, "roles/healthcenterserver.ts", "audit", "verify", "--db", file]);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    JSON.stringify({
      bench: "audit verify",
      records,
      seconds: Number(seconds.toFixed(2)),
      exit: proc.exitCode,
      said: proc.stdout.toString().trim().slice(0, 60),
    }),
  );
}

const tmp = tempDir();
try {
  bookingRatio(tmp.dir);
  const at = process.argv.indexOf("--records");
  await verifyMillion(tmp.dir, at > 0 ? Number(process.argv[at + 1]) : 1_000_000);
} finally {
  tmp.cleanup();
}
