// The patient against a real server and real doctors.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import {
  bun,
  child_env,
  freeUdpPort,
  loopback,
  Output,
  root,
  runPatient,
  startDoctor,
  startServer,
  startSystem,
  tempDir,
} from "./helpers.ts";

const tmp = tempDir();
let system: Awaited<ReturnType<typeof startSystem>>;
let server: string;

beforeAll(async () => {
  system = await startSystem(["--db", join(tmp.dir, "b.db")]);
  server = `${loopback}:${system.server.port}`;
});
afterAll(async () => {
  await system.stop();
  tmp.cleanup();
});

describe("terminal-less mode (the seed transcript)", () => {
  test("case 1: patient1 enters 2, is reserved doc2 and gets $40", async () => {
    const r = await runPatient(["patient1", "--server", server], "2\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Phase1: Patient1 has TCP port number: \d+ and IP Address: 127\.0\.0\.1$/m);
    expect(r.stdout).toContain("Phase1: Patient1 authentication result: Success");
    expect(r.stdout).toContain(
      "Phase2: The following appointments are available for patient1:\n1 Tue 01pm\n2 Mon 03pm\n",
    );
    expect(r.stdout).toContain(`The assigned doctor port number is ${system.doc2.port}`);
    expect(r.stdout).toContain("My insurance: insurance1");
    expect(r.stdout).toContain(
      `Phase3: Patient1 receive $ 40 estimation cost from doctor with port number ${system.doc2.port}`,
    );
    expect(r.stdout).toMatch(/Patient\s+patient1\nInsurance\s+insurance1\nCost\s+40\n/);
    expect(r.stdout).toContain("Phase3: End of Phase3 for Patient1");
  });

  test("case 2: an index not in the schedule asks again; the next answer books", async () => {
    const r = await runPatient(["patient1", "--server", server], "8\nfour\n4\n");
    expect(r.code).toBe(0);
    expect(r.stdout.match(/Please enter the preferred appointment index and press enter:/g)?.length).toBe(3);
    expect(r.stdout).toContain("reserved to Patient1");
    await system.server.stdout.waitFor(/Receiving invalid time index, let patient re-enter/);
  });

  test("case 4: a taken slot is not available and the patient exits 1", async () => {
    expect((await runPatient(["patient1", "--server", server, "--slot", "6"])).code).toBe(0);
    const r = await runPatient(["patient2", "--server", server], "6\n");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Phase2: The requested appointment from Patient2 is not available.----->Exiting");
  });

  test("end of input before a choice books nothing and exits 2", async () => {
    const r = await runPatient(["patient2", "--server", server], "");
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("nothing was booked");
  });
});

describe("--slot", () => {
  test("books without asking", async () => {
    const r = await runPatient(["patient2", "--server", server, "--slot", "3"]);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("Please enter");
    expect(r.stdout).toMatch(/Cost\s+20/);
  });

  test("a slot that is not in the schedule exits 1 with a message", async () => {
    const r = await runPatient(["patient2", "--server", server, "--slot", "77"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("slot 77 is not in the schedule");
  });

  test("--slot must be a number", async () => {
    const r = await runPatient(["patient2", "--slot", "x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--slot");
  });
});

describe("failures", () => {
  test("a wrong password exits 1", async () => {
    const r = await runPatient(["--user", "patient1", "--insurance", "insurance1", "--server", server], "wrong\n");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("authentication result: Failure");
    expect(r.stderr).toContain("refused the login");
  });

  test("an --insurance that is not one printable word is a usage error before any connection (exit 2, not 3)", async () => {
    for (const plan of ["a b", "\x1b[31mred", ""]) {
      const r = await runPatient(["patient1", "--insurance", plan, "--server", `${loopback}:1`, "--slot", "1"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--insurance must be one word of printable ASCII");
      expect(r.stderr).not.toContain("\x1b");
    }
  });

  test("a booking past the per-patient limit is a refusal (exit 1, the limit named), piped or with --slot, not a network error", async () => {
    const s = await startServer(["--db", join(tmp.dir, "limit.db"), "--bookings-per-patient", "1"]);
    try {
      const at = `${loopback}:${s.port}`;
      expect((await runPatient(["patient1", "--server", at, "--slot", "1", "--udp-timeout-ms", "50"])).code).toBe(0);
      for (const [args, input] of [
        [["--slot", "2"], ""],
        [[], "2\n"],
      ] as const) {
        const r = await runPatient(["patient1", "--server", at, ...args], input);
        expect(r.code).toBe(1);
        expect(r.stderr).toContain("slot 2 not booked: you already hold 1 appointment, the most one patient may hold");
      }
    } finally {
      await s.stop();
    }
  });

  test("a server that is down gives a clear message and exit 3, not a stack trace", async () => {
    const r = await runPatient(["patient1", "--server", `${loopback}:1`], "1\n");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("cannot reach the health center server at 127.0.0.1:1");
    expect(r.stderr).not.toContain("    at ");
  });

  test("a doctor that never answers: the booking stands, exit 0 with a warning, within the bounded retries", async () => {
    const silent = await freeUdpPort();
    const s = await startServer(["--db", join(tmp.dir, "silent.db"), "--doctor", `doc1=${loopback}:${silent}`]);
    const r = await runPatient([
      "patient1",
      "--server",
      `${loopback}:${s.port}`,
      "--slot",
      "1",
      "--udp-timeout-ms",
      "200",
    ]);
    await s.stop();
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("warning:");
    expect(r.stderr).toContain("after 3 tries of 200 ms");
    expect(r.stderr).toContain("Your booking of slot 1 with doc1 stands");
    expect(r.ms).toBeLessThan(5000);
  });

  test("a doctor started after the patient's first datagram is reached by a retry", async () => {
    const port = await freeUdpPort();
    const s = await startServer(["--db", join(tmp.dir, "late.db"), "--doctor", `doc2=${loopback}:${port}`]);
    const patient = Bun.spawn(
      [
        bun,
        "roles/patient.ts",
        "patient1",
        "--server",
        `${loopback}:${s.port}`,
        "--slot",
        "2",
        "--udp-timeout-ms",
        "1500",
      ],
      { cwd: root, env: child_env, stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
    const out = new Output(patient.stdout);
    // The first datagram has gone out into nothing when the patient says it was sent.
    await out.waitFor(/has been sent to the doctor with port number \d+/);
    const late = await startDoctor("doc2", ["--port", String(port)]);
    const code = await patient.exited;
    await late.stdout.waitFor(/name Patient1 with the insurance plan insurance1/);
    await Promise.all([s.stop(), late.stop()]);
    expect(code).toBe(0);
    await out.waitFor(/Cost\s+40/);
  });
});
