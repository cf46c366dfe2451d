// What the server runs with: flags over the deployment file over the defaults, read and checked once.
import type { Config } from "../../../shared/config.ts";
import { checkDataDir, type DataDir } from "../../../shared/datadir.ts";
import { checkHostFlag, parseDoctorFlag, type DoctorLocation } from "../../../shared/endpoints.ts";
import { UsageError } from "../../../shared/errors.ts";
import { parseCountFlag, parseFlags, parsePortFlag, readFlagFile } from "../../../shared/flags.ts";
import * as limits from "../../../shared/limits.ts";
import { parseHttpAddress } from "../staff/staff-page.ts";
import { readStaffToken } from "../staff/staff-auth.ts";
import type { options } from "./options.ts";

export type Flags = ReturnType<typeof parseFlags<typeof options>>["values"];

export type Settings = {
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
export function readSettings(values: Flags, config: Config): Settings {
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
