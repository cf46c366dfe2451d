// The modules a file loads when it starts: its static value imports, followed through our own files
// (type-only imports are erased, dynamic ones load later, packages are not followed).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

export const root = join(import.meta.dir, "..");

/** The relative imports of a file, type-only ones included, as absolute paths that exist. */
function allImports(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  for (const s of sf.statements) {
    const spec = ts.isImportDeclaration(s) || ts.isExportDeclaration(s) ? s.moduleSpecifier : undefined;
    if (spec && ts.isStringLiteral(spec) && spec.text.startsWith(".")) {
      const target = resolve(dirname(file), spec.text);
      if (existsSync(target)) out.push(target);
    }
  }
  return out;
}

/** Every cycle of imports (type-only ones included) among these files, each as the files it passes through. */
export function importCycles(files: string[]): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (file: string) => {
    state.set(file, "open");
    path.push(file);
    for (const next of allImports(file)) {
      if (state.get(next) === "open") cycles.push(path.slice(path.indexOf(next)).map((f) => relative(root, f)));
      else if (!state.has(next)) visit(next);
    }
    path.pop();
    state.set(file, "done");
  };
  for (const f of files) if (!state.has(f)) visit(f);
  return cycles;
}

function valueImports(file: string): string[] {
  const sf = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, true);
  const out: string[] = [];
  for (const s of sf.statements) {
    if (ts.isImportDeclaration(s)) {
      const clause = s.importClause;
      const named = clause?.namedBindings;
      const value =
        !clause ||
        (!clause.isTypeOnly &&
          (clause.name !== undefined ||
            (named !== undefined && (ts.isNamespaceImport(named) || named.elements.some((e) => !e.isTypeOnly)))));
      if (value) out.push((s.moduleSpecifier as ts.StringLiteral).text);
    } else if (ts.isExportDeclaration(s) && s.moduleSpecifier && !s.isTypeOnly) {
      out.push((s.moduleSpecifier as ts.StringLiteral).text);
    }
  }
  return out;
}

/** Every file of ours (relative to the root) that loading `entry` loads, the entry included, and the packages. */
export function loadedBy(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (abs: string) => {
    const rel = relative(root, abs);
    if (files.has(rel)) return;
    files.add(rel);
    if (!/\.(ts|js)$/.test(abs)) return;
    for (const spec of valueImports(abs)) {
      if (!spec.startsWith(".")) packages.add(spec);
      else {
        const target = resolve(dirname(abs), spec);
        if (existsSync(target)) visit(target);
      }
    }
  };
  visit(join(root, entry));
  return { files, packages };
}
