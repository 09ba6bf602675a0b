/**
 * The layers of src/ and which may import which: the one table both layer tests read
 * (test/unit/architecture/layers.test.ts walks the sources, dist-layers.test.ts walks the
 * bundle's esbuild metafile); docs/architecture.md draws it.
 */

/** A layer may import itself and the layers in its list. Listed top to bottom. */
export const LAYERS: Readonly<Record<string, readonly string[]>> = {
  // cli/main.ts, argv.ts, program.ts, run-command.ts, registry.ts and help.ts: the program;
  // they reach every command.
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
export function layerOf(file: string): string {
  const program = ["main", "argv", "program", "run-command", "registry", "help"];
  if (program.map((name) => `cli/${name}.ts`).includes(file)) {
    return "entry";
  }
  if (file === "errors.ts") return "errors";
  const top = file.split("/")[0]!;
  if (top === "mcp") return "commands";
  if (top in LAYERS) return top;
  throw new Error(`no layer for src/${file}: add its folder to LAYERS and docs/architecture.md`);
}

/** One run-time import between two files of src/ (paths relative to src, with "/"). */
export interface Edge {
  from: string;
  to: string;
  /** How it is imported, when known (esbuild's kind: import-statement, dynamic-import, ...). */
  kind?: string;
}

/** Every edge that goes against the table, as "from (layer) -> to (layer)" lines. */
export function upwardImports(edges: readonly Edge[]): string[] {
  return edges
    .filter(({ from, to }) => {
      const a = layerOf(from);
      const b = layerOf(to);
      return a !== b && !LAYERS[a]!.includes(b);
    })
    .map(
      ({ from, to, kind }) =>
        `${from} (${layerOf(from)}) -> ${to} (${layerOf(to)})${kind ? ` [${kind}]` : ""}`,
    );
}

/** The part of esbuild's metafile the walk reads (https://esbuild.github.io/api/#metafile). */
export interface Metafile {
  inputs: Record<string, { imports: { path: string; kind: string; external?: boolean }[] }>;
  outputs: Record<
    string,
    {
      entryPoint?: string;
      imports: { path: string; kind: string; external?: boolean }[];
      inputs: Record<string, unknown>;
    }
  >;
}

const inSrc = (path: string) => path.startsWith("src/");
const srcRelative = (path: string) => path.slice("src/".length);

/** The bundle's input modules that come from src/, relative to src. */
export function srcInputs(meta: Metafile): string[] {
  return Object.keys(meta.inputs).filter(inSrc).map(srcRelative);
}

/**
 * Every import between two modules of src/ that made it into the bundle, of every kind
 * esbuild records (static, dynamic, require). Type-only imports are erased before esbuild
 * records anything, so these are exactly the imports that exist at run time.
 */
export function metafileEdges(meta: Metafile): Edge[] {
  return Object.entries(meta.inputs)
    .filter(([from]) => inSrc(from))
    .flatMap(([from, { imports }]) =>
      imports
        .filter((i) => !i.external && inSrc(i.path))
        .map((i) => ({ from: srcRelative(from), to: srcRelative(i.path), kind: i.kind })),
    );
}

const isMock = (file: string) => layerOf(file) === "mock";

/** Imports from a mock module to a module of src/ outside the mock, as "from -> to" lines. */
export function mockImportsOfClient(edges: readonly Edge[]): string[] {
  return edges
    .filter(({ from, to }) => isMock(from) && !isMock(to))
    .map(({ from, to, kind }) => `${from} -> ${to}${kind ? ` [${kind}]` : ""}`);
}

/**
 * The output files a mock entry point loads (its own file and every chunk reached through
 * static and dynamic imports), and which client modules any of them holds: "chunk: module"
 * lines. Reads whatever chunk layout the build chose.
 */
export function mockOutputs(meta: Metafile): { reached: string[]; client: string[] } {
  const entries = Object.entries(meta.outputs)
    .filter(([, o]) => o.entryPoint !== undefined && inSrc(o.entryPoint))
    .filter(([, o]) => isMock(srcRelative(o.entryPoint!)))
    .map(([file]) => file);
  const reached = new Set<string>();
  const queue = [...entries];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (reached.has(file)) continue;
    reached.add(file);
    for (const i of meta.outputs[file]?.imports ?? []) {
      if (!i.external && i.path in meta.outputs) queue.push(i.path);
    }
  }
  const client = [...reached].flatMap((file) =>
    Object.keys(meta.outputs[file]!.inputs)
      .filter((input) => inSrc(input) && !isMock(srcRelative(input)))
      .map((input) => `${file}: ${input}`),
  );
  return { reached: [...reached].sort(), client };
}
