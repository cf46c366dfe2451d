// One way to read an operator's file: only a regular file under a cap, opened without blocking, so a
// FIFO never waits for a writer and a link to /dev/zero never grows the process.
import type { Stats } from "node:fs";
import { DataError, fileProblem, UsageError } from "./errors.ts";
import { nodeFs } from "./lazy-fs.ts";
import { small_data_file_bytes_max } from "./limits.ts";

/**
 * A regular file's text, at most `cap` bytes. Opened without blocking and checked on the open
 * descriptor, so a FIFO, a device (/dev/zero) or a directory is refused at once rather than read
 * (a FIFO would wait for a writer forever; /dev/zero never ends).
 */
export function readRegularFile(path: string, cap: number): string {
  const fs = nodeFs();
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(path, undefined, code === "ENOENT" ? "file not found" : `cannot read: ${fileProblem(err)}`);
  }
  try {
    const stat = fs.fstatSync(fd);
    if (!stat.isFile())
      throw new DataError(path, undefined, `is not a regular file (${kindOf(stat)}); a data file must be one`);
    if (stat.size > cap)
      throw new DataError(path, undefined, `is ${stat.size} bytes, larger than the ${cap} bytes a data file may hold`);
    const buffer = Buffer.alloc(stat.size);
    let got = 0;
    while (got < stat.size) {
      const n = fs.readSync(fd, buffer, got, stat.size - got, got);
      if (n === 0) break;
      got += n;
    }
    return buffer.toString("utf8", 0, got);
  } catch (err) {
    if (err instanceof DataError) throw err;
    throw new DataError(path, undefined, `cannot read: ${fileProblem(err)}`);
  } finally {
    fs.closeSync(fd);
  }
}

/** Reads a file named by a flag; a file that cannot be read is the user's mistake, so a UsageError. */
export function readFlagFile(flag: string, path: string, cap = small_data_file_bytes_max): string {
  try {
    return readRegularFile(path, cap);
  } catch (err) {
    throw new UsageError(`${flag}: ${err instanceof DataError ? err.message : `cannot read ${path} (${err})`}`);
  }
}

function kindOf(stat: Stats): string {
  if (stat.isFIFO()) return "a FIFO";
  if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
  if (stat.isDirectory()) return "a directory";
  if (stat.isSocket()) return "a socket";
  return "not a file";
}
