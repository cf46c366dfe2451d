// Writes a data directory of any size quickly, for the bench's scale table and the large-schedule
// tests: `slots` slots over `doctors` doctors, and optionally a booking database with every
// slot of a range already booked (by distinct patients, three each, as the booking limit allows).
import { Database } from "bun:sqlite";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const days = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const times = ["08am", "09am", "10am", "11am", "12pm", "01pm", "02pm", "03pm", "04pm", "05pm"];

export type ScaleData = { dir: string; slots: number; doctors: number };

/** Slot i of a generated schedule: the day, time and doctor cycle. */
export function scaleSlot(i: number, doctors: number): { day: string; time: string; doctor: string; port: number } {
  const d = ((i - 1) % doctors) + 1;
  return { day: days[i % 7]!, time: times[i % 10]!, doctor: `doc${d}`, port: 40000 + d };
}

/** users.txt (the seed's two patients), availabilities.txt and one price file per doctor. */
export function writeScaleData(dir: string, slots: number, doctors = 100): ScaleData {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "users.txt"), "patient1 password111\npatient2 password222\n");
  const prices = "insurance1 30\ninsurance2 20\ninsurance3 50\n";
  for (let d = 1; d <= doctors; d++) writeFileSync(join(dir, `doc${d}.txt`), prices);
  // Built in pieces of 64k lines so no single string grows past a few MB.
  const parts: string[] = [];
  let piece = "";
  for (let i = 1; i <= slots; i++) {
    const s = scaleSlot(i, doctors);
    piece += `${i} ${s.day} ${s.time} ${s.doctor} ${s.port}\n`;
    if ((i & 0xffff) === 0) {
      parts.push(piece);
      piece = "";
    }
  }
  parts.push(piece);
  writeFileSync(join(dir, "availabilities.txt"), parts.join(""));
  return { dir, slots, doctors };
}

/** A booking database (the server's schema) with slots `from` to `to` booked; returns how many. */
export function writeBookings(dbPath: string, from: number, to: number): number {
  const db = new Database(dbPath, { create: true });
  db.run("PRAGMA journal_mode = WAL");
  db.run(
    "CREATE TABLE IF NOT EXISTS bookings (slot INTEGER PRIMARY KEY, patient TEXT NOT NULL, booked_at INTEGER NOT NULL)",
  );
  db.run(
    `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to})
     INSERT INTO bookings (slot, patient, booked_at) SELECT i, 'p' || (i / 3), 0 FROM n WHERE i <= ${to}`,
  );
  const count = (db.query("SELECT count(*) AS n FROM bookings").get() as { n: number }).n;
  db.close();
  return count;
}

/** The bench's own data directory: `slots` slots over `doctors` doctors, two patients. */
export function writeBigData(dir: string, slots: number, doctors: number): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "users.txt"), "patient1 password111\npatient2 password222\n");
  const lines: string[] = [];
  for (let i = 1; i <= slots; i++) {
    const d = ((i - 1) % doctors) + 1;
    lines.push(`${i} Day${i % 7} ${String((i % 12) + 1).padStart(2, "0")}pm doc${d} ${40000 + d}`);
  }
  writeFileSync(join(dir, "availabilities.txt"), lines.join("\n") + "\n");
  for (let d = 1; d <= doctors; d++)
    writeFileSync(join(dir, `doc${d}.txt`), "insurance1 30\ninsurance2 20\ninsurance3 50\n");
}
