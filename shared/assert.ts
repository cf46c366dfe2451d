// Invariants. A broken one is a bug: the process stops (the database is the record, and start-up
// rebuilds memory from it) rather than serve from a wrong in-memory state.

export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

export function assert(ok: unknown, what: string): asserts ok {
  if (!ok) throw new AssertionError(`invariant broken: ${what}`);
}
