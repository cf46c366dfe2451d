// Text that quotes what someone typed, made safe to show or keep: control characters (C0, DEL, C1)
// become \xNN, so none reaches a terminal as an escape sequence. Line breaks stay only where asked.

/** `keepNewlines` for multi-line messages (a stack, a hint on its own line). */
export function printable(text: string, keepNewlines = false): string {
  const controls = keepNewlines ? /[\x00-\x09\x0b-\x1f\x7f-\x9f]/g : /[\x00-\x1f\x7f-\x9f]/g;
  return text.replace(controls, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`);
}
