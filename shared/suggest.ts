// "Did you mean": the closest of the valid words to a mistyped one, if any is close enough.

/** Edit distance counting a swap of two neighbours as one edit ("patinet1" is 1 from "patient1"). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        best = Math.min(best, d[i - 2]![j - 2]! + 1);
      d[i]![j] = best;
    }
  }
  return d[a.length]![b.length]!;
}

/** The nearest candidate within a third of the word's length (at least 1 edit), or the only one it starts. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const list = [...candidates];
  let best: string | undefined;
  let bestDistance = Math.max(1, Math.floor(word.length / 3)) + 1;
  for (const c of list) {
    const distance = editDistance(word.toLowerCase(), c.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [c, distance];
  }
  if (best !== undefined) return best;
  const prefixed = word.length >= 2 ? list.filter((c) => c.startsWith(word)) : [];
  return prefixed.length === 1 ? prefixed[0] : undefined;
}

/** "unknown patient patinet1 (why); did you mean patient1?" */
export function unknownMessage(kind: string, word: string, candidates: Iterable<string>, why?: string): string {
  const near = closest(word, candidates);
  return `unknown ${kind} ${word}${why ? ` (${why})` : ""}${near === undefined ? "" : `; did you mean ${near}?`}`;
}
