// Compiles the three roles into self-contained binaries (the fixtures are embedded).
//   bun scripts/build.ts [--target bun-linux-x64|bun-linux-arm64] [--outdir dist] [--executable PATH]
import { parseArgs } from "node:util";
import { join } from "node:path";

export const roles = ["healthcenterserver", "doctor", "patient"] as const;

export async function build(outdir: string, target?: string, executable?: string): Promise<void> {
  for (const role of roles) {
    const started = performance.now();
    const args = [
      process.execPath, "build", "--compile", "--minify", "--bytecode", "--format=esm",
      join("roles", `${role}.ts`), "--outfile", join(outdir, role),
    ];
    if (target) args.push(`--target=${target}`);
    if (executable) args.push(`--compile-executable-path=${executable}`);
    const proc = Bun.spawn(args, { cwd: join(import.meta.dir, ".."), stdout: "pipe", stderr: "pipe" });
    const code = await proc.exited;
    if (code !== 0) {
      process.stderr.write(await new Response(proc.stdout).text());
      process.stderr.write(await new Response(proc.stderr).text());
      throw new Error(`building ${role} failed (exit ${code})`);
    }
    console.log(`built ${join(outdir, role)}${target ? ` for ${target}` : ""} in ${Math.round(performance.now() - started)} ms`);
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ options: { target: { type: "string" }, outdir: { type: "string" }, executable: { type: "string" } } });
  await build(values.outdir ?? "dist", values.target, values.executable);
}
