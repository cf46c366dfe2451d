import { expect, test } from "bun:test";
import { parseCredentials, parseInsurance, parsePrices, parseUsers } from "../shared/datafiles.ts";
import { parseSlots } from "../shared/slot-file.ts";
import { embedded } from "../shared/fixtures.ts";
import { DataError } from "../shared/errors.ts";

function problem(fn: () => unknown): DataError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DataError) return err;
    throw err;
  }
  throw new Error("expected a DataError");
}

test("the seed fixtures parse to the seed values", () => {
  const slots = parseSlots("availabilities.txt", embedded["availabilities.txt"]!);
  expect(slots.map((s) => `${s.index} ${s.day} ${s.time} ${s.doctor} ${s.port}`)).toEqual([
    "1 Tue 01pm doc1 41000",
    "2 Mon 03pm doc2 42000",
    "3 Thu 02pm doc1 41000",
    "4 Wed 10am doc1 41000",
    "5 Sat 12pm doc2 42000",
    "6 Fri 04pm doc2 42000",
  ]);
  expect(parseUsers("users.txt", embedded["users.txt"]!).map((u) => u.name)).toEqual(["patient1", "patient2"]);
  expect([...parsePrices("doc1.txt", embedded["doc1.txt"]!)]).toEqual([
    ["insurance1", 30],
    ["insurance2", 20],
    ["insurance3", 50],
  ]);
  expect([...parsePrices("doc2.txt", embedded["doc2.txt"]!)]).toEqual([
    ["insurance1", 40],
    ["insurance2", 60],
    ["insurance3", 10],
  ]);
  expect(parseCredentials("patient2.txt", embedded["patient2.txt"]!)).toEqual({
    user: "patient2",
    password: "password222",
  });
  expect(parseInsurance("patient1insurance.txt", embedded["patient1insurance.txt"]!)).toBe("insurance1");
});

test("hashed and plaintext users live side by side", () => {
  const users = parseUsers("users.txt", "alice $argon2id$v=19$m=65536,t=2,p=1$abc$def\nbob secret\n");
  expect(users.map((u) => u.secret.kind)).toEqual(["hash", "plain"]);
});

test("errors name the file and the line", () => {
  expect(problem(() => parseSlots("a.txt", "1 Tue 01pm doc1 41000\n1 Mon 03pm doc2 42000\n")).message).toBe(
    "a.txt line 2: duplicate slot index 1",
  );
  expect(problem(() => parseSlots("a.txt", "\n\nx Tue 01pm doc1 41000")).message).toContain("a.txt line 3");
  expect(problem(() => parseSlots("a.txt", "1 Tue 01pm doc1 99999")).message).toContain("port");
  expect(problem(() => parseSlots("a.txt", "1 Tue 01pm ../etc 41000")).message).toContain("bad doctor name");
  expect(problem(() => parsePrices("doc1.txt", "insurance1 30\ninsurance2 thirty\n")).message).toBe(
    'doc1.txt line 2: price "thirty" is not a whole number',
  );
  expect(problem(() => parseUsers("users.txt", "patient1 a\npatient1 b\n")).message).toBe(
    "users.txt line 2: duplicate user patient1",
  );
  expect(problem(() => parseUsers("users.txt", "justaname\n")).line).toBe(1);
  expect(problem(() => parseCredentials("p.txt", "")).message).toContain("p.txt");
});

test("any number of slots parse quickly", () => {
  const text = Array.from(
    { length: 100_000 },
    (_, i) => `${i + 1} Mon 09am doc${(i % 100) + 1} ${41000 + (i % 100)}`,
  ).join("\n");
  expect(parseSlots("big.txt", text).length).toBe(100_000);
});

test("prices: a `<insurance> <type> <price>` line is kept beside the plan's price; a bad type name is refused", () => {
  expect([...parsePrices("doc1.txt", "insurance1 30\ninsurance1 first 45\n")]).toEqual([
    ["insurance1", 30],
    ["insurance1 first", 45],
  ]);
  expect(() => parsePrices("doc1.txt", "insurance1 First 45\n")).toThrow('appointment type "First" is not a type name');
  expect(() => parsePrices("doc1.txt", "insurance1 first 45\ninsurance1 first 50\n")).toThrow(
    "duplicate insurance insurance1 first",
  );
});
