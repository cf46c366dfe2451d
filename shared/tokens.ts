// The words both protocols and the operators' settings are made of, checked one way everywhere.

const printable = /^[\x21-\x7e]+$/;

/** A word of a request: printable ASCII, no space (a space would split it in two on the wire). */
export function isPrintableToken(token: string): boolean {
  return printable.test(token);
}

/** Printable words, one space apart: what every well-formed request line is, checked with one match. */
const plain_words = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;

/** A request line's words (empty ones dropped), or undefined when one is not printable ASCII. */
export function wordsOf(line: string): string[] | undefined {
  if (plain_words.test(line)) return line.split(" "); // the usual line: no filtering, no test per word
  const words = line.split(" ").filter((w) => w.length > 0);
  return words.every(isPrintableToken) ? words : undefined;
}

export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** A doctor's name in the data files. */
export const doctor_pattern = /^[A-Za-z0-9_-]{1,64}$/;
/** A word of a data file: printable ASCII, no spaces. */
export const token_pattern = /^[\x21-\x7e]{1,256}$/;
