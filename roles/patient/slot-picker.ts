// Picking a free slot on a terminal: a page of slots at a time from the server, searchable as you
// type (clack autocomplete), with "more" for the next page and a server-side search by day and
// doctor, so a schedule of a million slots stays usable. Decisions only: the menu's view asks.
import { canonicalDoctorName, displayDoctorName } from "../../shared/names.ts";
import { slots_page_max, type SlotLine } from "../../shared/protocol.ts";
import type { AppointmentsClient, SlotsQuery } from "./appointments-client.ts";
import type { MenuOption, MenuView } from "./menu-view.ts";
import { describePrice, type PriceBook } from "./prices.ts";
import { describeWhen, matchesSearch } from "./when.ts";

/** What picking a slot needs of the menu. */
export type PickerContext = { client: AppointmentsClient; prices: PriceBook; view: MenuView };

/** The patient's date (the clinic's zone is the server's; a patient is usually in it). */
const today = () => Temporal.Now.plainDateISO().toString();

type Pick = number | "more" | "search" | "back";
const days = new Set(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);

export async function pickSlot(ctx: PickerContext, message: string): Promise<SlotLine | undefined> {
  let query: SlotsQuery = {};
  let loaded = await ctx.client.slots(query);
  let more = loaded.length === slots_page_max;
  while (true) {
    if (loaded.length === 0) {
      const searched = query.day || query.doctor;
      ctx.view.say("warn", searched ? "No free slots match that search." : "No appointments are free right now.");
      if (!query.day && !query.doctor) return undefined;
    }
    await ctx.prices.learn(loaded);
    const picked = await ctx.view.search(message, await options(ctx, loaded, more), "Sat, 12pm, Doctor2 ...");
    if (picked === undefined || picked === "back") return undefined;
    if (picked === "more") {
      const next = await ctx.client.slots({ ...query, after: loaded.at(-1)!.index });
      more = next.length === slots_page_max;
      loaded = [...loaded, ...next];
    } else if (picked === "search") {
      const text = await ctx.view.ask("Day and/or doctor (e.g. Sat, Doctor2, Sat doc2)", "Sat");
      if (text === undefined) continue;
      query = parseSearch(text);
      loaded = await ctx.client.slots(query);
      more = loaded.length === slots_page_max;
    } else {
      return loaded.find((s) => s.index === picked);
    }
  }
}

async function options(ctx: PickerContext, loaded: SlotLine[], more: boolean): Promise<MenuOption<Pick>[]> {
  const slots = await Promise.all(
    loaded.map(async (s) => ({
      value: s.index as Pick,
      label: slotLabel(s, describePrice(await ctx.prices.of(s))),
      // What people type: monday, 8 dec, tomorrow, doc1, morning, after 3pm (when.ts).
      matches: (search: string) => matchesSearch(search, s, today()),
      hint: `slot ${s.index}`,
    })),
  );
  return [
    ...slots,
    ...(more ? [{ value: "more" as Pick, label: "More slots ..." }] : []),
    { value: "search", label: "Search the whole schedule by day or doctor ..." },
    { value: "back", label: "Back" },
  ];
}

/** "Tue 8 Dec, 13:00, 15 min, Doctor1, about $30" on a calendar; "Sat 12pm · Doctor2 · about $40" classic. */
function slotLabel(s: SlotLine, price: string): string {
  const doctor = displayDoctorName(s.doctor);
  return s.minutes === undefined
    ? `${s.day} ${s.time} · ${doctor} · ${price}`
    : `${describeWhen(s)}, ${doctor}, ${price}`;
}

/** "Sat", "Doctor2", "Sat doc2": a day and/or a doctor. */
export function parseSearch(text: string): SlotsQuery {
  const query: SlotsQuery = {};
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    if (days.has(word.slice(0, 3).toLowerCase()) && word.length <= 9) query.day = word.slice(0, 3);
    else query.doctor = canonicalDoctorName(word.toLowerCase());
  }
  return query;
}
