// The staff page's model, headless: ordering, counts from committed changes, and bounded snapshots.
import { expect, test } from "bun:test";
import type { Slot } from "../shared/datafiles.ts";
import { staff_page_cells_max, staff_page_slots_max } from "../shared/limits.ts";
import { Grid, minutesOfDay, withoutName } from "../roles/healthcenterserver/staff/grid.ts";
import { Counter, Histogram, Registry } from "../roles/healthcenterserver/staff/metrics.ts";

function grid(slots: Slot[], holders: Map<number, string> = new Map()): Grid {
  const position = new Map(slots.map((s, p) => [s.index, p]));
  return new Grid(
    slots,
    (p) => holders.get(slots[p]!.index),
    (i) => position.get(i),
  );
}

const slot = (index: number, day: string, time: string, doctor: string): Slot => ({
  index,
  day,
  time,
  doctor,
  port: 41000,
});

test("days run Monday to Sunday and times by the clock, whatever the file's order", () => {
  const g = grid([
    slot(1, "Sat", "12pm", "doc2"),
    slot(2, "Mon", "01pm", "doc1"),
    slot(3, "Tue", "09am", "doc1"),
    slot(4, "Mon", "10:30am", "doc1"),
  ]);
  expect(g.days).toEqual(["Mon", "Tue", "Sat"]);
  expect(g.times).toEqual(["09am", "10:30am", "12pm", "01pm"]);
  expect(minutesOfDay("12am")).toBe(0);
  expect(minutesOfDay("01pm")).toBe(13 * 60);
  expect(g.doctors).toEqual(["doc1", "doc2"]);
});

test("counts follow committed changes, and names reach only a snapshot that asks for them", () => {
  const g = grid(
    [slot(1, "Mon", "09am", "doc1"), slot(2, "Mon", "09am", "doc1"), slot(3, "Tue", "09am", "doc2")],
    new Map([[3, "patient2"]]),
  );
  expect(g.bookedCount).toBe(1);
  const row = g.apply({ index: 1, holder: "patient1" })!;
  expect(row).toEqual([1, 0, "patient1", 1, 0, 1]);
  expect(withoutName(row)).toEqual([1, 0, 1, 1, 0, 1]);
  expect(g.apply({ index: 99, holder: "x" })).toBeUndefined();
  g.apply({ index: 3, holder: undefined });
  const open = g.snapshot(false);
  expect(JSON.stringify(open)).not.toContain("patient");
  expect(open.doctors).toEqual([
    { name: "doc1", slots: 2, booked: 1 },
    { name: "doc2", slots: 1, booked: 0 },
  ]);
  expect(g.snapshot(true).slots).toEqual([
    [1, 0, "patient1"],
    [2, 0, 0],
    [3, 1, 0],
  ]);
});

test("a schedule of 50,000 slots gives a bounded snapshot with every slot still counted", () => {
  const slots = Array.from({ length: 50_000 }, (_, i) =>
    slot(
      i + 1,
      ["Mon", "Tue", "Wed"][i % 3]!,
      `${String((i % 12) + 1).padStart(2, "0")}${i % 24 < 12 ? "am" : "pm"}`,
      `doc${i % 500}`,
    ),
  );
  const g = grid(slots);
  g.apply({ index: 50_000, holder: "late" });
  const snap = g.snapshot(true);
  expect(snap.slots.length).toBeLessThanOrEqual(staff_page_slots_max);
  expect(snap.cells.length).toBe(staff_page_cells_max);
  expect(snap.cellsTotal).toBeGreaterThan(staff_page_cells_max);
  expect(snap.slotsTotal).toBe(50_000);
  expect(snap.doctors.reduce((n, d) => n + d.booked, 0)).toBe(1);
  expect(JSON.stringify(snap).length).toBeLessThan(256 * 1024);
});

test("the metrics text is Prometheus format: help, type, labelled counters, cumulative histogram buckets", () => {
  const r = new Registry();
  const c = r.add(new Counter<"a" | "b">("x_total", "Xs.", "outcome", ["a", "b"]));
  const h = r.add(new Histogram("y_seconds", "Ys.", [0.1, 1]));
  c.inc("a");
  c.inc("a");
  h.observe(0.05);
  h.observe(0.5);
  h.observe(5);
  expect(r.render()).toBe(
    [
      "# HELP x_total Xs.",
      "# TYPE x_total counter",
      'x_total{outcome="a"} 2',
      'x_total{outcome="b"} 0',
      "# HELP y_seconds Ys.",
      "# TYPE y_seconds histogram",
      'y_seconds_bucket{le="0.1"} 1',
      'y_seconds_bucket{le="1"} 2',
      'y_seconds_bucket{le="+Inf"} 3',
      "y_seconds_sum 5.55",
      "y_seconds_count 3",
      "",
    ].join("\n"),
  );
});

test("a live page that never reads is cut off once its queue passes the limit; one that reads keeps up", async () => {
  const { ChangeFeed } = await import("../roles/healthcenterserver/booking/changes.ts");
  const { Watchers } = await import("../roles/healthcenterserver/staff/watchers.ts");
  const { staff_events_batch_max, staff_watcher_queue_bytes_max } = await import("../shared/limits.ts");
  const slots = Array.from({ length: staff_page_slots_max }, (_, i) => slot(i + 1, "Mon", "09am", `doc${i % 50}`));
  const feed = new ChangeFeed();
  const watchers = new Watchers(grid(slots), feed);
  const stalled = watchers.open(false, new AbortController().signal);
  const reader = watchers.open(false, new AbortController().signal).getReader();
  expect(watchers.count).toBe(2);
  let readBytes = 0;
  // Each round overflows one interval, so each page is sent a whole snapshot.
  let rounds = 0;
  while (watchers.count === 2 && rounds < 1_000) {
    for (let i = 0; i <= staff_events_batch_max; i++)
      feed.publish({ index: (i % slots.length) + 1, holder: rounds % 2 ? "x" : undefined });
    watchers.flush();
    rounds += 1;
    const { value } = await reader.read();
    readBytes += value!.byteLength;
  }
  expect(watchers.count).toBe(1);
  // The stalled page was sent what the reader read, less what could not fit its queue.
  expect(rounds).toBeGreaterThan(2);
  expect(readBytes).toBeGreaterThan(staff_watcher_queue_bytes_max * 0.75);
  feed.publish({ index: 1, holder: "after" });
  watchers.flush();
  // The reader is one snapshot behind (the one it was opened with); then the change.
  const kinds: string[] = [];
  for (let i = 0; i < 2; i++)
    kinds.push(/^event: (\w+)$/m.exec(new TextDecoder().decode((await reader.read()).value))![1]!);
  expect(kinds).toEqual(["snapshot", "changes"]);
  const stalledReader = stalled.getReader();
  await expect(async () => {
    while (!(await stalledReader.read()).done);
  }).toThrow("live page fell behind");
  watchers.stop();
});
