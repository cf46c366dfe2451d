// The words both protocols and the operators' settings are made of, checked one way everywhere.

const printable = /^[\x21-\x7e]+$/;

/** A word of a request: printable ASCII, no space (a space would split it in two on the wire). */
export function isPrintableToken(token: string): boolean {
  return printable.test(token);
}

export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

/** A doctor's name in the data files. */
export const doctor_pattern = /^[A-Za-z0-9_-]{1,64}$/;
/** A word of a data file: printable ASCII, no spaces. */
export const token_pattern = /^[\x21-\x7e]{1,256}$/;
