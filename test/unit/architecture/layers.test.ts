import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The layers of src/ and which may import which (docs/architecture.md draws them). The walk
 * reads every module's imports that exist at run time: static and dynamic `import`, and
 * `export ... from`; `import type` / `export type` are erased by the compiler and do not count.
 * (dist/ is one bundle, so the walk reads the sources the bundle is made from.)
 */
const SRC = fileURLToPath(new URL("../../../src/", import.meta.url));

/** A layer may import itself and the layers in `may`. Listed top to bottom. */
const LAYERS: Record<string, readonly string[]> = {
  // cli/main.ts and cli/registry.ts: the program; they reach every command.
  entry: ["commands", "cli", "platforms", "output", "core", "http", "errors", "mock"],
  // One folder per noun; the MCP server is an adapter of the same kind.
  commands: ["cli", "platforms", "output", "core", "http", "errors", "mock"],
  // The command kit: spec types, context (lazy clients), IO streams, spinner, assets, version.
  cli: ["platforms", "output", "core", "http", "errors"],
  platforms: ["output", "core", "http", "errors"],
  output: ["errors"],
  core: ["http", "errors"],
  http: ["errors"],
  errors: [],
  // The mock is a second, independent reading of the platform documents: nothing of the client.
  mock: [],
};

/** The layer of a file of src/ (path relative to src, with "/"). */
function layerOf(file: string): string {
  if (file === "cli/main.ts" || file === "cli/registry.ts") return "entry";
  if (file === "errors.ts") return "errors";
  const top = file.split("/")[0]!;
  if (top === "mcp") return "commands";
  if (top in LAYERS) return top;
  throw new Error(`no layer for src/${file}: add its folder to LAYERS and docs/architecture.md`);
}

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
  const edges = files.flatMap((from) =>
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
    const upward = edges
      .filter(({ from, to }) => {
        const a = layerOf(from);
        const b = layerOf(to);
        return a !== b && !LAYERS[a]!.includes(b);
      })
      .map(({ from, to }) => `${from} (${layerOf(from)}) -> ${to} (${layerOf(to)})`);
    expect(upward).toEqual([]);
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
