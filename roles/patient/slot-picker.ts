// Picking a free slot on a terminal: a page of slots at a time from the server, searchable as you
// type (clack autocomplete), with "more" for the next page and a server-side search by day and
// doctor, so a schedule of a million slots stays usable.
import * as p from "@clack/prompts";
import { menu_rows_max } from "../../shared/limits.ts";
import { canonicalDoctorName, displayDoctorName } from "../../shared/names.ts";
import { slots_page_max, type SlotLine } from "../../shared/protocol.ts";
import type { SlotsQuery } from "./appointments-client.ts";
import type { MenuContext } from "./menu.ts";
import { describePrice } from "./prices.ts";

type Pick = number | "more" | "search" | "back";
const days = new Set(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);

export async function pickSlot(ctx: MenuContext, message: string): Promise<SlotLine | undefined> {
  let query: SlotsQuery = {};
  let loaded = await ctx.client.slots(query);
  let more = loaded.length === slots_page_max;
  while (true) {
    if (loaded.length === 0) {
      p.log.warn(
        query.day || query.doctor ? "No free slots match that search." : "No appointments are free right now.",
      );
      if (!query.day && !query.doctor) return undefined;
    }
    await ctx.prices.learn(loaded);
    const picked = await p.autocomplete<Pick>({
      message,
      options: await options(ctx, loaded, more),
      maxItems: menu_rows_max,
      placeholder: "Sat, 12pm, Doctor2 ...",
    });
    if (p.isCancel(picked) || picked === "back") return undefined;
    if (picked === "more") {
      const next = await ctx.client.slots({ ...query, after: loaded.at(-1)!.index });
      more = next.length === slots_page_max;
      loaded = [...loaded, ...next];
    } else if (picked === "search") {
      const asked = await askSearch();
      if (asked === undefined) continue;
      query = asked;
      loaded = await ctx.client.slots(query);
      more = loaded.length === slots_page_max;
    } else {
      return loaded.find((s) => s.index === picked);
    }
  }
}

async function options(
  ctx: MenuContext,
  loaded: SlotLine[],
  more: boolean,
): Promise<{ value: Pick; label: string; hint?: string }[]> {
  const slots = await Promise.all(
    loaded.map(async (s) => ({
      value: s.index as Pick,
      label: `${s.day} ${s.time} · ${displayDoctorName(s.doctor)} · ${describePrice(await ctx.prices.of(s))}`,
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

/** "Sat", "Doctor2", "Sat doc2": a day and/or a doctor; undefined if the patient backs out. */
async function askSearch(): Promise<SlotsQuery | undefined> {
  const text = await p.text({ message: "Day and/or doctor (e.g. Sat, Doctor2, Sat doc2)", placeholder: "Sat" });
  if (p.isCancel(text)) return undefined;
  const query: SlotsQuery = {};
  for (const word of text.trim().split(/\s+/).filter(Boolean)) {
    if (days.has(word.slice(0, 3).toLowerCase()) && word.length <= 9) query.day = word.slice(0, 3);
    else query.doctor = canonicalDoctorName(word.toLowerCase());
  }
  return query;
}
