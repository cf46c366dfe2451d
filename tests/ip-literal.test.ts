// shared/ip-literal.ts answers as node:net's isIP does (it replaces it so a patient need not load node:net).
import { expect, test } from "bun:test";
import { isIP } from "node:net";
import { ipVersion } from "../shared/ip-literal.ts";

const hosts = [
  ...["127.0.0.1", "0.0.0.0", "255.255.255.255", "256.1.1.1", "1.2.3", "01.2.3.4", "1.2.3.4.", "1.2.3.04"],
  ...[" 1.2.3.4", "1.2.3.4 ", "1.2.3.4%x", "", "localhost", "example.com", "doc1.clinic.example."],
  ...["::", "::1", "fe80::1", "2001:db8::1", "FFFF::1", "::ffff:1.2.3.4", "::1.2.3.4", "::1.2.3"],
  ...["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:1.2.3.4", "1::2::3", "gggg::1", "a:b"],
  ...["[::1]", "::1]", "::1/64", "::1#x", "::1?x", "x::1@y", "fe80::1%eth0", "fe80::1%eth0.1", "fe80::1%"],
  ...["fe80::1%a%b", "::1%["],
];

test("ipVersion agrees with node:net's isIP on IPv4, IPv6 (zones too), names and malformed hosts", () => {
  expect(hosts.map((h): [string, number] => [h, ipVersion(h)])).toEqual(hosts.map((h) => [h, isIP(h)]));
});
