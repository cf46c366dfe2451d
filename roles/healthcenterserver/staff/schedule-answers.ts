// The page's schedule (/api/schedule) costs the patients nothing they would notice: the JSON of a snapshot
// is made once per change of the schedule (and per kind of reader, with or without names) and reused,
// and the answers are bounded per second besides; past the bound the request gets 503 at once.
import type { Grid } from "./grid.ts";

type Made = { version: number; json: string };

export class ScheduleAnswers {
  private readonly made: [Made | undefined, Made | undefined] = [undefined, undefined];
  private second = -1;
  private answered = 0;

  constructor(
    private readonly grid: Grid,
    private readonly perSecondMax: number,
  ) {}

  /** The snapshot's JSON for a reader who may see names (or not); undefined past this second's bound. */
  json(names: boolean, nowMs: number): string | undefined {
    const second = Math.floor(nowMs / 1000);
    if (second !== this.second) {
      this.second = second;
      this.answered = 0;
    }
    if (this.answered >= this.perSecondMax) return undefined;
    this.answered += 1;
    const slot = names ? 1 : 0;
    const made = this.made[slot];
    if (made?.version === this.grid.version) return made.json;
    const json = JSON.stringify(this.grid.snapshot(names));
    this.made[slot] = { version: this.grid.version, json };
    return json;
  }
}
