// Errors a user can cause, each carrying the exit code it ends the program with.
// Anything that is not an AppError is a bug: it exits with `exit_code.internal`.

export const exit_code = { done: 0, refused: 1, usage: 2, network: 3, internal: 70, cancelled: 130 } as const;

export abstract class AppError extends Error {
  abstract readonly exitCode: number;
  /** What to print: the message, plus any hint the kind of error calls for. */
  describe(_program: string): string {
    return this.message;
  }
}

/** A flag, an argument or a file named by a flag is wrong. */
export class UsageError extends AppError {
  readonly exitCode = exit_code.usage;
  /** `hint: false` for a bad value whose message says all there is (one line, no pointer to --help). */
  constructor(
    message: string,
    private readonly options: { hint: boolean } = { hint: true },
  ) {
    super(message);
  }
  override describe(program: string): string {
    return this.options.hint ? `${this.message} (\`${program} --help\` for usage)` : this.message;
  }
}

/** A data file (users, schedule, prices, the booking database) cannot be used; names the file and line. */
export class DataError extends AppError {
  readonly exitCode = exit_code.usage;
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(line === undefined ? `${file}: ${problem}` : `${file} line ${line}: ${problem}`);
  }
  override describe(): string {
    return `bad data file: ${this.message}`;
  }
}

/** The deployment file is wrong. */
export class ConfigError extends AppError {
  readonly exitCode = exit_code.usage;
}

/** A server or doctor could not be reached after bounded retries. */
export class NetworkError extends AppError {
  readonly exitCode = exit_code.network;
}

/** The user pressed Ctrl-C or Esc at a prompt. */
export class Cancelled extends AppError {
  readonly exitCode = exit_code.cancelled;
  constructor(message = "cancelled") {
    super(message);
  }
}

/** Why a file operation failed, in words: EACCES names the user the program runs as (the usual surprise). */
export function fileProblem(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === "EACCES" || code === "EPERM") return `permission denied for ${currentUser()} (${code})`;
  const words: Record<string, string> = {
    ENOENT: "no such file or directory",
    ENOTDIR: "a part of the path is a file, not a directory",
    EEXIST: "already exists",
    EROFS: "read-only file system",
    ENOSPC: "no space left on the device",
    EISDIR: "is a directory",
  };
  return code === undefined ? String((err as Error)?.message ?? err) : `${words[code] ?? "failed"} (${code})`;
}

/** "user appointments (uid 998)", or the uid alone where it has no name. */
export function currentUser(): string {
  const uid = process.getuid?.();
  if (uid === undefined) return "this user";
  let name: string | undefined;
  try {
    const { readFileSync } = require("node:fs") as typeof import("node:fs");
    const line = readFileSync("/etc/passwd", "utf8")
      .split("\n")
      .find((l) => l.split(":")[2] === String(uid));
    name = line?.split(":")[0];
  } catch {}
  return name ? `user ${name} (uid ${uid})` : `uid ${uid}`;
}
