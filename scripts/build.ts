// Compiles every role into one self-contained executable, `appointments` (the fixtures are embedded),
// and makes `healthcenterserver`, `doctor` and `patient` hard links to it: the name picks the role.
//   bun scripts/build.ts [--target bun-linux-x64|bun-darwin-arm64|bun-windows-x64|...]
//                        [--outdir dist] [--executable PATH]
import { existsSync, linkSync, rmSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

export const roles = ["healthcenterserver", "doctor", "patient"] as const;
export const executable_name = "appointments";

/** Builds `appointments` (`appointments.exe` for Windows) in outdir; returns its path. */
export async function compile(outdir: string, target?: string, executable?: string): Promise<string> {
  const started = performance.now();
  const outfile = join(outdir, target?.includes("windows") ? `${executable_name}.exe` : executable_name);
  const args = [
    // --splitting: each role, and each part loaded on demand (the patient's menu, the server's commands),
    // is a chunk loaded when first imported, with the Node built-ins it needs; without it every built-in any
    // role imports is loaded at every start (`patient --version`: 24 ms of CPU instead of 5; issue 28). The
    // docs of this Bun (node_modules/bun-types/docs/bundler/executables.mdx, "Code splitting") support it.
    process.execPath,
    "build",
    "--compile",
    "--splitting",
    "--minify",
    "--bytecode",
    "--format=esm",
    // A compiled executable reads bunfig.toml and .env from the directory it is started in, by default: a
    // bunfig.toml there could preload any code into the patient or the server (tests/compiled-autoload.test.ts).
    "--no-compile-autoload-bunfig",
    "--no-compile-autoload-dotenv",
    join("roles", `${executable_name}.ts`),
    "--outfile",
    outfile,
  ];
  if (target) args.push(`--target=${target}`);
  if (executable) args.push(`--compile-executable-path=${executable}`);
  const proc = Bun.spawn(args, { cwd: join(import.meta.dir, ".."), stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`building ${outfile} failed (exit ${code}):\n${out}${err}`);
  console.log(`built ${outfile}${target ? ` for ${target}` : ""} in ${Math.round(performance.now() - started)} ms`);
  return outfile;
}

/** The role names as hard links to the one executable (a copy of any of them is the whole program). */
export function linkRoles(outdir: string): void {
  for (const role of roles) {
    const link = join(outdir, role);
    if (existsSync(link)) rmSync(link);
    linkSync(join(outdir, executable_name), link);
  }
}

export async function build(outdir: string, target?: string, executable?: string): Promise<void> {
  await compile(outdir, target, executable);
  if (!target?.includes("windows")) linkRoles(outdir);
}

if (import.meta.main) {
  const { values } = parseArgs({
    options: { target: { type: "string" }, outdir: { type: "string" }, executable: { type: "string" } },
  });
  await build(values.outdir ?? "dist", values.target, values.executable);
}
