// Health checks as real clients send them: any request line gets a proper answer (HAProxy's
// `option httpchk GET /readyz` is HTTP/1.0 without Host), and /healthz, /readyz and /metrics never
// queue behind the staff page's own requests (held live pages, trickled sign-in bodies).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { EventReader, staff_token, startStaffServer, type StaffServer } from "./staff-helpers.ts";

let staff: StaffServer;
let port: number;
beforeAll(async () => {
  staff = await startStaffServer({ slots: 20 });
  port = Number(new URL(staff.base).port);
});
afterAll(async () => staff?.stop());

/** Sends raw bytes, returns the status line and the body of the answer. */
async function raw(request: string): Promise<{ status: string; body: string }> {
  let text = "";
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer to ${JSON.stringify(request)}: ${text}`)), 5_000);
    const done = () => {
      clearTimeout(timer);
      resolve();
    };
    Bun.connect({
      hostname: "127.0.0.1",
      port,
      socket: {
        open: (s) => void s.write(request),
        data: (s, d) => {
          text += d.toString();
          // A keep-alive answer stays open: stop at the end of the body the length says.
          const m = /content-length: (\d+)/i.exec(text);
          const head = text.indexOf("\r\n\r\n");
          if (m && head !== -1 && text.length >= head + 4 + Number(m[1])) {
            s.end();
            done();
          }
        },
        close: done,
        end: done,
        error: done,
      },
    });
  });
  const head = text.indexOf("\r\n\r\n");
  return { status: text.split("\r\n")[0]!, body: head === -1 ? "" : text.slice(head + 4) };
}

test("request lines real clients send get a proper answer, never a 500 from parsing", async () => {
  // HAProxy's httpchk: HTTP/1.0, no Host.
  expect(await raw("GET /readyz HTTP/1.0\r\n\r\n")).toEqual({ status: "HTTP/1.1 200 OK", body: "ready\n" });
  expect(await raw("GET /healthz HTTP/1.0\r\nUser-Agent: check\r\n\r\n")).toEqual({
    status: "HTTP/1.1 200 OK",
    body: "ok\n",
  });
  expect((await raw("HEAD /readyz HTTP/1.0\r\n\r\n")).status).toBe("HTTP/1.1 200 OK");
  // The absolute form, a Host that is no valid authority, a query string.
  expect((await raw("GET http://anything/readyz HTTP/1.1\r\nHost: x\r\n\r\n")).body).toBe("ready\n");
  expect((await raw("GET /readyz HTTP/1.1\r\nHost: [not-an-address\r\n\r\n")).body).toBe("ready\n");
  expect((await raw("GET /healthz?probe=1 HTTP/1.0\r\n\r\n")).body).toBe("ok\n");
  expect((await raw("GET /nothing-here HTTP/1.0\r\n\r\n")).status).toBe("HTTP/1.1 404 Not Found");
  // Whatever else Bun lets through is a 4xx, not a 500.
  for (const line of ["OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n", "GET /readyz HTTP/1.1\r\n\r\n"])
    expect((await raw(line)).status).toMatch(/^HTTP\/1\.1 4\d\d /);
  expect(staff.server.stderr.text + staff.server.stdout.text).not.toContain("Invalid URL");
});

test("with 32 live pages held and sign-in bodies trickling, /readyz, /healthz and /metrics still answer 200", async () => {
  // Signed in (anonymous viewers hold at most half the live-page places).
  const viewer = { Authorization: `Bearer ${staff_token}` };
  const pages = await Promise.all(
    Array.from({ length: 32 }, () => EventReader.open(`${staff.base}/api/events`, viewer)),
  );
  const trickles = await Promise.all(
    Array.from({ length: 40 }, () =>
      Bun.connect({
        hostname: "127.0.0.1",
        port,
        socket: {
          data() {},
          open: (s) => void s.write("POST /api/signin HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nt"),
        },
      }),
    ),
  );
  try {
    // The page's own requests are past its cap now: a page request is refused...
    await Bun.sleep(100);
    expect((await fetch(`${staff.base}/api/schedule`)).status).toBe(503);
    // ...and the checks are not.
    for (let i = 0; i < 10; i++) {
      for (const path of ["/readyz", "/healthz", "/metrics"])
        expect((await fetch(`${staff.base}${path}`)).status).toBe(200);
      expect((await raw("GET /readyz HTTP/1.0\r\n\r\n")).body).toBe("ready\n");
    }
  } finally {
    for (const t of trickles) t.end();
    for (const p of pages) p.close();
  }
}, 30_000);
