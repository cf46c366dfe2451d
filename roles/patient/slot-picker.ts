// Picking a free slot on a terminal: a page of slots at a time from the server, searchable as you
// type (clack autocomplete), with "more" for the next page and a server-side search by day and
// doctor, so a schedule of a million slots stays usable. Decisions only: the menu's view asks.
import { displayDoctorName, doctorKey } from "../../shared/names.ts";
import { slots_page_max, type SlotLine } from "../../shared/protocol.ts";
import type { AppointmentsClient, SlotsQuery } from "./appointments-client.ts";
import type { MenuOption, MenuView, Typed } from "./menu-view.ts";
import { describePrice, type PriceBook } from "./prices.ts";
import { dateOf, describeWhen, matchesSearch } from "./when.ts";

/** What picking a slot needs of the menu. */
export type PickerContext = { client: AppointmentsClient; prices: PriceBook; view: MenuView };

/** The clinic's zone by client, from its `ics` reply (asked once, on a calendar); null: not known. */
const clinic_zones = new WeakMap<AppointmentsClient, string | null>();

/**
 * The clinic's date, which the slots' dates are in: "today" and "8 dec" mean the clinic's, wherever the
 * patient's machine is (before: the machine's date, a day off for a patient's machine in another zone).
 * The zone is the `ics` reply's; a server that does not say leaves the machine's date.
 */
async function clinicToday(client: AppointmentsClient): Promise<string> {
  if (!clinic_zones.has(client)) {
    let zone: string | null = null;
    try {
      zone = (await client.icsLines()).find((l) => l.startsWith("zone "))?.slice(5) ?? null;
      if (zone !== null) Temporal.Now.plainDateISO(zone);
    } catch {
      zone = null;
    }
    clinic_zones.set(client, zone);
  }
  const zone = clinic_zones.get(client);
  return (zone ? Temporal.Now.plainDateISO(zone) : Temporal.Now.plainDateISO()).toString();
}

type Pick = number | "more" | "search" | "back";
const days = new Set(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);

/** `type`: only the starts free for that appointment type (its length shown). */
export async function pickSlot(ctx: PickerContext, message: string, type?: string): Promise<SlotLine | undefined> {
  const ofType = type === undefined ? {} : { type };
  let query: SlotsQuery = { ...ofType };
  let loaded = await ctx.client.slots(query);
  let more = loaded.length === slots_page_max;
  // What the patient typed to filter: kept when More loads the next page, so the search goes on there.
  const typed: Typed = { text: "", heading: () => message };
  // A calendar's slots carry their dates: the server-side search then takes a date too.
  const calendar = loaded.some((s) => s.start !== undefined);
  const today = calendar ? await clinicToday(ctx.client) : Temporal.Now.plainDateISO().toString();
  while (true) {
    if (loaded.length === 0) {
      const searched = query.day || query.doctor || query.from;
      ctx.view.say("warn", searched ? "No free slots match that search." : "No appointments are free right now.");
      if (!searched) return undefined;
    }
    await ctx.prices.learn(loaded, type);
    typed.heading = searchHeading(loaded.length, more);
    const picked = await ctx.view.search(
      message,
      await options(ctx, loaded, more, today, type),
      "Sat, 12pm, Doctor2 ...",
      typed,
    );
    if (picked === undefined || picked === "back") return undefined;
    if (picked === "more") {
      const next = await ctx.client.slots({ ...query, after: loaded.at(-1)!.index });
      more = next.length === slots_page_max;
      loaded = [...loaded, ...next];
    } else if (picked === "search") {
      const example = calendar ? "Day, date and/or doctor (e.g. Sat, tomorrow, 8 dec doc2)" : "Day and/or doctor";
      const text = await ctx.view.ask(calendar ? example : `${example} (e.g. Sat, Doctor2, Sat doc2)`, "Sat");
      if (text === undefined) continue;
      query = { ...parseSearch(text, calendar ? today : undefined), ...ofType };
      typed.text = "";
      loaded = await ctx.client.slots(query);
      more = loaded.length === slots_page_max;
    } else {
      return loaded.find((s) => s.index === picked);
    }
  }
}

const count = (n: number) => n.toLocaleString("en-US");

/**
 * The heading once something is typed: how many of the slots loaded so far fit it, saying so, and
 * that More loads the next page when the server lists more (the filter sees only those loaded).
 */
export function searchHeading(loaded: number, more: boolean) {
  return (_text: string, matched: number): string =>
    `${count(matched)} of the ${count(loaded)} slots loaded ${matched === 1 ? "matches" : "match"}` +
    (more ? ` (the server lists more: More slots loads ${count(slots_page_max)} more)` : "");
}

async function options(
  ctx: PickerContext,
  loaded: SlotLine[],
  more: boolean,
  today: string,
  type?: string,
): Promise<MenuOption<Pick>[]> {
  const slots = await Promise.all(
    loaded.map(async (s) => ({
      value: s.index as Pick,
      label: slotLabel(s, describePrice(await ctx.prices.of(s, type))),
      // What people type: monday, 8 dec, tomorrow, doc1, morning, after 3pm (when.ts).
      matches: (search: string) => matchesSearch(search, s, today),
      hint: `slot ${s.index}`,
    })),
  );
  return [
    ...slots,
    ...(more ? [{ value: "more" as Pick, label: "More slots ...", always: true }] : []),
    { value: "search", label: "Search the whole schedule by day or doctor ...", always: true },
    { value: "back", label: "Back", always: true },
  ];
}

/** "Tue 8 Dec, 13:00, 15 min, Doctor1, about $30" on a calendar; "Sat 12pm · Doctor2 · about $40" classic. */
function slotLabel(s: SlotLine, price: string): string {
  const doctor = displayDoctorName(s.doctor);
  return s.minutes === undefined
    ? `${s.day} ${s.time} · ${doctor} · ${price}`
    : `${describeWhen(s)}, ${doctor}, ${price}`;
}

/**
 * "Sat", "Doctor2", "Sat doc2": a day and/or a doctor; with `today` (a calendar), also a date:
 * "tomorrow", "8 dec", "2026-12-08" (searched server-side as from= and to= that date).
 */
export function parseSearch(text: string, today?: string): SlotsQuery {
  const query: SlotsQuery = {};
  const words = text.trim().split(/\s+/).filter(Boolean);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const date = today === undefined ? undefined : dateOf(word, words[i + 1], today);
    if (date !== undefined) {
      query.from = query.to = date.date;
      i += date.words - 1;
    } else if (days.has(word.slice(0, 3).toLowerCase()) && word.length <= 9) query.day = word.slice(0, 3);
    else query.doctor = doctorKey(word);
  }
  return query;
}
