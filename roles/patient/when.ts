// Dated slots as a patient reads and searches them (pure): "Tue 8 Dec, 13:00, 15 min", and what
// people type to find one: monday, mon, 8 dec, tomorrow, doc1, doctor1, morning, after 3pm.
import { canonicalDoctorName } from "../../shared/names.ts";
import type { SlotLine } from "../../shared/protocol.ts";

const day_names = ["", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];

/** "2026-12-08T13:00+00:00" -> day "Tue 8 Dec", time "13:00", date "2026-12-08"; undefined if not one. */
export function datedParts(iso: string): { day: string; time: string; date: string } | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}:\d{2})[+-]\d{2}:\d{2}$/.exec(iso);
  if (!m) return undefined;
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  const weekday = Temporal.PlainDate.from(date).dayOfWeek;
  const month = months[Number(m[2]) - 1]!;
  const day = `${day_names[weekday]} ${Number(m[3])} ${month[0]!.toUpperCase()}${month.slice(1)}`;
  return { day, time: m[4]!, date };
}

/** "Tue 8 Dec, 13:00, 15 min" on a calendar; "Tue 01pm" for a classic slot. */
export function describeWhen(s: SlotLine): string {
  return s.minutes === undefined ? `${s.day} ${s.time}` : `${s.day}, ${s.time}, ${s.minutes} min`;
}

/** Minutes of the day from "15:00", "3pm", "3:30pm", "10am". */
function minutesOf(text: string): number | undefined {
  const m = /^(\d{1,2})(?::(\d{2}))?(am|pm)?$/.exec(text);
  if (!m) return undefined;
  let hour = Number(m[1]);
  if (m[3]) hour = (hour % 12) + (m[3] === "pm" ? 12 : 0);
  return hour > 23 ? undefined : hour * 60 + Number(m[2] ?? 0);
}

/** Whether every word typed matches the slot; `today` is the clinic's date (YYYY-MM-DD). */
export function matchesSearch(search: string, s: SlotLine, today: string): boolean {
  const words = search
    .toLowerCase()
    .trim()
    .split(/[\s,]+/)
    .filter(Boolean);
  const date = s.start?.slice(0, 10);
  const slotMinutes = minutesOf(s.time.toLowerCase());
  const label = `${s.day} ${s.time} ${s.doctor}`.toLowerCase();
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    const next = words[i + 1];
    if ((w === "after" || w === "before") && next !== undefined && minutesOf(next) !== undefined) {
      const bound = minutesOf(next)!;
      if (slotMinutes === undefined || (w === "after" ? slotMinutes < bound : slotMinutes >= bound)) return false;
      i++;
    } else if (/^\d{1,2}$/.test(w) && next !== undefined && months.includes(next.slice(0, 3))) {
      if (
        !date ||
        Number(date.slice(8)) !== Number(w) ||
        Number(date.slice(5, 7)) !== months.indexOf(next.slice(0, 3)) + 1
      )
        return false;
      i++;
    } else if (w === "today" || w === "tomorrow") {
      const want = Temporal.PlainDate.from(today)
        .add({ days: w === "today" ? 0 : 1 })
        .toString();
      if (date !== want) return false;
    } else if (w === "morning" || w === "afternoon" || w === "evening") {
      const [lo, hi] = w === "morning" ? [0, 720] : w === "afternoon" ? [720, 1020] : [1020, 1440];
      if (slotMinutes === undefined || slotMinutes < lo || slotMinutes >= hi) return false;
    } else if (isDayWord(w)) {
      if (s.day.slice(0, 3).toLowerCase() !== w.slice(0, 3)) return false;
    } else if (/^doc(tor)?\d+$/.test(w)) {
      if (s.doctor.toLowerCase() !== canonicalDoctorName(w)) return false;
    } else if (!label.includes(w)) return false;
  }
  return true;
}

const full_days = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];
/** "mon", "monday", "tues": a weekday word (a prefix of its name, three letters or more). */
function isDayWord(w: string): boolean {
  return w.length >= 3 && full_days.some((d) => d.startsWith(w));
}

/** A date the patient typed ("today", "tomorrow", "8 dec", "2026-12-08"), the next one from `today`; how many words. */
export function dateOf(
  word: string,
  next: string | undefined,
  today: string,
): { date: string; words: number } | undefined {
  const w = word.toLowerCase();
  const from = Temporal.PlainDate.from(today);
  if (w === "today" || w === "tomorrow")
    return { date: from.add({ days: w === "today" ? 0 : 1 }).toString(), words: 1 };
  if (/^\d{4}-\d{2}-\d{2}$/.test(w)) return { date: w, words: 1 };
  const month = next === undefined ? -1 : months.indexOf(next.toLowerCase().slice(0, 3));
  if (!/^\d{1,2}$/.test(w) || month === -1) return undefined;
  // The next one to come: 29 Feb may be up to four years on (a horizon reaches two), and a year without it
  // is no reason to stop looking (before: "29 feb" typed in 2027 never found 2028's).
  for (let year = from.year; year <= from.year + 4; year++) {
    let d: Temporal.PlainDate;
    try {
      d = Temporal.PlainDate.from({ year, month: month + 1, day: Number(w) }, { overflow: "reject" });
    } catch {
      continue;
    }
    if (Temporal.PlainDate.compare(d, from) >= 0) return { date: d.toString(), words: 2 };
  }
  return undefined;
}
