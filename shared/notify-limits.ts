// The outbox's limits (confirmations and reminders). shared/limits.ts re-exports them.
/** A reminder goes out this many hours before the appointment by default, counted in local time. */
export const reminder_hours_default = 24;
/** No message between these local times by default (`[notify] quiet = "21:00-08:00"`). */
export const quiet_hours_default = "21:00-08:00";
/** Tries of one message before it is marked failed. */
export const outbox_attempts_max = 8;
/** Backoff after the first failure; it doubles with each try, up to the max. */
export const outbox_backoff_first_ms = 2_000;
export const outbox_backoff_max_ms = 15 * 60_000;
/** Messages one sender pass claims at once, and how often an idle sender looks. */
export const outbox_claim_batch = 100;
export const outbox_poll_ms = 1_000;
/** Audit records one pass of the follower turns into messages at most (notify/outbox-follower.ts). */
export const outbox_follow_batch = 500;
/** The outbox's counts (for /metrics and the staff page) read every row: once a read takes longer than
 * this, they are read less often, so that reading them takes at most this share of the server's thread. */
export const outbox_count_ms_spaced = 2;
export const outbox_count_share = 0.005;
/** Below this many messages the counts are read every pass, however long the read took by the clock: a few
 * rows cost next to nothing, and on a loaded machine their read can take milliseconds waiting for a core. */
export const outbox_count_rows_spaced = 10_000;
/**
 * At a sender's start, messages held for quiet hours are judged again, but for those due within this long:
 * well past a claim's lease (notify_send_timeout_ms + 1 s), so that one another server claimed and is sending
 * now is not sent twice where its clock runs ahead of this one's; a message due sooner goes at its time.
 */
export const outbox_quiet_retake_after_ms = 60_000;
/** After a full batch, the pause before the next: at most outbox_claim_batch messages per pause per server. */
export const outbox_busy_pause_ms = 250;
/**
 * The sender yields to bookings: while the server has begun a booking commit within outbox_yield_ms,
 * a pass follows at most outbox_yield_follow records and takes at most outbox_yield_batch messages,
 * and the next pass comes after outbox_poll_ms. Messages wait, none is lost; the backlog shows in
 * /metrics. But a backlog is never left to grow past outbox_yield_lag_max_ms: once the sender (or the
 * subject indexer) has had more waiting than a pass takes for that long, it works at full pace.
 */
export const outbox_yield_ms = 250;
export const outbox_yield_batch = 20;
export const outbox_yield_follow = 100;
export const outbox_yield_lag_max_ms = 5 * 60_000;
/** One delivery's time (connect, send, answer), and how much of a webhook's answer is read. */
export const notify_send_timeout_ms = 10_000;
export const webhook_answer_bytes_max = 4_096;
/** An error kept with a message (the staff page shows it). */
export const outbox_error_chars_max = 200;
