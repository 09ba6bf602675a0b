#!/usr/bin/env node
// Fast path: `grc --version` answers without loading the CLI (see test/bench/startup.js).
// Built-ins come from process.getBuiltinModule: an ES import of node:fs evaluates more of node.
const argv = process.argv.slice(2);
if (argv.length === 1 && (argv[0] === "--version" || argv[0] === "-V")) {
  const { readFileSync } = process.getBuiltinModule("node:fs");
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));
  process.stdout.write(`${pkg.version}\n`);
} else {
  // V8's --liftoff-only is set by src/cli/wasm-tier.ts right before the HTTP client loads.
  const { internalErrorLine, main } = await import("../dist/grc.js");
  try {
    process.exitCode = await main(process);
  } catch (err) {
    // A bug that escaped the CLI's own handling: the same line and code (70) as inside it.
    process.stderr.write(`${internalErrorLine(err)}\n`);
    if (argv.includes("--debug") && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    process.exitCode = 70;
  }
}
