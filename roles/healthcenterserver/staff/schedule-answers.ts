// The page's schedule (/api/schedule) costs the patients nothing they would notice: the JSON of a snapshot
// is made once per change of the schedule (and per kind of reader: with names, without, or a doctor
// account's, its own doctor's patients named) and reused (at most staff_schedule_snapshots_max kept),
// and the answers are bounded per second besides; past the bound the request gets 503 at once. On a
// typed calendar the answer is the week for the type asked (typed-view.ts), made per type and reader,
// and kept up to staff_typed_snapshot_ms across bookings (it costs tens of milliseconds on a big clinic);
// a replaced schedule (rules, types, zone, a new day) is made anew at once.
import { staff_schedule_snapshots_max, staff_typed_snapshot_ms } from "../../../shared/limits.ts";
import { namesKey, type NamesShown } from "./accounts.ts";
import type { Grid } from "./grid.ts";
import type { TypedViews } from "./watchers.ts";

type Made = { version: number; resets: number; json: string; atMs: number };

export class ScheduleAnswers {
  private readonly made = new Map<string, Made>();
  private second = -1;
  private answered = 0;

  constructor(
    private readonly grid: Grid,
    private readonly perSecondMax: number,
    private readonly views?: TypedViews,
  ) {}

  /** Snapshots kept made (at most staff_schedule_snapshots_max). */
  get kept(): number {
    return this.made.size;
  }

  /** The snapshot's JSON for a reader who sees `names`; undefined past this second's bound. */
  json(names: NamesShown, nowMs: number, type = ""): string | undefined {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.second = second;
      this.answered = 0;
    }
    if (this.answered >= this.perSecondMax) return undefined;
    this.answered += 1;
    const typed = this.views?.typed() ?? false;
    const key = `${namesKey(names)}\n${typed ? type : ""}`;
    const made = this.made.get(key);
    if (made?.version === this.grid.version) return made.json;
    // Held only across bookings: a replaced schedule (new rules, types or zone) shows at once.
    const held = made !== undefined && made.resets === this.grid.resets && nowMs - made.atMs < staff_typed_snapshot_ms;
    if (typed && held) return made.json;
    const snapshot = (typed ? this.views?.snapshot(names, type) : undefined) ?? this.grid.snapshot(names);
    const json = JSON.stringify(snapshot);
    // Bounded: kinds of reader (two, and a doctor's per signed-in doctor) times the types and "", up to
    // staff_schedule_snapshots_max; Map order is the order made, so the oldest made goes first.
    this.made.delete(key);
    this.made.set(key, { version: this.grid.version, resets: this.grid.resets, json, atMs: nowMs });
    if (this.made.size > staff_schedule_snapshots_max) this.made.delete(this.made.keys().next().value!);
    return json;
  }
}
