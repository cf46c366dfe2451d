// What the server runs with: flags over the deployment file over the defaults, read and checked once.
import { resolve } from "node:path";
import type { Config } from "../../../shared/config.ts";
import { checkDataDir, type DataDir } from "../../../shared/datadir.ts";
import { checkHostFlag, parseDoctorFlag, type DoctorLocation } from "../../../shared/endpoints.ts";
import { UsageError } from "../../../shared/errors.ts";
import { parseCountFlag, parseFlags, parsePortFlag } from "../../../shared/flags.ts";
import { readTlsPair } from "../../../shared/tls-files.ts";
import * as limits from "../../../shared/limits.ts";
import { parseHttpAddress } from "../staff/staff-page.ts";
import { readStaffToken } from "../staff/staff-auth.ts";
import type { options } from "./options.ts";
import { checkHorizon, clinicZone, readPolicy, zoneGiven } from "./calendar-settings.ts";
import { readVisitSettings, type VisitSettings } from "./visit-settings.ts";
import type { ClinicPolicy } from "../calendar/policy.ts";
import { readClinic, readNotifySettings, type NotifySettings } from "../notify/notify-settings.ts";

export type Flags = ReturnType<typeof parseFlags<typeof options>>["values"];

export type Settings = {
  data: DataDir;
  host: string;
  port: number;
  dbPath: string;
  /** Set when --db and the deployment file's db name different databases: said loudly by check and start-up. */
  dbDisagreement: string | undefined;
  dbPasswordFile: string | undefined;
  sharedSqlite: boolean;
  dbWaitMs: number;
  idleTimeoutMs: number;
  connectionsMax: number;
  loginWindowMs: number;
  bookingsPerPatient: number;
  tls: { cert: string; key: string } | undefined;
  doctors: Map<string, DoctorLocation>;
  http: { host: string; port: number } | undefined;
  staffToken: string | undefined;
  staffSessionTtlMs: number;
  timeZone: string;
  /** Where the zone came from (--time-zone, the deployment file, the machine), for refusals naming it. */
  timeZoneGiven: string;
  /** Given (--time-zone or [clinic] time_zone), not the machine's: a page edit records it with the rules. */
  timeZoneExplicit: boolean;
  horizonWeeks: number;
  /** The clinic's rules ([policy], --min-notice, --max-ahead, --cancel-cutoff); undefined: none. */
  policy: ClinicPolicy | undefined;
  /** Confirmations and reminders ([notify], --smtp, --webhook); undefined: off. */
  notify: NotifySettings | undefined;
  /** The clinic's name and address ([notify] clinic, address), also without a channel (`patient --ics`). */
  clinic: { name: string; address: string };
} & VisitSettings;

/** Flags over the deployment file over the defaults. */
export function readSettings(values: Flags, config: Config): Settings {
  const doctors = new Map<string, DoctorLocation>();
  for (const [name, d] of config.doctors) doctors.set(name, { host: d.host, port: d.port });
  for (const text of values.doctor ?? []) {
    const { name, entry } = parseDoctorFlag(text);
    doctors.set(name, entry);
  }
  const timeZone = clinicZone(values["time-zone"], config.clinic.timeZone);
  const horizonWeeks = checkHorizon(values["horizon-weeks"]);
  return {
    data: checkDataDir({ dir: values.data ?? config.data }),
    host: values.host === undefined ? (config.server.listen ?? "0.0.0.0") : checkHostFlag("--host", values.host),
    port: parsePortFlag("port", values.port, config.server.port ?? limits.default_server_port),
    dbPath: values.db ?? config.server.db ?? "healthcenter.db",
    dbDisagreement: dbDisagreement(values.db, config.server.db),
    dbPasswordFile: values["db-password-file"] ?? config.server.dbPasswordFile,
    sharedSqlite: values["shared-sqlite"] ?? false,
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
    tls: readTls(values, config),
    timeZone,
    timeZoneGiven: zoneGiven(values["time-zone"], config.clinic.timeZone),
    timeZoneExplicit: values["time-zone"] !== undefined || config.clinic.timeZone !== undefined,
    notify: readNotifySettings(config.notify, { smtp: values.smtp, webhook: values.webhook }, timeZone),
    clinic: readClinic(config.notify),
    horizonWeeks,
    policy: readPolicy(values, config.policy, horizonWeeks),
    ...readVisitSettings(values, config.policy),
    staffSessionTtlMs:
      parseCountFlag("staff-session-hours", values["staff-session-hours"], limits.staff_session_ttl_ms / 3_600_000) *
      3_600_000,
    doctors,
    ...readStaffSettings(values.http ?? config.server.http, values["staff-token-file"] ?? config.server.staffTokenFile),
  };
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

/** Flags over the deployment file; read and matched now, so a bad pair never reaches a connection. */
function readTls(values: Flags, config: Config): { cert: string; key: string } | undefined {
  const from = (flag: string, key: string, flagValue: string | undefined, fileValue: string | undefined) =>
    flagValue !== undefined
      ? { label: flag, path: flagValue }
      : fileValue !== undefined
        ? { label: `${key} in the deployment file`, path: fileValue }
        : undefined;
  const cert = from("--tls-cert", "tls_cert", values["tls-cert"], config.server.tlsCert);
  const key = from("--tls-key", "tls_key", values["tls-key"], config.server.tlsKey);
  if (cert === undefined && key === undefined) return undefined;
  if (cert === undefined || key === undefined)
    throw new UsageError("--tls-cert and --tls-key (tls_cert and tls_key in [server]) go together");
  return readTlsPair(cert, key);
}

/**
 * --db over a deployment file that names another database: one server on its own SQLite file while
 * the others share PostgreSQL would confirm one slot to two patients, so it is said, not silently taken.
 */
function dbDisagreement(flag: string | undefined, file: string | undefined): string | undefined {
  if (flag === undefined || file === undefined || sameDatabase(flag, file)) return undefined;
  return (
    `--db ${JSON.stringify(flag)} overrides db = ${JSON.stringify(file)} in the deployment file: ` +
    `this server will NOT use ${JSON.stringify(file)}; ` +
    "drop --db (or the file's db) so every server books in one database"
  );
}

/** A path names its file however it is spelt (the file's db is already resolved against the file's folder). */
function sameDatabase(flag: string, file: string): boolean {
  const url = /^postgres(ql)?:\/\//;
  return flag === file || (!url.test(flag) && !url.test(file) && resolve(flag) === resolve(file));
}
