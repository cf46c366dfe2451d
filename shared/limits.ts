// Every limit the system has, named once, unit last. The relations between them are checked
// when this module loads (the nearest thing TypeScript has to a compile-time assertion).
import * as pg from "./database-limits.ts";
import * as staff from "./staff-limits.ts";
// ---- The wire
export const line_bytes_max = 1024;
/** A reply line the patient accepts: longer than any request, for slot lines with a host name. */
export const reply_line_bytes_max = 64 * 1024;
/** One line of piped standard input (passwords, slot indexes). */
export const stdin_line_bytes_max = 64 * 1024;

// ---- Connections to the health center server
export const connections_max = 10_000;
export const idle_timeout_ms = 60_000;
/** The idle sweep runs every idle_timeout_ms / 4, within these bounds. */
export const sweep_interval_ms_min = 50;
export const sweep_interval_ms_max = 1_000;
/** Protocol errors one connection may make before it is closed. */
export const connection_errors_max = 3;
/** Lines a connection may send while a reply is pending (a hash check or a commit). */
export const backlog_lines_max = 16;
/** Bytes of replies a slow reader may have queued before the server drops it (a stream counts the part produced). */
export const write_queue_bytes_max = 8 * 1024 * 1024;
/** Pipelined lines (sent behind one another in one write) run per event-loop turn, across all connections. */
export const pipelined_lines_per_turn_max = 64;
/** The kernel's send buffer per patient connection (Linux doubles it): what one non-reader pins in the kernel. */
export const socket_send_buffer_bytes = 128 * 1024;
/** Replies (including streamed `available` lists not yet produced) a connection may have queued. */
export const write_queue_replies_max = 64;
/** Slots per cached block of the `available` reply:
 * a booking re-encodes one block, and a stream produces a block at a time. */
export const available_block_slots = 1024;
/** Entries per chunk of a `slots` index list: a page steps over a chunk with no free slot at once (at most 65535). */
export const slots_index_chunk_entries = 256;
/** Up to this many slots, the whole `available` reply is one cached buffer written at once. */
export const available_whole_slots_max = 4 * available_block_slots;
/** A connection must log in within this long of being accepted (a TLS handshake included). */
export const login_timeout_ms = 30_000;
/** A line, once begun, must be finished within this long (slowloris). */
export const line_timeout_ms = 10_000;
/** A connection asked to close that takes none of our bytes for this long is cut off. */
export const closing_grace_ms = 5_000;
/** A connection closed for a deadline (idle, login, line) that has not taken its `error` line by then is cut off. */
export const deadline_close_grace_ms = 1_000;
/** Reply bytes queued across all connections; past it the slowest readers are dropped first. */
export const queued_bytes_max = 64 * 1024 * 1024;
/** At the connection cap, the share of the places not yet logged in one address may hold before its newcomers
 * displace only its own (see network/admission.ts). */
export const pending_places_share_per_address = 1 / 4;
/** Connections turned away past the cap that are told so and closed gracefully at once; beyond, they are cut off. */
export const rejected_connections_max = 16;
/** Descriptors kept for all but patients (stdio, database, listener, runtime), besides rejected_connections_max. */
export const fd_reserve = 24;
/** While stopping, a connection quiet this long has nothing more in flight. */
export const shutdown_quiet_ms = 100;
/** How long a stopping server waits for replies still being written. */
export const shutdown_grace_ms = 2_000;

// ---- Logging
/** Slots listed in the server log per `available`; the rest are counted. */
export const log_slots_max = 20;
/** Users listed in the server log's user database per login. */
export const log_users_max = 10;
/** Buffered log output is written at this size, or after this interval. */
export const log_flush_bytes = 64 * 1024;
export const log_flush_interval_ms = 10;
/** Log text waiting for a slow or stuck reader; past this, lines are dropped and counted. */
export const log_buffer_bytes_max = 1024 * 1024;
/** After a full pipe (EAGAIN), the log tries again this much later. */
export const log_full_retry_ms = 20;
/** After a write error (ENOSPC, EIO), the log drops lines for this long before it tries again. */
export const log_error_retry_ms = 1_000;
/** Lines one cause (logins, ignored datagrams, dropped connections, quotes) may log a second; the rest summarised. */
export const log_cause_lines_per_second_max = 100;

// ---- The staff page: in staff-limits.ts, re-exported here (only the server's staff/ uses them)
export * from "./staff-limits.ts";
export * from "./audit-limits.ts";

// ---- Doctors and quotes
export const udp_retries_max = 3;
export const udp_timeout_ms = 500;
export const datagram_bytes_max = 512;
/** docN listens on doctor_port_base + doctor_port_step * N by default, for N up to doctor_default_ports_max. */
export const doctor_port_base = 40_000;
export const doctor_port_step = 1_000;
export const doctor_default_ports_max = 25;

// ---- The patient
export const tcp_connect_timeout_ms = 5_000;
/** How long the patient waits for any one server reply. */
export const reply_timeout_ms = 10_000;
/** A change whose outcome the server does not know yet: `mine` is asked this many times, this far apart. */
export const outcome_settle_tries = 4;
export const outcome_settle_pause_ms = 2_000;
/**
 * One reply (a whole slot list) the patient accepts: lines, bytes, and time from first to last line. Room for a
 * million-slot list (about 18 MB) twice over; no server takes a schedule past it (its closing line counted).
 */
export const reply_lines_max = 2_000_000;
export const schedule_slots_max = reply_lines_max - 1;
export const reply_bytes_max = 48 * 1024 * 1024;
export const reply_total_ms_max = 30_000;
/** Invalid indexes a piped patient may enter before giving up. */
export const choices_max = 10;
/** Doctors the patient asks for a price before showing the menu (the rest show "price unavailable"). */
export const price_doctors_max = 50;
/** Rows the terminal menu shows at once. */
export const menu_rows_max = 12;

// ---- Logins
/** Login attempts (counted when they start; a success takes its own back) per user name
 * from one address, and per address, within the window before further tries are refused. */
export const login_failures_per_user_max = 5;
export const login_failures_per_address_max = 20;
export const login_window_ms = 60_000;
/** Failed logins on one connection before it is closed. */
export const login_failures_per_connection_max = 3;
/** Throttle entries kept in memory; the oldest go first. */
export const throttle_entries_max = 100_000;
/** Password checks (argon2id verifications) running at once; the rest wait, taken round-robin by address. */
export const password_checks_concurrent_max = 2;
/** Checks one address may have waiting; past it, its logins are refused unchecked. */
export const password_checks_waiting_per_address_max = 32;
/** A password set with `users add`, in characters (printable ASCII, so also bytes). */
export const password_chars_max = 256;
/** Shortest password `users add` and `init` accept, on a terminal or piped (the protocol itself takes 1). */
export const password_chars_min = 8;

// ---- Appointments
/** Bookings one patient may hold at once (a server flag; 0 = no limit). */
export const bookings_per_patient = 3;

// ---- Data
/** availabilities.txt (a million slots and more). */
export const data_file_bytes_max = 64 * 1024 * 1024;
/** users.txt: about 75,000 argon2id users; parsed on SIGHUP in steps, so a reload never stalls patients. */
export const users_file_bytes_max = 8 * 1024 * 1024;
/** Price, insurance and credential files: a line per plan, or one line. */
export const small_data_file_bytes_max = 1024 * 1024;
/** users.txt lines parsed between two turns of the event loop on SIGHUP. */
export const users_parse_step_lines = 5_000;
/**
 * How long a batch of bookings waits for another process's write lock on the database before
 * its patients hear an error. bun:sqlite is synchronous, so the wait is retries on a timer
 * (the event loop keeps serving), never SQLite's busy_timeout.
 */
export const database_lock_wait_ms_max = 2_000;
/** The retries' backoff: the first wait, doubled each time up to the last. */
export const database_lock_retry_ms_min = 2;
export const database_lock_retry_ms_max = 100;
/** At start-up (nothing served yet) SQLite may block this long for a lock. */
export const database_open_busy_timeout_ms = 5_000;
/** How often a running server looks whether its SQLite file or -wal was deleted or replaced (two stat calls). */
export const database_file_watch_ms = 1_000;
/** PRAGMA user_version this program writes; older versions are migrated forward, newer ones refused. */
export const database_schema_version = 4;

// ---- PostgreSQL: in database-limits.ts, re-exported here (only the server's store/postgres/ uses them)
export * from "./database-limits.ts";
export * from "./server-calendar-limits.ts";

// ---- The calendar: in calendar-limits.ts, re-exported here (the calendar/ modules and the server use them)
export * from "./calendar-limits.ts";
export * from "./notify-limits.ts";

export const default_server_port = 21000;
export const default_doctor_ports: Record<string, number> = { doc1: 41000, doc2: 42000 };

// ---- Relations
function check(ok: boolean, what: string): void {
  if (!ok) throw new Error(`limits.ts: ${what}`);
}
// An `available` line is shorter than its availabilities.txt line, so a block is at most a data file line per slot.
const available_block_bytes_max = available_block_slots * (line_bytes_max + 1);
check(
  available_block_bytes_max * 2 <= write_queue_bytes_max,
  "the write queue holds a streamed block of `available` and what queues behind it",
);
check(
  available_whole_slots_max * (line_bytes_max + 1) <= write_queue_bytes_max,
  "a whole cached `available` reply fits the write queue",
);
check(slots_index_chunk_entries >= 1 && slots_index_chunk_entries <= 65_535, "a chunk's free count fits 16 bits");
check(
  backlog_lines_max * (line_bytes_max + 1) < write_queue_bytes_max,
  "one-line replies to a full backlog fit the write queue",
);
check(write_queue_replies_max > backlog_lines_max, "a full backlog's replies fit the reply count");
check(line_bytes_max < reply_line_bytes_max, "the patient accepts every line the server may send");
check(reply_line_bytes_max < reply_bytes_max, "one reply holds at least one longest line");
check(reply_timeout_ms <= reply_total_ms_max, "a whole reply may take as long as one line");
check(
  database_lock_retry_ms_min <= database_lock_retry_ms_max && database_lock_retry_ms_max < database_lock_wait_ms_max,
  "lock retries back off within the wait",
);
check(password_chars_min <= password_chars_max, "the shortest password is not longer than the longest");
check(
  login_failures_per_connection_max <= login_failures_per_user_max,
  "a connection is closed before its user is throttled",
);
/** The settings an operator's flags change that the relations below tie together. */
export type OperatorSettings = { queuedBytesMax: number; lineTimeoutMs: number; loginTimeoutMs: number };
/** Relations between them, checked here for the defaults and at start-up for the flags (which they name). */
export const operator_relations: { holds: (s: OperatorSettings) => boolean; what: string; flags: string[] }[] = [
  {
    holds: (s) => write_queue_bytes_max <= s.queuedBytesMax,
    what: `one connection's full reply queue (${write_queue_bytes_max / 1024 / 1024} MiB) fits the global cap`,
    flags: ["--max-queued-mb"],
  },
  {
    holds: (s) => s.lineTimeoutMs <= s.loginTimeoutMs,
    what: "a login line has time to finish before the login deadline",
    flags: ["--line-timeout", "--login-timeout"],
  },
];
for (const r of operator_relations)
  check(
    r.holds({ queuedBytesMax: queued_bytes_max, lineTimeoutMs: line_timeout_ms, loginTimeoutMs: login_timeout_ms }),
    r.what,
  );
check(sweep_interval_ms_min <= sweep_interval_ms_max, "sweep interval bounds are ordered");
check(pg.database_retry_ms_min <= pg.database_retry_ms_max, "database retry bounds are ordered");
check(
  pg.database_statement_timeout_ms < pg.database_commit_timeout_ms,
  "PostgreSQL's own timeout answers before ours gives up",
);
check(
  pg.database_doubt_ms >
    pg.database_commit_timeout_ms + pg.database_idle_in_transaction_ms + pg.database_statement_timeout_ms,
  "a late commit lands while it is still watched for",
);
check(
  pg.database_commit_timeout_ms < reply_timeout_ms,
  "a patient hears a stuck commit's error before it stops waiting",
);
check(
  pg.database_poll_interval_ms < 1_000,
  "after a fault, other instances' changes show within a second while LISTEN reconnects",
);
check(pg.database_connect_timeout_ms % 1000 === 0, "the connect timeout is whole seconds (the client takes seconds)");
check(pg.database_notify_bytes_max < 8000, "a change notification fits PostgreSQL's payload limit");
check(staff.staff_heartbeat_ms > staff.staff_events_flush_ms, "heartbeats are rarer than event flushes");
check(staff.staff_watchers_max < staff.staff_requests_max, "live pages leave room for other requests");
check(staff.staff_watchers_max < staff.staff_connections_max, "live pages leave staff connections for other requests");
check(
  staff.staff_events_batch_max * 64 < staff.staff_watcher_queue_bytes_max,
  "one interval's changes fit a live page's queue",
);
check(shutdown_quiet_ms < shutdown_grace_ms, "a quiet connection closes before the grace period ends");
