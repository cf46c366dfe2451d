// Who holds each slot, compact: one number per slot (0 for free) and each patient's name stored
// once, with the indexes each patient holds. Half a million bookings cost a few MB and no
// per-booking strings, so start-up and garbage collection stay cheap on a large schedule.
import { assert } from "../../shared/assert.ts";

export class Holders {
  /** Per position: 0 when free, else the holder's patient number + 1. */
  private readonly ids: Uint32Array;
  private readonly names: string[] = [];
  private readonly numberOf = new Map<string, number>();
  /** Per patient number: the slot indexes held (reservations in flight included). */
  private readonly held: (number[] | undefined)[] = [];
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
    return id === 0 ? undefined : this.names[id - 1];
  }

  /** The position was free; now `patient` holds it (slot `index`). */
  take(position: number, index: number, patient: string): void {
    assert(this.ids[position] === 0, `slot ${index} is free before it is taken`);
    const n = this.patientNumber(patient);
    this.ids[position] = n + 1;
    const list = (this.held[n] ??= []);
    assert(!list.includes(index), `slot ${index} is held once by ${patient}`);
    list.push(index);
    this.total += 1;
  }

  /** The position is held; now it is free. Returns who held it. */
  free(position: number, index: number): string {
    const id = this.ids[position]!;
    assert(id !== 0, `slot ${index} is held before it is freed`);
    const list = this.held[id - 1];
    const at = list ? list.indexOf(index) : -1;
    assert(list !== undefined && at !== -1, `slot ${index} was held by ${this.names[id - 1]}`);
    list.splice(at, 1);
    if (list.length === 0) this.held[id - 1] = undefined;
    this.ids[position] = 0;
    this.total -= 1;
    return this.names[id - 1]!;
  }

  countOf(patient: string): number {
    const n = this.numberOf.get(patient);
    return n === undefined ? 0 : this.held[n]?.length ?? 0;
  }

  /** The indexes the patient holds, in index order. */
  indexesOf(patient: string): number[] {
    const n = this.numberOf.get(patient);
    return n === undefined ? [] : [...(this.held[n] ?? [])].sort((a, b) => a - b);
  }

  private patientNumber(patient: string): number {
    let n = this.numberOf.get(patient);
    if (n === undefined) {
      n = this.names.length;
      this.names.push(patient);
      this.numberOf.set(patient, n);
    }
    return n;
  }
}
