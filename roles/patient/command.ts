// The patient command once its flags are read (roles/patient.ts): the data directory, the password, the
// deployment file, then a booking session, a scripted action (--list, --cancel, --move, --ics) or the menu.
// Loaded by main only when it runs, so --help and --version start without it (issue 28).
import * as pc from "../../shared/colors.ts";
import { isTerminal } from "../../shared/colors.ts";
import { describeFailure } from "../../shared/cli.ts";
import { loadConfig, type Config } from "../../shared/config.ts";
import { checkDataDir, describeDataDir, hasFile, patientNames, type DataDir } from "../../shared/datadir.ts";
import { checkHostFlag } from "../../shared/endpoints.ts";
import { unknownMessage } from "../../shared/suggest.ts";
import { parseCountFlag, parseHostPort } from "../../shared/flags.ts";
import { default_server_port } from "../../shared/limits.ts";
import { readCredentials, readInsurance } from "./identity.ts";
import { runPatient, type Outcome, type PatientPlan, type PatientView } from "./flow.ts";
import { policySentence } from "./replies.ts";
import type { ScriptedAction } from "./scripted.ts";
import { TranscriptView } from "./transcript-view.ts";
import { StdinLines } from "../../shared/stdin-lines.ts";
import { exit_code, UsageError } from "../../shared/errors.ts";
import type { PatientFlags as Flags } from "../patient.ts";

/** --tls, --ca FILE, or tls_ca in the deployment file's [server] (TLS, trusting that file). */
async function patientTls(values: Flags, config: Config): Promise<{ ca?: string } | undefined> {
  const file = values.ca
    ? { label: "--ca", path: values.ca }
    : config.server.tlsCa
      ? { label: "tls_ca in the deployment file", path: config.server.tlsCa }
      : undefined;
  if (!file) return values.tls ? {} : undefined;
  // Loaded only to read a CA file: node:crypto and node:tls cost milliseconds at every start otherwise.
  const { readTlsCa } = await import("../../shared/tls-files.ts");
  return { ca: readTlsCa(file) };
}

/** What `patient` does with its flags read (positionals: the patient's name, or none with --user). */
export async function runCommand(values: Flags, positionals: string[]): Promise<number> {
  const name = values.user ?? positionals[0];
  if (!name) throw new UsageError("which patient? e.g. `patient patient1`, or `patient --user NAME`");
  if (values.user && positionals[0]) throw new UsageError("give a patient name or --user, not both");

  const config = loadConfig(values.config);
  if (!values.server && config.server.port === 0)
    throw new UsageError("the deployment file's server.port = 0 lets the server pick a port: give --server HOST:PORT", {
      hint: false,
    });
  const server = values.server
    ? serverFlag(values.server)
    : { host: config.server.host ?? "127.0.0.1", port: config.server.port ?? default_server_port };
  const slot = values.slot === undefined ? undefined : parseCountFlag("slot", values.slot, 0, 1);
  const action = scriptedAction(values, slot);
  const interactive = isTerminal(0) && isTerminal(1);
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
  if (action?.kind === "ics") return (await import("./ics-file.ts")).writeIcsFile(plan, action.path);
  if (action) {
    const { runScripted } = await import("./scripted.ts");
    return runScripted({ credentials, server, tls, clinicPhone: plan.clinicPhone }, action, values.json ?? false);
  }
  if (interactive && slot === undefined) {
    const [{ runMenu }, { ClackMenuView }] = await Promise.all([import("./menu.ts"), import("./menu-view.ts")]);
    return runMenu(plan, new ClackMenuView());
  }
  let view: PatientView;
  let fail = (message: string) => console.error(`${pc.red("error:")} ${message}`);
  if (interactive) {
    const { ClackView } = await import("./terminal-view.ts");
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
  // Counted, not filtered: Array's filter is a built-in whose first call is compiled at every start (issue 28).
  const given =
    Number(values.list === true) +
    Number(values.cancel !== undefined) +
    Number(values.move !== undefined) +
    Number(values.ics !== undefined);
  if (given > 1 || (given === 1 && slot !== undefined))
    throw new UsageError("give one of --slot, --list, --cancel, --move and --ics");
  if (values.json && (given === 0 || values.ics !== undefined))
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
