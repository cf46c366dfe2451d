// Whether a host is an IP address as written (node:net's isIP), without loading node:net: its streams cost
// about 2 ms of CPU at a patient's start-up (issue 28), and a patient only asks this of its hosts.
const octet = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]\\d|\\d)";
const ipv4 = new RegExp(`^${octet}(?:\\.${octet}){3}$`);

const zone = /^[0-9a-zA-Z.:-]+$/;

/** 4 for a dotted-quad IPv4 address, 6 for an IPv6 one (as a URL's brackets take it, with a %zone), else 0. */
export function ipVersion(host: string): 0 | 4 | 6 {
  if (ipv4.test(host)) return 4;
  const percent = host.indexOf("%");
  const address = percent === -1 ? host : host.slice(0, percent);
  if (percent !== -1 && !zone.test(host.slice(percent + 1))) return 0;
  if (!address.includes(":") || address.includes("[") || address.includes("/")) return 0;
  try {
    new URL(`http://[${address}]/`);
    return 6;
  } catch {
    return 0;
  }
}
