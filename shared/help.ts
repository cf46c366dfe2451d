// --help text: the usage lines a role writes, then its options table rendered, then any notes.
import * as pc from "./colors.ts";
import { common_options, version, type Options } from "./flags.ts";

export type HelpText = {
  /** The command's name and what it does, in a few words. */
  name: string;
  summary: string;
  usage: string[];
  options: Options;
  /** Paragraphs after the options: examples, exit codes. */
  notes?: string;
};

const help_column = 28;

/** "--port P" or "-h, --help". */
export function optionLabel(name: string, spec: Options[string]): string {
  const long = `--${name}${spec.value ? ` ${spec.value}` : ""}`;
  return spec.short ? `-${spec.short}, ${long}` : long;
}

export function renderOptions(options: Options): string {
  const lines: string[] = [];
  for (const [name, spec] of Object.entries({ ...options, ...common_options })) {
    const label = `  ${optionLabel(name, spec)}`;
    const [first, ...rest] = spec.help.split("\n");
    const head =
      label.length < help_column ? label.padEnd(help_column) + first : `${label}\n${"".padEnd(help_column)}${first}`;
    lines.push(head, ...rest.map((line) => "".padEnd(help_column) + line));
  }
  return lines.join("\n");
}

export function helpText(h: HelpText): string {
  const usage = h.usage.map((line) => `  ${line}`).join("\n");
  const notes = h.notes ? `\n\n${h.notes}` : "";
  const options = renderOptions(h.options);
  return `${pc.bold(h.name)} ${version}: ${h.summary}\n\nUsage:\n${usage}\n\nOptions:\n${options}${notes}`;
}
