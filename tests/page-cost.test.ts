// A page costs the page: `slots day=D doctor=X` finds its slots through an index of each day and doctor
// together, so a search that matches nothing costs no more than a page, not a walk over the whole day.
// Every loop here is bounded in count, and every wait in time.
import { afterAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { login, startServer, tempDir, writeDataDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

test("a slots search by day and doctor that matches nothing costs about what a one-slot page costs", async () => {
  // Monday is all doc2's (100,000 slots), doc1 works only on Tuesday (100,000): no doc1 on Monday.
  const n = 100_000;
  const lines = [];
  for (let i = 1; i <= n; i++) lines.push(`${i} Mon 09am doc2 42000`);
  for (let i = n + 1; i <= 2 * n; i++) lines.push(`${i} Tue 09am doc1 41000`);
  const dir = await writeDataDir(join(tmp.dir, "days"), 0, { "availabilities.txt": lines.join("\n") + "\n" });
  const server = await startServer(["--db", join(dir, "b.db"), "--data", dir, "--quiet"]);
  try {
    const c = await login(server.port);
    expect(await c.request("slots day=Mon doctor=doc1")).toBe("");
    expect(await c.request("slots day=Mon doctor=doc2 limit=1")).toBe("1 Mon 09am doc2 42000");
    expect(await c.line()).toBe("");
    /** Server CPU seconds for `count` requests of `line` (batches of 16, each reply read to its end). */
    const cost = async (line: string, replyLines: number, count: number) => {
      const before = cpuSeconds(server.proc.pid);
      for (let done = 0; done < count; done += 16) {
        c.write(`${line}\n`.repeat(16));
        for (let i = 0; i < 16 * replyLines; i++) expect(await c.line()).toBeDefined();
      }
      return cpuSeconds(server.proc.pid) - before;
    };
    const page = await cost("slots day=Mon doctor=doc2 limit=1", 2, 2000);
    const none = await cost("slots day=Mon doctor=doc1", 1, 2000);
    console.log(`server CPU for 2000 searches: a one-slot page ${page.toFixed(2)} s, no match ${none.toFixed(2)} s`);
    // Before: each search with no match walked the 100,000 slots of the day (about 1 s of CPU for 2000).
    expect(none).toBeLessThan(Math.max(0.3, 3 * page));
    c.close();
  } finally {
    await server.stop();
  }
});
