// Performance target row 1: 2,000 files of 4 KiB pushed to the mock on loopback by
// `grc evidence push DIR --control CC6.1 --framework SOC2 --concurrency 16 --no-state`,
// side by side with
// - a bare undici script doing the same four requests per file at 16 in flight
//   (lib/bare-push.js): target grc >= 1.0x its speed;
// - the seed's Python sample run by a 16-thread pool, one keep-alive requests.Session per
//   thread (lib/push-bench.js): target grc >= 1.5x faster (skipped with a message when
//   python3 cannot import requests).
// Every run starts on a reset mock and counts only when it exited 0 and the mock holds one
// lineage row per file. Rounds alternate the competitors (BENCH_ROUNDS, default 7, medians:
// single runs move by ±20% on 2 cores, and at 3 rounds this row flipped around 1.0x);
// BENCH_FILES changes the file count.
import { join } from "node:path";
import {
  cleanup,
  expectOk,
  makeFiles,
  mockCounts,
  paths,
  pythonHasRequests,
  runTimed,
  seedPythonPool,
  startMock,
  tempDir,
} from "./lib/push-bench.js";
import { dialect, fmtMs, median, mib, order, printReport, rounds, target } from "./lib/report.js";

const N = Number(process.env.BENCH_FILES ?? 2000);
const SIZE = 4096;
const CONCURRENCY = 16;
const RUNS = rounds(7);

// Objects in memory (8 MiB in all): the mock's disk writes would only add noise.
const { mock, env, reset } = await startMock({ objectsDir: "memory" });
const work = tempDir("many");
const filesDir = join(work, "files");
makeFiles(filesDir, N, SIZE);
// The warm-up (the mock's JIT, node's code cache) pushes a smaller folder of its own.
const WARM = Math.min(200, N);
const warmDir = join(work, "warm");
makeFiles(warmDir, WARM, SIZE);

/** Runs one competitor on a clean mock and checks that every file got linked. */
async function measure(label, n, cmd, args, extraEnv = {}) {
  await reset();
  const r = await runTimed(cmd, args, { env: { ...env, ...extraEnv } });
  expectOk(label, r);
  const { lineage, objects } = mockCounts(mock);
  if (lineage !== n || objects !== n) {
    throw new Error(`${label}: ${lineage} files linked, ${objects} stored, expected ${n}`);
  }
  return r;
}

const competitors = {
  grc: (dir = filesDir, n = N) =>
    measure(
      "grc",
      n,
      process.execPath,
      [
        paths.bin,
        "evidence",
        "push",
        dir,
        "--control",
        "CC6.1",
        "--framework",
        "SOC2",
        "--concurrency",
        String(CONCURRENCY),
        "--no-state",
      ],
      { GRC_CONFIG_DIR: join(work, "config") },
    ),
  bare: (dir = filesDir, n = N) =>
    measure("bare undici", n, process.execPath, [paths.bare, dir, String(CONCURRENCY)]),
  python: (dir = filesDir, n = N) =>
    measure("python pool", n, "python3", ["-c", seedPythonPool, dir, String(CONCURRENCY)]),
};

try {
  const hasRequests = await pythonHasRequests();
  if (!hasRequests) {
    console.log("  skipped: the Python baseline (python3 cannot import requests)");
    delete competitors.python;
  }
  // One warm-up of each competitor, not measured.
  for (const name of Object.keys(competitors)) await competitors[name](warmDir, WARM);

  const runs = Object.fromEntries(Object.keys(competitors).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++) {
    for (const name of order(i, Object.keys(competitors))) {
      runs[name].push(await competitors[name]());
    }
  }
  const ms = (name) => median(runs[name].map((r) => r.ms));
  const rate = (name) => `${((N / ms(name)) * 1000).toFixed(0)} files/s`;
  const grcRss = Math.max(...runs.grc.map((r) => r.peakRssKiB ?? 0));
  const title = `push ${N.toLocaleString("en")} x 4 KiB, --concurrency ${CONCURRENCY}`;

  const lines = [
    ["grc evidence push", `${fmtMs(ms("grc"))}  (${rate("grc")}, peak RSS ${mib(grcRss)})`],
    [
      "bare undici script, 4 requests/file, 16 in flight",
      `${fmtMs(ms("bare"))}  (${rate("bare")})`,
    ],
  ];
  const targets = [
    target({
      work: title,
      grc: fmtMs(ms("grc")),
      baseline: "bare undici script, same 4 requests/file, 16 in flight",
      base: fmtMs(ms("bare")),
      kind: "speed",
      goal: 1.0,
      grcMs: ms("grc"),
      baseMs: ms("bare"),
      grcRuns: runs.grc.map((r) => r.ms),
      baseRuns: runs.bare.map((r) => r.ms),
    }),
  ];
  if (runs.python) {
    lines.push([
      "seed's Python sample, 16 threads x 1 Session",
      `${fmtMs(ms("python"))}  (${rate("python")})`,
    ]);
    targets.push(
      target({
        work: title,
        grc: fmtMs(ms("grc")),
        baseline: "seed's Python sample, 16-thread pool, 1 keep-alive Session per thread",
        base: fmtMs(ms("python")),
        kind: "speed",
        goal: 1.5,
        grcMs: ms("grc"),
        baseMs: ms("python"),
        grcRuns: runs.grc.map((r) => r.ms),
        baseRuns: runs.python.map((r) => r.ms),
      }),
    );
  }
  for (const [name, rs] of Object.entries(runs)) {
    lines.push([`  ${name} runs`, rs.map((r) => fmtMs(r.ms)).join(", ")]);
  }
  const ok = printReport(
    `Push ${N} files of 4 KiB, --concurrency ${CONCURRENCY}, ${dialect} mock on loopback (Node ${process.version}, median of ${RUNS} alternated rounds)`,
    lines,
    targets,
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await mock.close();
  cleanup(work);
}
