// How the patient's menu is shown and asked: the MenuView the menu's decisions (menu.ts, slot-picker.ts)
// talk to, and its clack rendering on a terminal. A prompt answers undefined when the patient backs
// out (Esc or Ctrl-C), as clack's isCancel says.
import * as p from "@clack/prompts";
import * as pc from "../../shared/colors.ts";
import { menu_rows_max } from "../../shared/limits.ts";

/**
 * `matches`: whether the option fits what the patient typed (default: the label contains it).
 * `always`: shown whatever is typed, and not counted as a match (More, Search, Back).
 */
export type MenuOption<T> = {
  value: T;
  label: string;
  hint?: string;
  matches?: (search: string) => boolean;
  always?: boolean;
};
/**
 * A search's state kept between prompts: `text` typed (the next prompt starts with it), and the heading
 * once something is typed, from the text and how many options (not `always`) fit it.
 */
export type Typed = { text: string; heading: (text: string, matched: number) => string };
export type Tone = "info" | "success" | "warn" | "error";

export interface MenuView {
  intro(title: string): void;
  /** A step that takes a while: started, or its text changed when one is already shown. */
  working(text: string): void;
  /** The step is over: `ok` false shows it failed. */
  worked(text: string, ok: boolean): void;
  say(tone: Tone, text: string): void;
  /** A boxed note: rows of label and value, or lines as they are. */
  note(title: string, body: { rows: [string, string][] } | { lines: string[] }): void;
  choose<T>(message: string, options: MenuOption<T>[]): Promise<T | undefined>;
  /** A list filtered as the patient types; `typed` starts the search with its text and keeps the last typed. */
  search<T>(message: string, options: MenuOption<T>[], placeholder: string, typed?: Typed): Promise<T | undefined>;
  ask(message: string, placeholder: string): Promise<string | undefined>;
  confirm(message: string): Promise<boolean | undefined>;
  outro(text: string): void;
  cancelled(text: string): void;
}

export class ClackMenuView implements MenuView {
  private spin: ReturnType<typeof p.spinner> | undefined;

  intro(title: string): void {
    p.intro(pc.inverse(` ${title} `));
  }

  working(text: string): void {
    if (this.spin) return this.spin.message(text);
    this.spin = p.spinner();
    this.spin.start(text);
  }

  worked(text: string, ok: boolean): void {
    if (ok) this.spin?.stop(text);
    else this.spin?.error(text);
    this.spin = undefined;
  }

  say(tone: Tone, text: string): void {
    p.log[tone](text);
  }

  note(title: string, body: { rows: [string, string][] } | { lines: string[] }): void {
    const text =
      "rows" in body ? body.rows.map(([k, v]) => `${k.padEnd(8)}${pc.bold(v)}`).join("\n") : body.lines.join("\n");
    p.note(text, title);
  }

  async choose<T>(message: string, options: MenuOption<T>[]): Promise<T | undefined> {
    const picked = await p.select<T>({ message, options: options as p.Option<T>[], maxItems: menu_rows_max });
    return p.isCancel(picked) ? undefined : picked;
  }

  async search<T>(
    message: string,
    options: MenuOption<T>[],
    placeholder: string,
    typed: Typed = { text: "", heading: () => message },
  ): Promise<T | undefined> {
    const shown = filterer(options, typed);
    // The prompt, once clack asks it for options: once answered, the heading is the message again.
    let prompt: { state?: string } | undefined;
    const picked = await p.autocomplete<T>({
      // Read at each drawing: the heading says how many fit what is typed now.
      get message() {
        const searching = typed.text.trim() !== "" && prompt?.state !== "submit" && prompt?.state !== "cancel";
        return searching ? typed.heading(typed.text, shown(typed.text).matched) : message;
      },
      // Filtered here, not by clack: its "(N matches)" would count More, Search and Back among the slots.
      options(this: { userInput?: string; state?: string }) {
        prompt = this;
        return shown(this.userInput ?? "").list as p.Option<T>[];
      },
      filter: () => true,
      ...(typed.text ? { initialUserInput: typed.text } : {}),
      maxItems: menu_rows_max,
      placeholder,
    });
    return p.isCancel(picked) ? undefined : picked;
  }

  async ask(message: string, placeholder: string): Promise<string | undefined> {
    const text = await p.text({ message, placeholder });
    return p.isCancel(text) ? undefined : text;
  }

  async confirm(message: string): Promise<boolean | undefined> {
    const ok = await p.confirm({ message });
    return p.isCancel(ok) ? undefined : ok;
  }

  outro(text: string): void {
    p.outro(text);
  }

  cancelled(text: string): void {
    p.cancel(text);
  }
}

/** The options that fit a search (the last one kept: clack asks again at each key), and the count of matches. */
function filterer<T>(options: MenuOption<T>[], typed: { text: string }) {
  let last = { text: "", list: options, matched: options.filter((o) => !o.always).length };
  const fits = (o: MenuOption<T>, text: string) =>
    o.always || (o.matches ? o.matches(text) : o.label.toLowerCase().includes(text.toLowerCase()));
  return (text: string) => {
    if (text !== last.text) {
      const list = text === "" ? options : options.filter((o) => fits(o, text));
      last = { text, list, matched: list.filter((o) => !o.always).length };
    }
    typed.text = text;
    return last;
  };
}
