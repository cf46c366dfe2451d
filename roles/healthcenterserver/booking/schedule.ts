// The booking rules and the in-memory index of free slots, headless: no sockets, no disk.
// The database is the record; this mirrors it so `available` and `selection` never query it.
import { assert } from "../../../shared/assert.ts";
import type { Slot } from "../../../shared/datafiles.ts";
import { available_block_slots, available_whole_slots_max } from "../../../shared/limits.ts";
import { encodeFreeBlock, logLines, nameBytesOf, type NameBytes } from "./available-bytes.ts";
import { SlotTable } from "../../../shared/slot-table.ts";
import { ChangeFeed } from "./changes.ts";
import { Holders } from "./holders.ts";
import { SlotIndex, type SlotQuery } from "./slot-index.ts";
import { offeredSpan, plainSpan, type CalendarSlots } from "./calendar-slots.ts";
import { BookedSpans, blocksNear, spansMayMeet, type BookedSpan } from "./booked-spans.ts";

/** `span`: on a calendar, what booking it blocks of the doctor's time (the type booked). */
export type Decision =
  | { kind: "free"; slot: Slot; span?: BookedSpan }
  | { kind: "notavailable"; slot: Slot }
  | { kind: "invalid" };

const end_of_list = Buffer.from("\n");

export class Schedule {
  /** The slots, compact (typed arrays); `slots.at(position)` makes a Slot object when one is needed. */
  slots: SlotTable;
  /** On a calendar: each position's start, length and local time (replaced with the slots). */
  calendar: CalendarSlots | undefined;
  private holders: Holders;
  private blocks: (Buffer | undefined)[];
  private wholeCache: Buffer | undefined;
  private logCache: string | undefined;
  private free: number;
  /** Committed changes only: whoever commits a change publishes it here (see changes.ts). */
  readonly changes = new ChangeFeed();
  private index: SlotIndex | undefined;
  /** On a calendar: what each held slot blocks; where spans meet, only starts no booked span meets are offered. */
  readonly spans = new BookedSpans();
  /** Day and time names as bytes, for encoding `available` blocks (made on first use). */
  private nameBytes: NameBytes | undefined;

  constructor(slots: SlotTable | readonly Slot[], calendar?: CalendarSlots) {
    this.slots = slots instanceof SlotTable ? slots : SlotTable.fromSlots(slots);
    this.calendar = calendar;
    this.spans.meet = spansMayMeet(calendar);
    const n = this.slots.length;
    for (let p = 0; p < n; p++) {
      if (this.slots.positionOf(this.slots.indexAt(p)) !== p)
        assert(false, () => `slot index ${this.slots.indexAt(p)} appears once in the schedule`);
    }
    this.holders = new Holders(n);
    this.blocks = new Array(Math.ceil(n / available_block_slots)).fill(undefined);
    this.free = n;
  }

  /**
   * On a calendar, when the horizon moves or the rules change: new slots, the holders carried over by
   * index. Every held index must be in `slots` (the caller keeps booked slots, inside availability or not).
   */
  replace(slots: SlotTable, calendar: CalendarSlots): void {
    const old = { slots: this.slots, holders: this.holders };
    this.slots = slots;
    this.calendar = calendar;
    this.spans.meet = spansMayMeet(calendar);
    this.holders = new Holders(slots.length);
    this.blocks = new Array(Math.ceil(slots.length / available_block_slots)).fill(undefined);
    this.index = undefined;
    this.wholeCache = undefined;
    this.logCache = undefined;
    this.nameBytes = undefined;
    this.free = slots.length;
    for (let p = 0; p < old.slots.length; p++) {
      const holder = old.holders.at(p);
      if (holder === undefined) continue;
      const index = old.slots.indexAt(p);
      const position = slots.positionOf(index);
      assert(position !== -1, () => `held slot ${index} is kept when the schedule is replaced`);
      this.holders.take(position, index, holder);
      this.free -= 1;
      this.spans.note(this.spans.spanOf(index), calendar.minutes[position]!);
    }
    this.checkFreeCount();
  }

  /** Who holds the slot at this position (undefined: free). */
  holderAt(position: number): string | undefined {
    return this.holders.at(position);
  }

  get freeCount(): number {
    return this.free;
  }

  /**
   * invalid: not in the schedule, or not offered as that type (ask again); notavailable: taken, or (where
   * spans meet: BookedSpans.meet) its span meets a booked one (other than `except`'s: a move's own slot).
   */
  decide(index: number, type?: number, except?: number): Decision {
    const position = this.slots.positionOf(index);
    if (position === -1) return { kind: "invalid" };
    const cal = this.calendar;
    const span = cal ? offeredSpan(cal, position, type) : undefined;
    if (span === undefined && (cal !== undefined || type !== undefined)) return { kind: "invalid" };
    const slot = this.slots.at(position);
    const free = this.holders.isFree(position) && !(this.spans.meet && this.spans.blocks(index, span!, except));
    return free ? { kind: "free", slot, ...(span ? { span } : {}) } : { kind: "notavailable", slot };
  }

  /** Free and offered as that type (undefined: as the default), no booked span meeting it. */
  offeredAs(position: number, type?: number): boolean {
    if (!this.holders.isFree(position)) return false;
    const cal = this.calendar;
    if (!this.spans.meet && type === undefined) return true;
    const span = cal && offeredSpan(cal, position, type);
    return span !== undefined && !this.spans.blocks(this.slots.indexAt(position), span);
  }

  /** Where a slot index sits in `slots`, or undefined when it is not in the schedule. */
  position(index: number): number | undefined {
    const position = this.slots.positionOf(index);
    return position === -1 ? undefined : position;
  }

  slotOf(index: number): Slot | undefined {
    const position = this.slots.positionOf(index);
    return position === -1 ? undefined : this.slots.at(position);
  }

  /** How many slots the patient holds, reservations in flight included. */
  heldCount(patient: string): number {
    return this.holders.countOf(patient);
  }

  /** The indexes the patient holds, in index order. */
  heldBy(patient: string): number[] {
    return this.holders.indexesOf(patient);
  }

  /** Free slots for `slots` (of a type: its starts; `also`: a further test of a position); index built on first use. */
  freePage(query: SlotQuery, type?: number, also?: (position: number) => boolean): Slot[] {
    this.index ??= new SlotIndex(this.slots, (p) => this.holders.isFree(p));
    return this.index.page(query, (p) => this.offeredAs(p, type) && (also?.(p) ?? true)).map((p) => this.slots.at(p));
  }

  holderOf(index: number): string | undefined {
    const position = this.slots.positionOf(index);
    return position === -1 ? undefined : this.holders.at(position);
  }

  /** Marks a free slot taken, booked as `span` (else plain). False if it was not free (or is not in the schedule). */
  reserve(index: number, patient: string, span?: BookedSpan): boolean {
    const position = this.slots.positionOf(index);
    if (position === -1 || !this.holders.isFree(position)) return false;
    this.holders.take(position, index, patient);
    if (this.calendar) this.spans.add(index, span ?? plainSpan(this.calendar, position));
    if (this.calendar && this.spans.note(span, this.calendar.minutes[position]!)) this.blocks.fill(undefined);
    this.free -= 1;
    this.changed(position);
    this.checkFreeCount();
    return true;
  }

  /** Undoes a reservation whose commit failed: the slot must be held. */
  release(index: number): void {
    const position = this.slots.positionOf(index);
    assert(position !== -1, () => `released slot ${index} is in the schedule`);
    assert(!this.holders.isFree(position), () => `released slot ${index} was taken`);
    this.holders.free(position, index);
    this.spans.remove(index);
    this.free += 1;
    this.changed(position);
    this.checkFreeCount();
  }

  /** The database says another holder has this (taken) slot: another process won the race. */
  correctHolder(index: number, holder: string): void {
    const position = this.slots.positionOf(index);
    assert(position !== -1 && !this.holders.isFree(position), () => `corrected slot ${index} is taken`);
    this.holders.free(position, index);
    this.holders.take(position, index, holder);
  }

  /**
   * The `available` reply, as chunks to write in order: free slots in schedule order, then the
   * empty line. Small schedules give one cached buffer; large ones give a cached block at a time,
   * taken when the socket can take it, so a reply never sits whole in a connection's queue.
   */
  *availableChunks(): Generator<Buffer> {
    if (this.slots.length <= available_whole_slots_max) {
      yield this.wholeReply();
      return;
    }
    // A calendar that replaces its slots mid-reply ends the list there: lines of two tables never mix.
    for (let b = 0, table = this.slots; b < this.blocks.length && this.slots === table; b++) {
      const block = this.block(b);
      if (block.length > 0) yield block;
    }
    yield end_of_list;
  }

  /** The whole reply when the schedule is small enough to write it at once, else undefined (stream it). */
  smallReply(): Buffer | undefined {
    return this.slots.length <= available_whole_slots_max ? this.wholeReply() : undefined;
  }

  /** The whole `available` reply as one buffer (small schedules; tests). */
  wholeReply(): Buffer {
    if (this.wholeCache) return this.wholeCache;
    const parts: Buffer[] = [];
    for (let b = 0; b < this.blocks.length; b++) parts.push(this.block(b));
    parts.push(end_of_list);
    this.wholeCache = Buffer.concat(parts);
    return this.wholeCache;
  }

  /** The server log's listing of free slots, as the seed prints it, capped. */
  logListing(): string {
    this.logCache ??= logLines(this.slots, this.free, (p) => this.offeredAs(p));
    return this.logCache;
  }

  private block(b: number): Buffer {
    return (this.blocks[b] ??= this.encodeBlock(b));
  }

  private encodeBlock(block: number): Buffer {
    this.nameBytes ??= nameBytesOf(this.slots);
    const start = block * available_block_slots;
    const end = Math.min(this.slots.length, start + available_block_slots);
    return encodeFreeBlock(this.slots, this.nameBytes, start, end, (p) => this.offeredAs(p));
  }

  /** Drops the caches that a change at this position makes stale. */
  private changed(position: number): void {
    this.index?.setFree(position, this.holders.isFree(position));
    // Where spans meet, a booking also hides (or frees) its neighbours' starts: their blocks are made again.
    if (this.spans.meet) this.blocks.fill(undefined, ...blocksNear(this.slots, position, available_block_slots));
    else this.blocks[Math.floor(position / available_block_slots)] = undefined;
    this.wholeCache = undefined;
    this.logCache = undefined;
  }

  private checkFreeCount(): void {
    assert(this.free >= 0, () => "the free count is not negative");
    assert(this.free <= this.slots.length, () => "the free count is at most the slot count");
    assert(
      this.free + this.holders.heldTotal === this.slots.length,
      () => "every slot is free or held by exactly one patient",
    );
  }
}
