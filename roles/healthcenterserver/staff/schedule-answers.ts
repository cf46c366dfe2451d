// The page's schedule (/api/schedule) costs the patients nothing they would notice: the JSON of a snapshot
// is made once per change of the schedule (and per kind of reader, with or without names) and reused,
// and the answers are bounded per second besides; past the bound the request gets 503 at once. On a
// typed calendar the answer is the week for the type asked (typed-view.ts), made per type and reader,
// and kept up to staff_typed_snapshot_ms after a change (it costs tens of milliseconds on a big clinic).
import { staff_typed_snapshot_ms } from "../../../shared/limits.ts";
import type { Grid } from "./grid.ts";
import type { TypedViews } from "./watchers.ts";

type Made = { version: number; json: string; atMs: number };

export class ScheduleAnswers {
  private readonly made = new Map<string, Made>();
  private second = -1;
  private answered = 0;

  constructor(
    private readonly grid: Grid,
    private readonly perSecondMax: number,
    private readonly views?: TypedViews,
  ) {}

  /** The snapshot's JSON for a reader who may see names (or not); undefined past this second's bound. */
  json(names: boolean, nowMs: number, type = ""): string | undefined {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.second = second;
      this.answered = 0;
    }
    if (this.answered >= this.perSecondMax) return undefined;
    this.answered += 1;
    const typed = this.views?.typed() ?? false;
    const key = `${names}\n${typed ? type : ""}`;
    const made = this.made.get(key);
    if (made?.version === this.grid.version) return made.json;
    if (typed && made !== undefined && nowMs - made.atMs < staff_typed_snapshot_ms) return made.json;
    const snapshot = (typed ? this.views?.snapshot(names, type) : undefined) ?? this.grid.snapshot(names);
    const json = JSON.stringify(snapshot);
    // Bounded: two kinds of reader times the types a calendar has, and "".
    this.made.set(key, { version: this.grid.version, json, atMs: nowMs });
    return json;
  }
}
