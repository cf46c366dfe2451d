// Who holds each slot, compact: one number per slot (0 for free) and each patient's name stored
// once, with the indexes each patient holds. Half a million bookings cost a few MB and no
// per-booking strings, so start-up and garbage collection stay cheap on a large schedule.
import { assert } from "../../../shared/assert.ts";
import { Names } from "../../../shared/name-table.ts";

/** A patient's held indexes: a short array (the usual few), or a Set once there are more. */
type Held = number[] | Set<number>;
const held_array_max = 8;

export class Holders {
  /** Per position: 0 when free, else the holder's patient number + 1. */
  private readonly ids: Uint32Array;
  /** Patient names, each stored once; a patient's number is its id here. */
  private readonly patients = new Names();
  /** Per patient number: the slot indexes held (reservations in flight included). */
  private readonly held: (Held | undefined)[] = [];
  private total = 0;

  constructor(positions: number) {
    this.ids = new Uint32Array(positions);
  }

  /** Slots held by anyone. */
  get heldTotal(): number {
    return this.total;
  }

  isFree(position: number): boolean {
    return this.ids[position] === 0;
  }

  at(position: number): string | undefined {
    const id = this.ids[position]!;
    return id === 0 ? undefined : this.patients.list[id - 1];
  }

  /** The position was free; now `patient` holds it (slot `index`). */
  take(position: number, index: number, patient: string): void {
    // Messages are built only when an invariant breaks: this runs once per booking restored at start-up.
    if (this.ids[position] !== 0) assert(false, () => `slot ${index} is free before it is taken`);
    const n = this.patients.id(patient);
    this.ids[position] = n + 1;
    const held = this.held[n];
    if (held !== undefined && (Array.isArray(held) ? held.includes(index) : held.has(index)))
      assert(false, () => `slot ${index} is held once by ${patient}`);
    if (held === undefined) this.held[n] = [index];
    else if (!Array.isArray(held)) held.add(index);
    else if (held.length < held_array_max) held.push(index);
    else this.held[n] = new Set([...held, index]);
    this.total += 1;
  }

  /** The position is held; now it is free. Returns who held it. */
  free(position: number, index: number): string {
    const id = this.ids[position]!;
    if (id === 0) assert(false, () => `slot ${index} is held before it is freed`);
    const held = this.held[id - 1];
    let found = false;
    if (Array.isArray(held)) {
      const at = held.indexOf(index);
      if (at !== -1) held.splice(at, 1);
      found = at !== -1;
    } else if (held) {
      found = held.delete(index);
    }
    if (!found) assert(false, () => `slot ${index} was held by ${this.patients.list[id - 1]}`);
    if ((Array.isArray(held) ? held.length : held!.size) === 0) this.held[id - 1] = undefined;
    this.ids[position] = 0;
    this.total -= 1;
    return this.patients.list[id - 1]!;
  }

  countOf(patient: string): number {
    const n = this.patients.find(patient);
    const held = n === -1 ? undefined : this.held[n];
    return held === undefined ? 0 : Array.isArray(held) ? held.length : held.size;
  }

  /** The indexes the patient holds, in index order. */
  indexesOf(patient: string): number[] {
    const n = this.patients.find(patient);
    return n === -1 ? [] : [...(this.held[n] ?? [])].sort((a, b) => a - b);
  }
}
