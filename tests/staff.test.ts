// The staff page server: metrics that agree with what happened over TCP, health checks, the live
// event stream, who sees names, and the limits. Real server process, real sockets on loopback.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { rmSync } from "node:fs";
import { join } from "node:path";
import { staff_body_bytes_max, staff_watchers_anonymous_max } from "../shared/limits.ts";
import { bun, child_env, Client, login, Output, readBookings, root, runToEnd, tempDir } from "./helpers.ts";
import { EventReader, metric, staff_token, startStaffServer, type StaffServer } from "./staff-helpers.ts";

let staff: StaffServer;
beforeAll(async () => {
  staff = await startStaffServer({ slots: 40 });
});
afterAll(() => staff.stop());

const bearer = { Authorization: `Bearer ${staff_token}` };
const get = (path: string, headers: Record<string, string> = {}) => fetch(staff.base + path, { headers });

describe("/metrics", () => {
  test("counters agree with what happened over TCP: sessions, logins, bookings, cancellations and moves by outcome, free slots", async () => {
    const before = await (await get("/metrics")).text();
    // A histogram's series appears with its first observation.
    const n = (series: string) => metric(before, series, series.startsWith("hcs_request_seconds") ? 0 : undefined);
    const a = await login(staff.server.port, "patient1", "password111");
    const b = await login(staff.server.port, "patient2", "password222");
    const bad = await Client.connect(staff.server.port);
    expect(await bad.request("authenticate patient1 wrong")).toBe("failure");
    expect(await a.request("selection 11")).toMatch(/^doc/);
    expect(await a.request("selection 12")).toMatch(/^doc/);
    expect(await b.request("selection 13")).toMatch(/^doc/);
    expect(await b.request("selection 11")).toBe("notavailable");
    expect(await b.request("selection 999")).toBe("invalid");
    expect(await a.request("cancel 12")).toBe("cancelled");
    expect(await a.request("cancel 13")).toBe("notyours");
    expect(await a.request("reschedule 11 14")).toMatch(/^doc/);
    expect(await a.request("reschedule 14 13")).toBe("notavailable");
    for (const c of [a, b, bad]) c.close();

    const after = await (await get("/metrics")).text();
    const delta = (series: string) => metric(after, series) - n(series);
    expect(delta("hcs_sessions_total")).toBe(3);
    expect(delta('hcs_logins_total{outcome="success"}')).toBe(2);
    expect(delta('hcs_logins_total{outcome="failure"}')).toBe(1);
    expect(delta('hcs_bookings_total{outcome="booked"}')).toBe(3);
    expect(delta('hcs_bookings_total{outcome="notavailable"}')).toBe(1);
    expect(delta('hcs_bookings_total{outcome="invalid"}')).toBe(1);
    expect(delta('hcs_cancellations_total{outcome="cancelled"}')).toBe(1);
    expect(delta('hcs_cancellations_total{outcome="notyours"}')).toBe(1);
    expect(delta('hcs_moves_total{outcome="moved"}')).toBe(1);
    expect(delta('hcs_moves_total{outcome="notavailable"}')).toBe(1);
    expect(delta("hcs_free_slots")).toBe(-2);
    expect(delta('hcs_request_seconds_count{command="selection"}')).toBe(5);
    expect(metric(after, "hcs_commit_seconds_count")).toBeGreaterThanOrEqual(1);
    expect(after).toContain("# TYPE hcs_request_seconds histogram");
    expect(metric(after, "hcs_uptime_seconds")).toBeGreaterThan(0);
    expect(metric(after, "hcs_log_lines_dropped_total")).toBe(0);
  });

  test("N bookings from parallel connections (group-committed) read back as exactly N, and the database agrees", async () => {
    const n = 40;
    const other = await startStaffServer({ slots: 100, token: false, args: ["--bookings-per-patient", "0"] });
    try {
      const replies = await Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const c = await login(
            other.server.port,
            i % 2 ? "patient2" : "patient1",
            i % 2 ? "password222" : "password111",
          );
          const reply = await c.request(`selection ${i + 1}`);
          c.close();
          return reply;
        }),
      );
      expect(replies.filter((r) => r?.startsWith("doc")).length).toBe(n);
      const text = await (await fetch(other.base + "/metrics")).text();
      expect(metric(text, 'hcs_bookings_total{outcome="booked"}')).toBe(n);
      expect(metric(text, 'hcs_logins_total{outcome="success"}')).toBe(n);
      expect(metric(text, "hcs_sessions_total")).toBe(n);
      expect(metric(text, "hcs_free_slots")).toBe(100 - n);
      expect(readBookings(other.db).size).toBe(n);
    } finally {
      await other.stop();
    }
  });
});

describe("the live page's data", () => {
  test("the event stream starts from a snapshot and shows a booking and a cancellation made over TCP, without the name", async () => {
    const events = await EventReader.open(staff.base + "/api/events");
    const snapshot = await events.next();
    expect(snapshot.event).toBe("snapshot");
    expect(snapshot.data.names).toBe(false);
    expect(snapshot.data.slotsTotal).toBe(40);
    const c = await login(staff.server.port, "patient2", "password222");
    expect(await c.request("selection 21")).toMatch(/^doc/);
    c.close();
    const change = await events.next();
    expect(change.event).toBe("changes");
    expect(change.data).toContainEqual([
      21,
      expect.any(Number),
      1,
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
    ]);
    expect(JSON.stringify(change.data)).not.toContain("patient2");
    const again = await login(staff.server.port, "patient2", "password222");
    expect(await again.request("cancel 21")).toBe("cancelled");
    again.close();
    expect((await events.next()).data).toContainEqual([
      21,
      expect.any(Number),
      0,
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
    ]);
    events.close();
  });

  test("signed-in staff see the patient's name, in the snapshot and live", async () => {
    const events = await EventReader.open(staff.base + "/api/events", bearer);
    expect((await events.next()).data.names).toBe(true);
    const c = await login(staff.server.port, "patient1", "password111");
    expect(await c.request("selection 22")).toMatch(/^doc/);
    c.close();
    expect((await events.next()).data).toContainEqual([
      22,
      expect.any(Number),
      "patient1",
      expect.any(Number),
      expect.any(Number),
      expect.any(Number),
    ]);
    events.close();
    const snapshot = (await (await get("/api/schedule", bearer)).json()) as { slots: unknown[] };
    expect(snapshot.slots).toContainEqual([22, expect.any(Number), "patient1"]);
    const anonymous = await (await get("/api/schedule")).text();
    expect(anonymous).not.toContain("patient1");
  });

  test("sign-in with the token gives a cookie that shows names; a wrong token gets 401 and no cookie", async () => {
    const wrong = await fetch(staff.base + "/api/signin", {
      method: "POST",
      body: new URLSearchParams({ token: "guess" }),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get("set-cookie")).toBeNull();
    const right = await fetch(staff.base + "/api/signin", {
      method: "POST",
      body: new URLSearchParams({ token: staff_token }),
    });
    expect(right.status).toBe(204);
    const cookie = right.headers.get("set-cookie")!;
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    const session = cookie.split(";")[0]!;
    const names = async () =>
      ((await (await get("/api/schedule", { Cookie: session })).json()) as { names: boolean }).names;
    expect(await names()).toBe(true);
    await fetch(staff.base + "/api/signout", { method: "POST", headers: { Cookie: session } });
    expect(await names()).toBe(false);
  });
});

describe("health checks", () => {
  test("/healthz answers 200; /readyz answers 200 while the database takes writes", async () => {
    expect((await get("/healthz")).status).toBe(200);
    const ready = await get("/readyz");
    expect(ready.status).toBe(200);
    expect(await ready.text()).toBe("ready\n");
  });

  test("/readyz answers 200 again once a deleted database file is restored", async () => {
    const other = await startStaffServer({ token: false });
    try {
      rmSync(other.db);
      await other.server.stderr.waitFor(/DATABASE FILE RESTORED/);
      const res = await fetch(other.base + "/readyz");
      expect(res.status).toBe(200);
    } finally {
      await other.stop();
    }
  });

  test("/readyz answers 503 with the reason once the database file is gone and cannot be restored", async () => {
    const other = await startStaffServer({ token: false });
    try {
      rmSync(other.dir, { recursive: true }); // the directory too: nowhere to restore it
      const res = await fetch(other.base + "/readyz");
      expect(res.status).toBe(503);
      expect(await res.text()).toMatch(/^not ready: database .* was deleted/);
      expect((await fetch(other.base + "/healthz")).status).toBe(200);
    } finally {
      await other.stop();
    }
  });
});

describe("limits and headers", () => {
  test("every answer carries the security headers; the page's own files are served", async () => {
    for (const path of ["/", "/page.js", "/page.css", "/metrics", "/healthz", "/nope"]) {
      const res = await get(path);
      expect(res.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    }
    expect(await (await get("/")).text()).toContain('<script src="/page.js"');
    expect((await get("/nope")).status).toBe(404);
    expect((await fetch(staff.base + "/metrics", { method: "POST" })).status).toBe(405);
  });

  test("a body over the limit is refused with 413", async () => {
    const res = await fetch(staff.base + "/api/signin", {
      method: "POST",
      body: "token=" + "x".repeat(staff_body_bytes_max * 2),
    });
    expect(res.status).toBe(413);
  });

  test(`anonymous live pages beyond ${staff_watchers_anonymous_max} get 503 and the rest keep working`, async () => {
    const open: EventReader[] = [];
    try {
      for (let i = 0; i < staff_watchers_anonymous_max; i++)
        open.push(await EventReader.open(staff.base + "/api/events"));
      expect(open.every((e) => e.status === 200)).toBe(true);
      const refused = await fetch(staff.base + "/api/events");
      expect(refused.status).toBe(503);
      expect((await open[0]!.next()).event).toBe("snapshot");
    } finally {
      for (const e of open) e.close();
    }
  });
});

describe("flags", () => {
  test("--http beyond loopback starts with a warning that the page is plain HTTP; on 127.0.0.1 there is none", async () => {
    if (Bun.spawnSync(["unshare", "-n", "true"]).exitCode !== 0)
      return void console.log("skipping: unshare -n is not available here");
    const tmp = tempDir();
    /** The server's output up to its staff-page line, in a network namespace of its own (0.0.0.0 reaches no real interface). */
    const run = async (http: string, warning?: RegExp) => {
      const proc = Bun.spawn(
        [
          "unshare",
          "-n",
          bun,
          join(root, "roles/healthcenterserver.ts"),
          "--http",
          http,
          "--port",
          "0",
          "--db",
          join(tmp.dir, `${http.length}.db`),
        ],
        { env: child_env, stdout: "pipe", stderr: "pipe" },
      );
      const [stdout, stderr] = [new Output(proc.stdout), new Output(proc.stderr)];
      try {
        await stdout.waitFor(/Staff page: http:\/\/[\d.]+:\d+/);
        if (warning) await stderr.waitFor(warning);
      } finally {
        proc.kill("SIGTERM");
        await proc.exited;
      }
      return { stdout: stdout.text, stderr: stderr.text };
    };
    try {
      await run("0.0.0.0:0", /the staff page on 0\.0\.0\.0 is plain HTTP reachable from other machines/);
      const local = await run("127.0.0.1:0");
      expect(local.stdout).toContain("Staff page: http://127.0.0.1:");
      expect(local.stderr).not.toContain("plain HTTP");
    } finally {
      tmp.cleanup();
    }
  });

  test("--staff-token-file without --http, and a short token, are usage errors (exit 2)", async () => {
    const tmp = tempDir();
    try {
      const short = join(tmp.dir, "short");
      await Bun.write(short, "abc\n");
      const noHttp = await runToEnd([
        bun,
        join(root, "roles/healthcenterserver.ts"),
        "--staff-token-file",
        short,
        "--port",
        "0",
      ]);
      expect(noHttp.code).toBe(2);
      expect(noHttp.stderr).toContain("--staff-token-file needs --http");
      const tooShort = await runToEnd([
        bun,
        join(root, "roles/healthcenterserver.ts"),
        "--http",
        "127.0.0.1:0",
        "--staff-token-file",
        short,
        "--port",
        "0",
      ]);
      expect(tooShort.code).toBe(2);
      expect(tooShort.stderr).toContain("at least 16 printable characters");
    } finally {
      tmp.cleanup();
    }
  });
});
