// The kernel's send buffer of every accepted connection is capped (issue 27), by one setsockopt on the
// listening socket that each accepted socket inherits (issue 28: no system call per connection). Read
// back with `ss` (iproute2): `tb` is the socket's send buffer as the kernel counts it (twice the value set).
import { describe, expect, test } from "bun:test";
import { socket_send_buffer_bytes } from "../shared/limits.ts";
import { Client, login, startServer } from "./helpers.ts";

const hasSs = process.platform === "linux" && Bun.which("ss") !== null;

/** The `tb` (send buffer) of each established socket whose local port is `port`. */
function sendBuffers(port: number): number[] {
  const r = Bun.spawnSync(["ss", "-tmnH", "state", "established", `( sport = :${port} )`], { stdout: "pipe" });
  return [...r.stdout.toString().matchAll(/\btb(\d+)\b/g)].map((m) => Number(m[1]));
}

describe("the kernel's send buffer", () => {
  test.skipIf(!hasSs)("every accepted connection has the capped send buffer, not the kernel's grown one", async () => {
    const server = await startServer(["--quiet"]);
    const clients: Client[] = [];
    try {
      // Logged in and answered: the connection is established and has sent bytes (the kernel grows an
      // uncapped buffer at establishment, to about 4 MiB on loopback).
      for (let i = 0; i < 3; i++) clients.push(await login(server.port, "patient1", "password111"));
      let got: number[] = [];
      for (let i = 0; i < 100 && got.length < 3; i++) {
        got = sendBuffers(server.port);
        if (got.length < 3) await Bun.sleep(20);
      }
      expect(got).toEqual([1, 2, 3].map(() => socket_send_buffer_bytes * 2));
    } finally {
      for (const c of clients) c.close();
      await server.stop();
    }
  });
});
