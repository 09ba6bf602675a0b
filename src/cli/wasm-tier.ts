/**
 * undici parses HTTP with llhttp compiled to WebAssembly. V8 re-compiles it with TurboFan in
 * the background, which costs ~35 MiB and ~300 ms of CPU a CLI never gets back; the baseline
 * compiler (Liftoff) is plenty for a few thousand responses (test/bench/query-all.js).
 * Called right before the HTTP client loads, so commands that send nothing (`grc --help`,
 * `auth status --offline`) do not pay for node:v8 (which loads node's stream modules).
 */
let set = false;
export function liftoffOnly(): void {
  if (set) return;
  set = true;
  process.getBuiltinModule("node:v8").setFlagsFromString("--liftoff-only");
}
