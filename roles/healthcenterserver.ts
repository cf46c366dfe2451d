#!/usr/bin/env bun
// healthcenterserver: books appointment slots for patients over TCP.
import { listening, runMain, printHelp, shownAddress } from "../shared/cli.ts";
import { loadConfig, type Config } from "../shared/config.ts";
import { checkDataDir, type DataDir } from "../shared/datadir.ts";
import { parseCountFlag, parseFlags, parsePortFlag, readFlagFile, version } from "../shared/flags.ts";
import { options, usage } from "./healthcenterserver/cli/options.ts";
import { unknownMessage } from "../shared/suggest.ts";
import { describeCap, readGuardSettings } from "./healthcenterserver/cli/guard-settings.ts";
import { checkHostFlag, checkListenHost, parseDoctorFlag } from "../shared/endpoints.ts";
import { HealthCenter, type DoctorLocation } from "./healthcenterserver/network/listener.ts";
import * as limits from "../shared/limits.ts";
import { Log } from "../shared/log.ts";
import { Schedule } from "./healthcenterserver/booking/schedule.ts";
import { Authenticator } from "./healthcenterserver/login/auth.ts";
import { default_throttle_limits, Throttle } from "./healthcenterserver/login/throttle.ts";
import { BookingStore } from "./healthcenterserver/store/sqlite/store.ts";
import { InProcessCommitter, type Committer } from "./healthcenterserver/store/sqlite/committer.ts";
import { DatabaseProblem } from "./healthcenterserver/store/sqlite/sqlite-schema.ts";
import { checkDatabasePath, claimDatabaseFile, FileIdentity } from "./healthcenterserver/store/sqlite/sqlite-file.ts";
import { GuardedCommitter } from "./healthcenterserver/store/sqlite/sqlite-guard.ts";
import { parseDbTarget, readDbPassword } from "./healthcenterserver/store/db-target.ts";
import { exit_code, DataError, UsageError } from "../shared/errors.ts";
import { onReloadSignal, untilStopSignal } from "../shared/signals.ts";
import { loadData, reloadData, warnAboutUsers } from "./healthcenterserver/cli/server-data.ts";
import * as transcript from "./healthcenterserver/session/transcript.ts";
import { parseHttpAddress, StaffPage } from "./healthcenterserver/staff/staff-page.ts";
import { readStaffToken } from "./healthcenterserver/staff/staff-auth.ts";

export { options };

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "help") return printHelp(usage);
  if (argv[0] === "init")
    return (await import("./healthcenterserver/commands/init-command.ts")).runInitCommand(argv.slice(1));
  if (argv[0] === "users") {
    const { runUsersCommand } = await import("./healthcenterserver/commands/users-command.ts");
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
  if (checkOnly) return (await import("./healthcenterserver/commands/check-command.ts")).runCheck(settings);
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
  const staff =
    settings.http &&
    new StaffPage({
      http: settings.http,
      token: settings.staffToken,
      schedule,
      db: settings.dbPath,
      databaseProblem: problem,
      log,
      patientSide: () => center,
    });
  const center: HealthCenter = new HealthCenter({
    metrics: staff ? staff.metrics : undefined,
    host: settings.host,
    port: settings.port,
    users,
    schedule,
    committer,
    log,
    doctors: settings.doctors,
    tls: settings.tls,
    authenticator: new Authenticator(users, throttle),
    connectionsMax: guards.cap.connectionsMax,
    ...guards,
    idleTimeoutMs: settings.idleTimeoutMs,
    bookingsPerPatient: settings.bookingsPerPatient,
    onFatal: fatal,
  });
  await attach((index) => center.booker.isPending(index));
  await listening("TCP", settings.host, settings.port, () => center.start());
  onHangup = () => reloadData(settings.data, slots, log, (fresh) => center.replaceUsers(fresh));
  // Flush immediately: tests and the demo read the port from this line.
  log.notice(transcript.started(center.port, shownAddress(settings.host)));
  log.notice(
    `(${slots.length} slots, ${restored} booked in ${shownDb}, ${users.length} users, ${describeCap(guards.cap)}${settings.tls ? ", TLS" : ""})`,
  );
  if (!log.plain) log.info(transcript.userListing(users), { event: "server.users" });
  if (staff) {
    await listening("HTTP", settings.http!.host, settings.http!.port, () => staff.start());
    log.notice(
      `Staff page: http://${settings.http!.host.includes(":") ? `[${settings.http!.host}]` : settings.http!.host}:${staff.port}/ (also /metrics, /healthz, /readyz)`,
    );
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
    host: values.host === undefined ? (config.server.listen ?? "0.0.0.0") : checkHostFlag("--host", values.host),
    port: parsePortFlag("port", values.port, config.server.port ?? limits.default_server_port),
    dbPath: values.db ?? config.server.db ?? "healthcenter.db",
    dbPasswordFile: values["db-password-file"] ?? config.server.dbPasswordFile,
    dbWaitMs: parseCountFlag("db-wait", values["db-wait"], limits.database_startup_wait_ms / 1000, 0) * 1000,
    idleTimeoutMs: parseCountFlag("idle-timeout", values["idle-timeout"], limits.idle_timeout_ms / 1000) * 1000,
    connectionsMax: parseCountFlag("max-connections", values["max-connections"], limits.connections_max),
    loginWindowMs: parseCountFlag("login-window", values["login-window"], limits.login_window_ms / 1000) * 1000,
    bookingsPerPatient: parseCountFlag(
      "bookings-per-patient",
      values["bookings-per-patient"],
      limits.bookings_per_patient,
      0,
    ),
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
    const shared = claimDatabaseFile(target.path);
    if (shared) log.warn(shared);
    const restored = restoreBookings(store, schedule, target.path, log);
    const committer = new GuardedCommitter(new InProcessCommitter(store), FileIdentity.of(target.path), log);
    return { committer, restored, shownDb: target.path, attach: async () => {} };
  }
  const { openPostgres } = await import("./healthcenterserver/store/postgres/pg-bookings.ts");
  const pg = await openPostgres(
    target,
    readDbPassword(settings.dbPasswordFile),
    settings.dbWaitMs,
    schedule,
    log,
    settings.bookingsPerPatient,
  );
  const attach = async (isPending: (index: number) => boolean) => {
    pg.mirror.attach(isPending);
    await pg.mirror.listen();
  };
  return {
    committer: pg.committer,
    restored: pg.restored,
    shownDb: `PostgreSQL at ${target.shown}`,
    attach,
    problem: () => pg.mirror.problem(),
  };
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

function readStaffSettings(
  http: string | undefined,
  tokenFile: string | undefined,
): Pick<Settings, "http" | "staffToken"> {
  if (http === undefined && tokenFile !== undefined)
    throw new UsageError("--staff-token-file needs --http (the staff page is off without it)");
  return {
    http: http === undefined ? undefined : parseHttpAddress(http),
    staffToken: tokenFile === undefined ? undefined : readStaffToken(tokenFile),
  };
}

function readTls(certPath: string | undefined, keyPath: string | undefined): { cert: string; key: string } | undefined {
  if (certPath === undefined && keyPath === undefined) return undefined;
  if (certPath === undefined || keyPath === undefined) throw new UsageError("--tls-cert and --tls-key go together");
  return { cert: readFlagFile("--tls-cert", certPath), key: readFlagFile("--tls-key", keyPath) };
}

if (import.meta.main)
  runMain("healthcenterserver", () => main(process.argv.slice(2))).then((code) => process.exit(code));
