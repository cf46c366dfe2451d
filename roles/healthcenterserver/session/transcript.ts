// The server's log lines, as the seed's transcripts word them: pure functions of what happened.
import type { User } from "../../../shared/datafiles.ts";
import { log_users_max } from "../../../shared/limits.ts";

const masked = "********";

export const separator = "-----";

export function started(port: number, address: string): string {
  return `Phase1: The Health Center Server has port number: ${port} and IP address: ${address}`;
}

/** The user database as the seed lists it, passwords masked, capped at log_users_max names. */
export function userListing(users: readonly User[]): string {
  const shown = users.slice(0, log_users_max).map((u) => `${u.name} ${masked}`);
  if (users.length > shown.length) shown.push(`... and ${users.length - shown.length} more users`);
  return `User database:\n${shown.join("\n")}\n`;
}

export function loginReceived(user: string): string {
  return (
    "Phase1: The Health Center Server has received request from a patient " +
    `with username ${user} and password ${masked}`
  );
}

export function loginSucceeded(user: string): string {
  return `Phase1: The Health Center Server sends the response: Success to patient with username ${user}`;
}

export function loginFailed(user: string): string {
  return `Phase1: The Health Center Server sends the response: Failure to patient with username ${user}`;
}

export function loginThrottled(user: string, address: string): string {
  return `Phase1: Too many failed logins for username ${user} or from ${address}; refused without checking`;
}

export function closingAfterFailedLogins(address: string, port: number, failures: number): string {
  return `Phase1: Closing the connection from ${address}:${port} after ${failures} failed logins`;
}

export function availableReceived(port: number, address: string): string {
  return (
    "Phase2: The Health Center Server receives a request for available time slots from patients " +
    `with port number: ${port} and IP Address: ${address}`
  );
}

export function availableSent(user: string): string {
  return `Phase2: The Health Center Server sends available time slots to patients with username ${user}`;
}

export function selectionReceived(index: number, port: number, user: string): string {
  const shown = index > 0 ? String(index) : "(not a slot number)";
  return (
    `Phase2: The Health Center Server receives a request for appointment ${shown} ` +
    `from patient with port number: ${port} and username ${user}`
  );
}

export const selectionInvalid = "Receiving invalid time index, let patient re-enter";

export function selectionRejected(index: number, user: string): string {
  return `Phase2: The Health Center Server rejects the following appointment ${index} to patient with username ${user}`;
}

export function selectionConfirmed(index: number, user: string): string {
  return (
    `Phase2: The Health Center Server confirms the following appointment ${index} ` + `to patient with username ${user}`
  );
}
