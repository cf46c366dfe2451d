// The modules a file loads when it starts: its static value imports, followed through our own files
// (type-only imports are erased, dynamic ones load later, packages are not followed).
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";

export const root = join(import.meta.dir, "..");

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
