import { fnv_prime, fnv_seed, hashBytes } from "../../shared/quote-protocol.ts";

// The doctor's prices keyed by the bytes of a request's words: a quote is answered from the datagram's bytes,
// its reply a Buffer made when the prices were loaded, with nothing decoded or allocated.

/** One price: its key as the price file has it (`insurance1`, or `insurance1 first` for a type), reply and text. */
export type PriceEntry = { key: string; bytes: Uint8Array; reply: Buffer; price: string };

const space = 0x20;

function sameBytes(key: Uint8Array, at: number, bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (key[at++] !== bytes[i]) return false;
  return true;
}

/** Printable ASCII with single spaces between words: the only keys a request's words can spell. */
const spellable = (key: string) => /^[\x21-\x7e]+( [\x21-\x7e]+)?$/.test(key);

/**
 * An open-addressed hash table from a key's bytes to its entry. A lookup names one word of the datagram
 * (`insurance1`) or two joined by one space (`insurance1 first`, the typed price's key), in place.
 */
export class ReplyTable {
  private readonly slots: Int32Array;
  private readonly entries: PriceEntry[] = [];
  private readonly mask: number;

  constructor(prices: Map<string, number>) {
    let size = 8;
    while (size < prices.size * 2) size *= 2;
    this.slots = new Int32Array(size).fill(-1);
    this.mask = size - 1;
    for (const [key, price] of prices) {
      if (!spellable(key)) continue;
      const bytes = Buffer.from(key, "latin1");
      const text = String(price);
      this.insert({ key, bytes, reply: Buffer.from(text), price: text });
    }
  }

  entry(index: number): PriceEntry {
    return this.entries[index]!;
  }

  /** The entry of the word at bytes [start, end), whose hashBytes is `hash` (splitQuoteBytes made it); -1 for none. */
  find(bytes: Uint8Array, start: number, end: number, hash: number): number {
    for (let slot = hash & this.mask; ; slot = (slot + 1) & this.mask) {
      const index = this.slots[slot]!;
      if (index < 0) return -1;
      const key = this.entries[index]!.bytes;
      if (key.length === end - start && sameBytes(key, 0, bytes, start, end)) return index;
    }
  }

  /** The entry of two words joined by one space ([s1, e1) hashed to h1, then [s2, e2)): a typed price; -1 for none. */
  findTyped(bytes: Uint8Array, s1: number, e1: number, h1: number, s2: number, e2: number): number {
    const length = e1 - s1 + 1 + e2 - s2;
    const h = hashBytes(Math.imul(h1 ^ space, fnv_prime), bytes, s2, e2);
    for (let slot = h & this.mask; ; slot = (slot + 1) & this.mask) {
      const index = this.slots[slot]!;
      if (index < 0) return -1;
      const key = this.entries[index]!.bytes;
      if (key.length !== length || !sameBytes(key, 0, bytes, s1, e1)) continue;
      if (key[e1 - s1] === space && sameBytes(key, e1 - s1 + 1, bytes, s2, e2)) return index;
    }
  }

  private insert(entry: PriceEntry): void {
    let slot = hashBytes(fnv_seed, entry.bytes, 0, entry.bytes.length) & this.mask;
    while (this.slots[slot]! >= 0) slot = (slot + 1) & this.mask;
    this.slots[slot] = this.entries.push(entry) - 1;
  }
}
