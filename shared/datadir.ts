// Where data files come from: a directory given with --data, or the embedded seed.
import { nodeFs, nodePath } from "./lazy-fs.ts";
import { data_file_bytes_max, small_data_file_bytes_max, users_file_bytes_max } from "./limits.ts";

import { embedded } from "./fixtures.ts";
import { DataError, fileProblem } from "./errors.ts";
import { readRegularFile } from "./regular-file.ts";

export { readRegularFile };

export type DataDir = { dir: string | undefined };

export function describeDataDir(data: DataDir): string {
  return data.dir ?? "the embedded seed data";
}

export function pathOf(data: DataDir, name: string): string {
  return data.dir ? nodePath().join(data.dir, name) : `(embedded) ${name}`;
}

export function hasFile(data: DataDir, name: string): boolean {
  return data.dir ? nodeFs().existsSync(nodePath().join(data.dir, name)) : name in embedded;
}

/** A --data directory that is missing is named as such, rather than as its first missing file. */
export function checkDataDir(data: DataDir): DataDir {
  if (!data.dir) return data;
  let isDir: boolean;
  try {
    isDir = nodeFs().statSync(data.dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(
      data.dir,
      undefined,
      code === "ENOENT" ? "no such directory (given as the data directory)" : `cannot be read (${code ?? err})`,
    );
  }
  if (!isDir)
    throw new DataError(
      data.dir,
      undefined,
      "is not a directory (the data directory holds users.txt, availabilities.txt, doc*.txt)",
    );
  try {
    // Unsearchable, every file in it looks missing: say so, not "no doc1.txt".
    nodeFs().accessSync(data.dir, nodeFs().constants.R_OK | nodeFs().constants.X_OK);
  } catch (err) {
    throw new DataError(data.dir, undefined, `cannot be read: ${fileProblem(err)} (the data directory)`);
  }
  return data;
}

/** The most bytes a data file may hold: the schedule is large, users.txt middling, the others small. */
export function capOf(name: string): number {
  if (name === "availabilities.txt") return data_file_bytes_max;
  return name === "users.txt" ? users_file_bytes_max : small_data_file_bytes_max;
}

/** Reads one data file as text, or throws a DataError naming it. */
export function readDataFile(data: DataDir, name: string): string {
  if (!data.dir) {
    const text = embedded[name];
    if (text === undefined)
      throw new DataError(name, undefined, "no such file in the embedded seed data (use --data DIR)");
    return text;
  }
  return readRegularFile(nodePath().join(data.dir, name), capOf(name));
}

/** Doctors with a price file `<name>.txt` beside the schedule. */
export function doctorsWithPrices(data: DataDir, candidates: Iterable<string>): Set<string> {
  const found = new Set<string>();
  if (!data.dir) {
    for (const name of candidates) if (`${name}.txt` in embedded) found.add(name);
    return found;
  }
  const files = new Set(safeList(data.dir));
  for (const name of candidates) if (files.has(`${name}.txt`)) found.add(name);
  return found;
}

/** Patients with both files the patient reads: `<name>.txt` and `<name>insurance.txt`. */
export function patientNames(data: DataDir): string[] {
  const files = new Set(data.dir ? safeList(data.dir) : Object.keys(embedded));
  return [...files].flatMap((f) => {
    const name = /^(.+)insurance\.txt$/.exec(f)?.[1];
    return name && files.has(`${name}.txt`) ? [name] : [];
  });
}

/** Price files: `<name>.txt` that is neither a patient's nor users.txt nor availabilities.txt. */
export function doctorNames(data: DataDir): string[] {
  const files = data.dir ? safeList(data.dir) : Object.keys(embedded);
  const patients = new Set(patientNames(data));
  return files.flatMap((f) => {
    const name = /^(.+)\.txt$/.exec(f)?.[1];
    if (!name || patients.has(name) || name.endsWith("insurance") || name === "users" || name === "availabilities")
      return [];
    return [name];
  });
}

function safeList(dir: string): string[] {
  try {
    return nodeFs().readdirSync(dir);
  } catch {
    return [];
  }
}
