// One deployment file drives all three roles, on loopback (the two-machine version is deploy.test.ts,
// which needs network namespaces; this one runs anywhere).
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { Client, freeUdpPort, loopback, runPatient, startRole, tempDir } from "./helpers.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());

async function freeTcpPort(): Promise<number> {
  const listener = Bun.listen({ hostname: loopback, port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}

test("server, doctors and patient all read one config file; the server sends the patient to the configured doctor", async () => {
  const [serverPort, doc1Port, doc2Port] = [await freeTcpPort(), await freeUdpPort(), await freeUdpPort()];
  const config = join(tmp.dir, "deploy.toml");
  await Bun.write(
    config,
    `[server]
host = "${loopback}"
listen = "${loopback}"
port = ${serverPort}
db = "bookings.db"

[doctors.doc1]
host = "${loopback}"
port = ${doc1Port}
listen = "${loopback}"

[doctors.doc2]
host = "${loopback}"
port = ${doc2Port}
listen = "${loopback}"
`,
  );
  // No --host or --port: every address and port comes from the file.
  const server = await startRole(["roles/healthcenterserver.ts", "--config", config], /has port number: (\d+)/);
  const doc2 = await startRole(["roles/doctor.ts", "doctor2", "--config", config], /static UDP port (\d+)/);
  try {
    expect(server.port).toBe(serverPort);
    expect(doc2.port).toBe(doc2Port);
    expect(server.stdout.text).toContain(`IP address: ${loopback}`);
    expect(server.stdout.text).toContain(`booked in ${join(tmp.dir, "bookings.db")}`);
    const r = await runPatient(["patient1", "--config", config], "2\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`The assigned doctor port number is ${doc2Port}`);
    expect(r.stdout).toContain(`has been sent to the doctor with port number ${doc2Port} and IP address ${loopback}`);
    expect(r.stdout).toMatch(/Cost\s+40/);
  } finally {
    await Promise.all([server.stop(), doc2.stop()]);
  }
});

test("port = 0 in the deployment file is any free port, as --port 0 is: the start-up line shows the real one", async () => {
  const config = join(tmp.dir, "any-port.toml");
  await Bun.write(config, `[server]\nhost = "${loopback}"\nlisten = "${loopback}"\nport = 0\ndb = "any-port.db"\n`);
  const server = await startRole(["roles/healthcenterserver.ts", "--config", config], /has port number: (\d+)/);
  try {
    expect(server.port).toBeGreaterThan(0);
    const c = await Client.connect(server.port);
    expect(await c.request("available")).toBeDefined();
    c.socket.end();
    // The patient cannot connect to port 0: it says what to give instead of trying.
    const r = await runPatient(["patient1", "--config", config], "2\n");
    expect([r.code, r.stderr.trim()]).toEqual([
      2,
      "error: the deployment file's server.port = 0 lets the server pick a port: give --server HOST:PORT",
    ]);
  } finally {
    await server.stop();
  }
});
