// The booking rules and the in-memory index of free slots, headless: no sockets, no disk.
// The database is the record; this mirrors it so `available` and `selection` never query it.
import type { Slot } from "../../shared/datafiles.ts";
import { log_slots_max } from "../../shared/limits.ts";

export type Decision = { kind: "free"; slot: Slot } | { kind: "notavailable"; slot: Slot } | { kind: "invalid" };

/** Slots per cached piece of the `available` reply: a booking re-encodes one block, not the whole list. */
const block_slots = 1024;

export class Schedule {
  private readonly positionOf = new Map<number, number>();
  private readonly holders: (string | undefined)[];
  private readonly blocks: (Buffer | undefined)[];
  private availableCache: Buffer | undefined;
  private logCache: string | undefined;
  private free: number;

  constructor(readonly slots: readonly Slot[]) {
    slots.forEach((slot, position) => {
      if (this.positionOf.has(slot.index)) throw new Error(`duplicate slot index ${slot.index}`);
      this.positionOf.set(slot.index, position);
    });
    this.holders = new Array(slots.length).fill(undefined);
    this.blocks = new Array(Math.ceil(slots.length / block_slots)).fill(undefined);
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

  holderOf(index: number): string | undefined {
    const position = this.positionOf.get(index);
    return position === undefined ? undefined : this.holders[position];
  }

  /** Marks a free slot taken. Returns false if it was not free. */
  reserve(index: number, patient: string): boolean {
    const position = this.positionOf.get(index);
    if (position === undefined || this.holders[position] !== undefined) return false;
    this.holders[position] = patient;
    this.free -= 1;
    this.changed(position);
    return true;
  }

  /** Undoes a reservation whose commit failed. */
  release(index: number): void {
    const position = this.positionOf.get(index);
    if (position === undefined || this.holders[position] === undefined) return;
    this.holders[position] = undefined;
    this.free += 1;
    this.changed(position);
  }

  /** The whole `available` reply: free slots in schedule order, then the empty line. */
  availableReply(): Buffer {
    if (this.availableCache) return this.availableCache;
    const parts: Buffer[] = [];
    for (let b = 0; b < this.blocks.length; b++) {
      let block = this.blocks[b];
      if (!block) {
        block = this.encodeBlock(b);
        this.blocks[b] = block;
      }
      parts.push(block);
    }
    parts.push(Buffer.from("\n"));
    this.availableCache = Buffer.concat(parts);
    return this.availableCache;
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

  private encodeBlock(block: number): Buffer {
    let text = "";
    const end = Math.min(this.slots.length, (block + 1) * block_slots);
    for (let p = block * block_slots; p < end; p++) {
      if (this.holders[p] !== undefined) continue;
      const s = this.slots[p]!;
      text += `${s.index} ${s.day} ${s.time}\n`;
    }
    return Buffer.from(text, "latin1");
  }

  private changed(position: number): void {
    this.blocks[Math.floor(position / block_slots)] = undefined;
    this.availableCache = undefined;
    this.logCache = undefined;
  }
}
