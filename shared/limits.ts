// Every limit the system has, named once, unit last.

export const line_bytes_max = 1024;
export const connections_max = 10_000;
export const idle_timeout_ms = 60_000;
/** Protocol errors one connection may make before it is closed. */
export const connection_errors_max = 3;
/** Bytes a slow reader may have queued before the server drops it. Above one full `available` of 100k slots. */
export const write_queue_bytes_max = 8 * 1024 * 1024;
/** Slots listed in the server log per `available`; the rest are counted. */
export const log_slots_max = 20;
/** Users listed in the server log's user database per login. */
export const log_users_max = 10;

export const udp_retries_max = 3;
export const udp_timeout_ms = 500;
export const datagram_bytes_max = 512;

export const tcp_connect_timeout_ms = 5_000;
/** How long the patient waits for any one server reply. */
export const reply_timeout_ms = 10_000;
/** How long a stopping server waits for replies still being written. */
export const shutdown_grace_ms = 2_000;

/** Failed logins per user, and per address, within the window before further tries are refused. */
export const login_failures_per_user_max = 5;
export const login_failures_per_address_max = 20;
export const login_window_ms = 60_000;
/** Failed logins on one connection before it is closed. */
export const login_failures_per_connection_max = 3;
/** Throttle entries kept in memory; the oldest go first. */
export const throttle_entries_max = 100_000;

export const data_file_bytes_max = 64 * 1024 * 1024;

export const default_server_port = 21000;
export const default_doctor_ports: Record<string, number> = { doc1: 41000, doc2: 42000 };
