#!/usr/bin/env bun
// appointments: the one compiled executable for every role. The role is the name it was started as
// (`healthcenterserver`, `doctor` and `patient` are hard links to it), or else its first argument
// (`appointments patient patient1`, which is how the Windows archive's .cmd files call it).
import { printHelp, runMain } from "../shared/cli.ts";
import { exit_code, UsageError } from "../shared/errors.ts";
import { version } from "../shared/flags.ts";
import { unknownMessage } from "../shared/suggest.ts";

type Main = (argv: string[]) => Promise<number>;
/** Each role's code is loaded only when that role runs, so start-up reads one role, not three. */
export const roles: Record<string, () => Promise<Main>> = {
  healthcenterserver: async () => (await import("./healthcenterserver.ts")).main,
  doctor: async () => (await import("./doctor.ts")).main,
  patient: async () => (await import("./patient.ts")).main,
};

const usage = `appointments ${version}: the health center server, a doctor and a patient in one executable.

Usage:
  healthcenterserver [options]      (a link to this file: the name picks the role)
  doctor <NAME> [options]
  patient <NAME> [options]
  appointments <role> [options]     the same, with the role first: ${Object.keys(roles).join(", ")}

Each role has its own --help.`;

/** "patient" for /opt/bin/patient, C:\\appt\\patient.exe or patient.EXE; the name as given otherwise. */
export function roleOfName(path: string): string {
  // The last part of the path, cut here rather than by node:path (not loaded at start-up: issue 28), and with
  // the string's own methods: the first call of a built-in written in JavaScript (split's result's `at`, a
  // regex `replace`) compiles that built-in, ~0.3 ms of a 4 ms start.
  const name = path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
  return name.toLowerCase().endsWith(".exe") ? name.slice(0, -4) : name;
}

/** The role and its arguments: from the program's name, else from the first argument. */
export function chooseRole(programName: string, args: string[]): { role: string; args: string[] } | "help" | "version" {
  const named = roleOfName(programName);
  if (Object.hasOwn(roles, named)) return { role: named, args };
  const first = args[0];
  if (first === undefined || first === "help" || first === "-h" || first === "--help") return "help";
  if (first === "-V" || first === "--version") return "version";
  if (Object.hasOwn(roles, first)) return { role: first, args: args.slice(1) };
  throw new UsageError(unknownMessage("role", first, Object.keys(roles)));
}

/** The name this process was started as: argv0 for a link or a copy; the executable's path otherwise. */
function programName(): string {
  return process.argv0 && process.argv0 !== "bun" ? process.argv0 : process.execPath;
}

async function dispatch(): Promise<number> {
  let chosen: ReturnType<typeof chooseRole>;
  try {
    chosen = chooseRole(programName(), process.argv.slice(2));
  } catch (err) {
    return runMain("appointments", () => Promise.reject(err));
  }
  if (chosen === "help") return printHelp(usage);
  if (chosen === "version") return printHelp(version);
  const { role, args } = chosen;
  const main = await roles[role]!();
  return runMain(role, () => main(args));
}

if (import.meta.main) dispatch().then((code) => process.exit(code ?? exit_code.internal));
