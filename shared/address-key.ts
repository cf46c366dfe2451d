// A peer's address as the server shows and counts it, and the unit a per-address limit applies to,
// shared by the login throttle, the connection cap's per-address share and the staff page
// (roles/healthcenterserver/login/throttle.ts, network/admission.ts, staff/staff-server.ts).

/** "::ffff:127.0.0.1" (an IPv4 peer on a dual-stack socket) -> "127.0.0.1"; any other address as it is. */
export function plainAddress(address: string): string {
  return address.startsWith("::ffff:") && address.includes(".") ? address.slice(7) : address;
}

/**
 * The unit an address limit applies to: an IPv4 address, or an IPv6 /64 (one customer's network;
 * counting single IPv6 addresses would give an attacker 2^64 fresh ones).
 */
export function addressKey(peer: string): string {
  // An IPv4-mapped address is its IPv4 address: read as IPv6, every one of them would share one /64.
  const address = plainAddress(peer);
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
