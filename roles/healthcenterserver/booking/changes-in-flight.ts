// Which patients have changes sent and not yet answered, so `mine` can wait for them: a patient
// whose connection dropped after a change asks `mine` on a new connection, and must see the
// change's outcome, not the state from before it.

export class ChangesInFlight {
  private readonly byPatient = new Map<string, { count: number; waiters: (() => void)[] }>();

  opened(patient: string): void {
    const entry = this.byPatient.get(patient);
    if (entry) entry.count += 1;
    else this.byPatient.set(patient, { count: 1, waiters: [] });
  }

  /** One change of the patient's was answered; the waiters go once none is left. */
  closed(patient: string): void {
    const entry = this.byPatient.get(patient);
    if (!entry) return;
    entry.count -= 1;
    if (entry.count > 0) return;
    this.byPatient.delete(patient);
    for (const wake of entry.waiters) wake();
  }

  /** Undefined when the patient has nothing in flight; else resolves once all of it is answered. */
  settled(patient: string): Promise<void> | undefined {
    const entry = this.byPatient.get(patient);
    if (!entry) return undefined;
    return new Promise((resolve) => entry.waiters.push(resolve));
  }
}
