#!/usr/bin/env bun
// doctor: answers cost estimates for insurance plans over UDP.
import { listening, runMain, printHelp } from "../shared/cli.ts";
import { shownAddress } from "../shared/shown-address.ts";
import { loadConfig, type Config } from "../shared/config.ts";
import { isValidDoctorName, parsePrices } from "../shared/datafiles.ts";
import {
  checkDataDir,
  describeDataDir,
  doctorNames,
  hasFile,
  pathOf,
  readDataFile,
  type DataDir,
} from "../shared/datadir.ts";
import { onReloadSignal, untilStopSignal } from "../shared/signals.ts";
import { checkListenHost } from "../shared/endpoints.ts";
import { unknownMessage } from "../shared/suggest.ts";
import { DoctorService } from "./doctor/quote-service.ts";
import { parseFlags, parseLogFormat, parsePortFlag, version, type Options } from "../shared/flags.ts";
import { helpText } from "../shared/help.ts";
import {
  default_doctor_ports,
  doctor_default_ports_max,
  doctor_port_base,
  doctor_port_step,
} from "../shared/limits.ts";
import { Log } from "../shared/log.ts";
import { AppError, exit_code, UsageError } from "../shared/errors.ts";
import { canonicalDoctorName, displayDoctorName } from "../shared/names.ts";

export const options = {
  host: { type: "string", value: "H", help: "address to listen on (default: all interfaces)" },
  port: {
    type: "string",
    value: "P",
    help: "UDP port (default: doc1 41000, doc2 42000, docN 40000+1000*N; 0 picks a free one)",
  },
  data: {
    type: "string",
    value: "DIR",
    help: 'data files: <NAME>.txt with "<insurance> <price>" lines (default: embedded seed)',
  },
  config: { type: "string", value: "FILE", help: "deployment file (TOML); flags override it" },
  quiet: { type: "boolean", help: "no per-request log lines" },
  "log-format": {
    type: "string",
    value: "F",
    help: "auto (default: plain on a terminal, else text), plain, text (timestamp and level) or json",
  },
} as const satisfies Options;

/** Made only for --help (the option table is laid out at each call). */
const usage = () =>
  helpText({
    name: "doctor",
    summary: "a doctor's cost-estimate service over UDP.",
    usage: [
      "doctor <doc1|doc2|doctor1|doctor2|NAME> [options]",
      "doctor check [NAME] [options]   validate the config and price files (every configured doctor",
      "                                when no NAME), start nothing; exit 0, or 2 with the problem",
    ],
    options,
    notes: `Signals: SIGHUP reloads NAME.txt (a broken file is reported and the old prices kept);
SIGTERM or SIGINT stop.

Example:
  doctor doc1 --port 41000`,
  });

function defaultPort(name: string): number | undefined {
  if (default_doctor_ports[name]) return default_doctor_ports[name];
  const n = Number(/^doc(\d+)$/.exec(name)?.[1]);
  return n >= 1 && n <= doctor_default_ports_max ? doctor_port_base + doctor_port_step * n : undefined;
}

export async function main(argv: string[]): Promise<number> {
  const checkOnly = argv[0] === "check";
  const { values, positionals } = parseFlags(checkOnly ? argv.slice(1) : argv, options, 1);
  if (values.help || positionals[0] === "help") return printHelp(usage());
  if (values.version) return printHelp(version);
  const config = loadConfig(values.config);
  if (checkOnly) return checkDoctors(positionals[0], values, config);
  const given = positionals[0];
  if (!given) throw new UsageError("which doctor? e.g. `doctor doc1`");
  const { name, data, host, port, readPrices } = await readDoctorSettings(given, values, config);
  const prices = readPrices();

  const log = new Log({ quiet: values.quiet ?? false, format: parseLogFormat(values["log-format"]) });
  const service = new DoctorService({ name, host, port, prices, log, shownHost: shownAddress(host) });
  // SIGHUP (a closed ssh session, or the operator) reloads the price file and never stops the doctor.
  // Installed before the ready line, so a reload sent as soon as it shows cannot end the process.
  onReloadSignal(() => reloadPrices(data, name, readPrices, service, log));
  await listening("UDP", host, port, () => service.start());
  log.notice(service.readyLine());
  log.flush();

  const signal = await untilStopSignal();
  service.stop();
  log.notice(
    `Received ${signal}: ${displayDoctorName(name)} answered ${service.quotes} quotes, ` +
      `ignored ${service.ignored} datagrams; stopped`,
  );
  log.flush();
  return exit_code.done;
}

type Flags = ReturnType<typeof parseFlags<typeof options>>["values"];

/** Flags over the deployment file over the defaults, checked; the prices are read by the caller. */
async function readDoctorSettings(given: string, values: Flags, config: Config) {
  const name = canonicalDoctorName(given);
  if (!isValidDoctorName(name)) throw new UsageError(`bad doctor name ${JSON.stringify(given)}`);
  const mine = config.doctors.get(name) ?? {};
  const data = checkDataDir({ dir: values.data ?? config.data });
  if (!hasFile(data, `${name}.txt`)) {
    throw new UsageError(
      unknownMessage("doctor", given, doctorNames(data), `no ${name}.txt in ${describeDataDir(data)}`),
    );
  }
  const fallbackPort = mine.port ?? defaultPort(name);
  if (values.port === undefined && fallbackPort === undefined)
    throw new UsageError(`no default port for ${name}; give --port`);
  const port = parsePortFlag("port", values.port, fallbackPort ?? 0);
  const host = values.host ?? mine.listen ?? "0.0.0.0";
  await checkListenHost("--host", host);
  const readPrices = () => parsePrices(pathOf(data, `${name}.txt`), readDataFile(data, `${name}.txt`));
  return { name, data, host, port, readPrices };
}

/** `doctor check`: everything start-up reads, for one doctor or every configured one; nothing is started. */
async function checkDoctors(given: string | undefined, values: Flags, config: Config): Promise<number> {
  const names = given === undefined ? [...config.doctors.keys()] : [given];
  if (names.length === 0)
    throw new UsageError("which doctor? `doctor check NAME`, or a --config file with [doctors.NAME] tables");
  for (const one of names) {
    const { name, data, host, port, readPrices } = await readDoctorSettings(one, values, config);
    const prices = readPrices();
    console.log(
      `ok: ${name} would listen on ${host}:${port} with ${prices.size} prices from ${pathOf(data, `${name}.txt`)}`,
    );
  }
  return exit_code.done;
}

function reloadPrices(
  data: DataDir,
  name: string,
  readPrices: () => Map<string, number>,
  service: DoctorService,
  log: Log,
): void {
  if (!data.dir) {
    log.notice("Received SIGHUP: the prices are the embedded seed's, which do not change; nothing reloaded");
  } else {
    try {
      const prices = readPrices();
      service.replacePrices(prices);
      log.notice(`Received SIGHUP: reloaded ${prices.size} prices from ${pathOf(data, `${name}.txt`)}; still serving`);
    } catch (err) {
      log.error(
        "SIGHUP: prices not reloaded, the ones loaded before are kept: " +
          (err instanceof AppError ? err.message : String(err)),
        { cause: "reloads" },
      );
    }
  }
  log.flush();
}

if (import.meta.main) runMain("doctor", () => main(process.argv.slice(2))).then((code) => process.exit(code));
