// The patient's menu on a real terminal (tmux), on a schedule longer than one page (1,000 slots): what
// the patient types filters the slots loaded so far, and the menu says so with a true count ("2 of
// the 1,000 loaded"), keeps offering More slots while a search is typed, and after More keeps the
// search and counts again. Before, "Sun" showed "(2 matches)" when the server listed 4 such slots.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { bun, loopback, onTerminal, root, startSystem, tempDir, writeDataDir } from "./helpers.ts";

const tmp = tempDir();
let system: Awaited<ReturnType<typeof startSystem>>;
/** 1,200 slots on Monday 9am; four on Sunday 7am, two in the first page and two after it. */
const sundays = new Set([10, 600, 1100, 1150]);

beforeAll(async () => {
  const slots = Array.from({ length: 1200 }, (_, i) =>
    sundays.has(i + 1) ? `${i + 1} Sun 07am doc2 42000` : `${i + 1} Mon 09am doc1 41000`,
  );
  const data = await writeDataDir(join(tmp.dir, "data"), 0, { "availabilities.txt": `${slots.join("\n")}\n` });
  system = await startSystem(["--data", data, "--db", join(tmp.dir, "search.db")]);
}, 30_000);
afterAll(async () => {
  await system?.stop();
  tmp.cleanup();
});

test.skipIf(Bun.which("tmux") === null)(
  "a search counts the loaded slots truly, says more are listed, and More keeps the search and finds the rest",
  async () => {
    const server = `--server ${loopback}:${system.server.port}`;
    const term = onTerminal("search", `cd ${root} && NO_COLOR=1 ${bun} roles/patient.ts patient1 ${server}; sleep 30`);
    const { waitScreen } = term;
    try {
      await waitScreen(/What would you like to do\?/);
      term.keys("Enter");
      await waitScreen(/Pick an appointment[\s\S]*Search:[\s\S]*Mon 09am · Doctor1/);
      term.keys("-l", "Sun");
      const first = await waitScreen(/2 of the 1,000 slots loaded match/);
      expect(first).not.toMatch(/\(\d+ match(es)?\)/);
      expect(first.match(/Sun 07am · Doctor2/g)).toHaveLength(2);
      // More stays on offer under a search, and loading keeps what was typed.
      expect(first).toMatch(/More slots/);
      // The focused option of the open prompt (the one below the last ◆; "●" also marks info lines above).
      const focused = () => {
        const lines = term.screen().split("\n");
        return lines.slice(lines.findLastIndex((l) => l.includes("◆"))).find((l) => /^│\s+●/.test(l)) ?? "";
      };
      for (let i = 0; i < 6 && !focused().includes("More slots"); i++) {
        term.keys("Down");
        await Bun.sleep(100);
      }
      term.keys("Enter");
      const all = await waitScreen(/4 of the 1,200 slots loaded match/);
      // The answered prompt shows its question again, not the count.
      expect(all).toMatch(/◇ {2}Pick an appointment[^\n]*\n│ {2}More slots/);
      const open = all.slice(all.lastIndexOf("◆"));
      expect(open).toMatch(/Search: Sun/);
      expect(open.match(/Sun 07am · Doctor2/g)).toHaveLength(4);
      // Every slot the server lists is loaded now: no More, and the heading says no more.
      expect(open).not.toMatch(/More slots|the server lists more/);
    } finally {
      term.close();
    }
  },
  60_000,
);
