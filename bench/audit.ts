// The audit trail's cost in the store alone, measured in one run so the machine's noise cancels (the
// server's, end to end over TCP, is bench/commit-costs.ts: `bun run bench --only audit`):
// 1. Booking with the audit on against off: the same SQLite store (synchronous=FULL, WAL), the same
//    batches, once with `who` on every change (one audit record each, hashed, in the same
//    transaction) and once without, batch by batch in turn. Reports bookings per second and the ratio.
// 2. `audit verify` over a million records (written here with the chain's own code), timed end to end.
// Run: bun bench/audit.ts [--records N]
import { Database } from "bun:sqlite";
import { join } from "node:path";
import { nextRecord, type AuditContent } from "../roles/healthcenterserver/audit/chain.ts";
import type { Change } from "../roles/healthcenterserver/store/appointment-store.ts";
import { auditRow } from "../roles/healthcenterserver/store/audit-row.ts";
import { BookingStore } from "../roles/healthcenterserver/store/sqlite/store.ts";
import { tempDir } from "../tests/helpers.ts";
import { record } from "./report.ts";
import { checkTarget, reportTargets } from "./targets.ts";

const batches = 1500;
const batch_size = 8;
const who = { actor: "patient1", role: "patient", via: "tcp", address: "10.0.0.5", reason: "" };

function batchAt(first: number, audited: boolean): Change[] {
  return Array.from({ length: batch_size }, (_, i) => ({
    kind: "book" as const,
    index: first + i,
    patient: `p${(first + i) % 97}`,
    ...(audited ? { who } : {}),
  }));
}

/** Batches alternate between the two stores (which goes first alternates too): a slow fsync hits both alike. */
function bookingRatio(dir: string): void {
  const on = new BookingStore(join(dir, "on.db"));
  const off = new BookingStore(join(dir, "off.db"));
  const ms = { on: 0, off: 0 };
  const cpu = { on: 0, off: 0 };
  const timed = (store: BookingStore, batch: Change[], key: "on" | "off") => {
    const started = performance.now();
    const used = process.cpuUsage();
    store.commit(batch);
    const spent = process.cpuUsage(used);
    cpu[key] += spent.user + spent.system;
    ms[key] += performance.now() - started;
  };
  for (let b = 0; b < batches; b++) {
    const first = b * batch_size;
    if (b % 2 === 0) timed(off, batchAt(first, false), "off"), timed(on, batchAt(first, true), "on");
    else timed(on, batchAt(first, true), "on"), timed(off, batchAt(first, false), "off");
  }
  on.close();
  off.close();
  const n = batches * batch_size;
  const rate = (t: number) => Math.round((n / t) * 1000);
  console.log(
    JSON.stringify({
      bench: "booking with the audit trail",
      bookings: n,
      batch_size,
      per_second_off: rate(ms.off),
      per_second_on: rate(ms.on),
      ratio_on_to_off: Number((ms.off / ms.on).toFixed(3)),
      // The process's own CPU per booking (the disk's wait is not in it): what the audit costs the server.
      cpu_us_per_booking_off: Number((cpu.off / n).toFixed(1)),
      cpu_us_per_booking_on: Number((cpu.on / n).toFixed(1)),
    }),
  );
}

/** Issue 25: `audit verify` on a million records in under 10 s (a target of `bun run bench`, part audit). */
export async function auditVerifyMillion(records = 1_000_000): Promise<void> {
  const tmp = tempDir();
  try {
    const seconds = await verifyMillion(tmp.dir, records);
    if (records === 1_000_000) checkTarget("audit verify, a million records, seconds (issue 25)", seconds, 10);
  } finally {
    tmp.cleanup();
  }
}

async function verifyMillion(dir: string, records: number): Promise<number> {
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
      insert.run(...auditRow(r));
      last = r;
    }
  })();
  insert.finalize();
  db.close();
  const started = performance.now();
  const entry = join(import.meta.dir, "..", "roles", "healthcenterserver.ts");
  const proc = Bun.spawnSync([process.execPath, entry, "audit", "verify", "--db", file]);
  const seconds = (performance.now() - started) / 1000;
  record({
    scenario: "audit verify (a whole chain, end to end)",
    records,
    seconds: Number(seconds.toFixed(2)),
    exit: proc.exitCode ?? -1,
    said: proc.stdout.toString().trim().slice(0, 60),
  });
  // A chain that does not verify is no result.
  return proc.exitCode === 0 ? seconds : Number.NaN;
}

if (import.meta.main) {
  const tmp = tempDir();
  try {
    bookingRatio(tmp.dir);
  } finally {
    tmp.cleanup();
  }
  const at = process.argv.indexOf("--records");
  await auditVerifyMillion(at > 0 ? Number(process.argv[at + 1]) : 1_000_000);
  if (!reportTargets()) process.exitCode = 1;
}
