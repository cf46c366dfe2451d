// A staff password changed with `staff passwd` (the answer to a password that leaked) ends the
// sessions signed in with the old one once staff.txt is read again (SIGHUP): whoever used the leaked
// password is signed out. Before, only a removed account or a changed role or doctor ended them, and a
// session kept working for up to --staff-session-hours after the reset. Other accounts keep theirs.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { join } from "node:path";
import { bun, runToEnd } from "./helpers.ts";
import { signIn, staffFile, startStaffServer, type StaffServer } from "./staff-helpers.ts";

let staff: StaffServer;
beforeAll(async () => {
  const accounts = await staffFile([
    ["alice", "front-desk", "alice-password-1"],
    ["boss", "admin", "boss-password-1"],
  ]);
  staff = await startStaffServer({ slots: 6, staff: accounts });
}, 30_000);
afterAll(() => staff?.stop());

const me = async (cookie: string) => {
  const answer = (await (await fetch(`${staff.base}/api/me`, { headers: { Cookie: cookie } })).json()) as {
    name: string | null;
  };
  return answer.name;
};

test("staff passwd, then SIGHUP: the account's old sessions end; the new password signs in; others keep theirs", async () => {
  const leaked = await signIn(staff.base, "alice", "alice-password-1");
  const other = await signIn(staff.base, "boss", "boss-password-1");
  expect([await me(leaked), await me(other)]).toEqual(["alice", "boss"]);
  const data = join(staff.dir, "data");
  const passwd = await runToEnd(
    [bun, "roles/healthcenterserver.ts", "staff", "passwd", "alice", "--data", data],
    "alice-password-2\n",
  );
  expect(passwd.code).toBe(0);
  staff.server.proc.kill("SIGHUP");
  await staff.server.stdout.waitFor(/reloaded 2 staff accounts/);
  expect(await me(leaked)).toBeNull();
  expect(await me(other)).toBe("boss");
  const fresh = await signIn(staff.base, "alice", "alice-password-2");
  expect(await me(fresh)).toBe("alice");
  // A reload that changes nothing keeps every session.
  staff.server.proc.kill("SIGHUP");
  await staff.server.stdout.waitFor(/reloaded 2 staff accounts[^]*reloaded 2 staff accounts/);
  expect([await me(fresh), await me(other)]).toEqual(["alice", "boss"]);
});
