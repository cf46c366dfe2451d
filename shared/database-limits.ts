// PostgreSQL's limits (--db postgres://...), and SQLite's WAL's. shared/limits.ts re-exports them and checks their
// relations, so every limit is still named from one place.
/** How long a server starting with PostgreSQL unreachable keeps trying before it exits 3. */
export const database_startup_wait_ms = 30_000;
/** Backoff between attempts to reach PostgreSQL again (start-up, re-reads after a fault). */
export const database_retry_ms_min = 100;
export const database_retry_ms_max = 5_000;
/** One attempt to open a connection gives up after this long. */
export const database_connect_timeout_ms = 5_000;
/** Connections per server: commits go one batch at a time, re-reads beside them, LISTEN on its own. */
export const database_pool_connections = 4;
/** PostgreSQL ends a statement of ours that runs longer (say, waiting for a lock a stuck instance holds). */
export const database_statement_timeout_ms = 5_000;
/** ... and ends a session of ours left idle inside a transaction
 * this long (an instance stuck mid-batch), freeing its locks. */
export const database_idle_in_transaction_ms = 10_000;
/** Changes in one batch (one transaction) at most: bounds the locks a PostgreSQL batch takes (two a change). */
export const database_batch_changes_max = 256;
/** A commit without an answer this long is reported failed to its patients (it may still land:
 * its slots are read again). */
export const database_commit_timeout_ms = 8_000;
/** A commit reported failed may still land this long after (its notice then makes this server read its slots again). */
export const database_doubt_ms = 60_000;
/** After a lost connection, the schedule is re-read this often until LISTEN is back, for at most ..._after_fault_ms. */
export const database_poll_interval_ms = 500;
export const database_poll_after_fault_ms = 10_000;
/** A NOTIFY payload (PostgreSQL's limit is 8000 bytes); longer lists of changed slots are split. */
export const database_notify_bytes_max = 7_000;
/** /readyz asks PostgreSQL (SELECT 1) and waits this long for it; checks within ..._reuse_ms share one answer. */
export const database_probe_timeout_ms = 2_000;
export const database_probe_reuse_ms = 500;
/** A full re-read of the bookings (after a lost connection) asks for this many slots a query. */
export const database_read_page_slots = 10_000;
/**
 * SQLite checkpoints its WAL into the file once it holds this many pages (SQLite's default is 1,000):
 * a checkpoint copies every page changed since the last and syncs the file, on the bookings' thread,
 * so fewer, larger ones cost a booking less (each page a commit writes costs its share of one). The WAL
 * then reaches about 40 MB; after a checkpoint it is cut back to sqlite_wal_bytes_kept.
 */
export const sqlite_wal_checkpoint_pages = 10_000;
export const sqlite_wal_bytes_kept = 64 * 1024 * 1024;
