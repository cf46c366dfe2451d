// The README's flag table, made from each role's options table so the two cannot drift.
//   bun scripts/flag-table.ts           prints it
//   bun scripts/flag-table.ts --write   rewrites it in README.md (between the flag-table markers)
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Options } from "../shared/flags.ts";
import { optionLabel } from "../shared/help.ts";
import { options as server } from "../roles/healthcenterserver.ts";
import { options as doctor } from "../roles/doctor.ts";
import { options as patient } from "../roles/patient.ts";

const rows: [string, Options][] = [
  [
    "`healthcenterserver`; `healthcenterserver init DIR`; `healthcenterserver users add NAME\\|convert --data DIR`",
    server,
  ],
  ["`doctor <doc1\\|doc2\\|doctor1\\|doctor2\\|NAME>`", doctor],
  ["`patient <patient1\\|patient2\\|NAME>`", patient],
];
export const readme_path = join(import.meta.dir, "..", "README.md");
export const markers = ["<!-- flag-table: made by scripts/flag-table.ts -->", "<!-- flag-table end -->"] as const;

export function flagTable(): string {
  const lines = [
    "| command | options (every command also takes `-h, --help`, `-V, --version`, `--no-color`) |",
    "| --- | --- |",
  ];
  for (const [command, options] of rows) {
    const flags = Object.entries(options).map(
      ([name, spec]) => `\`${optionLabel(name, spec).replaceAll("|", "\\|")}\``,
    );
    lines.push(`| ${command} | ${flags.join(" ")} |`);
  }
  return lines.join("\n");
}

/** Where the table stands in README.md (between the markers), or undefined without them. */
function tableSpan(readme: string): { start: number; end: number } | undefined {
  const start = readme.indexOf(markers[0]);
  const end = readme.indexOf(markers[1]);
  return start === -1 || end < start ? undefined : { start: start + markers[0].length, end };
}

export function readmeTable(readme = readFileSync(readme_path, "utf8")): string | undefined {
  const span = tableSpan(readme);
  return span && readme.slice(span.start, span.end).trim();
}

if (import.meta.main) {
  if (process.argv.includes("--write")) {
    const readme = readFileSync(readme_path, "utf8");
    const span = tableSpan(readme);
    if (span === undefined) throw new Error(`README.md has no ${markers[0]} ... ${markers[1]}`);
    writeFileSync(readme_path, `${readme.slice(0, span.start)}\n${flagTable()}\n${readme.slice(span.end)}`);
  } else {
    console.log(flagTable());
  }
}
