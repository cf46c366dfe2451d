// Builds the three binaries for linux-x64 and linux-arm64 and packs one archive per platform,
// each with a SHA256SUMS of its binaries, the deployment guide, an example config and systemd units.
//   bun scripts/release.ts [--outdir release]
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build, roles } from "./build.ts";
import { version } from "../shared/flags.ts";

const platforms = [
  { name: "linux-x64", target: "bun-linux-x64" },
  { name: "linux-arm64", target: "bun-linux-arm64" },
];
const root = join(import.meta.dir, "..");

/** The README's deployment section, from its heading to the next second-level heading. */
function deploymentGuide(): string {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const start = readme.indexOf("## Deploy on two machines");
  if (start === -1) throw new Error("README.md has no '## Deploy on two machines' section");
  const end = readme.indexOf("\n## ", start + 3);
  return readme.slice(start, end === -1 ? undefined : end).trim() + "\n";
}

async function sha256(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  hasher.update(await Bun.file(path).arrayBuffer());
  return hasher.digest("hex");
}

const { values } = parseArgs({ options: { outdir: { type: "string" } } });
const outdir = resolve(root, values.outdir ?? "release");
rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });
const archiveSums: string[] = [];
for (const { name, target } of platforms) {
  const dirName = `appointments-${version}-${name}`;
  const dir = join(outdir, dirName);
  mkdirSync(dir, { recursive: true });
  console.log(`[${name}] building`);
  await build(dir, target);
  const sums = await Promise.all(roles.map(async (r) => `${await sha256(join(dir, r))}  ${r}`));
  writeFileSync(join(dir, "SHA256SUMS"), sums.join("\n") + "\n");
  writeFileSync(join(dir, "DEPLOY.md"), deploymentGuide());
  copyFileSync(join(root, "deploy", "deploy.example.toml"), join(dir, "deploy.example.toml"));
  // systemd units and the user they run as (DEPLOY.md: "Run as systemd services").
  cpSync(join(root, "deploy", "systemd"), join(dir, "systemd"), { recursive: true });
  const archive = `${dirName}.tar.gz`;
  console.log(`[${name}] packing ${archive}`);
  const tar = Bun.spawnSync(["tar", "-czf", archive, dirName], { cwd: outdir, stderr: "pipe" });
  if (tar.exitCode !== 0) throw new Error(`tar failed: ${tar.stderr}`);
  archiveSums.push(`${await sha256(join(outdir, archive))}  ${archive}`);
  rmSync(dir, { recursive: true });
}
writeFileSync(join(outdir, "SHA256SUMS"), archiveSums.join("\n") + "\n");
console.log(`release archives and SHA256SUMS in ${outdir}:\n${archiveSums.join("\n")}`);
