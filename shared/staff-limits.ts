// The staff page's limits (HTTP, off unless --http is given). shared/limits.ts re-exports them and
// checks their relations, so every limit is still named from one place.
/** Requests in progress at once, live pages included; more get 503. */
export const staff_requests_max = 64;
/** Connections to the staff port at once; the patients' connection cap leaves their descriptors free. */
export const staff_connections_max = 64;
/** /api/schedule answers a second (each page load asks once); more get 503. The JSON is made once per change. */
export const staff_schedule_per_second_max = 20;
/** Reads of patients' appointments (/api/appointments, each audited) one staff account makes a minute; more get 429. */
export const staff_appointment_reads_per_minute = 60;
/**
 * Schedule snapshots /api/schedule keeps made (one per kind of reader and type: with names, without, one
 * per doctor whose account is signed in); past this the oldest made is dropped and made again when asked.
 */
export const staff_schedule_snapshots_max = 32;
/** Live pages (event streams) at once; more get 503. */
export const staff_watchers_max = 32;
/** A request body (only the sign-in form has one). */
export const staff_body_bytes_max = 4 * 1024;
/** An HTTP connection with no request in progress is closed after this. */
export const staff_idle_timeout_ms = 10_000;
/** A live page hears a comment line this often, so a dead peer is found and proxies keep it open. */
export const staff_heartbeat_ms = 15_000;
/** Changes go to live pages together, once per interval: the booking path only appends to a list. */
export const staff_events_flush_ms = 100;
/** Changes in one interval beyond which a live page gets a fresh snapshot instead of each change. */
export const staff_events_batch_max = 512;
/** How soon a page's browser reconnects after its stream ends (server restart, or it fell behind). */
export const staff_reconnect_ms = 1_000;
/** Bytes a live page may leave unread before it is disconnected (it reconnects and gets a snapshot). */
export const staff_watcher_queue_bytes_max = 1024 * 1024;
/** Slots the page lists one by one; past this, cells show counts only. */
export const staff_page_slots_max = 2_000;
/** Doctor-day-time cells the page shows; past this, doctors' totals only. */
export const staff_page_cells_max = 2_000;
/** Signed-in staff sessions kept; the oldest go first. */
export const staff_sessions_max = 64;
/** How long a staff sign-in lasts unless --staff-session-hours says otherwise. */
export const staff_session_ttl_ms = 12 * 60 * 60 * 1000;
/** The staff token file, and the shortest token accepted (a short token can be guessed). */
export const staff_token_bytes_max = 4096;
export const staff_token_chars_min = 16;
/** Patients a name search on the page lists at most. */
export const staff_patient_matches_max = 20;
/** A reason given for a cancellation (kept as text; control characters are shown escaped). */
export const staff_reason_chars_max = 500;
/** Live pages anonymous viewers may hold; the rest of staff_watchers_max is for signed-in staff. */
export const staff_watchers_anonymous_max = 16;
/** Appointments of one day the page lists (every doctor's, cancelled ones included). */
export const staff_day_appointments_max = 2_000;
/** A typed calendar's booking changes its neighbours' starts too: a live page's fresh snapshot, this often at most. */
export const staff_typed_snapshot_ms = 500;
/** ...and the share of the server's time they may take at most (a round that took 60 ms waits 600 ms). */
export const staff_typed_snapshot_share = 0.1;
/** A member's repeated reads of one day's list (the page polls every 15 s) are one audit record this long. */
export const staff_day_read_record_ms = 10 * 60_000;
