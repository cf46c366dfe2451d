// The deployment file (TOML): one description shared by every binary. Read with smol-toml rather
// than Bun.TOML, whose parse errors carry no line or column.
//
//   data = "data"                  # data directory, relative to this file (optional)
//   [server]
//   host = "192.0.2.1"             # where patients reach the server
//   listen = "0.0.0.0"             # where the server binds (default: all interfaces)
//   port = 21000                   # 0: any free port (the start-up line shows it; patients need --server)
//   db = "healthcenter.db"        # or "postgres://USER@HOST:PORT/DB" (several servers, one database)
//   db_password_file = "pgpass"    # the PostgreSQL password's file (never in the URL)
//   http = "127.0.0.1:21080"       # the staff page, /metrics and health checks (default: off)
//   staff_token_file = "staff.token"  # who may see patients' names on the page (optional)
//   tls_cert = "server.crt"        # the server speaks TLS with this certificate and key (both, or neither)
//   tls_key = "server.key"
//   tls_ca = "server.crt"          # patients connect with TLS and trust this CA (or self-signed certificate)
//   [clinic]
//   time_zone = "Europe/London"    # the clinic's IANA zone, for a calendar (default: the machine's)
//   phone = "020 7946 0000"        # what the patient is told to call when a rule refuses a change (optional)
//   [policy]                       # the clinic's rules on a calendar (README "The clinic's rules"); default off
//   min_notice = "2h"              # book at least this long before the start
//   max_ahead = "8w"               # book at most this long before the start
//   cancel_cutoff = "24h"          # cancel or move at least this long before the start
//   no_show_limit = 2              # this many no-shows in 6 months: the patient books by phone (default: off)
//   mark_grace = "1h"              # a booked appointment this long past its end shows "not marked"
//   [notify]                       # confirmations and reminders on a calendar (docs/RELIABILITY.md)
//   smtp = "smtp://relay:587"      # the clinic's relay (STARTTLS when offered); smtps:// for TLS at once
//   smtp_user = "clinic"           # AUTH with this user and smtp_password_file's first line (optional)
//   from = "clinic@example.org"    # the sender address
//   webhook = "https://sms.example.org/hook"  # a POST per message, signed with webhook_secret_file
//   reminder = "24h"               # how long before (local time); quiet = "21:00-08:00" or "none"
//   clinic = "Health Center"       # the name and address in messages and calendar files
//   [doctors.doc1]
//   host = "192.0.2.2"             # where patients reach doc1; the server tells them
//   port = 41000
//   listen = "0.0.0.0"             # where doc1 binds (default: all interfaces)
import { small_data_file_bytes_max } from "./limits.ts";
import { readRegularFile } from "./regular-file.ts";
import { nodePath } from "./lazy-fs.ts";
import { parse as parseToml, TomlError } from "smol-toml";
import { isPort } from "./tokens.ts";

import { doctorEntryProblem, hostProblem, type DoctorLocation } from "./endpoints.ts";
import { ConfigError } from "./errors.ts";
import { closest } from "./suggest.ts";

export type Config = {
  data?: string;
  server: {
    host?: string;
    listen?: string;
    port?: number;
    db?: string;
    dbPasswordFile?: string;
    http?: string;
    staffTokenFile?: string;
    tlsCert?: string;
    tlsKey?: string;
    tlsCa?: string;
  };
  clinic: { timeZone?: string; phone?: string };
  /** [policy]: the clinic's rules as written ("2h"); calendar/policy.ts reads the values. */
  policy: Record<string, string>;
  /** [notify]: keys as written, file paths made absolute (notify/notify-settings.ts checks the values). */
  notify: Record<string, string>;
  doctors: Map<string, DoctorLocation>;
};

const notify_keys = ["smtp", "smtp_user", "smtp_password_file", "from", "webhook", "webhook_secret_file"];
const notify_text_keys = ["reminder", "quiet", "clinic", "address"];

const policy_keys = ["min_notice", "max_ahead", "cancel_cutoff"];

export const empty_config: Config = { server: {}, clinic: {}, notify: {}, policy: {}, doctors: new Map() };

export function loadConfig(path: string | undefined): Config {
  if (path === undefined) return empty_config;
  let text: string;
  try {
    text = readRegularFile(path, small_data_file_bytes_max);
  } catch (err) {
    throw new ConfigError(`cannot read config file ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = parseToml(text);
  } catch (err) {
    if (!(err instanceof TomlError)) throw err;
    const what = err.message.replace(/^Invalid TOML document: /, "").split("\n")[0];
    throw new ConfigError(`config file ${path} line ${err.line}, column ${err.column}: ${what} (not valid TOML)`);
  }
  return parseConfig(raw, path, nodePath().dirname(nodePath().resolve(path)));
}

/** Checks the shape of a parsed TOML document; paths become absolute, relative to `base`. */
export function parseConfig(raw: unknown, file: string, base: string): Config {
  const problem = (what: string) => new ConfigError(`config file ${file}: ${what}`);
  const top = asTable(raw, "the document", problem);
  allowOnly(top, ["data", "server", "clinic", "notify", "policy", "doctors"], "the top level", problem);
  const config: Config = { server: {}, clinic: {}, notify: {}, policy: {}, doctors: new Map() };
  if (top.policy !== undefined) {
    const p = asTable(top.policy, "[policy]", problem);
    allowOnly(p, [...policy_keys, "no_show_limit", "mark_grace"], "[policy]", problem);
    for (const [k, v] of Object.entries(p))
      config.policy[k] =
        k === "no_show_limit" ? asCount(v, `policy.${k}`, problem) : asDuration(v, `policy.${k}`, problem);
  }
  if (top.notify !== undefined) {
    const n = asTable(top.notify, "[notify]", problem);
    allowOnly(n, [...notify_keys, ...notify_text_keys], "[notify]", problem);
    for (const [k, v] of Object.entries(n)) {
      const text = k === "reminder" ? asDuration(v, "notify.reminder", problem) : asString(v, `notify.${k}`, problem);
      config.notify[k] = k.endsWith("_file") ? nodePath().resolve(base, text) : text;
    }
  }
  if (top.clinic !== undefined) {
    const c = asTable(top.clinic, "[clinic]", problem);
    allowOnly(c, ["time_zone", "phone"], "[clinic]", problem);
    if (c.time_zone !== undefined) config.clinic.timeZone = asString(c.time_zone, "clinic.time_zone", problem);
    if (c.phone !== undefined) config.clinic.phone = asPhone(c.phone, problem);
  }
  if (top.data !== undefined) config.data = nodePath().resolve(base, asString(top.data, "data", problem));
  if (top.server !== undefined) {
    const s = asTable(top.server, "[server]", problem);
    const keys = ["host", "listen", "port", "db", "db_password_file", "http", "staff_token_file"];
    allowOnly(s, [...keys, "tls_cert", "tls_key", "tls_ca"], "[server]", problem);
    if (s.host !== undefined) config.server.host = asHost(s.host, "server.host", problem);
    if (s.listen !== undefined) config.server.listen = asHost(s.listen, "server.listen", problem);
    // 0 as for --port: any free port, the start-up line shows the real one.
    if (s.port !== undefined) config.server.port = asPort(s.port, "server.port", problem, true);
    if (s.db !== undefined) config.server.db = dbSetting(asString(s.db, "server.db", problem), base);
    if (s.db_password_file !== undefined)
      config.server.dbPasswordFile = nodePath().resolve(
        base,
        asString(s.db_password_file, "server.db_password_file", problem),
      );
    if (s.http !== undefined) config.server.http = asString(s.http, "server.http", problem);
    if (s.staff_token_file !== undefined)
      config.server.staffTokenFile = nodePath().resolve(
        base,
        asString(s.staff_token_file, "server.staff_token_file", problem),
      );
    for (const [key, field] of [
      ["tls_cert", "tlsCert"],
      ["tls_key", "tlsKey"],
      ["tls_ca", "tlsCa"],
    ] as const)
      if (s[key] !== undefined)
        config.server[field] = nodePath().resolve(base, asString(s[key], `server.${key}`, problem));
  }
  if (top.doctors !== undefined) {
    for (const [name, value] of Object.entries(asTable(top.doctors, "[doctors]", problem))) {
      const d = asTable(value, `[doctors.${name}]`, problem);
      allowOnly(d, ["host", "port", "listen"], `[doctors.${name}]`, problem);
      const doctor: DoctorLocation = {};
      if (d.host !== undefined) doctor.host = asString(d.host, `doctors.${name}.host`, problem);
      if (d.port !== undefined) doctor.port = asPort(d.port, `doctors.${name}.port`, problem);
      if (d.listen !== undefined) doctor.listen = asString(d.listen, `doctors.${name}.listen`, problem);
      const wrong = doctorEntryProblem(name, doctor);
      if (wrong) throw problem(`[doctors.${name}]: ${wrong}`);
      config.doctors.set(name, doctor);
    }
  }
  return config;
}

/** A file path is relative to the deployment file; a postgres:// URL is left as it is. */
function dbSetting(value: string, base: string): string {
  return /^postgres(ql)?:\/\//i.test(value) ? value : nodePath().resolve(base, value);
}

type Problem = (what: string) => ConfigError;

function asTable(v: unknown, what: string, problem: Problem): Record<string, unknown> {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw problem(`${what} must be a table`);
  return v as Record<string, unknown>;
}

function allowOnly(t: Record<string, unknown>, keys: string[], what: string, problem: Problem): void {
  for (const k of Object.keys(t)) {
    if (keys.includes(k)) continue;
    // `data` is the one top-level setting; written under a section (the natural guess), say where it goes.
    if (k === "data" && what !== "the top level")
      throw problem(`unknown key "data" in ${what}: data = "DIR" goes at the top of the file, before any [section]`);
    const near = closest(k, keys);
    throw problem(
      `unknown key ${JSON.stringify(k)} in ${what} (expected ${keys.join(", ")})` +
        (near === undefined ? "" : `; did you mean ${near}?`),
    );
  }
}

/** A whole number >= 0 (TOML integer), kept as its text as [policy]'s other values are. */
function asCount(v: unknown, what: string, problem: Problem): string {
  if (typeof v !== "number" && typeof v !== "bigint")
    throw problem(`${what} must be a whole number, not ${JSON.stringify(v)}`);
  if (!Number.isSafeInteger(Number(v)) || Number(v) < 0) throw problem(`${what} must be a whole number >= 0, not ${v}`);
  return String(v);
}

/** A duration as written ("2h"); a bare 0 (a TOML integer) is zero, any other bare number lacks its unit. */
function asDuration(v: unknown, what: string, problem: Problem): string {
  if (typeof v === "number" || typeof v === "bigint") {
    if (Number(v) === 0) return "0";
    // Only a whole number >= 0 gets a suggestion: "1.5m" or "-1m" would be refused in turn.
    if (!Number.isSafeInteger(Number(v)) || Number(v) < 0)
      throw problem(`${what} = ${v}: a duration is a whole number >= 0 with a unit, such as "90m" or "2h"`);
    throw problem(`${what} = ${v} needs a unit: write "${v}m", "${v}h", "${v}d" or "${v}w"`);
  }
  return asString(v, what, problem);
}

function asString(v: unknown, what: string, problem: Problem): string {
  if (typeof v !== "string" || v.length === 0) throw problem(`${what} must be a non-empty string`);
  return v;
}

/** A phone number or a short next step ("the front desk"), one line a patient reads. */
function asPhone(v: unknown, problem: Problem): string {
  const text = asString(v, "clinic.phone", problem);
  if (text.length > 80 || /[\x00-\x1f\x7f]/.test(text))
    throw problem("clinic.phone must be one line of at most 80 characters");
  return text;
}

function asHost(v: unknown, what: string, problem: Problem): string {
  const host = asString(v, what, problem);
  const wrong = hostProblem(host);
  if (wrong) throw problem(`${what}: ${wrong}`);
  return host;
}

function asPort(v: unknown, what: string, problem: Problem, allowZero = false): number {
  if (typeof v !== "number" || !(isPort(v) || (allowZero && v === 0)))
    throw problem(`${what} must be a port number ${allowZero ? 0 : 1}-65535`);
  return v;
}
