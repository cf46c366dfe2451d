// Terminal colours and the terminal test, without reading process.stdout or process.stdin: building either
// stream costs about 10 ms of CPU at start-up (a compiled hello world takes 4 ms in all), more than the rest
// of `patient --version` (issue 28). Colours follow picocolors' rule: off with NO_COLOR or --no-color; on
// with FORCE_COLOR, --color, CI or on Windows; else on when standard output is a terminal (TERM not dumb).

let enabled: boolean | undefined;

type TtyWrap = { isTTY: (fd: number) => boolean };
let tty_wrap: TtyWrap | null | undefined;

/**
 * node:tty's isatty without loading node:tty (~3 ms): the binding it calls, which Bun's docs list among
 * process.binding's (docs/runtime/nodejs-compat.mdx). The other ways cost a piped patient session more: node:fs's
 * fstat set off the JIT (~1.2 ms), and Bun's (Bun.file(fd).stat()) is async and starts pool threads (issue 28).
 * Where a runtime lacks the binding, a file or a pipe is told by fstat and node:tty is loaded only for a device.
 */
export function isTerminal(fd: number): boolean {
  if (tty_wrap === undefined) {
    try {
      tty_wrap = process.binding("tty_wrap") as TtyWrap;
      if (typeof tty_wrap.isTTY !== "function") tty_wrap = null;
    } catch {
      tty_wrap = null;
    }
  }
  if (tty_wrap) return tty_wrap.isTTY(fd);
  if (!isCharacterDevice(fd)) return false;
  return (require("node:tty") as typeof import("node:tty")).isatty(fd);
}

function isCharacterDevice(fd: number): boolean {
  try {
    const { fstatSync } = require("node:fs") as typeof import("node:fs");
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

/**
 * Decided on first use, after --no-color has been read. Standard output is a terminal when the runtime saw
 * a terminal on stdout or stderr (Bun.enableANSIColors) and stdout is one.
 */
function colours(): boolean {
  if (enabled !== undefined) return enabled;
  const { env, argv } = process;
  if (env.NO_COLOR || argv.includes("--no-color")) enabled = false;
  else if (env.FORCE_COLOR || argv.includes("--color") || env.CI || process.platform === "win32") enabled = true;
  else enabled = Bun.enableANSIColors && isTerminal(1) && env.TERM !== "dumb";
  return enabled;
}

const style = (open: string, close: string) => (text: string) => (colours() ? `${open}${text}${close}` : text);

export const bold = style("\x1b[1m", "\x1b[22m");
export const red = style("\x1b[31m", "\x1b[39m");
export const yellow = style("\x1b[33m", "\x1b[39m");
export const inverse = style("\x1b[7m", "\x1b[27m");
