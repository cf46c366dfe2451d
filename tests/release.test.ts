// `bun run release`: five archives built once, checked together: checksums, size, each executable's
// format and CPU, the Windows .cmd files, a stand-alone DEPLOY.md, and a real booking through the
// linux-x64 archive's linked role names.
import { afterAll, expect, test } from "bun:test";
import { copyFileSync, mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { child_env, loopback, Output, root, runToEnd, tempDir } from "./helpers.ts";
import { archiveName, platforms, release } from "../scripts/release.ts";

const tmp = tempDir();
const running: { kill: (signal?: NodeJS.Signals) => void; exited: Promise<number> }[] = [];
afterAll(async () => {
  for (const p of running) p.kill("SIGTERM");
  await Promise.all(running.map((p) => p.exited));
  tmp.cleanup();
});

/** What an executable's first bytes say it is: "ELF x86-64", "Mach-O arm64", "PE x86-64", ... */
function executableKind(b: Buffer): string {
  if (b.readUInt32BE(0) === 0x7f454c46)
    return `ELF ${({ 0x3e: "x86-64", 0xb7: "arm64" } as Record<number, string>)[b.readUInt16LE(18)] ?? "?"}`;
  if (b.readUInt32LE(0) === 0xfeedfacf)
    return `Mach-O ${({ 0x01000007: "x86-64", 0x0100000c: "arm64" } as Record<number, string>)[b.readUInt32LE(4)] ?? "?"}`;
  if (b.toString("latin1", 0, 2) === "MZ") {
    const pe = b.readUInt32LE(0x3c);
    if (b.toString("latin1", pe, pe + 4) === "PE\0\0")
      return `PE ${b.readUInt16LE(pe + 4) === 0x8664 ? "x86-64" : "?"}`;
  }
  return "unknown";
}
const expected_kind: Record<string, string> = {
  "linux-x64": "ELF x86-64",
  "linux-arm64": "ELF arm64",
  "darwin-arm64": "Mach-O arm64",
  "darwin-x64": "Mach-O x86-64",
  "windows-x64": "PE x86-64",
};

type Member = { name: string; kind: "file" | "link" | "dir"; link: string; mode: number; data: Buffer };

/** A .tar.gz read in one pass (ustar headers: name, size, type, link name, prefix). */
function readTarGz(path: string): Member[] {
  const tar = Buffer.from(Bun.gunzipSync(readFileSync(path)));
  const text = (at: number, length: number) => tar.toString("latin1", at, at + length).replace(/\0.*$/s, "");
  const members: Member[] = [];
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0; ) {
    const size = parseInt(text(at + 124, 12).trim() || "0", 8);
    const prefix = text(at + 345, 155);
    const type = text(at + 156, 1);
    members.push({
      name: (prefix ? `${prefix}/` : "") + text(at, 100),
      link: text(at + 157, 100),
      mode: parseInt(text(at + 100, 8).trim() || "0", 8),
      kind: type === "1" ? "link" : type === "5" ? "dir" : "file",
      data: tar.subarray(at + 512, at + 512 + size),
    });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return members;
}

/** A .zip's members (`unzip` reads only the one asked for). */
function readZip(path: string): Member[] {
  const names = Bun.spawnSync(["unzip", "-Z1", path]).stdout.toString().trim().split("\n");
  return names.map((name) => ({
    name,
    link: "",
    mode: 0,
    kind: name.endsWith("/") ? "dir" : "file",
    data: name.endsWith("/") ? Buffer.alloc(0) : Bun.spawnSync(["unzip", "-p", path, name]).stdout,
  }));
}

async function startBinary(args: string[], ready: RegExp, cwd: string): Promise<number> {
  const proc = Bun.spawn(args, { cwd, env: child_env, stdout: "pipe", stderr: "pipe" });
  running.push(proc);
  return Number((await new Output(proc.stdout).waitFor(ready))[1]);
}

/** What the archive's guide may not lean on: files that are only in the source tree, or its tools. */
const outside_the_archive = ["fixtures/", "docs/", "tests/", "npm ci", "npm run", "scripts/", "README"];

test("DEPLOY.md stands alone: it names nothing that is not in the archive", () => {
  const guide = readFileSync(join(root, "deploy", "DEPLOY.md"), "utf8");
  for (const outside of outside_the_archive) expect(guide).not.toContain(outside);
});

test("release: five archives under 60 MB with checksums; each executable's format; a booking through the linux-x64 links", async () => {
  const out = join(tmp.dir, "release");
  await release(out);
  expect(Bun.spawnSync(["sha256sum", "-c", "SHA256SUMS"], { cwd: out }).exitCode).toBe(0);
  const version = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).version;
  for (const { name } of platforms) {
    const archive = join(out, archiveName(name));
    expect(readFileSync(join(out, "SHA256SUMS"), "utf8")).toContain(`  ${archiveName(name)}\n`);
    expect(statSync(archive).size).toBeLessThan(60 * 1024 * 1024);
    const dir = `appointments-${version}-${name}/`;
    const windows = name.startsWith("windows");
    const members = new Map((windows ? readZip(archive) : readTarGz(archive)).map((m) => [m.name.replace(dir, ""), m]));
    members.delete("");
    const programs = windows
      ? ["appointments.exe", "doctor.cmd", "healthcenterserver.cmd", "patient.cmd"]
      : ["appointments", "doctor", "healthcenterserver", "patient"];
    const units = name.startsWith("linux")
      ? ["systemd/appointments.sysusers.conf", "systemd/doctor@.service", "systemd/healthcenterserver.service"]
      : [];
    expect([...members.keys()].sort()).toEqual(
      [...programs, "DEPLOY.md", "SHA256SUMS", "deploy.example.toml", ...units].sort(),
    );
    expect(executableKind(members.get(programs[0]!)!.data)).toBe(expected_kind[name]!);
    if (!windows) expect(members.get(programs[0]!)!.mode & 0o111).toBe(0o111);
    if (windows)
      expect(members.get("patient.cmd")!.data.toString()).toBe(
        '@echo off\r\n"%~dp0appointments.exe" patient %*\r\nexit /b %ERRORLEVEL%\r\n',
      );
    else
      for (const role of programs.slice(1))
        expect(members.get(role)).toMatchObject({ kind: "link", link: `${dir}appointments` });
    const guide = members.get("DEPLOY.md")!.data.toString();
    expect(guide).toBe(readFileSync(join(root, "deploy", "DEPLOY.md"), "utf8"));
    for (const outside of outside_the_archive) expect(guide).not.toContain(outside);
  }

  // linux-x64: unpack, verify, and book through the linked names from a directory with nothing else in it.
  expect(Bun.spawnSync(["tar", "xzf", archiveName("linux-x64")], { cwd: out }).exitCode).toBe(0);
  const dir = join(out, `appointments-${version}-linux-x64`);
  expect(Bun.spawnSync(["sha256sum", "-c", "SHA256SUMS"], { cwd: dir }).exitCode).toBe(0);
  const check = await runToEnd([
    join(dir, "healthcenterserver"),
    "check",
    "--config",
    join(dir, "deploy.example.toml"),
    "--db",
    join(tmp.dir, "check.db"),
  ]);
  expect(check.stdout).toContain("ok: staff page on 127.0.0.1:21080");
  expect(check.code).toBe(0);
  const inodes = ["appointments", "healthcenterserver", "doctor", "patient"].map((f) => statSync(join(dir, f)).ino);
  expect(new Set(inodes).size).toBe(1);
  const work = join(tmp.dir, "work");
  mkdirSync(work);
  const bin = (name: string) => join(dir, name);
  const doc2 = await startBinary(
    [bin("doctor"), "doc2", "--host", loopback, "--port", "0"],
    /static UDP port (\d+)/,
    work,
  );
  const server = await startBinary(
    [
      bin("healthcenterserver"),
      "--host",
      loopback,
      "--port",
      "0",
      "--db",
      join(work, "b.db"),
      "--doctor",
      `doc2=${loopback}:${doc2}`,
    ],
    /has port number: (\d+)/,
    work,
  );
  const booked = await runToEnd([bin("patient"), "patient1", "--server", `${loopback}:${server}`, "--slot", "2"]);
  expect(booked.code).toBe(0);
  expect(booked.stdout).toContain(`Phase3: Patient1 receive $ 40 estimation cost from doctor with port number ${doc2}`);

  // A copy of one name is the whole program; the role can also come first.
  const alone = join(tmp.dir, "alone");
  mkdirSync(alone);
  copyFileSync(bin("patient"), join(alone, "patient"));
  Bun.spawnSync(["chmod", "+x", join(alone, "patient")]);
  const again = await runToEnd([
    join(alone, "patient"),
    "patient2",
    "--server",
    `${loopback}:${server}`,
    "--slot",
    "2",
  ]);
  expect(again.code).toBe(1);
  expect(again.stdout).toContain("not available");
  const first = await runToEnd([bin("appointments"), "doctor", "--version"]);
  expect(first.stdout.trim()).toBe(version);
  const wrong = await runToEnd([bin("appointments"), "docter"]);
  expect(wrong.stderr).toContain("unknown role docter; did you mean doctor?");
}, 240_000);
