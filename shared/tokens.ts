// The words both protocols and the operators' settings are made of, checked one way everywhere.

const printable = /^[\x21-\x7e]+$/;

/** A word of a request: printable ASCII, no space (a space would split it in two on the wire). */
export function isPrintableToken(token: string): boolean {
  return printable.test(token);
}

export function isPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}
