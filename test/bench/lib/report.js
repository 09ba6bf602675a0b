// Shared bits of the benchmarks: settings from the environment, the order of competitors in a
// round, medians, the printed report and the rows handed to run.js for the summary table.
import { appendFileSync } from "node:fs";

/** The mock's dialect this run measures against (run.js sets it; default full). */
export const dialect = process.env.BENCH_DIALECT ?? "full";

/**
 * Alternated rounds: BENCH_ROUNDS (or the older BENCH_RUNS), else the group's default.
 * Fewer than 3 is allowed for a quick look, and said so in the report.
 */
export function rounds(groupDefault) {
  const n = Number(process.env.BENCH_ROUNDS ?? process.env.BENCH_RUNS ?? groupDefault);
  if (!Number.isInteger(n) || n < 1) throw new Error(`BENCH_ROUNDS must be a whole number >= 1`);
  if (n < 3) console.log(`  note: ${n} round(s); the targets are judged on medians of >= 3`);
  return n;
}

/**
 * The competitors of round `i` in the order they run: rotated by one each round, so none is
 * always first (after an idle pause) or always last (after the heaviest one).
 */
export function order(i, names) {
  const k = i % names.length;
  return [...names.slice(k), ...names.slice(0, k)];
}

/** Median of a list of numbers. */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** "1.23 s" or "456 ms". */
export function fmtMs(ms) {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(0)} ms`;
}

/** MiB from KiB, one decimal. */
export function mib(kib) {
  return kib === undefined || Number.isNaN(kib) ? "n/a" : `${(kib / 1024).toFixed(1)} MiB`;
}

/** 1 -> "1.0", 0.9 -> "0.9". */
function fmtGoal(goal) {
  return Number.isInteger(goal) ? goal.toFixed(1) : String(goal);
}

/**
 * One target of the issue, judged:
 * - kind "speed": ratio = baseline time / grc time (how fast grc is next to the baseline),
 *   PASS when ratio >= target ("grc >= 0.9x of the bare walker", "3x faster than ...");
 * - kind "time": ratio = grc time / baseline time, PASS when ratio <= target ("<= 1.3x of
 *   node -e 0");
 * - kind "max": an absolute figure (value) below a limit (target), e.g. peak RSS.
 * `grc` and `base` are the printed figures, `baseline` names what grc is compared with;
 * `grcRuns`/`baseRuns` (ms, one per round, in round order) add the per-round ratio range.
 */
export function target({
  work,
  grc,
  baseline,
  base,
  kind,
  goal,
  grcMs,
  baseMs,
  value,
  unit,
  grcRuns,
  baseRuns,
}) {
  let ratio;
  let pass;
  let ratioText;
  let targetText;
  if (kind === "speed") {
    ratio = baseMs / grcMs;
    pass = ratio >= goal;
    ratioText = `${ratio.toFixed(2)}x`;
    targetText = `>= ${fmtGoal(goal)}x`;
  } else if (kind === "time") {
    ratio = grcMs / baseMs;
    pass = ratio <= goal;
    ratioText = `${ratio.toFixed(2)}x`;
    targetText = `<= ${fmtGoal(goal)}x`;
  } else {
    ratio = value;
    pass = value < goal;
    ratioText = unit === "x" ? `${value.toFixed(3)}x` : `${value.toFixed(1)} ${unit}`;
    targetText = unit === "x" ? `< ${goal}x` : `< ${goal} ${unit}`;
  }
  // The same ratio within each round (grc and the baseline ran back to back): its range shows
  // how much the load moved between rounds.
  let perRound;
  if (grcRuns && baseRuns && grcRuns.length === baseRuns.length && grcRuns.length > 1) {
    const rs = grcRuns.map((g, i) => (kind === "speed" ? baseRuns[i] / g : g / baseRuns[i]));
    perRound = `${Math.min(...rs).toFixed(2)}-${Math.max(...rs).toFixed(2)}x`;
  }
  return {
    work,
    grc,
    baseline,
    base,
    ratio,
    ratioText,
    perRound,
    target: targetText,
    pass,
    dialect,
  };
}

/**
 * Prints a titled list of [label, value] lines and the judged targets, and appends the
 * targets (JSON lines) to BENCH_RESULTS for run.js's summary. Returns true when all pass.
 */
export function printReport(title, lines, targets = []) {
  console.log(`\n## ${title}`);
  const width = Math.max(...lines.map(([label]) => label.length));
  for (const [label, value] of lines) console.log(`  ${label.padEnd(width)}  ${value}`);
  let ok = true;
  for (const t of targets) {
    ok &&= t.pass;
    console.log(
      `  ${t.pass ? "PASS" : "MISS"}  ${t.work}: ${t.ratioText}${t.perRound ? ` (rounds ${t.perRound})` : ""} (target ${t.target})${t.baseline ? ` vs ${t.baseline}` : ""}`,
    );
  }
  if (process.env.BENCH_RESULTS) {
    for (const t of targets) appendFileSync(process.env.BENCH_RESULTS, `${JSON.stringify(t)}\n`);
  }
  return ok;
}
