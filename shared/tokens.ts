// The words both protocols and the operators' settings are made of, checked one way everywhere.

const printable = /^[\x21-\x7e]+$/;

/** A word of a request: printable ASCII, no space (a space would split it in two on the wire). */
export function isPrintableToken(token: string): boolean {
  return printable.test(token);
}

/**
 * A request line's words (empty ones dropped), or undefined when one is not printable ASCII. One pass over the
 * characters: about a third of a regular-expression match and a split (every request line comes here).
 */
export function wordsOf(line: string): string[] | undefined {
  const words: string[] = [];
  let start = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 32) {
      if (i > start) words.push(line.slice(start, i));
      start = i + 1;
    } else if (c < 0x21 || c > 0x7e) return undefined;
  }
  if (line.length > start) words.push(start === 0 ? line : line.slice(start));
  return words;
}

export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** A doctor's name in the data files. */
export const doctor_pattern = /^[A-Za-z0-9_-]{1,64}$/;
/** A word of a data file: printable ASCII, no spaces. */
export const token_pattern = /^[\x21-\x7e]{1,256}$/;
