import { expect, test } from "bun:test";
import { Authenticator, equalConstantTime } from "../roles/healthcenterserver/auth.ts";
import { Throttle } from "../roles/healthcenterserver/throttle.ts";

const limits = { perUser: 3, perAddress: 5, windowMs: 1000, entriesMax: 100 };

test("a user is refused after the limit, and only within the window", () => {
  const t = new Throttle(limits);
  for (let i = 0; i < 3; i++) t.recordFailure("alice", `198.51.100.${i}`, 0);
  expect(t.isBlocked("alice", "198.51.100.99", 10)).toBe(true);
  expect(t.isBlocked("bob", "198.51.100.99", 10)).toBe(false);
  expect(t.isBlocked("alice", "198.51.100.99", 1001)).toBe(false);
});

test("an address is refused after its own limit, for any user", () => {
  const t = new Throttle(limits);
  for (let i = 0; i < 5; i++) t.recordFailure(`user${i}`, "203.0.113.7", 0);
  expect(t.isBlocked("someone", "203.0.113.7", 1)).toBe(true);
  expect(t.isBlocked("someone", "203.0.113.8", 1)).toBe(false);
});

test("the throttle's memory is bounded", () => {
  const t = new Throttle(limits);
  for (let i = 0; i < 1000; i++) t.recordFailure(`u${i}`, "203.0.113.7", 0);
  expect(t.size).toBeLessThanOrEqual(100);
});

test("plaintext comparison is exact", () => {
  expect(equalConstantTime("password111", "password111")).toBe(true);
  expect(equalConstantTime("password111", "password112")).toBe(false);
  expect(equalConstantTime("password111", "password1111")).toBe(false);
});

test("hashed users verify asynchronously; unknown users and wrong passwords fail alike", async () => {
  const hash = await Bun.password.hash("s3cret", { algorithm: "argon2id", memoryCost: 1024, timeCost: 1 });
  const auth = new Authenticator([{ name: "alice", secret: { kind: "hash", hash } }], new Throttle(limits));
  const ok = auth.check("alice", "s3cret", "a", 0);
  expect(ok).toBeInstanceOf(Promise);
  expect(await ok).toBe("success");
  expect(await auth.check("alice", "wrong", "b", 0)).toBe("failure");
  expect(await auth.check("mallory", "s3cret", "c", 0)).toBe("failure");
});
