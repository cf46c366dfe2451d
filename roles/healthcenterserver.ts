#!/usr/bin/env bun
// healthcenterserver: books appointment slots for patients over TCP. This file composes the server:
// it opens the store, builds the Booker and the patients' sessions, and hands the listener a
// factory for each connection's session; the parts below it know nothing of each other's wiring.
import { listening, runMain, printHelp } from "../shared/cli.ts";
import { shownAddress } from "../shared/shown-address.ts";
import { loadConfig } from "../shared/config.ts";
import type { User } from "../shared/datafiles.ts";
import { checkListenHost } from "../shared/endpoints.ts";
import { exit_code, UsageError } from "../shared/errors.ts";
import { parseFlags, version } from "../shared/flags.ts";
import { staff_connections_max } from "../shared/limits.ts";
import { Log } from "../shared/log.ts";
import { onReloadSignal, untilStopSignal } from "../shared/signals.ts";
import { unknownMessage } from "../shared/suggest.ts";
import { Booker } from "./healthcenterserver/booking/booker.ts";
import { Schedule } from "./healthcenterserver/booking/schedule.ts";
import { describeCap, readGuardSettings, type GuardSettings } from "./healthcenterserver/cli/guard-settings.ts";
import { options, usage } from "./healthcenterserver/cli/options.ts";
import { loadData, reloadData, warnAboutUsers } from "./healthcenterserver/cli/server-data.ts";
import { readSettings, type Settings } from "./healthcenterserver/cli/settings.ts";
import { Authenticator } from "./healthcenterserver/login/auth.ts";
import { default_throttle_limits, Throttle } from "./healthcenterserver/login/throttle.ts";
import { connectionGuard } from "./healthcenterserver/network/guard.ts";
import { HealthCenter } from "./healthcenterserver/network/listener.ts";
import { PatientSessions } from "./healthcenterserver/session/patient-sessions.ts";
import * as transcript from "./healthcenterserver/session/transcript.ts";
import { StaffPage, type StaffPageOptions } from "./healthcenterserver/staff/staff-page.ts";
import { readStaffFile, reloadStaff } from "./healthcenterserver/staff/staff-file.ts";
import { openAndRestore } from "./healthcenterserver/store/open-store.ts";
import { openCalendar } from "./healthcenterserver/store/open-calendar.ts";
import { startFollowers } from "./healthcenterserver/audit/start-followers.ts";
import { appointmentIds } from "./healthcenterserver/notify/outbox-db.ts";
import type { AppointmentStore } from "./healthcenterserver/store/appointment-store.ts";

export { options };

const commands = ["init", "users", "staff", "availability", "types", "audit", "check", "help"];

export async function main(argv: string[]): Promise<number> {
  if (argv[0] === "help") return printHelp(usage);
  if (argv[0] === "init")
    return (await import("./healthcenterserver/commands/init-command.ts")).runInitCommand(argv.slice(1));
  if (argv[0] === "users") {
    const { runUsersCommand } = await import("./healthcenterserver/commands/users-command.ts");
    return runUsersCommand(argv.slice(1));
  }
  if (argv[0] === "staff") {
    const { runStaffCommand } = await import("./healthcenterserver/commands/staff-command.ts");
    return runStaffCommand(argv.slice(1));
  }
  if (argv[0] === "audit") {
    const { runAuditCommand } = await import("./healthcenterserver/commands/audit-command.ts");
    return runAuditCommand(argv.slice(1));
  }
  if (argv[0] === "availability") {
    const { runAvailabilityCommand } = await import("./healthcenterserver/commands/availability-command.ts");
    return runAvailabilityCommand(argv.slice(1));
  }
  if (argv[0] === "types")
    return (await import("./healthcenterserver/commands/types-command.ts")).runTypesCommand(argv.slice(1));
  const checkOnly = argv[0] === "check";
  if (argv[0] !== undefined && !argv[0].startsWith("-") && !checkOnly) {
    throw new UsageError(unknownMessage("command", argv[0], commands));
  }
  const { values } = parseFlags(checkOnly ? argv.slice(1) : argv, options, 0);
  if (values.help) return printHelp(usage);
  if (values.version) return printHelp(version);

  const settings = readSettings(values, loadConfig(values.config));
  if (settings.http) await checkListenHost("--http", settings.http.host);
  if (checkOnly) return (await import("./healthcenterserver/commands/check-command.ts")).runCheck(settings, values);
  await checkListenHost("--host", settings.host);
  // The staff port's connections take their share of the descriptor budget first.
  const guards = readGuardSettings(values, settings.connectionsMax, settings.http ? staff_connections_max : 0);
  const log = new Log({ quiet: values.quiet ?? false, format: guards.logFormat });
  if (settings.dbDisagreement) log.warn(settings.dbDisagreement);
  const stop = await serve(settings, guards, log);
  const signal = await untilStopSignal();
  log.notice(`Received ${signal}: finishing in-flight requests and stopping`);
  await stop();
  log.notice("The Health Center Server has stopped");
  log.flush();
  return exit_code.done;
}

/** Opens everything and starts listening; returns how to stop it all, in order. */
async function serve(settings: Settings, guards: GuardSettings, log: Log): Promise<() => Promise<void>> {
  // A closed ssh session sends SIGHUP: it never stops the server, even while it starts (a database
  // can keep start-up waiting); once serving, it reloads the data files.
  let onHangup = () => log.notice("Received SIGHUP while starting: nothing to reload yet");
  onReloadSignal(() => onHangup());
  const loaded = loadData(settings.data, settings.doctors);
  const { users, slots } = loaded;
  const calendar = await openCalendar({ ...settings, outbox: settings.notify?.policy }, log);
  const schedule = calendar?.schedule ?? new Schedule(slots);
  const { store, restored } = calendar ?? (await openAndRestore(settings, schedule, log));
  warnAboutUsers(users, settings.data, log);
  const fatal = fatalFor(log);
  let patientNames = users.map((u) => u.name);
  let made: Booker | undefined;
  const staff = newStaffPage(settings, schedule, store, log, {
    patientSide: () => center,
    booker: () => made,
    patients: () => patientNames,
    ...(calendar ? { calendar: calendar.keeper } : {}),
  });
  const booker = newBooker(schedule, store, settings.bookingsPerPatient, fatal, log, staff);
  made = booker;
  const guard = connectionGuard(log, fatal);
  const sessions = new PatientSessions({
    users,
    auth: new Authenticator(users, new Throttle({ ...default_throttle_limits, windowMs: settings.loginWindowMs })),
    booker,
    schedule,
    doctors: settings.doctors,
    log,
    metrics: staff ? staff.metrics : undefined,
    guard,
    ics: calendar && { clinic: settings.clinic, ids: (keys) => appointmentIds(calendar.db, keys) },
    past: store.visits && ((patient, from, to, limit) => store.visits!(from, to, limit, patient)),
    policy: settings.policy,
  });
  const center: HealthCenter = new HealthCenter({
    host: settings.host,
    port: settings.port,
    tls: settings.tls,
    idleTimeoutMs: settings.idleTimeoutMs,
    ...guards,
    log,
    connectionsMax: guards.cap.connectionsMax,
    guard,
    newHandler: (conn) => sessions.newHandler(conn),
    onDisplaced: staff ? () => staff.metrics.displaced.inc() : undefined,
    settle: () => booker.drain(),
  });
  await store.follow?.((index) => booker.isPending(index));
  await listening("TCP", settings.host, settings.port, () => center.start());
  const useUsers = (fresh: User[]) => {
    sessions.replaceUsers(fresh);
    patientNames = fresh.map((u) => u.name);
  };
  onHangup = () =>
    void reloadData(settings.data, loaded, log, useUsers).then(() => reloadStaff(settings.data, staff, log));
  const summary = `${schedule.slots.length} slots, ${restored} booked in ${store.shown}, ${users.length} users`;
  announce(settings, guards, log, center.port, summary);
  if (!log.plain) log.info(transcript.userListing(users), { event: "server.users", cause: "start-up" });
  if (staff) await startStaffPage(staff, settings.http!, log);
  const stopBackground = startFollowers(settings, calendar?.db, store, booker, log, staff);
  log.flush();
  return async () => {
    await center.stop();
    if (staff) await staff.stop();
    await stopBackground();
    await store.close();
  };
}

/** A broken invariant stops the server, said in the log first. */
function fatalFor(log: Log): (err: unknown) => void {
  return (err) => {
    log.error(`stopping: ${(err as Error)?.stack ?? err}`, { cause: "stopping" });
    process.exit(exit_code.internal);
  };
}

/** The staff page (with --http), its accounts read from staff.txt now. */
function newStaffPage(
  settings: Settings,
  schedule: Schedule,
  store: AppointmentStore,
  log: Log,
  late: Pick<StaffPageOptions, "patientSide" | "booker" | "patients" | "calendar">,
): StaffPage | undefined {
  if (!settings.http) return undefined;
  return new StaffPage({
    http: settings.http,
    token: settings.staffToken,
    accounts: readStaffFile(settings.data),
    sessionTtlMs: settings.staffSessionTtlMs,
    schedule,
    databaseProblem: () => store.checkNow?.() ?? store.problem(),
    log,
    audit: store.appendAudit && { append: (content) => store.appendAudit!(content) },
    history: store.auditOfSubjects && ((subjects, limit) => store.auditOfSubjects!(subjects, limit)),
    timeZone: settings.timeZone,
    visits: visitsOf(store, settings.markGraceMs),
    // Availability edited from the page: the command's edit, on this server's database.
    editAvailability: async (verb, doctor, form) =>
      (await import("./healthcenterserver/commands/availability-command.ts")).editAvailability(
        {
          dbPath: settings.dbPath,
          dbPasswordFile: settings.dbPasswordFile,
          zone: settings.timeZone,
          zoneExplicit: settings.timeZoneExplicit,
        },
        verb,
        doctor,
        form,
      ),
    ...late,
  });
}

/** On a calendar: the day's list and marking on the page. */
function visitsOf(store: AppointmentStore, graceMs: number): StaffPageOptions["visits"] {
  const { mark, visits } = store;
  if (!mark || !visits) return undefined;
  return { store: { mark: (m) => mark.call(store, m), visits: (...a) => visits.apply(store, a) }, graceMs };
}

/** The Booker, with a shared store's rules, reporting to the log and (with --http) /metrics. */
function newBooker(
  schedule: Schedule,
  store: AppointmentStore,
  bookingsPerPatient: number,
  fatal: (err: unknown) => void,
  log: Log,
  staff: StaffPage | undefined,
): Booker {
  const booker = new Booker(schedule, store, fatal, {
    bookingsPerPatient,
    shared: store.heldBy && { heldBy: (patient: string) => store.heldBy!(patient) },
  });
  if (staff) booker.onCommitTimed = (seconds) => staff.metrics.commitSeconds.observe(seconds);
  booker.onCorrected = (what) => {
    log.warn(what, { event: "memory.corrected", cause: "memory corrections" });
    staff?.metrics.memoryCorrections.inc();
  };
  return booker;
}

/** `counts`: slots, bookings restored and users, as the start-up line tells them. */
function announce(settings: Settings, guards: GuardSettings, log: Log, port: number, counts: string): void {
  // Flush immediately: tests and the demo read the port from this line.
  log.notice(transcript.started(port, shownAddress(settings.host)));
  log.notice(`(${counts}, ${describeCap(guards.cap)}${settings.tls ? ", TLS" : ""})`);
}

async function startStaffPage(staff: StaffPage, http: { host: string; port: number }, log: Log): Promise<void> {
  await listening("HTTP", http.host, http.port, () => staff.start());
  const host = http.host.includes(":") ? `[${http.host}]` : http.host;
  log.notice(`Staff page: http://${host}:${staff.port}/ (also /metrics, /healthz, /readyz)`);
}

if (import.meta.main)
  runMain("healthcenterserver", () => main(process.argv.slice(2))).then((code) => process.exit(code));
