// The style guide's three limits, enforced by a test rather than by habit (as TigerBeetle's tidy.zig does):
// no source file over 250 lines, no function over 70, no line over 120 characters. The formatter wraps code
// at 120 columns but not strings or comments, so the line rule is checked here too. Tests are exempt from
// the line and file rules: a table of cases reads better long, and a test file grows with what it proves.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import ts from "typescript";
import { AssertionError, assert } from "../shared/assert.ts";

const root = join(import.meta.dir, "..");
const source_folders = ["roles", "shared", "scripts", "bench"];
const file_lines_max = 250;
const function_lines_max = 70;
const line_chars_max = 120;

function sourceFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (/\.(ts|js)$/.test(entry.name) && !entry.name.endsWith(".d.ts")) out.push(relative(root, path));
    }
  };
  for (const folder of source_folders) walk(join(root, folder));
  return out.sort();
}

function lineCount(text: string): number {
  return text.endsWith("\n") ? text.split("\n").length - 1 : text.split("\n").length;
}

/** Every function, method, constructor, accessor and arrow function longer than the limit, as "file:line name (N)". */
export function longFunctions(file: string, text: string, max: number): string[] {
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (ts.isFunctionLike(node) && "body" in node && node.body) {
      const first = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
      const last = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
      const lines = last - first + 1;
      const named = node.name ?? (ts.isVariableDeclaration(node.parent) ? node.parent.name : undefined);
      const name = named?.getText(sf) ?? "(anonymous)";
      if (lines > max) found.push(`${file}:${first + 1} ${name} (${lines} lines)`);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return found;
}

describe("tidy", () => {
  const files = sourceFiles();

  test("finds the source files", () => {
    expect(files).toContain("roles/healthcenterserver.ts");
    expect(files).toContain("roles/healthcenterserver/staff/page.js");
    expect(files.length).toBeGreaterThan(50);
  });

  test(`no source file is over ${file_lines_max} lines`, () => {
    const over = files
      .map((f) => ({ f, n: lineCount(readFileSync(join(root, f), "utf8")) }))
      .filter(({ n }) => n > file_lines_max)
      .map(({ f, n }) => `${f} (${n} lines)`);
    expect(over).toEqual([]);
  });

  test(`no function is over ${function_lines_max} lines`, () => {
    const over = files.flatMap((f) => longFunctions(f, readFileSync(join(root, f), "utf8"), function_lines_max));
    expect(over).toEqual([]);
  });

  test(`no line is over ${line_chars_max} characters`, () => {
    const over: string[] = [];
    for (const f of files) {
      readFileSync(join(root, f), "utf8")
        .split("\n")
        .forEach((line, i) => {
          if (line.length > line_chars_max) over.push(`${f}:${i + 1} (${line.length})`);
        });
    }
    expect(over).toEqual([]);
  });

  test("the function rule sees methods, arrows and nested functions", () => {
    const body = (n: number) => Array.from({ length: n }, () => "  x++;").join("\n");
    const text = [
      `function short() {\n${body(3)}\n}`,
      `class C {\n  long() {\n${body(71)}\n  }\n}`,
      `const f = () => {\n${body(68)}\n};`,
      `const g = () => {\n${body(69)}\n};`,
    ].join("\n");
    const over = longFunctions("x.ts", text, function_lines_max);
    expect(over).toEqual(["x.ts:7 long (73 lines)", "x.ts:151 g (71 lines)"]);
  });

  test("assert builds its message only when the invariant is broken", () => {
    let built = 0;
    const message = () => {
      built += 1;
      return "the slot is free";
    };
    assert(true, message);
    expect(built).toBe(0);
    expect(() => assert(false, message)).toThrow(new AssertionError("invariant broken: the slot is free"));
    expect(built).toBe(1);
  });

  test("docs/ARCHITECTURE.md names every source file", () => {
    const doc = readFileSync(join(root, "docs", "ARCHITECTURE.md"), "utf8");
    const named = (file: string) => {
      const name = file.split("/").at(-1)!.replace(/[.]/g, "\\.");
      return new RegExp(`(^|[\\s/\`(,])${name}([\\s\`),:]|$)`, "m").test(doc);
    };
    const unnamed = files.filter((f) => /^(roles|shared)\//.test(f) && !named(f));
    // Each needs its one line in the doc's file list, under its folder.
    expect(unnamed).toEqual([]);
    const known = new Set([...files, ...readdirSync(join(root, "tests"))].map((f) => f.split("/").at(-1)));
    const stale = [...new Set(doc.match(/[\w.-]+\.(ts|js)\b/g))].filter((name) => !known.has(name));
    // A file renamed or removed leaves its line behind.
    expect(stale).toEqual([]);
  });
});
