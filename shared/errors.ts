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
