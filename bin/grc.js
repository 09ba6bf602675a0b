#!/usr/bin/env node
// CommonJS, like dist/ (bin/package.json): node starts a CommonJS entry without its ES loader.
// Fast path: `grc --version` answers without loading the CLI (see test/bench/startup.js).
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const { readFileSync, writeSync } = require("node:fs");
  writeSync(1, `${JSON.parse(readFileSync(`${__dirname}/../package.json`, "utf8")).version}\n`);
} else {
  // Node 22.8+ keeps V8's compiled code of the files node loads in its compile cache
  // (os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1 turns
  // it off): ~10% of the instructions of a start (docs/performance.md). Node 20 has none (and
  // node:module would load node's ES loader for nothing).
  if (Number(process.versions.node.split(".")[0]) >= 22) {
    require("node:module").enableCompileCache?.();
  }
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
