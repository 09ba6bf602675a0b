import { readdirSync, readFileSync } from "node:fs";
import { builtinModules } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The mock is a second, independent reading of the platform documents: no file of src/mock
 * may import anything outside src/mock except node: builtins and npm packages. Sharing the
 * client's schema, signer or errors would let a misreading pass on both sides.
 */

const MOCK_DIR = fileURLToPath(new URL("../../../src/mock/", import.meta.url));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? sourceFiles(join(dir, e.name))
      : /\.(ts|mts|js|mjs)$/.test(e.name)
        ? [join(dir, e.name)]
        : [],
  );
}

/** Module specifiers of static imports, re-exports, `import type`, dynamic import() and require(). */
function specifiers(source: string): string[] {
  // Comments may quote import statements (examples); they are not imports.
  const code = source.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:"'`])\/\/.*$/gm, "$1");
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^"'`;]*?\bfrom\s*["']([^"']+)["']/g,
    /\bimport\s*["']([^"']+)["']/g,
    /\bimport\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
    /\brequire\s*\(\s*["'`]([^"'`]+)["'`]\s*\)/g,
  ];
  for (const re of patterns) for (const m of code.matchAll(re)) found.push(m[1]!);
  return found;
}

/** Why a specifier leaves the mock, or undefined when it is allowed. */
function outside(file: string, spec: string): string | undefined {
  if (spec.startsWith("node:") || builtinModules.includes(spec)) return undefined;
  if (spec.startsWith(".") || spec.startsWith("/")) {
    const target = resolve(dirname(file), spec);
    const rel = relative(MOCK_DIR, target);
    return rel.startsWith("..") || resolve(MOCK_DIR, rel) !== target ? target : undefined;
  }
  // A bare specifier is an npm package (aws4, ...); a path alias into src would not be.
  return /^[@a-z0-9]/i.test(spec) && !spec.startsWith("src/") ? undefined : spec;
}

describe("src/mock imports nothing of the client", () => {
  it("finds the import forms it checks (so the walk below cannot pass by seeing nothing)", () => {
    expect(
      specifiers(
        [
          'import { a } from "../http/auth/apiauth.js";',
          'import type { B } from "../platforms/strata.js";',
          'export { c } from "../errors.js";',
          'const { d } = await import("../core/x.js");',
          'import "./side-effect.js";',
          "// import { e } from '../commented-out.js';",
        ].join("\n"),
      ),
    ).toEqual([
      "../http/auth/apiauth.js",
      "../platforms/strata.js",
      "../errors.js",
      "./side-effect.js",
      "../core/x.js",
    ]);
    expect(outside(join(MOCK_DIR, "x.ts"), "../errors.js")).toBeDefined();
    expect(outside(join(MOCK_DIR, "x.ts"), "./jsonapi.js")).toBeUndefined();
    expect(outside(join(MOCK_DIR, "x.ts"), "node:http")).toBeUndefined();
    expect(outside(join(MOCK_DIR, "x.ts"), "aws4")).toBeUndefined();
  });

  it("every file of src/mock imports only src/mock, node: builtins and npm packages", () => {
    const files = sourceFiles(MOCK_DIR);
    expect(files.length).toBeGreaterThan(10);
    const offending: string[] = [];
    for (const file of files) {
      for (const spec of specifiers(readFileSync(file, "utf8"))) {
        if (outside(file, spec)) offending.push(`${relative(MOCK_DIR, file)}: ${spec}`);
      }
    }
    expect(offending).toEqual([]);
  });
});
