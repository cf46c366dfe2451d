// Nothing accepted now that is fatal later: TLS files are loaded and matched at `check` and at
// start-up, operator flags meet the relations limits.ts checks for the defaults, a doctor missing
// from the deployment file is warned about, and odd targets get a one-line usage error.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { tlsOnAccept } from "../roles/healthcenterserver/network/tls-on-accept.ts";
import {
  asNobody,
  bun,
  loopback,
  programsForAnyUser,
  runPatient,
  runToEnd,
  startServer,
  tempDir,
  writeSelfSignedCert,
} from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const hasOpenssl = Bun.which("openssl") !== null;

function makePair(name: string): { cert: string; key: string } {
  const cert = join(tmp.dir, `${name}.crt`);
  const key = join(tmp.dir, `${name}.key`);
  writeSelfSignedCert(cert, key);
  return { cert, key };
}

let a = { cert: "", key: "" };
let b = { cert: "", key: "" };
const garbage = join(tmp.dir, "garbage.crt");
beforeAll(() => {
  if (!hasOpenssl) return;
  a = makePair("a");
  b = makePair("b");
  writeFileSync(garbage, "garbage\n");
});

const server = (...args: string[]) => runToEnd([bun, "roles/healthcenterserver.ts", ...args]);
const db = (name: string) => ["--db", join(tmp.dir, `${name}.db`)];

/** Exit 2, one line on stderr naming what it should, no stack trace, nothing served. */
function expectUsage(r: { code: number; stdout: string; stderr: string }, ...named: (string | RegExp)[]): void {
  expect(r.code).toBe(2);
  expect(r.stderr.trim().split("\n").length).toBe(1);
  for (const n of named) typeof n === "string" ? expect(r.stderr).toContain(n) : expect(r.stderr).toMatch(n);
  expect(r.stderr).not.toContain("    at ");
  expect(r.stdout).not.toContain("has port number");
}

describe.skipIf(!hasOpenssl)("TLS files are loaded and matched before anything is served", () => {
  test("a key that does not match its certificate: check and start-up exit 2 naming the key file", async () => {
    for (const first of [["check"], []]) {
      const r = await server(...first, "--port", "0", ...db("mismatch"), "--tls-cert", a.cert, "--tls-key", b.key);
      expectUsage(r, `--tls-key: ${b.key} does not match the certificate in ${a.cert}`);
    }
  });

  test("a garbage certificate file: check and start-up exit 2 naming it", async () => {
    for (const first of [["check"], []]) {
      const r = await server(...first, "--port", "0", ...db("garbage"), "--tls-cert", garbage, "--tls-key", a.key);
      expectUsage(r, `--tls-cert: ${garbage} is not a PEM certificate`);
    }
  });

  test("a key file that is not a key is named too; tls_key from the deployment file says so", async () => {
    const config = join(tmp.dir, "badkey.toml");
    writeFileSync(config, `[server]\ntls_cert = "${a.cert}"\ntls_key = "${garbage}"\n`);
    expectUsage(await server("check", "--config", config), `tls_key in the deployment file: ${garbage} is not a PEM`);
  });

  test("TLS from the deployment file: tls_cert and tls_key for the server, tls_ca for the patient", async () => {
    const config = join(tmp.dir, "tls.toml");
    writeFileSync(config, `[server]\ntls_cert = "${a.cert}"\ntls_key = "${a.key}"\ntls_ca = "${a.cert}"\n`);
    expect((await server("check", "--config", config, ...db("tls-config"))).stdout).toContain("with TLS");
    const s = await startServer(["--config", config, ...db("tls-config")]);
    try {
      expect(s.stdout.text).toContain(", TLS)");
      const r = await runPatient(["patient1", "--config", config, "--server", `${loopback}:${s.port}`, "--list"]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
    } finally {
      await s.stop();
    }
  });

  test("no bytes on one connection end the process: garbage, a cut handshake, plain text; TLS then still works", async () => {
    const s = await startServer([...db("tls-hostile"), "--tls-cert", a.cert, "--tls-key", a.key]);
    try {
      const hello = Buffer.from("16030100ff010000fb0303", "hex");
      for (const bytes of [Buffer.from("\x00\xff garbage \x16\x03\x01\n".repeat(50)), hello, Buffer.from("ping\n")]) {
        await new Promise<void>((resolve) => {
          const socket = connect({ port: s.port, host: loopback }, () => socket.end(bytes));
          socket.on("error", () => {});
          socket.on("close", () => resolve());
          socket.resume();
        });
      }
      const r = await runPatient(["patient1", "--server", `${loopback}:${s.port}`, "--tls", "--ca", a.cert, "--list"]);
      expect(r.code).toBe(0);
      expect(s.proc.exitCode).toBeNull();
    } finally {
      await s.stop();
    }
  });
});

describe.skipIf(!hasOpenssl)("a TLS upgrade that fails ends that connection only", () => {
  test("tlsOnAccept with a pair that does not match: each connection is closed, the listener keeps accepting", async () => {
    const tls = { cert: readFileSync(a.cert, "utf8"), key: readFileSync(b.key, "utf8") };
    let upgraded = 0;
    const listener = Bun.listen<undefined>({
      hostname: loopback,
      port: 0,
      socket: tlsOnAccept(tls, { data() {} }, () => upgraded++),
    });
    try {
      for (let i = 0; i < 3; i++) {
        const closed = await new Promise<boolean>((resolve) => {
          const socket = connect({ port: listener.port, host: loopback }, () => socket.write("hello\n"));
          const timer = setTimeout(() => resolve(false), 5_000);
          socket.on("error", () => {});
          socket.on("close", () => (clearTimeout(timer), resolve(true)));
          socket.resume();
        });
        expect(closed).toBe(true);
      }
      expect(upgraded).toBe(0);
    } finally {
      listener.stop(true);
    }
  });
});

describe("operator flags meet the relations limits.ts checks for the defaults", () => {
  const cases: [string[], string[]][] = [
    [
      ["--max-queued-mb", "1"],
      ["--max-queued-mb 1", "one connection's full reply queue (8 MiB) fits the global cap"],
    ],
    [
      ["--line-timeout", "60", "--login-timeout", "5"],
      ["--line-timeout 60 with --login-timeout 5", "login line"],
    ],
  ];
  for (const [flags, named] of cases)
    test(`${flags.join(" ")}: check and start-up exit 2 naming the flags`, async () => {
      for (const first of [["check"], []])
        expectUsage(await server(...first, "--port", "0", ...db("f"), ...flags), ...named);
    });
});

test("a doctor missing from the deployment file: check warns that patients are sent to their own 127.0.0.1", async () => {
  const config = join(tmp.dir, "one-doctor.toml");
  writeFileSync(config, `[doctors.doc1]\nhost = "192.0.2.2"\nport = 41000\n`);
  const r = await server("check", "--config", config, ...db("doctors"));
  expect(r.code).toBe(0);
  expect(r.stdout).toContain("ok: patients reach doc1 at 192.0.2.2:41000");
  expect(r.stderr).toMatch(/warning: doc2 has no \[doctors\.doc2\] host .*127\.0\.0\.1:42000, their own machine/);
  expect(r.stderr).not.toContain("doc1");
});

describe("odd targets: one line, exit 2, no stack trace", () => {
  test("--http with a host that is not an address, at check and at start-up", async () => {
    for (const first of [["check"], []])
      expectUsage(await server(...first, "--port", "0", ...db("http"), "--http", "not-an-ip:8080"), "--http");
  });

  test("init into a path under a file, /dev/null, a non-empty directory", async () => {
    const file = join(tmp.dir, "a-file");
    writeFileSync(file, "keep\n");
    mkdirSync(join(tmp.dir, "full"));
    writeFileSync(join(tmp.dir, "full", "x"), "x");
    for (const target of [join(file, "sub"), "/dev/null", join(tmp.dir, "full")])
      expectUsage(await server("init", target), target, "changed nothing");
    expect(readFileSync(file, "utf8")).toBe("keep\n");
  });

  test("init into a directory the user cannot write: permission denied, naming the user", async () => {
    const dir = join(tmp.dir, "locked");
    mkdirSync(dir, { mode: 0o555 });
    const program = await programsForAnyUser(join(tmp.dir, "dist"));
    const r = await runToEnd([...asNobody(), program, "init", join(dir, "data")], "");
    expectUsage(r, join(dir, "data"), "permission denied", /(user nobody \(uid 65534\)|uid \d+)/);
  });
});
