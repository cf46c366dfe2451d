// /readyz: the TCP listener is up and the booking database takes writes (as the store itself says:
// see AppointmentStore.problem()).

export type Readiness = { ready: true } | { ready: false; reason: string };

/** `databaseProblem`: undefined when the database takes writes, else why not. */
export function readiness(listening: boolean, databaseProblem: () => string | undefined): Readiness {
  if (!listening) return { ready: false, reason: "the patient listener is not accepting connections" };
  const problem = databaseProblem();
  return problem === undefined ? { ready: true } : { ready: false, reason: problem };
}
