// Availability edited from the staff page: an admin marks leave (refused while it strands a booking,
// unless keep-booked), the change shows within a second; a doctor edits only their own (and removes
// nothing: a remove names only an id); no session, no edit.
import { afterAll, expect, test } from "bun:test";
import { join } from "node:path";
import { login, startServer, tempDir, writeDataDir, type Running } from "./helpers.ts";
import { availability, listing, localDate, rule_doc1, within, zone } from "./calendar-helpers.ts";
import { signIn, staffFile } from "./staff-helpers.ts";

const tmp = tempDir();
let server: Running | undefined;
afterAll(async () => {
  await server?.stop();
  tmp.cleanup();
});

test("an admin marks leave from the page, refused while it strands a booking; a doctor edits only their own", async () => {
  const db = ["--db", join(tmp.dir, "edit.db")];
  expect((await availability(db, ...rule_doc1, "--port", "41000")).code).toBe(0);
  const staff = await staffFile([
    ["alice", "admin", "alice-password-1"],
    ["drtwo", "doctor", "drtwo-password-1", "doc2"],
  ]);
  const data = await writeDataDir(join(tmp.dir, "data"), 6, { "staff.txt": staff });
  server = await startServer([...db, "--data", data, "--time-zone", zone, "--http", "127.0.0.1:0"]);
  const base = (await server.stdout.waitFor(/Staff page: (http:\/\/127\.0\.0\.1:\d+)\//))[1]!;
  const day = localDate(2);
  const c = await login(server.port);
  const [line] = await listing(c, `slots from=${day} to=${day} limit=1`);
  expect(await c.request(`selection ${line!.split(" ")[0]}`)).toBe("doc1 41000");

  const post = (cookie: string | undefined, form: Record<string, string>) =>
    fetch(`${base}/api/availability`, {
      method: "POST",
      headers: cookie ? { Cookie: cookie } : {},
      body: new URLSearchParams(form),
    });
  const leave = { verb: "except", doctor: "doc1", from: day, reason: "conference" };
  expect((await post(undefined, leave)).status).toBe(401);
  const doctor = await signIn(base, "drtwo", "drtwo-password-1");
  expect((await post(doctor, leave)).status).toBe(403);
  // A remove names only an id: a doctor's would reach any doctor's rule (doc1's r1 here, its slots gone).
  const removal = await post(doctor, { verb: "remove", id: "r1" });
  expect(removal.status).toBe(403);
  expect(await listing(c, `slots from=${day} to=${day} limit=1`)).not.toEqual([]);
  const admin = await signIn(base, "alice", "alice-password-1");
  // The reason goes into the audit trail: bounded as the front desk's is (control characters kept as text).
  const rule3 = {
    verb: "add",
    doctor: "doc3",
    days: "sun",
    start: "09:00",
    end: "10:00",
    minutes: "30",
    port: "43000",
  };
  const long = await post(admin, { ...rule3, reason: "x".repeat(501) });
  expect([long.status, await long.json()]).toEqual([400, { error: "a reason is at most 500 characters" }]);
  expect((await availability(db, "list")).stdout).not.toContain("doc3");
  const refused = await post(admin, leave);
  expect(refused.status).toBe(400);
  expect(((await refused.json()) as { error: string }).error).toContain(`patient1`);
  const kept = await post(admin, { ...leave, "keep-booked": "on" });
  expect(kept.status).toBe(200);
  expect(((await kept.json()) as { lines: string[] }).lines.join("\n")).toContain("outside availability");
  await within(100, async () => (await listing(c, `slots from=${day} to=${day}`)).length === 0);
  expect(await listing(c, "mine")).toEqual([line!]);
  c.close();
});
