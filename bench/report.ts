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

export function printTables(): void {
  const sessionRows = rows.filter((r) => "sessions_per_s" in r);
  if (sessionRows.length > 0)
    console.log(
      "\n| scenario | patients | sessions/s | p50 ms | p99 ms | max ms | server CPU µs/session | PostgreSQL CPU µs/session | RSS MiB | errors |",
    );
  if (sessionRows.length > 0) console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
  for (const r of sessionRows)
    console.log(
      `| ${r.scenario} | ${r.concurrency} | ${r.sessions_per_s} | ${r.p50_ms} | ${r.p99_ms} | ${r.max_ms} | ${r.server_cpu_us_per_session} | ${r.postgres_cpu_us_per_session ?? "-"} | ${r.server_rss_mib} | ${r.errors} |`,
    );
  const scaleRows = rows.filter((r) => r.scenario === "scale");
  if (scaleRows.length > 0) {
    console.log(
      "\n| slots | build | booked | start-up ms | RSS MiB | `available` ms (cold / warm) | lines | reader RSS growth MiB | `slots` page of 100 p99 ms | booking sessions/s at 64 | booking CPU µs/session |",
    );
    console.log("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const r of scaleRows) {
      console.log(
        `| ${r.slots} | ${r.build} | ${r.booked} | ${r.startup_ms} | ${r.rss_mib} | ${r.available_cold_ms} / ${r.available_warm_ms} | ${r.available_lines} | ${r.reader_rss_growth_mib} | ${r.slots_page_p99_ms} | ${r.booking_sessions_per_s} | ${r.booking_cpu_us_per_session} |`,
      );
    }
  }
  for (const r of rows.filter((r) => !("sessions_per_s" in r) && r.scenario !== "scale")) {
    console.log(
      `| ${Object.entries(r)
        .map(([k, v]) => `${k}: ${v}`)
        .join(" · ")} |`,
    );
  }
}
