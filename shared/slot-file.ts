// availabilities.txt parsed in one pass into a SlotTable: no array of lines, no per-line word
// arrays. A line of plain ASCII is checked by character codes; any line the fast check doubts
// (an error, a non-ASCII space) is parsed again the general way, which gives the exact message.
import { DataError } from "./errors.ts";
import type { Slot } from "./datafiles.ts";
import { SlotTableBuilder, type SlotTable } from "./slot-table.ts";
import { doctor_pattern, token_pattern } from "./tokens.ts";

const shape = "expected `<index> <Day> <Time> <doctor> <port>`";

type Fields = { index: number; day: string; time: string; doctor: string; port: number };

export function parseSlotTable(file: string, text: string): SlotTable {
  const b = new SlotTableBuilder(countLines(text));
  let seen: Set<number> | undefined;
  const isDuplicate = (index: number): boolean => {
    if (seen === undefined) {
      if (index > b.lastIndex()) return false;
      seen = new Set<number>();
      for (let p = 0; p < b.count; p++) seen.add(b.indexAt(p));
    }
    return seen.has(index);
  };
  const words = new Int32Array(15); // start, end and hash of up to five words
  let line = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    line++;
    const fast = fastLine(text, start, end, words, isDuplicate);
    if (fast === "ok") {
      const index = digits(text, words[0]!, words[1]!, 15);
      seen?.add(index);
      b.addIds(
        index,
        b.days.idOfRange(text, words[3]!, words[4]!, words[5]!),
        b.times.idOfRange(text, words[6]!, words[7]!, words[8]!),
        b.doctors.idOfRange(text, words[9]!, words[10]!, words[11]!),
        digits(text, words[12]!, words[13]!, 5),
      );
    } else if (fast === "check") {
      const fields = generalFields(file, line, text.slice(start, end), isDuplicate);
      if (fields) {
        seen?.add(fields.index);
        b.add(fields.index, fields.day, fields.time, fields.doctor, fields.port);
      }
    }
    start = end + 1;
  }
  return b.finish();
}

function countLines(text: string): number {
  let n = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

/**
 * Splits a line into words (start, end and a hash of each into `words`) and checks it by character
 * codes: "ok" when it is plainly right, "skip" for a blank or comment line, "check" when it needs
 * the general path (an error, or characters the fast check does not handle).
 */
function fastLine(
  text: string,
  start: number,
  end: number,
  words: Int32Array,
  isDuplicate: (i: number) => boolean,
): "ok" | "skip" | "check" {
  let n = 0;
  for (let i = start; i < end; ) {
    let c = text.charCodeAt(i);
    if (isSpace(c)) {
      i++;
      continue;
    }
    if (n === 5) return "check"; // a sixth word
    words[3 * n] = i;
    let hash = 0;
    for (; i < end && !isSpace((c = text.charCodeAt(i))); i++) {
      if (c < 33 || c > 126) return "check";
      hash = (Math.imul(hash, 31) + c) | 0;
    }
    words[3 * n + 1] = i;
    words[3 * n + 2] = hash;
    n++;
  }
  if (n === 0 || text.charCodeAt(words[0]!) === 35) return "skip"; // blank, or "#"
  if (n !== 5) return "check";
  const index = digits(text, words[0]!, words[1]!, 15);
  const port = digits(text, words[12]!, words[13]!, 5);
  if (index < 1 || port < 1 || port > 65535 || isDuplicate(index)) return "check";
  if (words[4]! - words[3]! > 256 || words[7]! - words[6]! > 256) return "check";
  return isDoctorName(text, words[9]!, words[10]!) ? "ok" : "check";
}

/** The decimal value of text[start, end) if it is 1 to `most` digits, else -1. */
function digits(text: string, start: number, end: number, most: number): number {
  if (end - start < 1 || end - start > most) return -1;
  let value = 0;
  for (let i = start; i < end; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

function isDoctorName(text: string, start: number, end: number): boolean {
  if (end - start > 64) return false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    const ok = (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 45;
    if (!ok) return false;
  }
  return true;
}

/** The general way, with the checks in their order: each problem is a DataError naming the line. */
function generalFields(
  file: string,
  line: number,
  text: string,
  isDuplicate: (i: number) => boolean,
): Fields | undefined {
  const trimmed = text.trim();
  if (trimmed === "" || trimmed.startsWith("#")) return undefined;
  const words = trimmed.split(/\s+/);
  const [indexText, day, time, doctor, portText] = words;
  if (words.length !== 5 || !indexText || !day || !time || !doctor || !portText) throw new DataError(file, line, shape);
  const index = Number(indexText);
  if (!/^\d{1,15}$/.test(indexText) || index < 1)
    throw new DataError(file, line, `slot index ${JSON.stringify(indexText)} is not a positive whole number`);
  if (isDuplicate(index)) throw new DataError(file, line, `duplicate slot index ${index}`);
  if (!token_pattern.test(day) || !token_pattern.test(time))
    throw new DataError(file, line, "day and time must be printable ASCII");
  if (!doctor_pattern.test(doctor)) throw new DataError(file, line, `bad doctor name ${JSON.stringify(doctor)}`);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535)
    throw new DataError(file, line, `port ${JSON.stringify(portText)} is not 1-65535`);
  return { index, day, time, doctor, port };
}

/** The line of the first slot with this index (for a message about it), or undefined. */
export function lineOfIndex(text: string, index: number): number | undefined {
  let line = 0;
  for (let start = 0; start < text.length; ) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    line++;
    const words = text.slice(start, end).trim().split(/\s+/);
    if (Number(words[0]) === index) return line;
    start = end + 1;
  }
  return undefined;
}

/** availabilities.txt as Slot objects (small schedules, tests); the server keeps parseSlotTable's compact form. */
export function parseSlots(file: string, text: string): Slot[] {
  return parseSlotTable(file, text).toArray();
}

/** Each slot's doctor must be known: a price file or a configured location. */
export function checkDoctorsKnown(
  file: string,
  text: string,
  slots: SlotTable,
  known: Set<string>,
  hint: string,
): void {
  for (const doctor of slots.doctors.list) {
    if (known.has(doctor)) continue;
    let p = 0;
    while (slots.doctorAt(p) !== doctor) p++;
    throw new DataError(file, lineOfIndex(text, slots.indexAt(p)), `unknown doctor ${doctor} (${hint})`);
  }
}
