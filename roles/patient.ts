#!/usr/bin/env bun
// patient: logs in to the health center, books a slot, and asks the doctor for the cost.
import * as pc from "../shared/colors.ts";
import { isTerminal } from "../shared/colors.ts";
import { describeFailure, runMain, printHelp } from "../shared/cli.ts";
import { loadConfig, type Config } from "../shared/config.ts";
import { checkDataDir, describeDataDir, hasFile, patientNames, type DataDir } from "../shared/datadir.ts";
import { checkHostFlag } from "../shared/endpoints.ts";
import { unknownMessage } from "../shared/suggest.ts";
import { parseCountFlag, parseFlags, parseHostPort, version, type Options } from "../shared/flags.ts";
import { helpText } from "../shared/help.ts";
import { default_server_port } from "../shared/limits.ts";
import { readCredentials, readInsurance } from "./patient/identity.ts";
import { runPatient, type Outcome, type PatientPlan, type PatientView } from "./patient/flow.ts";
import { policySentence } from "./patient/replies.ts";
import type { ScriptedAction } from "./patient/scripted.ts";
import { TranscriptView } from "./patient/transcript-view.ts";
import { StdinLines } from "../shared/stdin-lines.ts";
import { exit_code, UsageError } from "../shared/errors.ts";

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

const usage = helpText({
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

type Flags = ReturnType<typeof parseFlags<typeof options>>["values"];

/** --tls, --ca FILE, or tls_ca in the deployment file's [server] (TLS, trusting that file). */
async function patientTls(values: Flags, config: Config): Promise<{ ca?: string } | undefined> {
  const file = values.ca
    ? { label: "--ca", path: values.ca }
    : config.server.tlsCa
      ? { label: "tls_ca in the deployment file", path: config.server.tlsCa }
      : undefined;
  if (!file) return values.tls ? {} : undefined;
  // Loaded only to read a CA file: node:crypto and node:tls cost milliseconds at every start otherwise.
  const { readTlsCa } = await import("../shared/tls-files.ts");
  return { ca: readTlsCa(file) };
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, options, 1);
  if (values.help || positionals[0] === "help") return printHelp(usage);
  if (values.version) return printHelp(version);
  const name = values.user ?? positionals[0];
  if (!name) throw new UsageError("which patient? e.g. `patient patient1`, or `patient --user NAME`");
  if (values.user && positionals[0]) throw new UsageError("give a patient name or --user, not both");

  const config = loadConfig(values.config);
  const server = values.server
    ? serverFlag(values.server)
    : { host: config.server.host ?? "127.0.0.1", port: config.server.port ?? default_server_port };
  const slot = values.slot === undefined ? undefined : parseCountFlag("slot", values.slot, 0, 1);
  const action = scriptedAction(values, slot);
  const interactive = (await isTerminal(0)) && (await isTerminal(1));
  const input = interactive ? undefined : new StdinLines();
  const data = patientDataDir(values, config.data, name, action === undefined);
  const insurance = action === undefined ? readInsurance(values, data, name) : "";
  const credentials = await readCredentials(values, data, name, interactive, input);
  const tls = await patientTls(values, config);

  const plan: PatientPlan = {
    credentials,
    insurance,
    server,
    slot,
    tls,
    clinicPhone: config.clinic.phone,
    udpTimeoutMs: values["udp-timeout-ms"] ? parseCountFlag("udp-timeout-ms", values["udp-timeout-ms"], 0) : undefined,
  };
  if (action?.kind === "ics") return (await import("./patient/ics-file.ts")).writeIcsFile(plan, action.path);
  if (action) {
    const { runScripted } = await import("./patient/scripted.ts");
    return runScripted({ credentials, server, tls, clinicPhone: plan.clinicPhone }, action, values.json ?? false);
  }
  if (interactive && slot === undefined) {
    const [{ runMenu }, { ClackMenuView }] = await Promise.all([
      import("./patient/menu.ts"),
      import("./patient/menu-view.ts"),
    ]);
    return runMenu(plan, new ClackMenuView());
  }
  let view: PatientView;
  let fail = (message: string) => console.error(`${pc.red("error:")} ${message}`);
  if (interactive) {
    const { ClackView } = await import("./patient/terminal-view.ts");
    const clack = new ClackView(credentials.user);
    view = clack;
    fail = (message) => clack.fail(message);
  } else {
    view = new TranscriptView(credentials.user, input);
  }
  let outcome: Outcome;
  try {
    outcome = await runPatient(plan, view);
  } catch (err) {
    const { code, message } = describeFailure("patient", err);
    fail(message);
    return code;
  }
  return exitCodeOf(outcome, fail, slot, interactive, plan.clinicPhone);
}

/**
 * The data directory, read only for what is not given otherwise: the password (NAME.txt) and, to book,
 * the insurance plan. --list, --cancel, --move and --ics need no plan.
 */
function patientDataDir(values: Flags, configured: string | undefined, name: string, booking: boolean): DataDir {
  const fromFile = !values.user && !values["password-file"];
  const needsPlan = booking && values.insurance === undefined;
  const data =
    values.data !== undefined || fromFile || needsPlan
      ? checkDataDir({ dir: values.data ?? configured })
      : { dir: undefined };
  if (fromFile && !hasFile(data, `${name}.txt`)) {
    throw new UsageError(
      unknownMessage("patient", name, patientNames(data), `no ${name}.txt in ${describeDataDir(data)}`),
    );
  }
  return data;
}

type Action = ScriptedAction | { kind: "ics"; path: string };

/** --list, --cancel N, --move FROM:TO or --ics FILE (one of them), or undefined for a booking session. */
function scriptedAction(values: Flags, slot: number | undefined): Action | undefined {
  const given = [values.list, values.cancel, values.move, values.ics].filter((v) => v !== undefined && v !== false);
  if (given.length > 1 || (given.length === 1 && slot !== undefined))
    throw new UsageError("give one of --slot, --list, --cancel, --move and --ics");
  if (values.json && (given.length === 0 || values.ics !== undefined))
    throw new UsageError("--json goes with --list, --cancel N or --move FROM:TO");
  if (values.ics !== undefined) {
    if (values.ics === "") throw new UsageError("--ics expects a file name, or - for stdout");
    return { kind: "ics", path: values.ics };
  }
  if (values.list) return { kind: "list" };
  if (values.cancel !== undefined) return { kind: "cancel", index: parseCountFlag("cancel", values.cancel, 0, 1) };
  if (values.move === undefined) return undefined;
  const m = /^(\d{1,12}):(\d{1,12})$/.exec(values.move);
  if (!m) throw new UsageError(`--move expects FROM:TO (two slot numbers), not ${JSON.stringify(values.move)}`);
  return { kind: "move", from: parseCountFlag("move", m[1], 0, 1), to: parseCountFlag("move", m[2], 0, 1) };
}

function serverFlag(text: string): { host: string; port: number } {
  const server = parseHostPort("server", text, default_server_port);
  checkHostFlag("--server", server.host);
  return server;
}

function exitCodeOf(
  outcome: Outcome,
  fail: (m: string) => void,
  slot: number | undefined,
  interactive: boolean,
  phone?: string,
): number {
  switch (outcome.kind) {
    case "policy":
      fail(`slot ${outcome.index} not booked. ${policySentence(outcome.said, phone)}`);
      return exit_code.refused;
    case "done":
      if (outcome.warning) console.error(`${pc.yellow("warning:")} ${outcome.warning}`);
      return exit_code.done;
    case "auth-failed":
      fail("the server refused the login: wrong user name or password (or too many failed tries; wait a minute)");
      return exit_code.refused;
    case "notavailable":
      return exit_code.refused;
    case "invalid":
      fail(
        slot !== undefined
          ? `slot ${slot} is not in the schedule`
          : "too many indexes that are not in the schedule; nothing was booked",
      );
      return exit_code.refused;
    case "limit":
      fail(
        `slot ${outcome.index} not booked: you already hold ${outcome.held} ` +
          `appointment${outcome.held === 1 ? "" : "s"}, the most one patient may hold (cancel one first: --cancel N)`,
      );
      return exit_code.refused;
    case "no-slots":
      fail("no appointments are free; nothing was booked");
      return exit_code.refused;
    case "cancelled":
      if (!interactive) {
        fail("end of input before a slot was chosen; nothing was booked");
        return exit_code.usage;
      }
      fail("Cancelled; nothing was booked.");
      return exit_code.cancelled;
  }
}

if (import.meta.main) runMain("patient", () => main(process.argv.slice(2))).then((code) => process.exit(code));
