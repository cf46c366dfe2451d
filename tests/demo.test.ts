// The README's main job: `npm run demo` replays the four seed cases and cleans up after itself.
import { expect, test } from "bun:test";
import { bun, runToEnd } from "./helpers.ts";

test("the demo replays the four seed cases, shows every role, prints no password, and exits 0", async () => {
  const r = await runToEnd([bun, "scripts/demo.ts"], "", 60_000);
  const out = r.stdout + r.stderr;
  expect(r.code).toBe(0);
  for (const tag of ["[server]", "[doc1]", "[doc2]", "[patient1]", "[patient2]"]) expect(out).toContain(tag);
  expect(out.match(/--- as in the seed/g)?.length).toBe(4);
  expect(out).toContain("All four seed cases behaved as in the transcripts.");
  expect(out).toContain("The Health Center Server has stopped");
  expect(out).not.toContain("password111");
  expect(out).not.toContain("password222");
});
