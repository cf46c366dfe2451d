#!/usr/bin/env bun
// doctor: answers cost estimates for insurance plans over UDP.
import pc from "picocolors";
import { runMain, printHelp, shownAddress } from "../shared/cli.ts";
import { loadConfig } from "../shared/config.ts";
import { isValidDoctorName, parsePrices } from "../shared/datafiles.ts";
import { pathOf, readDataFile, type DataDir } from "../shared/datadir.ts";
import { DoctorService } from "./doctor/quote-service.ts";
import { parseFlags, parsePortFlag, version } from "../shared/flags.ts";
import { default_doctor_ports, doctor_default_ports_max, doctor_port_base, doctor_port_step } from "../shared/limits.ts";
import { Log } from "../shared/log.ts";
import { exit_code, UsageError } from "../shared/errors.ts";
import { canonicalDoctorName, displayDoctorName } from "../shared/names.ts";

const usage = `${pc.bold("doctor")} ${version}: a doctor's cost-estimate service over UDP.

Usage:
  doctor <doc1|doc2|doctor1|doctor2|NAME> [options]

Options:
  --host H        address to listen on (default: all interfaces)
  --port P        UDP port (default: doc1 41000, doc2 42000, docN 40000+1000*N; 0 picks a free one)
  --data DIR      data files: <NAME>.txt with "<insurance> <price>" lines (default: embedded seed)
  --config FILE   deployment file (TOML); flags override it
  --quiet         no per-request log lines
  --help, --version

Example:
  doctor doc1 --port 41000`;

const options = {
  host: { type: "string" },
  port: { type: "string" },
  data: { type: "string" },
  config: { type: "string" },
  quiet: { type: "boolean" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean" },
} as const;

function defaultPort(name: string): number | undefined {
  if (default_doctor_ports[name]) return default_doctor_ports[name];
  const n = Number(/^doc(\d+)$/.exec(name)?.[1]);
  return n >= 1 && n <= doctor_default_ports_max ? doctor_port_base + doctor_port_step * n : undefined;
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, options, 1);
  if (values.help) return printHelp(usage);
  if (values.version) return printHelp(version);
  const given = positionals[0];
  if (!given) throw new UsageError("which doctor? e.g. `doctor doc1`");
  const name = canonicalDoctorName(given);
  if (!isValidDoctorName(name)) throw new UsageError(`bad doctor name ${JSON.stringify(given)}`);

  const config = loadConfig(values.config);
  const mine = config.doctors.get(name) ?? {};
  const data: DataDir = { dir: values.data ?? config.data };
  const fallbackPort = mine.port ?? defaultPort(name);
  if (values.port === undefined && fallbackPort === undefined) throw new UsageError(`no default port for ${name}; give --port`);
  const port = parsePortFlag("port", values.port, fallbackPort ?? 0);
  const host = values.host ?? mine.listen ?? "0.0.0.0";
  const prices = parsePrices(pathOf(data, `${name}.txt`), readDataFile(data, `${name}.txt`));

  const log = new Log(values.quiet ?? false);
  const service = new DoctorService({ name, host, port, prices, log, shownHost: shownAddress(host) });
  await service.start();
  log.notice(service.readyLine());
  log.flush();

  await new Promise<void>((done) => {
    const stop = (signal: string) => {
      service.stop();
      log.notice(`Received ${signal}: ${displayDoctorName(name)} answered ${service.quotes} quotes, ignored ${service.ignored} datagrams; stopped`);
      log.flush();
      done();
    };
    process.once("SIGTERM", () => stop("SIGTERM"));
    process.once("SIGINT", () => stop("SIGINT"));
  });
  return exit_code.done;
}

if (import.meta.main) runMain("doctor", () => main(process.argv.slice(2))).then((code) => process.exit(code));
