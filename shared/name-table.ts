// Names interned to small numbers: the slot table stores a day, time or doctor as one, and the
// server's holders a patient.

/** Interns names: each distinct string is stored once and gets a small number. */
export class Names {
  readonly list: string[] = [];
  private readonly ids = new Map<string, number>();
  /** Ids by a hash of their characters, so a name inside a larger text is found without cutting it out. */
  private readonly byHash = new Map<number, number[]>();

  /** The id of text[start, end), whose characters hash to `hash` (see hashOf). */
  idOfRange(text: string, start: number, end: number, hash: number): number {
    const candidates = this.byHash.get(hash);
    if (candidates) {
      for (const id of candidates) {
        const name = this.list[id]!;
        if (name.length === end - start && text.startsWith(name, start)) return id;
      }
    }
    const id = this.id(text.slice(start, end));
    if (candidates) candidates.push(id);
    else this.byHash.set(hash, [id]);
    return id;
  }

  id(name: string): number {
    let id = this.ids.get(name);
    if (id === undefined) {
      id = this.list.length;
      this.list.push(name);
      this.ids.set(name, id);
    }
    return id;
  }

  /** The number of a name already seen, or -1. */
  find(name: string): number {
    return this.ids.get(name) ?? -1;
  }
}
