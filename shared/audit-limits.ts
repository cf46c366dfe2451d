// The audit trail's limits; shared/limits.ts re-exports them.
/** Records read per page by `audit verify`, `export` and `archive` (keyset pages: memory stays flat). */
export const audit_page_rows = 10_000;
/** Records one appointment's history shows on the page at most. */
export const audit_history_max = 50;
