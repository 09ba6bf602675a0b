import { describe, expect, it } from "vitest";
import { findCycles, importGraph, runtimeImports } from "../../helpers/src-graph.js";

describe("import cycles in src/ (static and dynamic imports)", () => {
  const graph = importGraph();

  it("reads the whole tree, dynamic imports included", () => {
    // main loads the commander program with import() (the top-level help does without it).
    expect(graph.get("cli/main.ts")).toContain("cli/program.ts");
    expect(graph.get("cli/program.ts")).toContain("cli/registry.ts");
    // The registry reaches each noun's commands only through import().
    expect(graph.get("cli/registry.ts")).toContain("commands/completion/index.ts");
    expect(graph.get("cli/registry.ts")).toContain("commands/demo/index.ts");
    for (const [file, imports] of graph) {
      for (const to of imports) expect(graph.has(to), `${file} imports ${to}`).toBe(true);
    }
  });

  it("has none: no module imports, directly or through others, a module that imports it", () => {
    // Commands reach the program (completion describes it, the demo runs it) through
    // ctx.program, handed in by src/cli/main.ts, never by importing it.
    expect(findCycles(graph).map((c) => c.join(" -> "))).toEqual([]);
  });

  it("would catch a cycle hidden behind a dynamic import", () => {
    const g = new Map([
      ["cli/main.ts", ["cli/registry.ts"]],
      ["cli/registry.ts", ["commands/demo/index.ts"]],
      ["commands/demo/index.ts", ["cli/main.ts"]],
      ["errors.ts", []],
    ]);
    expect(findCycles(g)).toEqual([
      ["cli/main.ts", "cli/registry.ts", "commands/demo/index.ts", "cli/main.ts"],
    ]);
    expect(runtimeImports('const { runCli } = await import("../../cli/main.js");')).toEqual([
      "../../cli/main.js",
    ]);
  });
});
