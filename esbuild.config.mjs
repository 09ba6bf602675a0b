// Builds the published CLI with esbuild.
//   node esbuild.config.mjs             dist/: code-split, so `grc --help` loads little and each
//                                       command's handler is a chunk loaded when it runs; the
//                                       chunks are rewritten to CommonJS (see toCommonJS)
//   node esbuild.config.mjs --if-stale  the same, only when src/ changed since the last build
//                                       (`npm run demo`, `prepare`); skips without esbuild
//                                       (`npm ci --omit=dev` in a checkout)
//   node esbuild.config.mjs --sea       .tmp/sea/grc.cjs: one CommonJS file for a Node single
//                                       executable (bin/build-binary.mjs)
// The dist/ build also writes dist/meta.json, esbuild's metafile (the import graph of the
// bundle's input modules and what each output chunk holds), for the layer test.
// What `dependencies` lists stays external (native addons such as @napi-rs/keyring, loaded
// from node_modules); everything else is bundled, so the runtime libraries are devDependencies
// and their licences go to dist/THIRD-PARTY-LICENSES.txt.
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";

const pkg = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
const args = process.argv.slice(2);

/** Newest modification time under the given files and folders. */
function newest(paths) {
  let latest = 0;
  for (const p of paths) {
    const info = statSync(p);
    if (info.isDirectory()) {
      latest = Math.max(latest, newest(readdirSync(p).map((name) => join(p, name))));
    } else latest = Math.max(latest, info.mtimeMs);
  }
  return latest;
}

if (args.includes("--if-stale")) {
  const built = existsSync("dist/grc.js") ? statSync("dist/grc.js").mtimeMs : 0;
  if (built > newest(["src", "package.json", "esbuild.config.mjs"])) process.exit(0);
  if (!existsSync("node_modules/esbuild")) {
    console.error("grc build: esbuild is not installed (npm ci --omit=dev?); dist/ left as is");
    process.exit(0);
  }
}

const { build, transformSync } = await import("esbuild");

/**
 * Libraries that require at the top of a module what only a path grc never takes uses:
 * commander's child_process (executable subcommands; it pulls net and dgram into every start)
 * and undici's HTTP/2 client (only used when a server negotiates h2, which grc never offers;
 * it loads node:http2 and node:tls, ~15 ms). Each becomes a function that requires on first use.
 */
const lazyRequires = [
  {
    file: /commander[\\/]lib[\\/]command\.js$/,
    eager: "const childProcess = require('node:child_process');",
    lazy: "const childProcess = { spawn: (...a) => require('node:child_process').spawn(...a) };",
  },
  {
    file: /undici[\\/]lib[\\/]dispatcher[\\/]client\.js$/,
    eager: "const connectH2 = require('./client-h2.js')",
    lazy: "const connectH2 = (...a) => require('./client-h2.js')(...a)",
  },
];
const lazyRequire = {
  name: "lazy-require",
  setup(b) {
    for (const { file, eager, lazy } of lazyRequires) {
      b.onLoad({ filter: file }, (args) => {
        const source = readFileSync(args.path, "utf8");
        if (!source.includes(eager)) throw new Error(`${args.path}: "${eager}" moved`);
        return { contents: source.replace(eager, lazy), loader: "js" };
      });
    }
  },
};

/** The transform of an ES chunk to CommonJS; the helpers' reference text comes from the same. */
const cjsTransform = { format: "cjs", platform: "node", target: "node20.18", logLevel: "error" };

/**
 * dist/ is CommonJS: esbuild splits the CLI into ES chunks (code splitting needs ESM output),
 * then each chunk is rewritten to CommonJS, `import()` of a chunk becoming `require()`. Node
 * loads a CommonJS file through one synchronous read, while each ES module costs a resolution,
 * an asynchronous read and a link step, and an ES entry starts node's ES loader first: with the
 * ~25 chunks a command loads, that was ~20 ms of every start (docs/performance.md). Live
 * bindings survive (exports are getters); a top-level await fails the build here.
 * import.meta.url becomes the chunk's own file URL.
 */
function toCommonJS(code, file) {
  const usesUrl = code.includes("import.meta.url");
  const out = sharedHelpers(
    transformSync(code, {
      ...cjsTransform,
      supported: { "dynamic-import": false },
      define: importMetaUrl.define,
    }).code,
    file,
  );
  return usesUrl ? `${importMetaUrl.declaration}\n${out}` : out;
}

/**
 * esbuild's CommonJS output starts each file with the runtime helpers it uses (__export,
 * __copyProps, __toCommonJS, ...): the same text in every chunk, parsed and compiled again for
 * each of the ~25 files a command loads. dist/ keeps one copy, dist/chunks/runtime.js, and each
 * file takes the helpers it uses from it. The helpers' text is read from esbuild itself (a
 * transform that needs them all), and only that exact text is taken out of a file.
 */
const runtime = (() => {
  const { code } = transformSync(
    'import y from "./y.js"; import * as w from "./w.js"; export * from "./v.js"; export { y, w };',
    cjsTransform,
  );
  const block = code.slice(0, code.search(/^var (?!__)/m));
  const definitions = block.split(/^(?=var __\w+ = )/m).map((text) => ({
    name: /^var (__\w+) = /.exec(text)[1],
    text,
  }));
  const source = `${block}module.exports = { ${definitions.map((d) => d.name).join(", ")} };\n`;
  return { definitions, source, file: "dist/chunks/runtime.js" };
})();

function sharedHelpers(code, file) {
  const names = [];
  let rest = code;
  for (;;) {
    const helper = runtime.definitions.find((d) => rest.startsWith(d.text));
    if (!helper) break;
    names.push(helper.name);
    rest = rest.slice(helper.text.length);
  }
  // A helper of another text (esbuild renames a helper's own variables when the file has a
  // top-level one of the same name): the file keeps all its helpers, as esbuild wrote them.
  if (names.length === 0 || /^var __\w+ = /.test(rest)) return code;
  let from = relative(dirname(file), runtime.file).split(sep).join("/");
  if (!from.startsWith(".")) from = `./${from}`;
  return `var { ${names.join(", ")} } = require(${JSON.stringify(from)});\n${rest}`;
}

/** import.meta.url in CommonJS output (the chunks, the single executable): the file's URL. */
const importMetaUrl = {
  define: { "import.meta.url": "__grc_import_meta_url" },
  declaration: 'var __grc_import_meta_url = require("node:url").pathToFileURL(__filename).href;',
};

const common = {
  entryPoints: { grc: "src/cli/main.ts" },
  bundle: true,
  platform: "node",
  target: "node20.18",
  external: Object.keys(pkg.dependencies ?? {}),
  // The version is compiled in: no package.json read at start-up (src/cli/version.ts).
  define: { __GRC_VERSION__: JSON.stringify(pkg.version) },
  metafile: true,
  plugins: [lazyRequire],
  logLevel: "warning",
};

/** Writes the licence texts of every bundled package next to the bundle. */
function writeLicenses(metafile, file) {
  const names = new Set();
  for (const input of Object.keys(metafile.inputs)) {
    const m = input.match(/node_modules\/((?:@[^/]+\/)?[^/]+)\//g);
    if (m) names.add(m.at(-1).slice("node_modules/".length, -1));
  }
  const parts = [...names].sort().map((name) => {
    const dir = join("node_modules", name);
    const meta = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
    const licence = readdirSync(dir).find((f) => /^(licen[sc]e|copying)/i.test(f));
    const text = licence ? readFileSync(join(dir, licence), "utf8").trim() : `${meta.license}`;
    return `${name}@${meta.version} (${meta.license})\n\n${text}\n`;
  });
  writeFileSync(file, `grc bundles these packages:\n\n${parts.join(`\n${"-".repeat(72)}\n\n`)}`);
}

if (args.includes("--sea")) {
  const result = await build({
    ...common,
    entryPoints: { grc: "bin/sea-main.ts" },
    format: "cjs",
    outdir: ".tmp/sea",
    outExtension: { ".js": ".cjs" },
    // import.meta.url means nothing in one embedded script; src/cli/assets.ts asks node:sea
    // before it looks beside the code.
    define: { ...common.define, ...importMetaUrl.define },
    banner: { js: importMetaUrl.declaration },
  });
  writeLicenses(result.metafile, ".tmp/sea/THIRD-PARTY-LICENSES.txt");
} else {
  rmSync("dist", { recursive: true, force: true });
  const result = await build({
    ...common,
    // The mock server on its own, for the benchmarks (test/bench/) and scripts.
    entryPoints: { ...common.entryPoints, "mock/server": "src/mock/server.ts" },
    format: "esm",
    splitting: true,
    outdir: "dist",
    chunkNames: "chunks/[name]-[hash]",
  });
  for (const file of Object.keys(result.metafile.outputs)) {
    if (file.endsWith(".js")) writeFileSync(file, toCommonJS(readFileSync(file, "utf8"), file));
  }
  writeFileSync(runtime.file, runtime.source);
  // The package is "type": "module"; dist/ holds CommonJS.
  writeFileSync("dist/package.json", '{ "type": "commonjs" }\n');
  writeLicenses(result.metafile, "dist/THIRD-PARTY-LICENSES.txt");
  // Which module imports which, and which modules each output file holds: the layer test
  // (test/unit/architecture/dist-layers.test.ts) walks it. Not shipped (package.json "files").
  writeFileSync("dist/meta.json", JSON.stringify(result.metafile));
}
