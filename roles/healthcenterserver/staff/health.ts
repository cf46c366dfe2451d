// /readyz: the TCP listener is up and the booking database takes writes (as the store itself says:
// see AppointmentStore.problem()).

export type Readiness = { ready: true } | { ready: false; reason: string };

/** `databaseProblem`: undefined when the database takes writes, else why not (a shared one is asked now). */
export async function readiness(
  listening: boolean,
  databaseProblem: () => string | undefined | Promise<string | undefined>,
): Promise<Readiness> {
  if (!listening) return { ready: false, reason: "the patient listener is not accepting connections" };
  const problem = await databaseProblem();
  return problem === undefined ? { ready: true } : { ready: false, reason: problem };
}

/**
 * The path of a request target as any client may send it: origin form (`/readyz`, what HTTP/1.0
 * clients such as HAProxy's check send, often without Host), absolute form (`http://h/readyz`),
 * or a Host that is no valid authority. Undefined for what has no path (`*`, garbage): a 400.
 */
export function requestPath(target: string): string | undefined {
  if (target.startsWith("/")) return target.split(/[?#]/, 1)[0];
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(\/[^?#]*)?/i.exec(target);
  return m ? (m[1] ?? "/") : undefined;
}

/** What health checks ask: answered before the page's own request cap, so a busy page never fails them. */
export const health_paths = new Set(["/healthz", "/readyz", "/metrics"]);
