// node:fs and node:path, loaded when a file is really touched rather than when a module is (issue 28).
// Bun builds each export of node:fs the first time it is read; modules importing nine or ten of them at
// start-up build enough that the JIT starts compiling the builder, which cost ~1.7 ms of CPU (a fifth of a
// piped patient session). The modules on the patient's path call these inside the function that uses a file,
// so a session with the embedded seed reads only what it calls (fstatSync, writeSync) and no path module.

export function nodeFs(): typeof import("node:fs") {
  return require("node:fs");
}

export function nodePath(): typeof import("node:path") {
  return require("node:path");
}
