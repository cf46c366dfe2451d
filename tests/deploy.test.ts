// Two machines on one: network namespaces joined by a veth pair (192.0.2.0/24, the documentation
// range). The compiled server runs on "machine B", the doctors and patients on "machine A", all
// configured by one deployment file, and the four seed cases pass across them.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { join } from "node:path";
import { build } from "../scripts/build.ts";
import { child_env, Output, runToEnd, tempDir } from "./helpers.ts";

const tag = `${process.pid % 100000}`;
const nsServer = `appt-b-${tag}`;
const nsPatients = `appt-a-${tag}`;
const serverIp = "192.0.2.1";
const patientsIp = "192.0.2.2";

function ip(...args: string[]) {
  const r = Bun.spawnSync(["ip", ...args], { stderr: "pipe" });
  return { ok: r.exitCode === 0, err: r.stderr.toString().trim() };
}

/** Creates both namespaces and the link, or says why it cannot. */
function setUpNetwork(): string | undefined {
  if (!Bun.which("ip")) return "the ip command (iproute2) is not installed";
  const first = ip("netns", "add", nsServer);
  if (!first.ok) return `cannot create network namespaces here (${first.err})`;
  const steps = [
    ["netns", "add", nsPatients],
    ["link", "add", `vb${tag}`, "type", "veth", "peer", "name", `va${tag}`],
    ["link", "set", `vb${tag}`, "netns", nsServer],
    ["link", "set", `va${tag}`, "netns", nsPatients],
    ["-n", nsServer, "addr", "add", `${serverIp}/24`, "dev", `vb${tag}`],
    ["-n", nsPatients, "addr", "add", `${patientsIp}/24`, "dev", `va${tag}`],
    ["-n", nsServer, "link", "set", `vb${tag}`, "up"],
    ["-n", nsPatients, "link", "set", `va${tag}`, "up"],
    ["-n", nsServer, "link", "set", "lo", "up"],
    ["-n", nsPatients, "link", "set", "lo", "up"],
  ];
  for (const step of steps) {
    const r = ip(...step);
    if (!r.ok) return `ip ${step.join(" ")} failed (${r.err})`;
  }
  return undefined;
}

const unavailable = setUpNetwork();
if (unavailable) console.log(`skipping the two-machine test: ${unavailable}`);

const tmp = tempDir();
const dist = join(tmp.dir, "dist");
const config = join(tmp.dir, "deploy.toml");
const procs: { kill: (s?: NodeJS.Signals) => void; exited: Promise<number> }[] = [];
let server: Output;
let doc1: Output;
let doc2: Output;

async function startIn(ns: string, args: string[], ready: RegExp): Promise<Output> {
  const proc = Bun.spawn(["ip", "netns", "exec", ns, ...args], {
    cwd: tmp.dir,
    env: child_env,
    stdout: "pipe",
    stderr: "pipe",
  });
  procs.push(proc);
  const out = new Output(proc.stdout);
  const err = new Output(proc.stderr);
  await out.waitFor(ready).catch((e) => {
    throw new Error(`${e.message}\nstderr: ${err.text}`);
  });
  return out;
}

const patient = (who: string, input: string) =>
  runToEnd(["ip", "netns", "exec", nsPatients, join(dist, "patient"), who, "--config", config], input);

beforeAll(async () => {
  if (unavailable) return;
  await build(dist);
  await Bun.write(
    config,
    `# one deployment: the server on machine B, doctors and patients on machine A
[server]
host = "${serverIp}"
port = 21000
db = "bookings.db"

[doctors.doc1]
host = "${patientsIp}"
port = 41000

[doctors.doc2]
host = "${patientsIp}"
port = 42000
`,
  );
  server = await startIn(nsServer, [join(dist, "healthcenterserver"), "--config", config], /has port number: (\d+)/);
  doc1 = await startIn(nsPatients, [join(dist, "doctor"), "doctor1", "--config", config], /static UDP port (\d+)/);
  doc2 = await startIn(nsPatients, [join(dist, "doctor"), "doctor2", "--config", config], /static UDP port (\d+)/);
}, 120_000);

afterAll(async () => {
  for (const p of procs) p.kill("SIGTERM");
  await Promise.all(procs.map((p) => p.exited));
  if (!unavailable) {
    ip("netns", "del", nsServer);
    ip("netns", "del", nsPatients);
  }
  tmp.cleanup();
});

describe.skipIf(unavailable !== undefined)("two machines (network namespaces)", () => {
  test("each machine shows its own address on the link", () => {
    expect(server.text).toContain(`has port number: 21000 and IP address: ${serverIp}`);
    expect(doc1.text).toContain(`static UDP port 41000 and IP Address ${patientsIp}`);
    expect(doc2.text).toContain(`static UDP port 42000 and IP Address ${patientsIp}`);
  });

  test("case 1 across machines: the server sends patient1 to doc2 on the patients' machine", async () => {
    const r = await patient("patient1", "2\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Phase1: Patient1 has TCP port number: `);
    expect(r.stdout).toContain(`and IP Address: ${patientsIp}`);
    expect(r.stdout).toContain(`has been sent to the doctor with port number 42000 and IP address ${patientsIp}`);
    expect(r.stdout).toMatch(/Cost\s+40/);
    await doc2.waitFor(/Doctor2 has sent estimated price \$ 40/);
    await server.waitFor(
      new RegExp(
        `available time slots from patients with port number: \\d+ and IP Address: ${patientsIp.replaceAll(".", "\\.")}`,
      ),
    );
  });

  test("case 2 across machines: 8 is invalid and the patient is asked again", async () => {
    const r = await patient("patient1", "8\n");
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/enter:\n8\nPlease enter the preferred appointment index and press enter:\n$/);
    await server.waitFor(/Receiving invalid time index, let patient re-enter/);
  });

  test("case 3 across machines: patient2 books 3 and pays $20 at doc1", async () => {
    const r = await patient("patient2", "3\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Cost\s+20/);
    await doc1.waitFor(/name Patient2 with the insurance plan insurance2/);
  });

  test("case 4 across machines: patient2 is refused slot 3", async () => {
    const r = await patient("patient2", "3\n");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("is not available.----->Exiting");
  });
});
