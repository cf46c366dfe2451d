// One line at a time from a piped stdin, for the patient's terminal-less mode.
import { UsageError } from "./errors.ts";
import { stdin_line_bytes_max } from "./limits.ts";
const openStdin = () => Bun.stdin.stream().getReader();

export class StdinLines {
  private buffered = "";
  private ended = false;
  /** Made at the first read: a session given --slot, or a password file, never reads standard input. */
  private reader: ReturnType<typeof openStdin> | undefined;
  private readonly decoder = new TextDecoder();

  /** The next line without its ending, or undefined at end of input. */
  async next(): Promise<string | undefined> {
    while (true) {
      const nl = this.buffered.indexOf("\n");
      if (nl !== -1) {
        // endsWith and slice rather than a regex replace, whose first call compiles a built-in (issue 28).
        const line = this.buffered.endsWith("\r", nl) ? this.buffered.slice(0, nl - 1) : this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        return line;
      }
      if (this.ended) {
        if (this.buffered === "") return undefined;
        const last = this.buffered;
        this.buffered = "";
        return last;
      }
      this.reader ??= openStdin();
      const { value, done } = await this.reader.read();
      if (done) this.ended = true;
      else this.buffered += this.decoder.decode(value, { stream: true });
      if (this.buffered.length > stdin_line_bytes_max)
        throw new UsageError(`a line of standard input is longer than ${stdin_line_bytes_max} bytes`);
    }
  }
}
