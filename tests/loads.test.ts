// What each role loads when it starts (static value imports, followed through our files): shared/
// holds only what a role needs, so the patient and the doctor do not pay for the server's parts.
import { describe, expect, test } from "bun:test";
import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tempDir } from "./helpers.ts";
import { importCycles, loadedBy, root } from "./module-graph.ts";

const server_only = ["shared/slot-table.ts", "shared/slot-file.ts", "shared/name-table.ts", "shared/assert.ts"];
/** The log's sink: a buffered non-blocking writer whose fd flags come through bun:ffi (libc.ts). */
const log_sink = ["shared/log-sink.ts", "shared/libc.ts"];

describe("what each role loads", () => {
  test("the walk follows our files and stops at packages", () => {
    const { files, packages } = loadedBy("roles/healthcenterserver.ts");
    expect(files).toContain("shared/slot-table.ts");
    expect(files).toContain("shared/log-sink.ts");
    expect(files).toContain("roles/healthcenterserver/session/session.ts");
    expect(packages).toContain("bun:sqlite");
  });

  test("the patient loads no slot table, no log and nothing of the server or the doctor", () => {
    const { files, packages } = loadedBy("roles/patient.ts");
    for (const f of [...server_only, ...log_sink, "shared/log.ts"]) expect(files).not.toContain(f);
    expect([...files].filter((f) => f.startsWith("roles/") && !/^roles\/patient(\.ts|\/)/.test(f))).toEqual([]);
    expect(packages).not.toContain("bun:sqlite");
    // The prompts load only on a terminal (a dynamic import).
    expect(packages).not.toContain("@clack/prompts");
  });

  test("the doctor loads no slot table and nothing of the server or the patient", () => {
    const { files, packages } = loadedBy("roles/doctor.ts");
    for (const f of server_only) expect(files).not.toContain(f);
    expect([...files].filter((f) => f.startsWith("roles/") && !/^roles\/doctor(\.ts|\/)/.test(f))).toEqual([]);
    expect(packages).not.toContain("bun:sqlite");
  });

  test("flags, the CLI helpers and the one-binary dispatcher load no log sink", () => {
    for (const entry of ["shared/flags.ts", "shared/cli.ts", "roles/appointments.ts"]) {
      const { files } = loadedBy(entry);
      for (const f of [...log_sink, "shared/log.ts"]) expect(files).not.toContain(f);
    }
  });

  test("`patient --version` and `--help` load no built-in module: each costs ~1 ms of a 4 ms start (issue 28)", () => {
    for (const entry of ["roles/appointments.ts", "roles/patient.ts"]) {
      expect([...loadedBy(entry).packages]).toEqual([]);
    }
  });

  test("a patient's session loads no built-in module: node:fs set off the JIT, ~1.2 ms of ~10 (issue 28)", () => {
    // node:fs and node:path come through shared/lazy-fs.ts where a file is touched; the terminal test is Bun's.
    expect([...loadedBy("roles/patient/command.ts").packages]).toEqual(["smol-toml"]);
  });

  test("shared/ loads nothing from roles/", () => {
    const shared = readdirSync(join(root, "shared")).filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"));
    expect(shared.length).toBeGreaterThan(20);
    for (const file of shared) {
      const outside = [...loadedBy(`shared/${file}`).files].filter(
        (f) => !f.startsWith("shared/") && !f.startsWith("fixtures/"),
      );
      expect(outside).toEqual([]);
    }
  });

  test("no import cycles among roles/ and shared/, type-only imports included", () => {
    const files = ["roles", "shared"].flatMap((dir) =>
      readdirSync(join(root, dir), { recursive: true, encoding: "utf8" })
        .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))
        .map((f) => join(root, dir, f)),
    );
    expect(files.length).toBeGreaterThan(100);
    expect(importCycles(files)).toEqual([]);
  });

  test("the cycle finder sees a cycle made only of type imports", () => {
    const tmp = tempDir();
    try {
      writeFileSync(join(tmp.dir, "a.ts"), 'import type { B } from "./b.ts";\nexport type A = { b?: B };\n');
      writeFileSync(join(tmp.dir, "b.ts"), 'import { type A } from "./a.ts";\nexport type B = { a?: A };\n');
      writeFileSync(join(tmp.dir, "c.ts"), 'import type { A } from "./a.ts";\nexport const c: A = {};\n');
      const found = importCycles(["a.ts", "b.ts", "c.ts"].map((f) => join(tmp.dir, f)));
      expect(found.map((cycle) => cycle.map((f) => f.split("/").at(-1)))).toEqual([["a.ts", "b.ts"]]);
    } finally {
      tmp.cleanup();
    }
  });
});
