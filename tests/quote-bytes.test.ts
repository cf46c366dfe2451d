// The doctor answers from a datagram's bytes (splitQuoteBytes, ReplyTable): the same words, prices and log
// lines as the string path (parseQuoteRequest, a Map of the price file's keys), for any bytes.
import { expect, test } from "bun:test";
import { ReplyTable } from "../roles/doctor/reply-table.ts";
import {
  fnv_seed,
  hashBytes,
  parseQuoteRequest,
  quote_bounds_length,
  splitQuoteBytes,
  typedPriceKey,
} from "../shared/quote-protocol.ts";
import { loopback, startDoctor, tempDir } from "./helpers.ts";

/** A small deterministic generator (mulberry32), so a failure repeats. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Bytes a request is made of, and those that spoil one: letters, every kind of space, controls, latin1, DEL. */
const alphabet = [..."ab1_-.~", " ", "\t", "\n", "\r", "\v", "\f", "\xa0", "\x00", "\x1b", "\x7f", "\x80", "\xff"];

function words(bytes: Uint8Array, count: number, bounds: Int32Array): string[] {
  const text = Buffer.from(bytes).toString("latin1");
  return Array.from({ length: count }, (_, w) => text.slice(bounds[2 * w], bounds[2 * w + 1]));
}

test("splitQuoteBytes finds the words parseQuoteRequest finds, or refuses what it refuses, for any bytes", () => {
  const next = random(28);
  const bounds = new Int32Array(quote_bounds_length);
  let requests = 0;
  for (let i = 0; i < 50_000; i++) {
    const length = Math.floor(next() * 14);
    const bytes = Uint8Array.from({ length }, () => {
      const r = next();
      if (r < 0.05) return Math.floor(next() * 256); // any byte at all
      return alphabet[Math.floor((r < 0.6 ? next() * 7 : next() * alphabet.length) % alphabet.length)]!.charCodeAt(0);
    });
    const expected = parseQuoteRequest(Buffer.from(bytes).toString("latin1"));
    const count = splitQuoteBytes(bytes, bounds);
    const got = words(bytes, count, bounds);
    const want = expected ? [expected.patient, expected.insurance, expected.type].filter((w) => w !== undefined) : [];
    if (JSON.stringify(got) !== JSON.stringify(want)) expect([...bytes, got]).toEqual([...bytes, want]);
    for (let w = 0; w < count; w++)
      expect(bounds[6 + w]).toBe(hashBytes(fnv_seed, bytes, bounds[2 * w]!, bounds[2 * w + 1]!));
    if (count > 0) requests++;
  }
  expect(requests).toBeGreaterThan(10_000); // the fuzz reaches requests, not only refusals
});

test("splitQuoteBytes: one to three words, whatever spaces part them; a fourth word or a control byte is no request", () => {
  const bounds = new Int32Array(quote_bounds_length);
  const split = (text: string) => {
    const bytes = Buffer.from(text, "latin1");
    return words(bytes, splitQuoteBytes(bytes, bounds), bounds);
  };
  expect(split("insurance1")).toEqual(["insurance1"]);
  expect(split(" \tpatient1\xa0\xa0insurance1\r\n")).toEqual(["patient1", "insurance1"]);
  expect(split("patient1 insurance1 first")).toEqual(["patient1", "insurance1", "first"]);
  expect(split("a b c d")).toEqual([]);
  expect(split("a b c \x00")).toEqual([]);
  expect(split("\x1b[31m red")).toEqual([]);
  expect(split("")).toEqual([]);
  expect(split(" \t ")).toEqual([]);
});

test("ReplyTable finds each price by a word's bytes, and a typed price by two words, as a Map of the keys does", () => {
  const next = random(7);
  const prices = new Map<string, number>();
  const plans = Array.from({ length: 300 }, (_, i) => `plan${i}${"x".repeat(i % 5)}`);
  for (const [i, plan] of plans.entries()) {
    prices.set(plan, i);
    if (i % 3 === 0) prices.set(typedPriceKey(plan, "first"), 1000 + i);
  }
  prices.set("caf\xe9", 1); // not printable ASCII: no request can spell it
  const table = new ReplyTable(prices);
  const bounds = new Int32Array(quote_bounds_length);
  for (let i = 0; i < 5_000; i++) {
    const plan = next() < 0.9 ? plans[Math.floor(next() * plans.length)]! : `plan${Math.floor(next() * 999)}y`;
    const type = next() < 0.5 ? "first" : "followup";
    const gap = next() < 0.5 ? " " : "\t \xa0";
    const bytes = Buffer.from(`patient1${gap}${plan}${gap}${type}`, "latin1");
    expect(splitQuoteBytes(bytes, bounds)).toBe(3);
    const typed = table.findTyped(bytes, bounds[2]!, bounds[3]!, bounds[7]!, bounds[4]!, bounds[5]!);
    const plain = table.find(bytes, bounds[2]!, bounds[3]!, bounds[7]!);
    const typedKey = typedPriceKey(plan, type);
    expect(typed < 0 ? undefined : table.entry(typed).key).toBe(prices.has(typedKey) ? typedKey : undefined);
    expect(plain < 0 ? undefined : table.entry(plain).key).toBe(prices.has(plan) ? plan : undefined);
    if (typed >= 0) expect(table.entry(typed).reply.toString()).toBe(String(prices.get(typedKey)));
    if (plain >= 0) expect(table.entry(plain).reply.toString()).toBe(String(prices.get(plan)));
  }
  const cafe = Buffer.from("caf\xe9", "latin1");
  expect(table.find(cafe, 0, cafe.length, hashBytes(fnv_seed, cafe, 0, cafe.length))).toBe(-1);
  // A prefix, or a key's first word alone, is not the key.
  const prefix = Buffer.from("plan0 firs");
  const plan0 = hashBytes(fnv_seed, prefix, 0, 5);
  expect(table.entry(table.find(prefix, 0, 5, plan0)).key).toBe("plan0");
  expect(table.findTyped(prefix, 0, 5, plan0, 6, 10)).toBe(-1);
  expect(table.find(prefix, 0, 4, hashBytes(fnv_seed, prefix, 0, 4))).toBe(-1);
  expect(new ReplyTable(new Map()).find(prefix, 0, 5, plan0)).toBe(-1);
});

test("the doctor's log names the typed key, the unknown plan and a nameless patient as before, text and json", async () => {
  const tmp = tempDir();
  await Bun.write(`${tmp.dir}/doc1.txt`, "insurance1 30\ninsurance1 first 45\n");
  const text = await startDoctor("doc1", ["--data", tmp.dir, "--log-format", "text"]);
  const json = await startDoctor("doc1", ["--data", tmp.dir, "--log-format", "json"]);
  const s = await Bun.udpSocket({ hostname: loopback, socket: { data() {} } });
  try {
    for (const doc of [text, json])
      for (const request of ["patient1\tinsurance1  first", "insurance9", "patient2 insurance1 followup"])
        s.send(request, doc.port, loopback);
    await text.stdout.waitFor(/patient2.*\n.*\n.*\$ 30 /i);
    const t = text.stdout.text;
    expect(t).toMatch(
      /and name Patient1 with the insurance plan insurance1 first\n.*\n.*has sent estimated price \$ 45 /,
    );
    expect(t).toMatch(/and name unknown with the insurance plan insurance9\n/);
    expect(t).toContain("has no price for insurance plan insurance9; sent unknown to patient with port number");
    expect(t).toMatch(/and name Patient2 with the insurance plan insurance1\n/);
    await json.stdout.waitFor(/"patient":"Patient2"/);
    const fields = json.stdout.text
      .split("\n")
      .filter((line) => line.includes('"event":"quote"'))
      .map((line) => JSON.parse(line).fields);
    expect(fields.map(({ patient, insurance, price }) => [patient, insurance, price])).toEqual([
      ["Patient1", "insurance1", "45"],
      ["unknown", "insurance9", "unknown"],
      ["Patient2", "insurance1", "30"],
    ]);
  } finally {
    s.close();
    await Promise.all([text.stop(), json.stop()]);
    tmp.cleanup();
  }
});
