// Invariants. A broken one is a bug: the process stops (the database is the record, and start-up
// rebuilds memory from it) rather than serve from a wrong in-memory state.
//
// The message is a function, called only when the invariant is broken: asserts sit on the booking
// path, and a template string built on every call would cost even when nothing is wrong. The
// condition must have no side effect (call first, then assert on the result), so that reading an
// assert never hides a change of state.

export class AssertionError extends Error {
  override readonly name = "AssertionError";
}

export function assert(ok: unknown, what: () => string): asserts ok {
  if (!ok) throw new AssertionError(`invariant broken: ${what()}`);
}
