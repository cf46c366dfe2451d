// The server's calendar limits (slot ids, following the rules), re-exported by limits.ts.

/** Doctors a calendar may number: a slot id is (start minute) * calendar_doctor_ids + doctor number. */
export const calendar_doctor_ids = 10_000;
/** A running server looks for a change of the rules this often (a change shows within a second). */
export const calendar_poll_ms = 250;
/** Past slots leave memory at the latest this often (also at each slot's start, see calendar-keeper.ts). */
export const calendar_refresh_ms_max = 60_000;

if (!(calendar_poll_ms < 1_000))
  throw new Error("limits: a change of the rules shows on a running server within a second");
