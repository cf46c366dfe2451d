// `staff add --role doctor --doctor DOC` against a calendar on PostgreSQL (a throwaway cluster): the
// doctors the database's calendar knows are read over the network, an unknown one is refused in one
// line naming them, and staff.txt is unchanged.
import { expect } from "bun:test";
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bun, runToEnd, tempDir } from "./helpers.ts";
import { availability } from "./calendar-helpers.ts";
import { postgresForFile } from "./pg-file.ts";

const tmp = tempDir();
const cluster = postgresForFile(() => tmp.cleanup());

cluster.pgTest(
  "staff add --doctor on PostgreSQL: a doctor the calendar does not know is refused, naming doc7",
  async () => {
    cluster.pg.createDatabase("staffdocs");
    const db = ["--db", cluster.pg.url("staffdocs"), "--db-password-file", cluster.pg.passwordFile];
    const rule = ["--days", "mon-fri", "--start", "09:00", "--end", "12:00", "--minutes", "15", "--port", "47000"];
    expect((await availability(db, "add", "doc7", ...rule)).code).toBe(0);
    writeFileSync(join(tmp.dir, "users.txt"), "patient1 password1\n");
    const add = (doctor: string) =>
      runToEnd(
        [
          bun,
          "roles/healthcenterserver.ts",
          "staff",
          "add",
          "dr",
          "--role",
          "doctor",
          "--doctor",
          doctor,
          "--data",
          tmp.dir,
          ...db,
        ],
        "doctor-secret-1\n",
      );
    const refused = await add("doc1");
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split("\n")).toHaveLength(1);
    expect(refused.stderr).toContain("unknown doctor doc1 (known: doc7)");
    expect(existsSync(join(tmp.dir, "staff.txt"))).toBe(false);
    expect((await add("doc7")).code).toBe(0);
  },
  60_000,
);
