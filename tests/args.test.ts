// shared/args.ts, our own command-line parser (node:util parseArgs cost ~1 ms of start-up, issue 28): the
// same values as parseArgs for what it accepts, and one line for each kind of mistake.
import { describe, expect, test } from "bun:test";
import { parseArgs } from "node:util";
import { parseArgv } from "../shared/args.ts";
import { UsageError } from "../shared/errors.ts";

const options = {
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "V" },
  quiet: { type: "boolean" },
  port: { type: "string" },
  server: { type: "string" },
  doctor: { type: "string", multiple: true },
} as const;

/** The one-line message of the mistake, or "" when the words parse. */
function mistake(...argv: string[]): string {
  try {
    parseArgv(argv, options);
    return "";
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    return (err as Error).message;
  }
}

describe("what is accepted", () => {
  test("--name value, --name=value, -h, a grouped -hV, a repeated multiple option", () => {
    const { values, positionals } = parseArgv(
      ["patient1", "--port", "21000", "--server=h:1", "-hV", "--doctor", "a=1", "--doctor=b=2", "--quiet"],
      options,
    );
    expect({ ...values }).toEqual({
      port: "21000",
      server: "h:1",
      help: true,
      version: true,
      doctor: ["a=1", "b=2"],
      quiet: true,
    });
    expect(positionals).toEqual(["patient1"]);
  });

  test("`--` ends the options; a lone `-` is a positional, and a value (`--ics -`)", () => {
    const { values, positionals } = parseArgv(["-", "--port", "-", "--", "--quiet", "-h"], options);
    expect({ ...values }).toEqual({ port: "-" });
    expect(positionals).toEqual(["-", "--quiet", "-h"]);
  });

  test("the last of a repeated option wins; a value may start with a dash after `=`", () => {
    expect(parseArgv(["--port", "1", "--port=2"], options).values.port).toBe("2");
    expect(parseArgv(["--server=-x"], options).values.server).toBe("-x");
    expect(parseArgv(["--server="], options).values.server).toBe("");
  });

  test("an option named like an Object property is unknown, not inherited", () => {
    expect(mistake("--constructor")).toBe("unknown option --constructor");
    expect(mistake("--__proto__")).toBe("unknown option --__proto__");
    expect(parseArgv([], options).values.toString).toBeUndefined();
  });
});

describe("each mistake in one line", () => {
  test("an unknown option names the nearest known one", () => {
    expect(mistake("--prot", "1")).toBe("unknown option --prot; did you mean --port?");
    expect(mistake("--frobnicate")).toBe("unknown option --frobnicate");
    expect(mistake("--prot=1")).toBe("unknown option --prot; did you mean --port?");
    expect(mistake("-x")).toBe("unknown option -x");
    expect(mistake("-hx")).toBe("unknown option -x");
  });

  test("a value missing, a value given to a flag, a value that looks like an option", () => {
    expect(mistake("--port")).toBe("--port needs a value");
    expect(mistake("--quiet=yes")).toBe("--quiet takes no value");
    expect(mistake("--help=1")).toBe("--help takes no value");
    expect(mistake("--port", "--quiet")).toBe('--port needs a value; for one that starts with "-", write --port=VALUE');
  });

  test("the first mistake in the order written is the one said", () => {
    expect(mistake("--quiet=1", "--prot")).toBe("--quiet takes no value");
    expect(mistake("--prot", "--quiet=1")).toBe("unknown option --prot; did you mean --port?");
  });
});

test("the same values and positionals as node:util parseArgs, or a mistake where it throws, on every mix", () => {
  const words = ["--", "-", "-h", "-V", "-hV", "-x", "--quiet", "--quiet=", "--port", "--port=-1", "p", "--doctor"];
  const table = { ...options, file: { type: "string", short: "f" }, a: { type: "boolean", short: "a" } } as const;
  const all = [...words, "-f", "-fX", "-afX", "-fa", "-a"];
  let cases = 0;
  // Every sequence of up to three words: 5,000 or so, each an exact comparison.
  const each = (prefix: string[]): void => {
    cases++;
    const ours = attempt(() => parseArgv(prefix, table));
    const theirs = attempt(() => parseArgs({ args: prefix, options: table, strict: true, allowPositionals: true }));
    expect(ours).toBe(theirs);
    if (prefix.length < 3) for (const w of all) each([...prefix, w]);
  };
  each([]);
  expect(cases).toBeGreaterThan(5000);
});

function attempt(parse: () => { values: object; positionals: string[] }): string {
  try {
    const { values, positionals } = parse();
    return JSON.stringify([{ ...values }, positionals]);
  } catch {
    return "throws";
  }
}
