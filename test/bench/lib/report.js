// Shared bits of the benchmarks: timing child processes and printing a small report.
import { spawnSync } from "node:child_process";

/** Runs a command `runs` times (after `warmup` runs) and returns wall times in ms. */
export function timeCommand(cmd, args, { runs = 20, warmup = 3, env = process.env } = {}) {
  const times = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited ${r.status}: ${r.stderr}`);
    if (i >= warmup) times.push(ms);
  }
  return times;
}

/** Median of a list of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Prints a titled table of rows [label, value] and the verdicts. */
export function printReport(title, rows, checks = []) {
  console.log(`\n## ${title}`);
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) console.log(`  ${label.padEnd(width)}  ${value}`);
  let ok = true;
  for (const { name, pass, detail } of checks) {
    ok &&= pass;
    console.log(`  ${pass ? "PASS" : "MISS"}  ${name}${detail ? ` (${detail})` : ""}`);
  }
  return ok;
}
