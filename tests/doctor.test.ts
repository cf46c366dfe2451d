// The doctor over real UDP.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { requestQuote } from "../roles/patient/quote.ts";
import { loopback, startDoctor, tempDir, type Running } from "./helpers.ts";

let doc1: Running;
let doc2: Running;
beforeAll(async () => {
  [doc1, doc2] = await Promise.all([startDoctor("doc1"), startDoctor("doctor2")]);
});
afterAll(async () => {
  await Promise.all([doc1.stop(), doc2.stop()]);
});

/**
 * Sends raw datagrams from one socket and collects replies until `expected` have come,
 * or for `quietMs` when none are expected (an absence can only be waited out).
 */
async function exchange(
  port: number,
  datagrams: (string | Uint8Array)[],
  expected = datagrams.length,
  quietMs = 300,
): Promise<string[]> {
  const replies: string[] = [];
  let done = () => {};
  const all = new Promise<void>((resolve) => (done = resolve));
  const s = await Bun.udpSocket({
    hostname: loopback,
    socket: {
      data: (_s, buf) => {
        replies.push(buf.toString());
        if (replies.length >= expected) done();
      },
    },
  });
  for (const d of datagrams) s.send(d, port, loopback);
  await Promise.race([expected > 0 ? all : new Promise(() => {}), Bun.sleep(expected > 0 ? 5000 : quietMs)]);
  s.close();
  return replies;
}

test("each doctor answers the seed prices, for classic and named requests", async () => {
  expect(await exchange(doc1.port, ["insurance1"])).toEqual(["30"]);
  expect(await exchange(doc1.port, ["patient2 insurance2"])).toEqual(["20"]);
  expect(await exchange(doc2.port, ["patient1 insurance1"])).toEqual(["40"]);
  expect(await exchange(doc2.port, ["insurance3"])).toEqual(["10"]);
});

test("a plan the doctor has no price for answers unknown", async () => {
  expect(await exchange(doc1.port, ["patient1 insurance9"])).toEqual(["unknown"]);
});

test("the doctor logs the seed's Phase3 lines", async () => {
  await requestQuote({ host: loopback, port: doc2.port, patient: "patient1", insurance: "insurance1" });
  await doc2.stdout.waitFor(/Doctor2 has sent estimated price \$ 40 to patient with port number \d+/);
  expect(doc2.stdout.text).toMatch(
    /Doctor2 receives the request from the patient with port number \d+ and name Patient1 with the insurance plan insurance1/,
  );
  expect(doc2.stdout.text).toContain("{'insurance1': '40', 'insurance2': '60', 'insurance3': '10'}");
});

test("oversized, empty and garbage datagrams are ignored, and the doctor keeps answering", async () => {
  const junk = [
    new Uint8Array(0),
    new Uint8Array(4000).fill(65),
    new Uint8Array([0, 1, 2, 255, 254]),
    "a b c d",
    "\x1b[31m red",
  ];
  expect(await exchange(doc1.port, junk, 0)).toEqual([]);
  expect(await exchange(doc1.port, ["insurance3"])).toEqual(["50"]);
  await doc1.stdout.waitFor(/ignored a datagram/);
});

test("a quote asked of a doctor that answers nobody fails after the bounded retries", async () => {
  const silent = await Bun.udpSocket({ hostname: loopback, socket: { data() {} } });
  const started = Date.now();
  const error = await requestQuote({
    host: loopback,
    port: silent.port,
    patient: "p",
    insurance: "i",
    retries: 3,
    timeoutMs: 100,
  }).catch((e) => e);
  silent.close();
  expect(String(error)).toContain("after 3 tries");
  expect(Date.now() - started).toBeLessThan(2000);
});

test("usage errors exit 2 with a message", async () => {
  const run = (args: string[]) =>
    Bun.spawnSync([process.execPath, "roles/doctor.ts", ...args], {
      cwd: `${import.meta.dir}/..`,
      env: { ...process.env, NO_COLOR: "1" },
    });
  const noName = run([]);
  expect(noName.exitCode).toBe(2);
  expect(noName.stderr.toString()).toContain("which doctor?");
  const badPort = run(["doc1", "--port", "banana"]);
  expect(badPort.exitCode).toBe(2);
  expect(badPort.stderr.toString()).toContain("--port must be a port number");
  const noFile = run(["doc7", "--port", "0"]);
  expect(noFile.exitCode).toBe(2);
  expect(noFile.stderr.toString()).toContain("doc7.txt");
  expect(run(["--help"]).stdout.toString()).toContain("Usage:");
});

test("a price file's `<insurance> <type> <price>` line prices that appointment type; other types get the plan's", async () => {
  const tmp = tempDir();
  await Bun.write(`${tmp.dir}/doc1.txt`, "insurance1 30\ninsurance1 first 45\ninsurance2 20\n");
  const doc = await startDoctor("doc1", ["--data", tmp.dir]);
  try {
    const asked = ["insurance1", "patient1 insurance1", "patient1 insurance1 first", "patient1 insurance1 followup"];
    for (const [i, price] of ["30", "30", "45", "30"].entries())
      expect([asked[i], await exchange(doc.port, [asked[i]!])]).toEqual([asked[i], [price]]);
    expect(await exchange(doc.port, ["patient1 insurance2 first"])).toEqual(["20"]);
    expect(await exchange(doc.port, ["patient1 insurance9 first"])).toEqual(["unknown"]);
  } finally {
    await doc.stop();
    tmp.cleanup();
  }
});
