#!/usr/bin/env bun
// patient: logs in to the health center, books a slot, and asks the doctor for the cost.
import { runMain, printHelp } from "../shared/cli.ts";
import { parseFlags, version, type Options } from "../shared/flags.ts";
import { helpText } from "../shared/help.ts";
import { default_server_port } from "../shared/limits.ts";

export const options = {
  server: {
    type: "string",
    value: "HOST[:PORT]",
    help: `the health center server (default 127.0.0.1:${default_server_port})`,
  },
  slot: { type: "string", value: "N", help: "book slot N without asking" },
  list: { type: "boolean", help: "print my appointments" },
  cancel: { type: "string", value: "N", help: "cancel my appointment in slot N" },
  move: { type: "string", value: "FROM:TO", help: "move my appointment from slot FROM to slot TO (one transaction)" },
  json: { type: "boolean", help: "with --list, --cancel or --move: one JSON document on stdout" },
  ics: {
    type: "string",
    value: "FILE",
    help: "write my upcoming appointments as one calendar file (RFC 5545 .ics; - for stdout)",
  },
  data: { type: "string", value: "DIR", help: "data files (default: embedded seed)" },
  config: { type: "string", value: "FILE", help: "deployment file (TOML); flags override it" },
  user: {
    type: "string",
    value: "NAME",
    help: "log in as NAME; the password is asked for (terminal) or read as one line (piped)",
  },
  "password-file": { type: "string", value: "FILE", help: "read the password from FILE instead" },
  insurance: { type: "string", value: "PLAN", help: "the insurance plan (default: from NAMEinsurance.txt)" },
  tls: { type: "boolean", help: "connect with TLS; --ca FILE trusts that certificate authority" },
  ca: { type: "string", value: "FILE", help: "PEM certificate(s) to trust for --tls" },
  "udp-timeout-ms": {
    type: "string",
    value: "MS",
    help: "wait this long for each of the 3 tries to the doctor (default 500)",
  },
} as const satisfies Options;

/** Made only for --help (the option table is laid out at each call). */
const usage = () =>
  helpText({
    name: "patient",
    summary: "book a medical appointment and get its cost estimate.",
    usage: [
      "patient <patient1|patient2|NAME> [options]     credentials from NAME.txt, plan from NAMEinsurance.txt",
      "patient --user NAME [options]                  asks for the password",
    ],
    options,
    notes: `On a terminal: your appointments, then a menu to book (with each doctor's price), cancel or move.
With piped input, the classic session: one index is read per line.
Exit codes: 0 done (a booking whose price is missing too, with a warning), 1 not available,
not yours or login failed, 2 usage or bad data, 3 network.

Examples:
  patient patient1
  echo 2 | patient patient1 --server 192.0.2.1:21000
  patient --user alice --insurance insurance3 --slot 4
  patient patient1 --move 5:3 --json
  patient patient1 --ics appointments.ics`,
  });

export type PatientFlags = ReturnType<typeof parseFlags<typeof options>>["values"];

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, options, 1);
  if (values.help || positionals[0] === "help") return printHelp(usage());
  if (values.version) return printHelp(version);
  // The session's code (and the built-ins it needs) is loaded only now: --help and --version do without it.
  return (await import("./patient/command.ts")).runCommand(values, positionals);
}

if (import.meta.main) runMain("patient", () => main(process.argv.slice(2))).then((code) => process.exit(code));
