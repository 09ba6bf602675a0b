#!/usr/bin/env node
// CommonJS, like dist/ (bin/package.json): node starts a CommonJS entry without its ES loader.
// Fast path: `grc --version` answers without loading the CLI (see test/bench/startup.js).
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const { readFileSync, writeSync } = require("node:fs");
  writeSync(1, `${JSON.parse(readFileSync(`${__dirname}/../package.json`, "utf8")).version}\n`);
} else {
  // Node 22.8+ keeps V8's compiled code of the files node loads in a compile cache: ~10% of
  // the instructions of a start (docs/performance.md). Node 20 has none (and node:module would
  // load node's ES loader for nothing).
  if (Number(process.versions.node.split(".")[0]) >= 22) useCompileCache();
  // V8's --liftoff-only is set by src/cli/wasm-tier.ts right before the HTTP client loads.
  const { internalErrorLine, main } = require("../dist/grc.js");
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
  const { enableCompileCache } = require("node:module");
  if (!enableCompileCache) return; // before 22.8
  const env = process.env;
  if (env.NODE_COMPILE_CACHE) return void enableCompileCache();
  const home = env.HOME || env.USERPROFILE;
  const base =
    process.platform === "win32"
      ? env.LOCALAPPDATA
      : process.platform === "darwin"
        ? home && `${home}/Library/Caches`
        : env.XDG_CACHE_HOME || (home && `${home}/.cache`);
  if (base) enableCompileCache(require("node:path").join(base, "grc", "compile-cache"));
}
