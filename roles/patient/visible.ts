// Text from the network, made safe to print: a server (or anything answering on its port) must
// not be able to move the cursor, retitle the window or hide text with terminal escapes.

const unprintable = /[^\x20-\x7e]/g;
/** Whether a line needs `visible` at all: tested inline per line of a list (see readList in line-client.ts). */
export const has_unprintable = /[^\x20-\x7e]/;

/** Printable ASCII as it is; every other character (controls, ESC, DEL, C1, non-ASCII) as a visible escape. */
export function visible(text: string): string {
  return text.replace(unprintable, (c) => {
    if (c === "\t") return "\\t";
    if (c === "\r") return "\\r";
    const code = c.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}
