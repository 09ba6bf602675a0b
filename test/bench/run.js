// Runs every benchmark under test/bench/ (or those named on the command line) one after
// another, so their figures do not disturb each other. `npm run bench [-- startup query-all]`.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const wanted = process.argv.slice(2);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith(".js") && f !== "run.js")
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
let failed = 0;
for (const file of benches) {
  console.log(`\n# ${file}`);
  const r = spawnSync(process.execPath, [`${dir}${file}`], { stdio: "inherit" });
  if (r.status !== 0) {
    failed += 1;
    console.log(`# ${file} exited ${r.status}`);
  }
}
process.exitCode = failed ? 1 : 0;
