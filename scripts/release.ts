// Builds the one executable for five platforms and packs one archive per platform, each with a
// SHA256SUMS of its files, the stand-alone operator's guide (deploy/DEPLOY.md), an example config
// and, for Linux, the systemd units.
// Unix archives are .tar.gz with the role names as hard links (stored once); Windows gets a .zip
// with appointments.exe and a .cmd per role, since a zip cannot hold links.
//   bun scripts/release.ts [--outdir release] [--only linux-x64,windows-x64]
import { copyFileSync, cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { compile, executable_name, linkRoles, roles } from "./build.ts";
import { version } from "../shared/flags.ts";

export const platforms = [
  { name: "linux-x64", target: "bun-linux-x64" },
  { name: "linux-arm64", target: "bun-linux-arm64" },
  { name: "darwin-arm64", target: "bun-darwin-arm64" },
  { name: "darwin-x64", target: "bun-darwin-x64" },
  { name: "windows-x64", target: "bun-windows-x64" },
] as const;
/** gzip/zip level 5: archives stay well under 60 MB, and packing takes half the time of level 9. */
const compression_level = 5;
const root = join(import.meta.dir, "..");

export function archiveName(platform: string): string {
  return `appointments-${version}-${platform}${platform.startsWith("windows") ? ".zip" : ".tar.gz"}`;
}

async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(await Bun.file(path).arrayBuffer());
  return hasher.digest("hex");
}

async function run(cmd: string[], cwd: string): Promise<void> {
  const proc = Bun.spawn(cmd, { cwd, stdout: "ignore", stderr: "pipe" });
  const [code, err] = await Promise.all([proc.exited, new Response(proc.stderr).text()]);
  if (code !== 0) throw new Error(`${cmd.join(" ")} failed (exit ${code}): ${err}`);
}

/** `patient.cmd`: runs appointments.exe with the role first, passing every argument and the exit code on. */
function roleCmd(role: string): string {
  return `@echo off\r\n"%~dp0${executable_name}.exe" ${role} %*\r\nexit /b %ERRORLEVEL%\r\n`;
}

async function packPlatform(outdir: string, name: string, target: string): Promise<string> {
  const dirName = `appointments-${version}-${name}`;
  const dir = join(outdir, dirName);
  mkdirSync(dir, { recursive: true });
  await compile(dir, target);
  const windows = name.startsWith("windows");
  if (windows) for (const role of roles) writeFileSync(join(dir, `${role}.cmd`), roleCmd(role));
  else linkRoles(dir);
  copyFileSync(join(root, "deploy", "DEPLOY.md"), join(dir, "DEPLOY.md"));
  copyFileSync(join(root, "deploy", "deploy.example.toml"), join(dir, "deploy.example.toml"));
  // systemd units and the user they run as (DEPLOY.md: "Run as systemd services").
  if (name.startsWith("linux")) cpSync(join(root, "deploy", "systemd"), join(dir, "systemd"), { recursive: true });
  const files = (readdirSync(dir, { recursive: true, withFileTypes: true }) as import("node:fs").Dirent[])
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
  const sums = await Promise.all(files.map(async (f) => `${await sha256(join(dir, f))}  ${f}`));
  writeFileSync(join(dir, "SHA256SUMS"), sums.join("\n") + "\n");
  const archive = archiveName(name);
  if (windows) await run(["zip", "-q", `-${compression_level}`, "-r", archive, dirName], outdir);
  else {
    // The executable first, so it is the member stored whole and the role names are links to it.
    const members = [executable_name, ...files.filter((f) => f !== executable_name), "SHA256SUMS"].map(
      (f) => `"${dirName}/${f}"`,
    );
    await run(["sh", "-c", `tar -cf - ${members.join(" ")} | gzip -${compression_level} > "${archive}"`], outdir);
  }
  rmSync(dir, { recursive: true });
  console.log(`[${name}] packed ${archive}`);
  return `${await sha256(join(outdir, archive))}  ${archive}`;
}

export async function release(outdir: string, only?: string[]): Promise<string[]> {
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });
  const chosen = platforms.filter((p) => !only || only.includes(p.name));
  // All at once: compiling is mostly waiting on files, packing is one gzip per core.
  const sums = await Promise.all(chosen.map((p) => packPlatform(outdir, p.name, p.target)));
  writeFileSync(join(outdir, "SHA256SUMS"), sums.join("\n") + "\n");
  return sums;
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { outdir: { type: "string" }, only: { type: "string" } } });
  const outdir = resolve(root, values.outdir ?? "release");
  const sums = await release(outdir, values.only?.split(","));
  console.log(`release archives and SHA256SUMS in ${outdir}:\n${sums.join("\n")}`);
}
