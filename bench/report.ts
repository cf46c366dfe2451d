// The bench's rows: each printed as JSON when measured, then as tables at the end.
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
