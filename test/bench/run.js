// `npm run bench [-- GROUP ...] [-- --dialect full|minimal|both]`: runs the benchmark groups
// under test/bench/ one after another (so their figures do not disturb each other), each
// against the full and the minimal dialect of the mock in turn, then prints one summary
// table of every target (work | grc | baseline | ratio of the medians | range of the same
// ratio within each round | target | PASS/MISS) and writes it
// as Markdown to .tmp/bench-results.md (BENCH_OUT to change; git-ignored) for
// docs/performance.md.
//
// Groups (the performance targets): startup, query-all, push-many, push-large; push-rerun
// runs only when named. A group name may be a prefix ("push" = the three push
// groups). Settings: BENCH_ROUNDS (alternated rounds per group; defaults: startup 15,
// query-all 5, push-many 7, push-large 3), BENCH_DIALECTS (full,minimal), BENCH_FILES, BENCH_BYTES,
// BENCH_QUERY_ALERTS, BENCH_QUERY_LATENCY. Exits 1 when a target is missed or a group failed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const dir = fileURLToPath(new URL(".", import.meta.url));
const root = fileURLToPath(new URL("../../", import.meta.url));
const defaultGroups = ["startup", "query-all", "push-many", "push-large"];
const allGroups = [...defaultGroups, "push-rerun"];

const args = process.argv.slice(2);
let dialects = (process.env.BENCH_DIALECTS ?? "full,minimal").split(",").filter(Boolean);
const wanted = [];
for (let i = 0; i < args.length; i++) {
  if (args[i] === "--dialect") {
    const d = args[++i];
    dialects = d === "both" ? ["full", "minimal"] : [d];
  } else wanted.push(args[i]);
}
for (const d of dialects) {
  if (d !== "full" && d !== "minimal") {
    console.error(`bench: unknown dialect ${d} — use full, minimal or both`);
    process.exit(2);
  }
}
const groups = wanted.length
  ? allGroups.filter((g) => wanted.some((w) => g.startsWith(w)))
  : defaultGroups;
if (groups.length === 0) {
  console.error(`bench: no group matches ${wanted.join(" ")} — groups: ${allGroups.join(", ")}`);
  process.exit(2);
}

const resultsFile = join(root, ".tmp", `bench-rows-${process.pid}.jsonl`);
mkdirSync(dirname(resultsFile), { recursive: true });
rmSync(resultsFile, { force: true });
const started = Date.now();
const failed = [];
const countRows = () =>
  existsSync(resultsFile)
    ? readFileSync(resultsFile, "utf8").split("\n").filter(Boolean).length
    : 0;
let rowsBefore = 0;
for (const group of groups) {
  // Both dialects of a group back to back: their figures see the same load.
  for (const dialect of dialects) {
    console.log(`\n# ${group} (${dialect} mock)`);
    const t0 = Date.now();
    const r = spawnSync(process.execPath, [join(dir, `${group}.js`)], {
      stdio: "inherit",
      env: { ...process.env, BENCH_DIALECT: dialect, BENCH_RESULTS: resultsFile },
    });
    console.log(`# ${group} (${dialect}) took ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    // A group reports its rows as its last act and exits 1 when one is a MISS; an exit
    // without rows is a failure (a competitor did not do the work, a crash).
    const rowsNow = countRows();
    if (r.status !== 0 && rowsNow === rowsBefore) {
      failed.push(`${group} (${dialect}) exited ${r.status ?? r.signal}`);
    }
    rowsBefore = rowsNow;
  }
}
const elapsed = (Date.now() - started) / 1000;
const rows = existsSync(resultsFile)
  ? readFileSync(resultsFile, "utf8")
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  : [];
rmSync(resultsFile, { force: true });
// Each target's dialects next to each other, targets in the order the groups reported them.
const keyOf = (r) => `${r.work}|${r.baseline ?? ""}`;
const firstSeen = new Map();
for (const r of rows) if (!firstSeen.has(keyOf(r))) firstSeen.set(keyOf(r), firstSeen.size);
rows.sort(
  (a, b) =>
    firstSeen.get(keyOf(a)) - firstSeen.get(keyOf(b)) ||
    dialects.indexOf(a.dialect) - dialects.indexOf(b.dialect),
);

const cell = (s) => String(s ?? "").replaceAll("|", "\\|");
const rounds = process.env.BENCH_ROUNDS ?? process.env.BENCH_RUNS;
const table = [
  "| dialect | work | grc | baseline | ratio | per round | target | |",
  "| --- | --- | --- | --- | --- | --- | --- | --- |",
  ...rows.map(
    (r) =>
      `| ${r.dialect} | ${cell(r.work)} | ${cell(r.grc)} | ${r.baseline ? `${cell(r.baseline)}: ${cell(r.base)}` : "—"} | ${r.ratioText} | ${r.perRound ?? ""} | ${cell(r.target)} | ${r.pass ? "PASS" : "MISS"} |`,
  ),
];
const missed = rows.filter((r) => !r.pass).length;
const header = [
  `Run of ${new Date(started).toISOString().slice(0, 16).replace("T", " ")} UTC, Node ${process.version}, ` +
    `${rounds ? `${rounds} alternated rounds per group` : "default rounds (startup 15, query-all 5, push-many 7, push-large 3)"}, ` +
    `dialects ${dialects.join(" and ")}, groups ${groups.join(", ")}; took ${(elapsed / 60).toFixed(1)} min.`,
  "",
  `${rows.length - missed} of ${rows.length} targets PASS${failed.length ? `; FAILED: ${failed.join(", ")}` : ""}.`,
];
const text = [...header, "", ...table, ""].join("\n");
console.log(`\n# Summary\n\n${text}`);
const out = process.env.BENCH_OUT ?? join(root, ".tmp", "bench-results.md");
mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, `# npm run bench\n\n${text}`);
console.log(`(written to ${relative(process.cwd(), out) || out})`);
process.exitCode = missed || failed.length ? 1 : 0;
