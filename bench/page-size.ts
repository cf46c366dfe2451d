// A bench database rebuilt with another SQLite page size (never shipped): the file as a new database created
// with `PRAGMA page_size = SIZE` would be (SQLite sets it only before the first table, and not in WAL mode,
// so the file leaves WAL, is rebuilt by VACUUM, and goes back). For bench/audit-variants.ts (PAGE_SIZE=...)
// and bench/audit-parts.ts (VARIANT@SIZE): what the page size does to a booking's commit, with the audit
// table's growth (a new leaf every 16 records at 4 KiB) and without.
import { Database } from "bun:sqlite";

export function repage(path: string, size: number): void {
  const db = new Database(path, { strict: true });
  db.run("PRAGMA journal_mode = DELETE");
  db.run(`PRAGMA page_size = ${size}`);
  db.run("VACUUM");
  db.run("PRAGMA journal_mode = WAL");
  const got = (db.query("PRAGMA page_size").get() as { page_size: number }).page_size;
  db.close();
  if (got !== size) throw new Error(`${path}: page size ${got}, not ${size}`);
}
