#!/usr/bin/env node
// Fast path: `grc --version` answers without loading the CLI (see test/bench/startup.js).
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const { readFileSync } = await import("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${pkg.version}\n`);
} else {
  // undici parses HTTP with llhttp compiled to WebAssembly. V8 re-compiles it with TurboFan
  // in the background, which costs ~35 MiB and ~300 ms of CPU a CLI never gets back;
  // the baseline compiler is plenty for a few thousand responses (test/bench/query-all.js).
  const v8 = await import("node:v8");
  v8.setFlagsFromString("--liftoff-only");
  const { main } = await import("../dist/grc.js");
  process.exitCode = await main(process);
}
