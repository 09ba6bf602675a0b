import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

/** src/, absolute, with a trailing separator. */
export const SRC = fileURLToPath(new URL("../../src/", import.meta.url));

/** Every .ts file under a folder (absolute paths). */
export function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return tsFiles(path);
    return e.name.endsWith(".ts") ? [path] : [];
  });
}

/**
 * Relative imports that exist at run time: static `import`/`export ... from`, side-effect
 * `import "x"`, and dynamic `import("x")`. `import type`, `export type` and `import("x")` in a
 * type position are erased by the compiler and do not count, nor do comment lines.
 */
export function runtimeImports(text: string): string[] {
  // Comment lines (JSDoc ` * ...`, `// ...`) may quote an import; they are not code.
  const source = text.replace(/^\s*(\*|\/\/).*$/gm, "");
  const found: string[] = [];
  const statements =
    /(?:^|\n)\s*(import|export)\s+(type\s+)?([^;]*?)\s*from\s*["'](\.{1,2}\/[^"']+)["']/g;
  for (const m of source.matchAll(statements)) {
    if (m[2]) continue;
    found.push(m[4]!);
  }
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

/** The file of src/ an import names (path relative to src, with "/"). */
export function resolveImport(from: string, spec: string): string {
  const abs = resolve(dirname(join(SRC, from)), spec.replace(/\.js$/, ".ts"));
  const file = existsSync(abs) ? abs : join(abs.replace(/\.ts$/, ""), "index.ts");
  return relative(SRC, file).split(sep).join("/");
}

/** The run-time import graph of src/: file -> files it imports (paths relative to src). */
export function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const abs of tsFiles(SRC)) {
    const from = relative(SRC, abs).split(sep).join("/");
    graph.set(
      from,
      runtimeImports(readFileSync(abs, "utf8")).map((spec) => resolveImport(from, spec)),
    );
  }
  return graph;
}

/** Every import cycle of a graph, each as the files around it (first file repeated at the end). */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string) => {
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const s = state.get(next);
      if (s === "open") cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(node, "done");
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}
