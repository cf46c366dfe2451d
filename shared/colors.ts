// Terminal colours and the terminal test, without reading process.stdout or process.stdin: building either
// stream costs about 10 ms of CPU at start-up (a compiled hello world takes 4 ms in all), more than the rest
// of `patient --version` (issue 28). Colours follow picocolors' rule: off with NO_COLOR or --no-color; on
// with FORCE_COLOR, --color, CI or on Windows; else on when standard output is a terminal (TERM not dumb).
// node:fs is loaded only when a colour is asked for with a terminal about, never at start-up (issue 28).

let enabled: boolean | undefined;

/**
 * Whether `fd` is a terminal. A file or a pipe is told by fstat alone; node:tty is loaded only for a device.
 * The fstat is Bun's (Bun.file(fd).stat()): node:fs's, with its loading, sets off the JIT in a piped patient
 * session (~2.5 ms of its ~10 ms CPU, issue 28). On Windows, node:fs's, as before (a console is a device there).
 */
export async function isTerminal(fd: number): Promise<boolean> {
  const device =
    process.platform === "win32"
      ? isCharacterDevice(fd)
      : await Bun.file(fd)
          .stat()
          .then(
            (s) => s.isCharacterDevice(),
            () => false,
          );
  if (!device) return false;
  return (await import("node:tty")).isatty(fd);
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
 * a terminal on stdout or stderr (Bun.enableANSIColors) and stdout is a device: a file or a pipe never is
 * (/dev/null is a device: what is written there is never read).
 */
function colours(): boolean {
  if (enabled !== undefined) return enabled;
  const { env, argv } = process;
  if (env.NO_COLOR || argv.includes("--no-color")) enabled = false;
  else if (env.FORCE_COLOR || argv.includes("--color") || env.CI || process.platform === "win32") enabled = true;
  else enabled = Bun.enableANSIColors && isCharacterDevice(1) && env.TERM !== "dumb";
  return enabled;
}

const style = (open: string, close: string) => (text: string) => (colours() ? `${open}${text}${close}` : text);

export const bold = style("\x1b[1m", "\x1b[22m");
export const red = style("\x1b[31m", "\x1b[39m");
export const yellow = style("\x1b[33m", "\x1b[39m");
export const inverse = style("\x1b[7m", "\x1b[27m");
