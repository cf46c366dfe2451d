// The booking rules and the in-memory index of free slots, headless: no sockets, no disk.
// The database is the record; this mirrors it so `available` and `selection` never query it.
import { assert } from "../../shared/assert.ts";
import type { Slot } from "../../shared/datafiles.ts";
import { available_block_slots, available_whole_slots_max, log_slots_max } from "../../shared/limits.ts";
import { formatFreeSlot } from "../../shared/protocol.ts";
import { ChangeFeed } from "./changes.ts";
import { SlotIndex, type SlotQuery } from "./slot-index.ts";

export type Decision = { kind: "free"; slot: Slot } | { kind: "notavailable"; slot: Slot } | { kind: "invalid" };

const end_of_list = Buffer.from("\n");

export class Schedule {
  private readonly positionOf = new Map<number, number>();
  private readonly holders: (string | undefined)[];
  private readonly blocks: (Buffer | undefined)[];
  private wholeCache: Buffer | undefined;
  private logCache: string | undefined;
  private free: number;
  /** Committed changes only: whoever commits a change publishes it here (see changes.ts). */
  readonly changes = new ChangeFeed();
  /** patient -> indexes of the slots they hold (reservations in flight included). */
  private readonly held = new Map<string, Set<number>>();
  private heldTotal = 0;
  private index: SlotIndex | undefined;

  constructor(readonly slots: readonly Slot[]) {
    slots.forEach((slot, position) => {
      assert(!this.positionOf.has(slot.index), `slot index ${slot.index} appears once in the schedule`);
      this.positionOf.set(slot.index, position);
    });
    this.holders = new Array(slots.length).fill(undefined);
    this.blocks = new Array(Math.ceil(slots.length / available_block_slots)).fill(undefined);
    this.free = slots.length;
  }

  get freeCount(): number {
    return this.free;
  }

  /** invalid: not in the schedule (ask again); notavailable: taken (the patient gives up). */
  decide(index: number): Decision {
    const position = this.positionOf.get(index);
    if (position === undefined) return { kind: "invalid" };
    const slot = this.slots[position]!;
    return this.holders[position] === undefined ? { kind: "free", slot } : { kind: "notavailable", slot };
  }

  /** Where a slot index sits in `slots`, or undefined when it is not in the schedule. */
  position(index: number): number | undefined {
    return this.positionOf.get(index);
  }

  slotOf(index: number): Slot | undefined {
    const position = this.positionOf.get(index);
    return position === undefined ? undefined : this.slots[position];
  }

  /** How many slots the patient holds, reservations in flight included. */
  heldCount(patient: string): number {
    return this.held.get(patient)?.size ?? 0;
  }

  /** The indexes the patient holds, in index order. */
  heldBy(patient: string): number[] {
    return [...(this.held.get(patient) ?? [])].sort((a, b) => a - b);
  }

  /** Free slots for `slots`: built on first use, since a server that is never asked needs no index. */
  freePage(query: SlotQuery): Slot[] {
    this.index ??= new SlotIndex(this.slots);
    return this.index.page(query, (p) => this.holders[p] === undefined).map((p) => this.slots[p]!);
  }

  holderOf(index: number): string | undefined {
    const position = this.positionOf.get(index);
    return position === undefined ? undefined : this.holders[position];
  }

  /** Marks a free slot taken. Returns false if it was not free (or is not in the schedule). */
  reserve(index: number, patient: string): boolean {
    const position = this.positionOf.get(index);
    if (position === undefined || this.holders[position] !== undefined) return false;
    this.holders[position] = patient;
    this.hold(patient, index);
    this.free -= 1;
    this.changed(position);
    this.checkFreeCount();
    return true;
  }

  /** Undoes a reservation whose commit failed: the slot must be held. */
  release(index: number): void {
    const position = this.positionOf.get(index);
    assert(position !== undefined, `released slot ${index} is in the schedule`);
    const holder = this.holders[position];
    assert(holder !== undefined, `released slot ${index} was taken`);
    this.unhold(holder, index);
    this.holders[position] = undefined;
    this.free += 1;
    this.changed(position);
    this.checkFreeCount();
  }

  /** The database says another holder has this (taken) slot: another process won the race. */
  correctHolder(index: number, holder: string): void {
    const position = this.positionOf.get(index);
    const before = position === undefined ? undefined : this.holders[position];
    assert(position !== undefined && before !== undefined, `corrected slot ${index} is taken`);
    this.unhold(before, index);
    this.holders[position] = holder;
    this.hold(holder, index);
  }

  private hold(patient: string, index: number): void {
    let set = this.held.get(patient);
    if (!set) this.held.set(patient, (set = new Set()));
    assert(!set.has(index), `slot ${index} is held once by ${patient}`);
    set.add(index);
    this.heldTotal += 1;
  }

  private unhold(patient: string, index: number): void {
    const set = this.held.get(patient);
    assert(set !== undefined && set.delete(index), `slot ${index} was held by ${patient}`);
    if (set.size === 0) this.held.delete(patient);
    this.heldTotal -= 1;
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
    for (let b = 0; b < this.blocks.length; b++) {
      const block = this.block(b);
      if (block.length > 0) yield block;
    }
    yield end_of_list;
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
    if (this.logCache !== undefined) return this.logCache;
    const lines: string[] = [];
    for (let p = 0; p < this.slots.length && lines.length < log_slots_max; p++) {
      if (this.holders[p] !== undefined) continue;
      const s = this.slots[p]!;
      lines.push(`${s.index} ${s.day} ${s.time} ${s.doctor} ${s.port}`);
    }
    if (this.free > lines.length) lines.push(`... and ${this.free - lines.length} more free slots`);
    this.logCache = lines.join("\n");
    return this.logCache;
  }

  private block(b: number): Buffer {
    let block = this.blocks[b];
    if (!block) {
      block = this.encodeBlock(b);
      this.blocks[b] = block;
    }
    return block;
  }

  private encodeBlock(block: number): Buffer {
    let text = "";
    const end = Math.min(this.slots.length, (block + 1) * available_block_slots);
    for (let p = block * available_block_slots; p < end; p++) {
      if (this.holders[p] !== undefined) continue;
      text += formatFreeSlot(this.slots[p]!);
    }
    return Buffer.from(text, "latin1");
  }

  /** Drops the caches that a change at this position makes stale. */
  private changed(position: number): void {
    this.blocks[Math.floor(position / available_block_slots)] = undefined;
    this.wholeCache = undefined;
    this.logCache = undefined;
  }

  private checkFreeCount(): void {
    assert(this.free >= 0, "the free count is not negative");
    assert(this.free <= this.slots.length, "the free count is at most the slot count");
    assert(this.free + this.heldTotal === this.slots.length, "every slot is free or held by exactly one patient");
  }
}
