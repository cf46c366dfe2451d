// The bench's own targets (issue 28): each part checks its ratios as it measures them; at the end
// every target is printed, and a missed one makes the run fail loudly (banner on stderr, exit 1).
import { fixed, record } from "./report.ts";

type Check = { target: string; measured: number; limit: number; atLeast: boolean; met: boolean };

const checks: Check[] = [];

/** `measured` must be at most `limit` (a cost ratio), or at least it with `atLeast` (a rate ratio). */
export function checkTarget(target: string, measured: number, limit: number, atLeast = false): boolean {
  const met = Number.isFinite(measured) && (atLeast ? measured >= limit : measured <= limit);
  checks.push({ target, measured, limit, atLeast, met });
  record({
    scenario: "target",
    target,
    measured: fixed(measured, 3),
    limit: `${atLeast ? ">=" : "<="} ${limit}`,
    met: met ? "yes" : "NO",
  });
  return met;
}

/** Prints every target checked in this run; true when all were met. */
export function reportTargets(): boolean {
  if (checks.length === 0) return true;
  console.log("\n| target | measured | limit | met |\n| --- | --- | --- | --- |");
  for (const c of checks)
    console.log(
      `| ${c.target} | ${fixed(c.measured, 3)} | ${c.atLeast ? ">=" : "<="} ${c.limit} | ${c.met ? "yes" : "**NO**"} |`,
    );
  const missed = checks.filter((c) => !c.met);
  if (missed.length === 0) return true;
  console.error(`\n${"!".repeat(72)}\nBENCH TARGETS MISSED (${missed.length} of ${checks.length}):`);
  for (const c of missed)
    console.error(`  ${c.target}: ${fixed(c.measured, 3)}, limit ${c.atLeast ? ">=" : "<="} ${c.limit}`);
  console.error("!".repeat(72));
  return false;
}
