import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

import { type Edge, LAYERS, layerOf, upwardImports } from "../../helpers/layers.js";

/**
 * The layers of src/ (the table is test/helpers/layers.ts; docs/architecture.md draws it),
 * read from the sources: every module's imports that exist at run time, static and dynamic
 * `import`, and `export ... from`; `import type` / `export type` are erased by the compiler and
 * do not count. It runs before any build and sees every file, also those no entry point
 * reaches; dist-layers.test.ts walks what esbuild actually bundled.
 */
const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/** Relative imports that exist at run time. */
function runtimeImports(source: string): string[] {
  const found: string[] = [];
  const statements =
    /(?:^|\n)\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*["'](\.{1,2}\/[^"']+)["']/g;
  for (const m of source.matchAll(statements)) {
    if (m[2]) continue; // import type / export type
    found.push(m[4]!);
  }
  // import("x") in a type position (`a: import("x").T`, `typeof import("x")`) is erased too.
  for (const m of source.matchAll(
    /([:<|&]\s*|typeof\s+)?\bimport\s*\(\s*["'](\.{1,2}\/[^"']+)["']\s*\)/g,
  )) {
    if (m[1]) continue;
    found.push(m[2]!);
  }
  for (const m of source.matchAll(/(?:^|\n)\s*import\s+["'](\.{1,2}\/[^"']+)["']/g)) {
    found.push(m[1]!);
  }
  return found;
}

const toSrcPath = (from: string, spec: string) =>
  relative(SRC, resolve(dirname(join(SRC, from)), spec.replace(/\.js$/, ".ts")))
    .split(sep)
    .join("/");

describe("layers of src/ (an import-graph walk)", () => {
  const files = tsFiles(SRC).map((abs) => relative(SRC, abs).split(sep).join("/"));
  const edges: Edge[] = files.flatMap((from) =>
    runtimeImports(readFileSync(join(SRC, from), "utf8")).map((spec) => ({
      from,
      to: toSrcPath(from, spec),
    })),
  );

  it("reads the whole tree", () => {
    expect(files).toContain("cli/main.ts");
    expect(edges.length).toBeGreaterThan(200);
  });

  it("no layer imports a layer above it, and the mock imports nothing of the client", () => {
    expect(upwardImports(edges)).toEqual([]);
  });

  it("the platform interface (core/platform.ts) names no platform, not even by a type import", () => {
    const source = readFileSync(join(SRC, "core/platform.ts"), "utf8");
    const specs = [...source.matchAll(/from\s*["'](\.{1,2}\/[^"']+)["']/g)].map((m) =>
      toSrcPath("core/platform.ts", m[1]!),
    );
    expect(specs.length).toBeGreaterThan(0);
    expect(
      specs.filter(
        (to) => layerOf(to) !== "core" && layerOf(to) !== "http" && layerOf(to) !== "errors",
      ),
    ).toEqual([]);
    expect(source).not.toMatch(/\b(sovereign|strata|evident)\b/i);
  });

  it("tells a run-time import from a type-only one", () => {
    const src = [
      'import type { A } from "../core/a.js";',
      'import { type B, c } from "../http/c.js";',
      'export type { D } from "../platforms/d.js";',
      'export { e } from "./e.js";',
      'const f = await import("../mock/f.js");',
      'let g: import("../core/g.js").G | typeof import("../core/h.js");',
      'import "./side-effect.js";',
    ].join("\n");
    expect(runtimeImports(src)).toEqual([
      "../http/c.js",
      "./e.js",
      "../mock/f.js",
      "./side-effect.js",
    ]);
  });

  it("would catch an upward import (the rule is not vacuous)", () => {
    expect(LAYERS.core!.includes(layerOf("platforms/x.ts"))).toBe(false);
    expect(LAYERS.mock!.includes(layerOf("http/client.ts"))).toBe(false);
    expect(LAYERS.commands!.includes(layerOf("cli/main.ts"))).toBe(false);
    expect(LAYERS.output!.includes(layerOf("platforms/evident/index.ts"))).toBe(false);
  });
});
