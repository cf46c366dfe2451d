// The bench's rows: each printed as JSON when measured, then as tables at the end.
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import type { RunResult } from "./loadgen.ts";
import { root, rssMiB } from "./procs.ts";
export type Row = Record<string, string | number>;

export const rows: Row[] = [];

export function record<R extends Row>(row: R): R {
  rows.push(row);
  console.log(JSON.stringify(row));
  return row;
}

const fixed = (n: number, digits: number) => (Number.isFinite(n) ? +n.toFixed(digits) : "n/a");
export { fixed };

type Column = [heading: string, cell: (r: Row) => unknown];

const session_columns: Column[] = [
  ["scenario", (r) => r.scenario],
  ["patients", (r) => r.concurrency],
  ["sessions/s", (r) => r.sessions_per_s],
  ["p50 ms", (r) => r.p50_ms],
  ["p99 ms", (r) => r.p99_ms],
  ["max ms", (r) => r.max_ms],
  ["server CPU µs/session", (r) => r.server_cpu_us_per_session],
  ["PostgreSQL CPU µs/session", (r) => r.postgres_cpu_us_per_session ?? "-"],
  ["RSS MiB", (r) => r.server_rss_mib],
  ["errors", (r) => r.errors],
];

const scale_columns: Column[] = [
  ["slots", (r) => r.slots],
  ["build", (r) => r.build],
  ["booked", (r) => r.booked],
  ["start-up ms", (r) => r.startup_ms],
  ["RSS MiB", (r) => r.rss_mib],
  ["`available` ms (cold / warm)", (r) => `${r.available_cold_ms} / ${r.available_warm_ms}`],
  ["lines", (r) => r.available_lines],
  ["reader RSS growth MiB", (r) => r.reader_rss_growth_mib],
  ["`slots` page of 100 p99 ms", (r) => r.slots_page_p99_ms],
  ["booking sessions/s at 64", (r) => r.booking_sessions_per_s],
  ["booking CPU µs/session", (r) => r.booking_cpu_us_per_session],
];

const tableRow = (cells: unknown[]) => `| ${cells.join(" | ")} |`;

function printTable(columns: Column[], table: Row[]): void {
  if (table.length === 0) return;
  console.log(`\n${tableRow(columns.map(([heading]) => heading))}`);
  console.log(tableRow(columns.map(() => "---")));
  for (const r of table) console.log(tableRow(columns.map(([, cell]) => cell(r))));
}

export function printTables(): void {
  printTable(
    session_columns,
    rows.filter((r) => "sessions_per_s" in r),
  );
  printTable(
    scale_columns,
    rows.filter((r) => r.scenario === "scale"),
  );
  for (const r of rows.filter((r) => !("sessions_per_s" in r) && r.scenario !== "scale")) {
    console.log(
      `| ${Object.entries(r)
        .map(([k, v]) => `${k}: ${v}`)
        .join(" · ")} |`,
    );
  }
}

/** The issue's target: durable booking
 * on 1,000,000 slots against read-mostly sessions (seed), both at 64 under loadgen.c. */
export function bookingVsReadMostly() {
  const readMostly = rows.find(
    (r) => String(r.scenario).startsWith("CPU per read-mostly") && r.concurrency === 64,
  )?.ours_per_s;
  const booking = rows.find(
    (r) => r.scenario === "scale" && r.slots === 1_000_000 && r.build === "this build",
  )?.booking_sessions_per_s;
  if (typeof readMostly === "number" && typeof booking === "number") {
    record({
      scenario: "durable booking on 1,000,000 slots vs read-mostly (seed), both at 64, same run",
      booking_per_s: booking,
      read_mostly_per_s: readMostly,
      ratio: +(booking / readMostly).toFixed(2),
    });
  }
}

/** The first columns of a row of sessions: what ran, how many, how fast. */
export function sessionRow(name: string, concurrency: number, r: RunResult): Row {
  return {
    scenario: name,
    concurrency,
    sessions: r.sessions,
    errors: r.errors,
    sessions_per_s: Math.round(r.sessions / r.seconds),
    p50_ms: +r.p50_ms.toFixed(3),
    p99_ms: +r.p99_ms.toFixed(3),
    max_ms: +r.max_ms.toFixed(3),
  };
}

export function summarise(name: string, concurrency: number, r: RunResult, serverCpu: number, pid: number): Row {
  return record({
    ...sessionRow(name, concurrency, r),
    server_cpu_us_per_session: +((serverCpu / Math.max(1, r.sessions + r.errors)) * 1e6).toFixed(1),
    server_rss_mib: +rssMiB(pid).toFixed(1),
  });
}

export function writeResults(booked: number, stored: number, run: { loadGenerator: string; seconds: number }) {
  const result = {
    date: new Date().toISOString(),
    load_generator: run.loadGenerator,
    machine: { cores: cpus().length, model: cpus()[0]?.model, memory_gib: Math.round(totalmem() / 2 ** 30) },
    seconds_per_level: run.seconds,
    booking_sessions_confirmed: booked,
    bookings_stored: stored,
    rows,
  };
  mkdirSync(join(root, "bench", "results"), { recursive: true });
  writeFileSync(join(root, "bench", "results", "latest.json"), JSON.stringify(result, null, 2));
  printTables();
  // Only the booking scenarios count these; a run without them (--only) has nothing to say here.
  if (booked > 0 || Number.isFinite(stored))
    console.log(`\nbookings confirmed during the booking runs: ${booked}; stored: ${stored}`);
  console.log(`written: bench/results/latest.json`);
}
