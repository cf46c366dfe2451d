// The command line's words read against a role's option table, by node:util parseArgs' rules (strict, with
// positionals): `--name value`, `--name=value`, `-h`, grouped short flags (`-hV`), `--` ending the options,
// a lone `-` a positional. Our own because loading node:util cost about 1 ms of `patient --version`'s 7
// (issue 28). Pure: the first mistake throws a UsageError saying it in one line.
import { UsageError } from "./errors.ts";
import { unknownMessage } from "./suggest.ts";

/** What the parser needs of an option (flags.ts's OptionSpec adds the help text). */
export type ArgSpec = { type: "string" | "boolean"; short?: string; multiple?: boolean };
export type ArgSpecs = Record<string, ArgSpec>;

type ValueOf<S extends ArgSpec> = S["type"] extends "string" ? string : boolean;
/** Each option given: its value, or every value for a `multiple` one; absent when not given. */
export type ArgValues<O extends ArgSpecs> = {
  -readonly [K in keyof O]?: O[K]["multiple"] extends true ? ValueOf<O[K]>[] : ValueOf<O[K]>;
};

/** One option as written: `rawName` is how the user spelt it (`-h`, `--port`); `inline` for `--port=1`. */
type Token = { name: string; rawName: string; value: string | undefined; inline: boolean };

export function parseArgv<O extends ArgSpecs>(argv: readonly string[], options: O) {
  const values: Record<string, string | boolean | (string | boolean)[]> = Object.create(null);
  const positionals: string[] = [];
  const args = [...argv];
  const typeOf = (name: string) => (Object.hasOwn(options, name) ? options[name]!.type : undefined);
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const next = i + 1 < args.length ? args[i + 1] : undefined;
    let token: Token;
    if (arg === "--") {
      positionals.push(...args.slice(i + 1));
      break;
    } else if (arg.length < 2 || arg[0] !== "-") {
      positionals.push(arg);
      continue;
    } else if (arg[1] === "-") {
      const eq = arg.indexOf("=");
      const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
      if (eq !== -1) token = { name, rawName: `--${name}`, value: arg.slice(eq + 1), inline: true };
      else if (typeOf(name) === "string" && next !== undefined) {
        token = { name, rawName: arg, value: next, inline: false };
        i++;
      } else token = { name, rawName: arg, value: undefined, inline: false };
    } else {
      const name = longFor(arg[1]!, options);
      if (arg.length > 2 && typeOf(name) !== "string") {
        args.splice(i, 1, ...expandGroup(arg, options));
        i--;
        continue;
      }
      if (arg.length > 2) token = { name, rawName: arg.slice(0, 2), value: arg.slice(2), inline: true };
      else if (typeOf(name) === "string" && next !== undefined) {
        token = { name, rawName: arg, value: next, inline: false };
        i++;
      } else token = { name, rawName: arg, value: undefined, inline: false };
    }
    store(values, checked(token, options));
  }
  return { values: values as ArgValues<O>, positionals };
}

/** The long name of a short flag; a letter no option claims stands for itself (as parseArgs has it). */
function longFor(short: string, options: ArgSpecs): string {
  for (const [name, spec] of Object.entries(options)) if (spec.short === short) return name;
  return short;
}

/** `-hV` as `-h -V`; a string option inside a group takes the rest of it as its value (`-abfFILE`). */
function expandGroup(arg: string, options: ArgSpecs): string[] {
  const expanded: string[] = [];
  for (let k = 1; k < arg.length; k++) {
    const name = longFor(arg[k]!, options);
    const isString = Object.hasOwn(options, name) && options[name]!.type === "string";
    if (!isString || k === arg.length - 1) expanded.push(`-${arg[k]}`);
    else {
      expanded.push(`-${arg.slice(k)}`);
      break;
    }
  }
  return expanded;
}

/** The token's spec once its use is checked, in parseArgs' order: a value like an option, unknown, the value. */
function checked(token: Token, options: ArgSpecs): Token & { spec: ArgSpec } {
  const { name, rawName, value } = token;
  if (!token.inline && value !== undefined && value.length > 1 && value[0] === "-")
    throw new UsageError(`${rawName} needs a value; for one that starts with "-", write ${rawName}=VALUE`);
  if (!Object.hasOwn(options, name)) {
    const bare = rawName.replace(/^-+/, "");
    if (!rawName.startsWith("--") && bare.length === 1) throw new UsageError(`unknown option -${bare}`);
    const known = Object.keys(options).map((k) => `--${k}`);
    throw new UsageError(unknownMessage("option", `--${bare}`, known));
  }
  const spec = options[name]!;
  if (spec.type === "string" && value === undefined) throw new UsageError(`--${name} needs a value`);
  if (spec.type === "boolean" && value !== undefined) throw new UsageError(`--${name} takes no value`);
  return { ...token, spec };
}

function store(values: Record<string, string | boolean | (string | boolean)[]>, t: Token & { spec: ArgSpec }): void {
  const value = t.value ?? true;
  if (!t.spec.multiple) values[t.name] = value;
  else if (Array.isArray(values[t.name])) (values[t.name] as (string | boolean)[]).push(value);
  else values[t.name] = [value];
}
