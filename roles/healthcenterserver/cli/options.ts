// The server's command line: its options table (from which --help and README's flag table are made)
// and its usage text. Kept apart from healthcenterserver.ts so that file stays about wiring.
import type { Options } from "../../../shared/flags.ts";
import { helpText } from "../../../shared/help.ts";
import * as limits from "../../../shared/limits.ts";
import { guard_options } from "./guard-settings.ts";

export const options = {
  host: { type: "string", value: "H", help: "address to listen on (default: all interfaces)" },
  port: { type: "string", value: "P", help: `TCP port (default ${limits.default_server_port}; 0 picks a free one)` },
  data: {
    type: "string",
    value: "DIR",
    help: "data files: users.txt, availabilities.txt, doc*.txt (default: embedded seed)",
  },
  db: {
    type: "string",
    value: "FILE|URL",
    help:
      "booking database, SQLite (default: healthcenter.db); or postgres://USER@HOST[:PORT]/DB,\n" +
      "shared by several servers (docs/SCALING.md)",
  },
  "db-password-file": {
    type: "string",
    value: "FILE",
    help: "PostgreSQL password: the file's first line (else PGPASSWORD; never in the URL)",
  },
  "db-wait": {
    type: "string",
    value: "S",
    help: `at start-up, wait this long for PostgreSQL to answer (default ${limits.database_startup_wait_ms / 1000})`,
  },
  doctor: {
    type: "string",
    multiple: true,
    value: "NAME=HOST:PORT",
    help: "where a doctor really is; patients are sent there (repeatable)",
  },
  config: { type: "string", value: "FILE", help: "deployment file (TOML); flags override it" },
  "tls-cert": { type: "string", value: "FILE", help: "serve TLS with this certificate (PEM) ..." },
  "tls-key": { type: "string", value: "FILE", help: "... and this private key" },
  "max-connections": { type: "string", value: "N", help: `concurrent connections (default ${limits.connections_max})` },
  "idle-timeout": {
    type: "string",
    value: "S",
    help: `close connections idle this many seconds (default ${limits.idle_timeout_ms / 1000})`,
  },
  "login-window": {
    type: "string",
    value: "S",
    help:
      `login attempts are counted over this many seconds (default ${limits.login_window_ms / 1000});\n` +
      `after ${limits.login_failures_per_user_max} for one user from one address, ` +
      `or ${limits.login_failures_per_address_max} from one address, logins from there are refused until it passes`,
  },
  http: {
    type: "string",
    value: "HOST:PORT",
    help:
      "serve the staff page, /metrics, /healthz and /readyz there (default: off; keep it on loopback\n" +
      "or behind a TLS proxy)",
  },
  "staff-token-file": {
    type: "string",
    value: "FILE",
    help: "staff who sign in with the token in FILE see patients' names on the page (default: nobody)",
  },
  "shared-sqlite": {
    type: "boolean",
    help:
      "start even when another server uses the same SQLite file (neither sees the other's changes\n" +
      "until it restarts; several servers belong on one PostgreSQL: docs/SCALING.md)",
  },
  "staff-session-hours": {
    type: "string",
    value: "H",
    help: `staff stay signed in to the page this many hours (default ${limits.staff_session_ttl_ms / 3_600_000})`,
  },
  "bookings-per-patient": {
    type: "string",
    value: "N",
    help: `bookings one patient may hold at once (default ${limits.bookings_per_patient}; 0 = no limit)`,
  },
  "time-zone": {
    type: "string",
    value: "ZONE",
    help: "the clinic's IANA time zone, for a calendar (default: [clinic] time_zone, else the machine's)",
  },
  "horizon-weeks": {
    type: "string",
    value: "N",
    help: `on a calendar, offer dated slots this many weeks ahead (default ${limits.horizon_weeks_default})`,
  },
  "min-notice": {
    type: "string",
    value: "D",
    help: 'on a calendar, patients book at least this long ahead ("2h"; [policy] min_notice; default off)',
  },
  "max-ahead": {
    type: "string",
    value: "D",
    help: 'on a calendar, patients book at most this long ahead ("8w"; [policy] max_ahead; default off)',
  },
  "cancel-cutoff": {
    type: "string",
    value: "D",
    help: 'on a calendar, patients cancel or move until this long before ("24h"; [policy] cancel_cutoff; default off)',
  },
  "no-show-limit": {
    type: "string",
    value: "N",
    help: "on a calendar, N no-shows in 6 months and a patient books by phone ([policy] no_show_limit; default off)",
  },
  "mark-grace": {
    type: "string",
    value: "D",
    help: 'the staff page shows a booked appointment "not marked" this long after its end ([policy] mark_grace; 1h)',
  },
  smtp: {
    type: "string",
    value: "URL",
    help: "on a calendar, email confirmations and reminders through this relay (smtp://HOST:587; [notify] smtp)",
  },
  webhook: {
    type: "string",
    value: "URL",
    help: "on a calendar, POST each confirmation and reminder here, signed ([notify] webhook)",
  },
  quiet: { type: "boolean", help: "only the audit trail (bookings, refused logins), start-up and shutdown" },
  ...guard_options,
} as const satisfies Options;

export const usage = helpText({
  name: "healthcenterserver",
  summary: "the health center server; patients log in and book slots over TCP.",
  usage: [
    "healthcenterserver [options]",
    "healthcenterserver init DIR                      write a new data directory to edit (users get argon2id hashes)",
    "healthcenterserver users add <name> --data DIR   add or change a user, stored as an argon2id hash",
    "healthcenterserver users convert --data DIR      hash every plaintext password in DIR/users.txt",
    "healthcenterserver staff add NAME --role ROLE --data DIR   a staff account (front-desk, doctor, admin, auditor)",
    "healthcenterserver availability add|except|open|remove|list|import ...   " +
      "the calendar: rules, leave, openings (availability --help)",
    "healthcenterserver types add|list|remove ...     appointment types: length, buffers (types --help)",
    "healthcenterserver audit verify|export|archive ...   the audit trail: check the chain, CSV / FHIR, archive",
    "healthcenterserver check [options]               " +
      "validate the config, data files, token and database; start nothing",
  ],
  options,
  notes: `Signals: SIGHUP reloads users.txt and staff.txt and checks the price files (a broken file is reported and the
old data kept); SIGTERM or SIGINT stop after answering what was asked.

Example:
  healthcenterserver --port 21000 --db bookings.db --doctor doc1=192.0.2.2:41000`,
});
