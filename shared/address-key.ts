// The unit a per-address limit applies to, shared by the login throttle and the connection cap's
// per-address share (roles/healthcenterserver/login/throttle.ts, network/admission.ts).

/**
 * The unit an address limit applies to: an IPv4 address, or an IPv6 /64 (one customer's network;
 * counting single IPv6 addresses would give an attacker 2^64 fresh ones).
 */
export function addressKey(address: string): string {
  if (!address.includes(":")) return address;
  const [head = "", tail = ""] = address.split("::");
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups = address.includes("::")
    ? [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill("0"), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toLowerCase().replace(/^0+(?=.)/, ""))
    .join(":")}::/64`;
}
