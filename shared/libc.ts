// The few libc calls Bun does not expose: non-blocking mode for an inherited descriptor, and the
// file-descriptor limit. Loaded lazily through bun:ffi; where that fails, callers get `undefined`
// and carry on as before (the process still works, it just cannot protect itself as well).
import { fstatSync } from "node:fs";

const F_GETFL = 3;
const F_SETFL = 4;
const O_NONBLOCK = 0o4000;
const RLIMIT_NOFILE = 7;
const LOCK_EX = 2;
const LOCK_NB = 4;

type Libc = {
  fcntl: (fd: number, cmd: number, arg: number) => number;
  getrlimit: (resource: number, out: BigUint64Array) => number;
  setrlimit: (resource: number, value: BigUint64Array) => number;
  flock: (fd: number, operation: number) => number;
};

let loaded: Libc | null | undefined;

function libc(): Libc | null {
  if (loaded !== undefined) return loaded;
  try {
    const { dlopen, FFIType, ptr } = require("bun:ffi") as typeof import("bun:ffi");
    const { symbols } = dlopen("libc.so.6", {
      fcntl: { args: [FFIType.i32, FFIType.i32, FFIType.i32], returns: FFIType.i32 },
      getrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
      setrlimit: { args: [FFIType.i32, FFIType.ptr], returns: FFIType.i32 },
      flock: { args: [FFIType.i32, FFIType.i32], returns: FFIType.i32 },
    });
    loaded = {
      fcntl: (fd, cmd, arg) => symbols.fcntl(fd, cmd, arg),
      getrlimit: (r, out) => symbols.getrlimit(r, ptr(out)),
      setrlimit: (r, value) => symbols.setrlimit(r, ptr(value)),
      flock: (fd, operation) => symbols.flock(fd, operation),
    };
  } catch {
    loaded = null;
  }
  return loaded;
}

/**
 * Makes writes to `fd` return EAGAIN instead of blocking, when it is a pipe or a socket (a stuck
 * reader would otherwise freeze the event loop). Files and terminals are left alone. True when set.
 */
export function makeNonBlocking(fd: number): boolean {
  try {
    const st = fstatSync(fd);
    if (!st.isFIFO() && !st.isSocket()) return false;
    const c = libc();
    if (!c) return false;
    const flags = c.fcntl(fd, F_GETFL, 0);
    if (flags < 0) return false;
    return (flags & O_NONBLOCK) !== 0 || c.fcntl(fd, F_SETFL, flags | O_NONBLOCK) === 0;
  } catch {
    return false;
  }
}

/** Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit now in force. */
export function raiseFileLimit(): number | undefined {
  const c = libc();
  if (!c) return undefined;
  const value = new BigUint64Array(2);
  if (c.getrlimit(RLIMIT_NOFILE, value) !== 0) return undefined;
  if (value[0]! < value[1]!) {
    const raised = new BigUint64Array([value[1]!, value[1]!]);
    if (c.setrlimit(RLIMIT_NOFILE, raised) === 0) value[0] = value[1]!;
  }
  // RLIM_INFINITY is all ones; nothing real comes near 2^53.
  return value[0]! > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value[0]!);
}

/**
 * Takes an exclusive flock on `fd` without waiting: true if taken, false if another process holds
 * it, undefined where libc cannot be reached. (flock and SQLite's fcntl locks do not interact.)
 */
export function tryLockExclusive(fd: number): boolean | undefined {
  const c = libc();
  if (!c) return undefined;
  return c.flock(fd, LOCK_EX | LOCK_NB) === 0;
}
