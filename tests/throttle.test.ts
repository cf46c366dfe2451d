import { expect, test } from "bun:test";
import { Authenticator } from "../roles/healthcenterserver/login/auth.ts";
import { addressKey, Throttle } from "../roles/healthcenterserver/login/throttle.ts";
import { plainAddress } from "../shared/address-key.ts";
import { CheckQueue } from "../roles/healthcenterserver/login/check-queue.ts";

const limits = { perUser: 3, perAddress: 5, windowMs: 1000, entriesMax: 100 };

test("a user name is refused from the guessing address after the limit, only within the window; other addresses are not", () => {
  const t = new Throttle(limits);
  for (let i = 0; i < 3; i++) expect(t.begin("alice", "198.51.100.1", 0)).toBeDefined();
  expect(t.begin("alice", "198.51.100.1", 10)).toBeUndefined();
  expect(t.isBlocked("alice", "198.51.100.99", 10)).toBe(false);
  expect(t.isBlocked("bob", "198.51.100.1", 10)).toBe(false);
  expect(t.isBlocked("alice", "198.51.100.1", 1001)).toBe(false);
});

test("an attempt counts when it starts; a success takes only itself back", () => {
  const t = new Throttle(limits);
  const first = t.begin("alice", "198.51.100.1", 0)!;
  t.begin("alice", "198.51.100.1", 0);
  t.begin("alice", "198.51.100.1", 0);
  expect(t.isBlocked("alice", "198.51.100.1", 1)).toBe(true); // three in flight, none finished
  t.succeeded(first);
  expect(t.isBlocked("alice", "198.51.100.1", 1)).toBe(false);
});

test("an address is refused after its own limit, for any user; IPv6 counts by /64", () => {
  const t = new Throttle(limits);
  for (let i = 0; i < 5; i++) t.begin(`user${i}`, "203.0.113.7", 0);
  expect(t.isBlocked("someone", "203.0.113.7", 1)).toBe(true);
  expect(t.isBlocked("someone", "203.0.113.8", 1)).toBe(false);
  for (let i = 0; i < 5; i++) t.begin(`user${i}`, `2001:db8:1:2::${i + 1}`, 0);
  expect(t.isBlocked("someone", "2001:db8:1:2:ffff::9", 1)).toBe(true);
  expect(t.isBlocked("someone", "2001:db8:1:3::1", 1)).toBe(false);
  expect(addressKey("2001:DB8:0001:0002:0:0:0:1")).toBe("2001:db8:1:2::/64");
});

test("an IPv4-mapped address counts as its IPv4 address, not as one shared /64", () => {
  expect(addressKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
  expect(addressKey("::ffff:203.0.113.8")).not.toBe(addressKey("::ffff:203.0.113.7"));
  expect(plainAddress("::ffff:127.0.0.1")).toBe("127.0.0.1");
  expect(plainAddress("::ffff:1")).toBe("::ffff:1");
});

test("the throttle's memory is bounded", () => {
  const t = new Throttle(limits);
  for (let i = 0; i < 1000; i++) t.begin(`u${i}`, `203.0.${i >> 8}.${i & 255}`, 0);
  expect(t.size).toBeLessThanOrEqual(100);
});

test("the check queue runs a bounded number at once, one per address, and takes addresses in turn", async () => {
  const q = new CheckQueue(2, 10);
  const order: string[] = [];
  const job = (name: string) => () => {
    order.push(name);
    return Bun.sleep(1).then(() => name);
  };
  const flood = [1, 2, 3, 4].map((i) => q.run("flood", job(`f${i}`))!);
  const owner = q.run("owner", job("o1"))!; // starts at once: the flood holds only one place
  expect(order).toEqual(["f1", "o1"]);
  await Promise.all([...flood, owner]);
  expect(order).toEqual(["f1", "o1", "f2", "f3", "f4"]);
  for (let i = 0; i < 11; i++) q.run("busy", () => new Promise(() => {})); // one runs, ten wait
  expect(q.run("busy", job("x"))).toBeUndefined();
});

test("a plaintext password is compared exactly: one character different, longer or shorter fails", () => {
  const auth = new Authenticator(
    [{ name: "alice", secret: { kind: "plain", password: "password111" } }],
    new Throttle(limits),
  );
  expect(auth.check("alice", "password111", "a", 0)).toBe("success");
  for (const wrong of ["password112", "password1111", "password11"])
    expect(auth.check("alice", wrong, "b", 0)).toBe("failure");
});

test("hashed users verify asynchronously; unknown users and wrong passwords fail alike", async () => {
  const hash = await Bun.password.hash("s3cret", { algorithm: "argon2id", memoryCost: 1024, timeCost: 1 });
  const auth = new Authenticator([{ name: "alice", secret: { kind: "hash", hash } }], new Throttle(limits));
  const ok = auth.check("alice", "s3cret", "a", 0);
  expect(ok).toBeInstanceOf(Promise);
  expect(await ok).toBe("success");
  expect(await auth.check("alice", "wrong", "b", 0)).toBe("failure");
  expect(await auth.check("mallory", "s3cret", "c", 0)).toBe("failure");
  expect(await auth.check("mallory", "s3cret", "c", 0)).toBe("failure");
});
