#!/usr/bin/env bun
// healthcenterserver: books appointment slots for patients over TCP.
import { listening, runMain, printHelp, shownAddress } from "../shared/cli.ts";
import { loadConfig, type Config } from "../shared/config.ts";
import { checkDataDir, type DataDir } from "../shared/datadir.ts";
import { parseCountFlag, parseFlags, parsePortFlag, readFlagFile, version, type Options } from "../shared/flags.ts";
import { helpText } from "../shared/help.ts";
import { unknownMessage } from "../shared/suggest.ts";
import { describeCap, guard_options, readGuardSettings } from "./healthcenterserver/guard-settings.ts";
import { checkHostFlag, checkListenHost, parseDoctorFlag } from "../shared/endpoints.ts";
import { HealthCenter, type DoctorLocation } from "./healthcenterserver/listener.ts";
import * as limits from "../shared/limits.ts";
import { Log } from "../shared/log.ts";
import { Schedule } from "./healthcenterserver/schedule.ts";
import { Authenticator } from "./healthcenterserver/auth.ts";
import { default_throttle_limits, Throttle } from "./healthcenterserver/throttle.ts";
import { BookingStore } from "./healthcenterserver/store.ts";
import { InProcessCommitter, type Committer } from "./healthcenterserver/committer.ts";
import { DatabaseProblem } from "./healthcenterserver/sqlite-schema.ts";
import { checkDatabasePath, FileIdentity } from "./healthcenterserver/sqlite-file.ts";
import { GuardedCommitter } from "./healthcenterserver/sqlite-guard.ts";
import { parseDbTarget, readDbPassword } from "./healthcenterserver/db-target.ts";
import { exit_code, DataError, UsageError } from "../shared/errors.ts";
import { onReloadSignal, untilStopSignal } from "../shared/signals.ts";
import { loadData, reloadData, warnAboutUsers } from "./healthcenterserver/server-data.ts";
import * as transcript from "./healthcenterserver/transcript.ts";
import { parseHttpAddress, StaffPage } from "./healthcenterserver/staff/staff-page.ts";
import { readStaffToken } from "./healthcenterserver/staff/staff-auth.ts";

export const options = {
  host: { type: "string", value: "H", help: "address to listen on (default: all interfaces)" },
  port: { type: "string", value: "P", help: `TCP port (default ${limits.default_server_port}; 0 picks a free one)` },
  data: { type: "string", value: "DIR", help: "data files: users.txt, availabilities.txt, doc*.txt (default: embedded seed)" },
  db: {
    type: "string", value: "FILE|URL",
    help: "booking database, SQLite (default: healthcenter.db); or postgres://USER@HOST[:PORT]/DB,\n" +
      "shared by several servers (docs/SCALING.md)",
  },
  "db-password-file": { type: "string", value: "FILE", help: "PostgreSQL password: the file's first line (else PGPASSWORD; never in the URL)" },
  "db-wait": { type: "string", value: "S", help: `at start-up, wait this long for PostgreSQL to answer (default ${limits.database_startup_wait_ms / 1000})` },
  doctor: { type: "string", multiple: true, value: "NAME=HOST:PORT", help: "where a doctor really is; patients are sent there (repeatable)" },
  config: { type: "string", value: "FILE", help: "deployment file (TOML); flags override it" },
  "tls-cert": { type: "string", value: "FILE", help: "serve TLS with this certificate (PEM) ..." },
  "tls-key": { type: "string", value: "FILE", help: "... and this private key" },
  "max-connections": { type: "string", value: "N", help: `concurrent connections (default ${limits.connections_max})` },
  "idle-timeout": { type: "string", value: "S", help: `close connections idle this many seconds (default ${limits.idle_timeout_ms / 1000})` },
  "login-window": {
    type: "string", value: "S",
    help: `login attempts are counted over this many seconds (default ${limits.login_window_ms / 1000});\n` +
      `after ${limits.login_failures_per_user_max} for one user from one address, or ${limits.login_failures_per_address_max} from one address, logins from there are refused until it passes`,
  },
  http: {
    type: "string", value: "HOST:PORT",
    help: "serve the staff page, /metrics, /healthz and /readyz there (default: off; keep it on loopback\nor behind a TLS proxy)",
  },
  "staff-token-file": { type: "string", value: "FILE", help: "staff who sign in with the token in FILE see patients' names on the page (default: nobody)" },
  "bookings-per-patient": { type: "string", value: "N", help: `bookings one patient may hold at once (default ${limits.bookings_per_patient}; 0 = no limit)` },
  quiet: { type: "boolean", help: "only the audit trail (bookings, refused logins), start-up and shutdown" },
  ...guard_options,
} as const satisfies Options;

const usage = helpText({
  name: "healthcenterserver",
  summary: "the health center server; patients log in and book slots over TCP.",
  usage: [
    "healthcenterserver [options]",
    "healthcenterserver init DIR                      write a new data directory to edit (users get argon2id hashes)",
    "healthcenterserver users add <name> --data DIR   add or change a user, stored as an argon2id hash",
    "healthcenterserver users convert --data DIR      hash every plaintext password in DIR/users.txt",
    "healthcenterserver check [options]               validate the config, data files, token and database; start nothing",
  ],
  options,
  notes: `Signals: SIGHUP reloads users.txt and checks the price files (a broken file is reported and the
old data kept); SIGTERM or SIGINT stop after answering what was asked.

Example:
  healthcenterserver --port 21000 --db bookings.db --doctor doc1=192.0.2.2:41000`,
});

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "help") return printHelp(usage);
  if (argv[0] === "init") return (await import("./healthcenterserver/init-command.ts")).runInitCommand(argv.slice(1));
  if (argv[0] === "users") {
    const { runUsersCommand } = await import("./healthcenterserver/users-command.ts");
    return runUsersCommand(argv.slice(1));
  }
  const checkOnly = argv[0] === "check";
  if (argv[0] !== undefined && !argv[0].startsWith("-") && !checkOnly) {
    throw new UsageError(unknownMessage("command", argv[0], ["init", "users", "check", "help"]));
  }
  const { values } = parseFlags(checkOnly ? argv.slice(1) : argv, options, 0);
  if (values.help) return printHelp(usage);
  if (values.version) return printHelp(version);

  const settings = readSettings(values, loadConfig(values.config));
  if (checkOnly) return (await import("./healthcenterserver/check-command.ts")).runCheck(settings);
  await checkListenHost("--host", settings.host);
  const guards = readGuardSettings(values, settings.connectionsMax);
  const log = new Log({ quiet: values.quiet ?? false, format: guards.logFormat });
  // A closed ssh session sends SIGHUP: it never stops the server, even while it starts (a database
  // can keep start-up waiting); once serving, it reloads the data files.
  let onHangup = () => log.notice("Received SIGHUP while starting: nothing to reload yet");
  onReloadSignal(() => onHangup());
  const { users, slots } = loadData(settings.data, settings.doctors);
  const schedule = new Schedule(slots);
  const { committer, restored, shownDb, attach, problem } = await openBookings(settings, schedule, log);
  warnAboutUsers(users, settings.data, log);

  const throttle = new Throttle({ ...default_throttle_limits, windowMs: settings.loginWindowMs });
  const fatal = (err: unknown) => {
    log.error(`stopping: ${(err as Error)?.stack ?? err}`);
    process.exit(exit_code.internal);
  };
  const staff = settings.http && new StaffPage({
    http: settings.http, token: settings.staffToken, schedule, db: settings.dbPath, databaseProblem: problem, log, patientSide: () => center,
  });
  const center: HealthCenter = new HealthCenter({
    metrics: staff ? staff.metrics : undefined,
    host: settings.host, port: settings.port, users, schedule, committer, log, doctors: settings.doctors, tls: settings.tls,
    authenticator: new Authenticator(users, throttle), connectionsMax: guards.cap.connectionsMax, ...guards,
    idleTimeoutMs: settings.idleTimeoutMs, bookingsPerPatient: settings.bookingsPerPatient, onFatal: fatal,
  });
  await attach((index) => center.booker.isPending(index));
  await listening("TCP", settings.host, settings.port, () => center.start());
  onHangup = () => reloadData(settings.data, slots, log, (fresh) => center.replaceUsers(fresh));
  // Flush immediately: tests and the demo read the port from this line.
  log.notice(transcript.started(center.port, shownAddress(settings.host)));
  log.notice(`(${slots.length} slots, ${restored} booked in ${shownDb}, ${users.length} users, ${describeCap(guards.cap)}${settings.tls ? ", TLS" : ""})`);
  if (!log.plain) log.info(transcript.userListing(users), { event: "server.users" });
  if (staff) {
    await listening("HTTP", settings.http!.host, settings.http!.port, () => staff.start());
    log.notice(`Staff page: http://${settings.http!.host.includes(":") ? `[${settings.http!.host}]` : settings.http!.host}:${staff.port}/ (also /metrics, /healthz, /readyz)`);
  }
  log.flush();

  const signal = await untilStopSignal();
  log.notice(`Received ${signal}: finishing in-flight requests and stopping`);
  await center.stop();
  if (staff) await staff.stop();
  await committer.close();
  log.notice("The Health Center Server has stopped");
  log.flush();
  return exit_code.done;
}

type Flags = ReturnType<typeof parseFlags<typeof options>>["values"];

type Settings = {
  data: DataDir;
  host: string;
  port: number;
  dbPath: string;
  dbPasswordFile: string | undefined;
  dbWaitMs: number;
  idleTimeoutMs: number;
  connectionsMax: number;
  loginWindowMs: number;
  bookingsPerPatient: number;
  tls: { cert: string; key: string } | undefined;
  doctors: Map<string, DoctorLocation>;
  http: { host: string; port: number } | undefined;
  staffToken: string | undefined;
};

/** Flags over the deployment file over the defaults. */
function readSettings(values: Flags, config: Config): Settings {
  const doctors = new Map<string, DoctorLocation>();
  for (const [name, d] of config.doctors) doctors.set(name, { host: d.host, port: d.port });
  for (const text of values.doctor ?? []) {
    const { name, entry } = parseDoctorFlag(text);
    doctors.set(name, entry);
  }
  return {
    data: checkDataDir({ dir: values.data ?? config.data }),
    host: values.host === undefined ? config.server.listen ?? "0.0.0.0" : checkHostFlag("--host", values.host),
    port: parsePortFlag("port", values.port, config.server.port ?? limits.default_server_port),
    dbPath: values.db ?? config.server.db ?? "healthcenter.db",
    dbPasswordFile: values["db-password-file"] ?? config.server.dbPasswordFile,
    dbWaitMs: parseCountFlag("db-wait", values["db-wait"], limits.database_startup_wait_ms / 1000, 0) * 1000,
    idleTimeoutMs: parseCountFlag("idle-timeout", values["idle-timeout"], limits.idle_timeout_ms / 1000) * 1000,
    connectionsMax: parseCountFlag("max-connections", values["max-connections"], limits.connections_max),
    loginWindowMs: parseCountFlag("login-window", values["login-window"], limits.login_window_ms / 1000) * 1000,
    bookingsPerPatient: parseCountFlag("bookings-per-patient", values["bookings-per-patient"], limits.bookings_per_patient, 0),
    tls: readTls(values["tls-cert"], values["tls-key"]),
    doctors,
    ...readStaffSettings(values.http ?? config.server.http, values["staff-token-file"] ?? config.server.staffTokenFile),
  };
}

type OpenedBookings = {
  committer: Committer;
  restored: number;
  shownDb: string;
  /** Called once the Booker exists, before serving: a shared database starts following other instances. */
  attach: (isPending: (index: number) => boolean) => Promise<void>;
  /** For /readyz, where the staff page cannot probe the database itself: why it is not usable now. */
  problem?: () => string | undefined;
};

/** The SQLite file (default), or PostgreSQL for a postgres:// URL. */
async function openBookings(settings: Settings, schedule: Schedule, log: Log): Promise<OpenedBookings> {
  const target = parseDbTarget(settings.dbPath);
  if (target.kind === "sqlite") {
    const store = openStore(target.path, settings.bookingsPerPatient);
    const restored = restoreBookings(store, schedule, target.path, log);
    const committer = new GuardedCommitter(new InProcessCommitter(store), FileIdentity.of(target.path), log);
    return { committer, restored, shownDb: target.path, attach: async () => {} };
  }
  const { openPostgres } = await import("./healthcenterserver/pg-bookings.ts");
  const pg = await openPostgres(target, readDbPassword(settings.dbPasswordFile), settings.dbWaitMs, schedule, log, settings.bookingsPerPatient);
  const attach = async (isPending: (index: number) => boolean) => {
    pg.mirror.attach(isPending);
    await pg.mirror.listen();
  };
  return { committer: pg.committer, restored: pg.restored, shownDb: `PostgreSQL at ${target.shown}`, attach, problem: () => pg.mirror.problem() };
}

/** Marks every stored booking taken in the schedule; returns how many were restored. */
function restoreBookings(store: BookingStore, schedule: Schedule, dbPath: string, log: Log): number {
  let restored = 0;
  store.forEachBooking((index, patient) => {
    if (schedule.reserve(index, patient)) restored++;
    else log.warn(`${dbPath} has a booking for slot ${index}, which is not in the schedule; left as it is`);
  });
  return restored;
}

/** Opens (creating if need be) and checks the database; a file that is not one is a bad data file. */
function openStore(path: string, bookingsPerPatient: number): BookingStore {
  try {
    checkDatabasePath(path);
    return new BookingStore(path, { bookingsPerPatient });
  } catch (err) {
    if (err instanceof DatabaseProblem) throw new DataError(path, undefined, `${err.message}`);
    throw new DataError(path, undefined, `cannot be used as the booking database (${(err as Error).message})`);
  }
}

function readStaffSettings(http: string | undefined, tokenFile: string | undefined): Pick<Settings, "http" | "staffToken"> {
  if (http === undefined && tokenFile !== undefined) throw new UsageError("--staff-token-file needs --http (the staff page is off without it)");
  return { http: http === undefined ? undefined : parseHttpAddress(http), staffToken: tokenFile === undefined ? undefined : readStaffToken(tokenFile) };
}

function readTls(certPath: string | undefined, keyPath: string | undefined): { cert: string; key: string } | undefined {
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) throw new UsageError("--tls-cert and --tls-key go together");
  return { cert: readFlagFile("--tls-cert", certPath), key: readFlagFile("--tls-key", keyPath) };
}

if (import.meta.main) runMain("healthcenterserver", () => main(process.argv.slice(2))).then((code) => process.exit(code));
