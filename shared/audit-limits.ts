// The audit trail's limits; shared/limits.ts re-exports them.
/** Records read per page by `audit verify`, `export` and `archive` (keyset pages: memory stays flat). */
export const audit_page_rows = 10_000;
/** Records one appointment's history shows on the page at most. */
export const audit_history_max = 50;
/**
 * The index of audit records by subject is kept after each change's commit by a loop on the server's
 * thread (audit/subject-indexer.ts): up to audit_index_batch records a pass, then another pass after
 * audit_index_busy_pause_ms while records wait, else after audit_index_poll_ms. While bookings come in
 * (outbox_yield_ms) it yields as the outbox's sender does: audit_index_yield_batch a pass, a pass a poll.
 */
export const audit_index_batch = 2_000;
export const audit_index_yield_batch = 50;
export const audit_index_busy_pause_ms = 100;
export const audit_index_poll_ms = 1_000;
/** A line of an archive file `audit verify --archive` reads at most (a record with its before/after JSON). */
export const audit_archive_line_bytes_max = 4 * 1024 * 1024;
