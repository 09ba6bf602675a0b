#!/usr/bin/env node
// CommonJS, like dist/ (bin/package.json): node starts a CommonJS entry without its ES loader.
// Fast path: `grc --version` answers without loading the CLI (see test/bench/startup.js).
const argv = process.argv.slice(2);
if (require.main !== module) {
  module.exports = { loadBundle }; // for test/unit/cli/load-bundle.test.ts
} else if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const { readFileSync, writeSync } = require("node:fs");
  writeSync(1, `${JSON.parse(readFileSync(`${__dirname}/../package.json`, "utf8")).version}\n`);
} else {
  // Node 22.8+ keeps V8's compiled code of the files node loads in a compile cache: ~10% of
  // the instructions of a start (docs/performance.md); node's own loader loads dist/ then, so
  // that the cache covers it. Elsewhere (Node 20, where node:module would also load node's ES
  // loader for nothing) grc's loader does, without node's module resolution (loadBundle).
  const cached = Number(process.versions.node.split(".")[0]) >= 22 && useCompileCache();
  // V8's --liftoff-only is set by src/cli/wasm-tier.ts right before the HTTP client loads.
  const { internalErrorLine, main } = cached
    ? require("../dist/grc.js")
    : loadBundle(require("node:path").join(__dirname, "../dist/grc.js"));
  main(process).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      // A bug that escaped the CLI's own handling: the same line and code (70) as inside it.
      process.stderr.write(`${internalErrorLine(err)}\n`);
      if (argv.includes("--debug") && err instanceof Error) process.stderr.write(`${err.stack}\n`);
      process.exitCode = 70;
    },
  );
}

/**
 * The compile cache goes to NODE_COMPILE_CACHE when set (node reads it), else to the user's own
 * cache folder, not node's default under the shared temporary folder, where another user
 * could have left the entries this process would load. NODE_DISABLE_COMPILE_CACHE=1 turns it off.
 */
function useCompileCache() {
  const { constants, enableCompileCache } = require("node:module");
  if (!enableCompileCache) return false; // before 22.8
  const env = process.env;
  const home = env.HOME || env.USERPROFILE;
  const base =
    process.platform === "win32"
      ? env.LOCALAPPDATA
      : process.platform === "darwin"
        ? home && `${home}/Library/Caches`
        : env.XDG_CACHE_HOME || (home && `${home}/.cache`);
  const dir = env.NODE_COMPILE_CACHE
    ? undefined
    : base && require("node:path").join(base, "grc", "compile-cache");
  if (!env.NODE_COMPILE_CACHE && !dir) return false;
  const { status } = enableCompileCache(dir);
  return (
    status === constants.compileCacheStatus.ENABLED ||
    status === constants.compileCacheStatus.ALREADY_ENABLED
  );
}

/**
 * Loads dist/grc.js and the chunks it requires, as node would load CommonJS files, minus node's
 * module resolution: a chunk names another by a relative path ("./chunk-AB12.js") that can only
 * mean the file beside it, yet node would look for a package.json up the folders, stat and
 * resolve symlinks for each (~20% of the instructions of `grc auth status --offline`,
 * docs/performance.md). Each file is read once, compiled by node:vm with node's CommonJS
 * wrapper arguments and cached before it runs (a cycle gets the exports so far, as in node).
 * Any other name (node:*, a package of `dependencies`) goes to node's own require, from bin/:
 * the same node_modules folders as from dist/.
 */
function loadBundle(entry) {
  const { readFileSync } = require("node:fs");
  const { compileFunction } = require("node:vm");
  const path = require("node:path");
  const params = ["exports", "require", "module", "__filename", "__dirname"];
  const modules = new Map();
  const load = (file) => {
    const known = modules.get(file);
    if (known) return known.exports;
    const mod = { id: file, filename: file, exports: {}, loaded: false };
    const dir = path.dirname(file);
    const local = (id) =>
      id.startsWith("./") || id.startsWith("../") ? load(path.join(dir, id)) : require(id);
    local.main = require.main;
    modules.set(file, mod);
    try {
      const run = compileFunction(readFileSync(file, "utf8"), params, { filename: file });
      run.call(mod.exports, mod.exports, local, mod, file, dir);
    } catch (err) {
      modules.delete(file); // as node does: the next require tries again
      throw err;
    }
    mod.loaded = true;
    return mod.exports;
  };
  return load(entry);
}
