// Hosts, ports and doctor entries as operators write them, checked by one set of rules whether
// they come from a flag or from the deployment file: a host with a space accepted from one and
// refused by the other would reach patients as a reply they cannot parse.
import { isValidDoctorName } from "./datafiles.ts";
import { UsageError } from "./errors.ts";
import { parseHostPort } from "./flags.ts";
import { ipVersion } from "./ip-literal.ts";
import { isPort } from "./tokens.ts";

/**
 * Where a doctor is, as the operator said (`--doctor NAME=HOST:PORT` or `[doctors.NAME]`): `host` and
 * `port` are where patients are sent, `listen` the address the doctor itself binds (the file only).
 */
export type DoctorLocation = { host?: string; port?: number; listen?: string };

const label = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;
const host_chars_max = 253;

/** Undefined for an IPv4 or IPv6 literal or a DNS host name; otherwise what is wrong. */
export function hostProblem(host: string): string | undefined {
  if (ipVersion(host) !== 0) return undefined;
  const bad = `${JSON.stringify(host)} is not a host name or an IP address`;
  if (/^[\d.]+$/.test(host)) return bad;
  const name = host.endsWith(".") ? host.slice(0, -1) : host;
  if (name.length === 0 || name.length > host_chars_max) return bad;
  return name.split(".").every((l) => label.test(l)) ? undefined : bad;
}

/** The one check of a doctor's entry, from `--doctor NAME=HOST:PORT` or `[doctors.NAME]`. */
export function doctorEntryProblem(name: string, entry: DoctorLocation): string | undefined {
  if (!isValidDoctorName(name)) return `bad doctor name ${JSON.stringify(name)} (letters, digits, _ and -)`;
  for (const key of ["host", "listen"] as const) {
    const value = entry[key];
    const problem = value === undefined ? undefined : hostProblem(value);
    if (problem) return `${key} of ${name}: ${problem}`;
  }
  if (entry.port !== undefined && !isPort(entry.port)) return `port of ${name} must be 1-65535, not ${entry.port}`;
  return undefined;
}

/** `--doctor NAME=HOST[:PORT]`, checked exactly as the deployment file's entries are. */
export function parseDoctorFlag(text: string): { name: string; entry: DoctorLocation } {
  const eq = text.indexOf("=");
  if (eq < 1) throw new UsageError(`--doctor expects NAME=HOST:PORT, not ${JSON.stringify(text)}`);
  const name = text.slice(0, eq);
  const { host, port } = parseHostPort("doctor", text.slice(eq + 1), 0);
  const entry: DoctorLocation = port ? { host, port } : { host };
  const problem = doctorEntryProblem(name, entry);
  if (problem) throw new UsageError(`--doctor ${JSON.stringify(text)}: ${problem}`, { hint: false });
  return { name, entry };
}

/** A host given with `--host` (or `--server`): a usage error, in one line, if it is not one. */
export function checkHostFlag(flag: string, host: string): string {
  const problem = hostProblem(host);
  if (problem) throw new UsageError(`${flag}: ${problem}`, { hint: false });
  return host;
}

/** A name to listen on must resolve; an unknown one is the operator's mistake, not a crash. */
export async function checkListenHost(flag: string, host: string): Promise<void> {
  checkHostFlag(flag, host);
  if (ipVersion(host) !== 0) return;
  try {
    await (await import("node:dns/promises")).lookup(host);
  } catch (err) {
    throw new UsageError(
      `${flag}: cannot resolve ${JSON.stringify(host)} (${(err as NodeJS.ErrnoException).code ?? err})`,
      { hint: false },
    );
  }
}
