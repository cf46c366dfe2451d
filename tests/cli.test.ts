// The command line as people expect it: one-line errors with the nearest valid word, -h/-V/--no-color,
// `doctor help`, a taken port named, config errors with line and column, README's table = --help's.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { bun, child_env, loopback, root, runToEnd, startServer, tempDir } from "./helpers.ts";
import { flagTable, readmeTable } from "../scripts/flag-table.ts";
import { options as serverOptions } from "../roles/healthcenterserver.ts";
import { options as doctorOptions } from "../roles/doctor.ts";
import { options as patientOptions } from "../roles/patient.ts";
import { closest } from "../shared/suggest.ts";
import { chooseRole } from "../roles/appointments.ts";

const tmp = tempDir();
afterAll(() => tmp.cleanup());
const role = (name: string, ...args: string[]) => runToEnd([bun, join(root, "roles", `${name}.ts`), ...args]);

/** The error a usage mistake prints: exactly one line on stderr, exit 2. */
async function oneLineError(name: string, ...args: string[]): Promise<string> {
  const r = await role(name, ...args);
  expect(r.code).toBe(2);
  expect(r.stdout).toBe("");
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe("mistakes get one line naming the nearest valid word", () => {
  test("a misspelt option suggests the real one", async () => {
    expect(await oneLineError("healthcenterserver", "--prot", "21000")).toBe(
      "error: unknown option --prot; did you mean --port? (`healthcenterserver --help` for usage)",
    );
    expect(await oneLineError("patient", "patient1", "--sever", "x")).toContain(
      "unknown option --sever; did you mean --server?",
    );
    expect(await oneLineError("doctor", "doc1", "--frobnicate")).toContain("unknown option --frobnicate (");
  });

  test("a misspelt patient or doctor suggests the real one, before any complaint about its files", async () => {
    expect(await oneLineError("patient", "patinet1")).toContain(
      "unknown patient patinet1 (no patinet1.txt in the embedded seed data); did you mean patient1?",
    );
    expect(await oneLineError("doctor", "dco1")).toContain(
      "unknown doctor dco1 (no dco1.txt in the embedded seed data); did you mean doc1?",
    );
  });

  test("an option missing its value says so", async () => {
    expect(await oneLineError("doctor", "doc1", "--port")).toContain("--port needs a value");
    expect(await oneLineError("doctor", "doc1", "--quiet=yes")).toContain("--quiet takes no value");
  });

  test("closest: a swap counts as one edit; far words get no suggestion", () => {
    expect(closest("patinet1", ["patient1", "patient2"])).toBe("patient1");
    expect(closest("--max", ["--max-connections", "--port"])).toBe("--max-connections");
    expect(closest("zebra", ["patient1", "patient2"])).toBeUndefined();
  });
});

describe("help and version", () => {
  test("-h, --help and `help` print the help; -V prints the version", async () => {
    for (const name of ["healthcenterserver", "doctor", "patient"]) {
      for (const ask of ["-h", "--help", "help"]) {
        const r = await role(name, ask);
        expect(r.code).toBe(0);
        expect(r.stdout).toContain(`Usage:\n  ${name}`);
      }
      expect((await role(name, "-V")).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    }
  });

  test("--no-color turns colour off even when FORCE_COLOR asks for it", async () => {
    const run = (...args: string[]) =>
      runToEnd([bun, join(root, "roles/doctor.ts"), ...args], "").then((r) => r.stdout);
    const env = { ...child_env, FORCE_COLOR: "1", NO_COLOR: undefined };
    const coloured = Bun.spawnSync([bun, "roles/doctor.ts", "--help"], { cwd: root, env }).stdout.toString();
    expect(coloured).toContain("\x1b[");
    const plain = Bun.spawnSync([bun, "roles/doctor.ts", "--help", "--no-color"], { cwd: root, env }).stdout.toString();
    expect(plain).toContain("Usage:");
    expect(plain).not.toContain("\x1b[");
    expect(await run("--help")).toContain("--no-color");
  });

  test("every option in each role's table is in its --help, and README's flag table is the generated one", async () => {
    for (const [name, options] of [
      ["healthcenterserver", serverOptions],
      ["doctor", doctorOptions],
      ["patient", patientOptions],
    ] as const) {
      const help = (await role(name, "--help")).stdout;
      for (const flag of Object.keys(options)) expect(help).toContain(`--${flag}`);
    }
    // On failure: `bun scripts/flag-table.ts --write` rewrites README's table from the roles' options.
    expect(readmeTable()).toBe(flagTable());
  });
});

describe("start-up problems an operator can fix", () => {
  test("a taken TCP port is named with its address", async () => {
    const first = await startServer(["--db", join(tmp.dir, "first.db")]);
    try {
      const r = await role(
        "healthcenterserver",
        "--host",
        loopback,
        "--port",
        String(first.port),
        "--db",
        join(tmp.dir, "second.db"),
      );
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`TCP port ${first.port} on ${loopback} is already in use`);
    } finally {
      await first.stop();
    }
  });

  test("a taken staff-page port is named with its address", async () => {
    const taken = Bun.serve({ hostname: loopback, port: 0, fetch: () => new Response("") });
    try {
      const r = await role(
        "healthcenterserver",
        "--host",
        loopback,
        "--port",
        "0",
        "--db",
        join(tmp.dir, "http.db"),
        "--http",
        `${loopback}:${taken.port}`,
      );
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(
        `HTTP port ${taken.port} on ${loopback} is already in use (is another one running? --http HOST:PORT picks another`,
      );
    } finally {
      taken.stop(true);
    }
  });

  test("a taken UDP port is named with its address", async () => {
    const socket = await Bun.udpSocket({ hostname: loopback, port: 0 });
    try {
      const r = await role("doctor", "doc1", "--host", loopback, "--port", String(socket.port));
      expect(r.code).toBe(3);
      expect(r.stderr).toContain(`UDP port ${socket.port} on ${loopback} is already in use`);
    } finally {
      socket.close();
    }
  });

  test("a config file that is not TOML is reported with its line and column", async () => {
    const file = join(tmp.dir, "bad.toml");
    await Bun.write(file, `[server]\nport = 21000x\n`);
    expect(await oneLineError("healthcenterserver", "--config", file)).toContain(
      `config file ${file} line 2, column 13: illegal character`,
    );
  });

  test("users convert on a folder with no users.txt is an error and writes nothing", async () => {
    const empty = join(tmp.dir, "empty");
    mkdirSync(empty);
    const r = await role("healthcenterserver", "users", "convert", "--data", empty);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`no ${join(empty, "users.txt")} to convert`);
    expect(await Bun.file(join(empty, "users.txt")).exists()).toBe(false);
  });
});

test("a misspelt subcommand suggests the real one", async () => {
  expect(await oneLineError("healthcenterserver", "int", "data")).toContain("unknown command int; did you mean init?");
  expect(await oneLineError("healthcenterserver", "users", "ad", "bob")).toContain(
    "unknown users command ad; did you mean add?",
  );
});

describe("one executable: the role from its name, else from its first argument", () => {
  test("a link's or copy's name picks the role, on any platform", () => {
    expect(chooseRole("/opt/appointments/patient", ["patient1"])).toEqual({ role: "patient", args: ["patient1"] });
    expect(chooseRole("C:\\appt\\doctor.EXE", ["doc1"])).toEqual({ role: "doctor", args: ["doc1"] });
    expect(chooseRole("healthcenterserver", [])).toEqual({ role: "healthcenterserver", args: [] });
  });

  test("under any other name the first argument is the role; none, -h or help is help; -V the version", () => {
    expect(chooseRole("/usr/local/bin/appointments", ["patient", "patient1", "--slot", "2"])).toEqual({
      role: "patient",
      args: ["patient1", "--slot", "2"],
    });
    expect(chooseRole("appointments.exe", ["doctor", "doc1"])).toEqual({ role: "doctor", args: ["doc1"] });
    for (const args of [[], ["-h"], ["--help"], ["help"]]) expect(chooseRole("appointments", args)).toBe("help");
    expect(chooseRole("appointments", ["-V"])).toBe("version");
    expect(() => chooseRole("appointments", ["patinet"])).toThrow("unknown role patinet; did you mean patient?");
    // A name every object has is no role: not from the name, not as the first argument.
    expect(() => chooseRole("/bin/constructor", ["toString"])).toThrow("unknown role toString");
    expect(chooseRole("C:\\appt\\patient.exe", [])).toEqual({ role: "patient", args: [] });
  });
});
