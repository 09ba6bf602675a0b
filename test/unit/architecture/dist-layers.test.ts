import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  LAYERS,
  layerOf,
  type Metafile,
  metafileEdges,
  mockImportsOfClient,
  mockOutputs,
  srcInputs,
  upwardImports,
} from "../../helpers/layers.js";

/**
 * The layers of what ships: an import-graph walk of dist/. The bundle's chunks do not show
 * module boundaries, so the build writes esbuild's metafile (dist/meta.json, not packed):
 * every input module with the imports esbuild resolved (static, dynamic, require; type-only
 * imports are already erased), and every output file with the modules it holds and the
 * chunks it loads. The walk holds the edges to the table in test/helpers/layers.ts (the same
 * one layers.test.ts holds the sources to) and follows the mock's entry point through the
 * chunks it loads, whatever the chunk layout.
 */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
const META = join(ROOT, "dist", "meta.json");

function newestUnder(dir: string): number {
  return Math.max(
    0,
    ...readdirSync(dir, { withFileTypes: true }).map((e) =>
      e.isDirectory() ? newestUnder(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs,
    ),
  );
}

function readMeta(): Metafile {
  if (!existsSync(META)) throw new Error("dist/meta.json is missing: run npm run build");
  if (statSync(META).mtimeMs < newestUnder(join(ROOT, "src"))) {
    throw new Error("dist/ is older than src/: run npm run build");
  }
  return JSON.parse(readFileSync(META, "utf8")) as Metafile;
}

describe("layers of dist/ (a walk of the bundle's esbuild metafile)", () => {
  const meta = readMeta();
  const edges = metafileEdges(meta);

  it("reads the whole bundle, both entry points, static and dynamic imports", () => {
    const inputs = srcInputs(meta);
    expect(inputs).toContain("cli/main.ts");
    expect(inputs).toContain("mock/server.ts");
    for (const input of inputs) expect(existsSync(join(ROOT, "src", input)), input).toBe(true);
    expect(new Set(inputs.map(layerOf))).toEqual(new Set(Object.keys(LAYERS)));
    expect(edges.length).toBeGreaterThan(200);
    expect([...new Set(edges.map((e) => e.kind))]).toEqual(
      expect.arrayContaining(["import-statement", "dynamic-import"]),
    );
    const entries = Object.values(meta.outputs).map((o) => o.entryPoint);
    expect(entries).toEqual(expect.arrayContaining(["src/cli/main.ts", "src/mock/server.ts"]));
  });

  it("no bundled module imports a layer above its own", () => {
    expect(upwardImports(edges)).toEqual([]);
  });

  it("the mock's modules import nothing of the client", () => {
    expect(mockImportsOfClient(edges)).toEqual([]);
  });

  it("no output file the mock's entry point loads holds a client module", () => {
    const { reached, client } = mockOutputs(meta);
    // Its own file and, with code splitting, the chunks of its lazily loaded routers.
    expect(reached).toContain("dist/mock/server.js");
    expect(client).toEqual([]);
  });

  it("reports an upward import slipped into the real metafile", () => {
    const tampered = structuredClone(meta);
    const from = Object.keys(tampered.inputs).find((k) => k.startsWith("src/core/"))!;
    const to = Object.keys(tampered.inputs).find((k) => k.startsWith("src/platforms/"))!;
    tampered.inputs[from]!.imports.push({ path: to, kind: "dynamic-import" });
    expect(upwardImports(metafileEdges(tampered))).toEqual([
      `${from.slice(4)} (core) -> ${to.slice(4)} (platforms) [dynamic-import]`,
    ]);
  });
});

describe("the walk reports what breaks the rules (a synthetic metafile)", () => {
  const synthetic: Metafile = {
    inputs: {
      "src/cli/main.ts": {
        imports: [
          { path: "src/commands/evidence/push.ts", kind: "dynamic-import" },
          { path: "src/mock/server.ts", kind: "dynamic-import" },
        ],
      },
      "src/commands/evidence/push.ts": {
        imports: [{ path: "src/core/evidence/push.ts", kind: "import-statement" }],
      },
      "src/core/evidence/push.ts": {
        imports: [
          { path: "src/http/client.ts", kind: "import-statement" },
          { path: "src/platforms/sovereign/index.ts", kind: "dynamic-import" },
          { path: "node:fs", kind: "import-statement", external: true },
        ],
      },
      "src/platforms/sovereign/index.ts": { imports: [] },
      "src/http/client.ts": {
        imports: [{ path: "node_modules/undici/index.js", kind: "import-statement" }],
      },
      "src/mock/server.ts": {
        imports: [
          { path: "src/mock/jsonapi/store.ts", kind: "import-statement" },
          { path: "src/http/auth/signer.ts", kind: "dynamic-import" },
          { path: "node_modules/aws4/aws4.js", kind: "require-call" },
        ],
      },
      "src/mock/jsonapi/store.ts": { imports: [] },
      "src/http/auth/signer.ts": { imports: [] },
    },
    outputs: {
      "dist/grc.js": {
        entryPoint: "src/cli/main.ts",
        imports: [{ path: "dist/chunks/push-1.js", kind: "dynamic-import" }],
        inputs: { "src/cli/main.ts": {} },
      },
      "dist/chunks/push-1.js": {
        imports: [{ path: "dist/chunks/chunk-2.js", kind: "import-statement" }],
        inputs: { "src/commands/evidence/push.ts": {}, "src/core/evidence/push.ts": {} },
      },
      "dist/chunks/chunk-2.js": {
        imports: [{ path: "node:fs", kind: "import-statement", external: true }],
        inputs: { "src/http/client.ts": {}, "node_modules/undici/index.js": {} },
      },
      "dist/mock/server.js": {
        entryPoint: "src/mock/server.ts",
        imports: [
          { path: "dist/chunks/chunk-3.js", kind: "import-statement" },
          { path: "dist/chunks/signer-4.js", kind: "dynamic-import" },
        ],
        inputs: { "src/mock/server.ts": {} },
      },
      "dist/chunks/chunk-3.js": {
        imports: [],
        inputs: { "src/mock/jsonapi/store.ts": {}, "node_modules/aws4/aws4.js": {} },
      },
      "dist/chunks/signer-4.js": {
        imports: [{ path: "dist/chunks/chunk-3.js", kind: "import-statement" }],
        inputs: { "src/http/auth/signer.ts": {} },
      },
    },
  };

  it("an upward import, static or dynamic, and a mock import of the client", () => {
    expect(upwardImports(metafileEdges(synthetic))).toEqual([
      "core/evidence/push.ts (core) -> platforms/sovereign/index.ts (platforms) [dynamic-import]",
      "mock/server.ts (mock) -> http/auth/signer.ts (http) [dynamic-import]",
    ]);
    expect(mockImportsOfClient(metafileEdges(synthetic))).toEqual([
      "mock/server.ts -> http/auth/signer.ts [dynamic-import]",
    ]);
  });

  it("a client module in a chunk the mock loads, and not one only the CLI loads", () => {
    expect(mockOutputs(synthetic)).toEqual({
      reached: ["dist/chunks/chunk-3.js", "dist/chunks/signer-4.js", "dist/mock/server.js"],
      client: ["dist/chunks/signer-4.js: src/http/auth/signer.ts"],
    });
  });

  it("a module of src/ in no layer is an error, not a pass", () => {
    expect(() =>
      upwardImports([{ from: "util/x.ts", to: "errors.ts", kind: "import-statement" }]),
    ).toThrow(/no layer for src\/util\/x.ts/);
  });
});
