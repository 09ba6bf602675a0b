// A rerun of `grc evidence push` over the same 2,000 files with its state file: every file
// is skipped without re-hashing. Targets: under 1 s wall (the whole CLI process),
// and no network writes (the mock's request log gets no POST/PUT during the rerun).
// BENCH_FILES changes the file count, BENCH_ROUNDS the reruns (median).
import { join } from "node:path";
import {
  cleanup,
  expectOk,
  makeFiles,
  mockCounts,
  paths,
  runTimed,
  startMock,
  tempDir,
} from "./lib/push-bench.js";
import { dialect, fmtMs, median, printReport, rounds, target } from "./lib/report.js";

const N = Number(process.env.BENCH_FILES ?? 2000);
const RUNS = rounds(3);
const { mock, env } = await startMock();
const work = tempDir("rerun");
const filesDir = join(work, "files");
makeFiles(filesDir, N, 4096);
const state = join(work, "state.json");
const args = [
  paths.bin,
  "evidence",
  "push",
  filesDir,
  "--control",
  "CC6.1",
  "--concurrency",
  "16",
  "--state",
  state,
];
const childEnv = { ...env, GRC_CONFIG_DIR: join(work, "config") };

/**
 * Requests the mock logged so far, read over HTTP from GET /__mock/state like any client
 * would (the log keeps a tail; `requests_dropped` counts the rest).
 */
const logged = async () => {
  const s = await (await fetch(`${mock.baseUrl}/__mock/state`)).json();
  return { total: s.requests.length + s.requests_dropped, tail: s.requests };
};

try {
  // Fill the state. A file that failed is pushed by the next run (that is what state is for);
  // the figure below is the first run's time.
  const first = await runTimed(process.execPath, args, { env: childEnv });
  for (let i = 0; i < 3 && mockCounts(mock).lineage < N; i++) {
    const again = await runTimed(process.execPath, args, { env: childEnv });
    if (again.code !== 0 && i === 2) expectOk("filling the state", again);
  }
  if (mockCounts(mock).lineage !== N)
    throw new Error(`the first pushes linked ${mockCounts(mock).lineage} of ${N}`);
  // The "no writes" check below means something only if the log sees the pushes.
  if ((await logged()).total < 4 * N)
    throw new Error("the mock's request log missed the first push");
  if (first.code !== 0)
    console.log(`  note: the first push exited ${first.code}; a resumed run linked the rest`);

  const reruns = [];
  let sent = 0;
  let writes = 0;
  let skipped = 0;
  for (let i = 0; i < RUNS; i++) {
    const before = (await logged()).total;
    const r = await runTimed(process.execPath, args, { env: childEnv });
    expectOk("rerun", r);
    const after = await logged();
    const fresh = after.total - before;
    sent += fresh;
    writes += after.tail
      .slice(after.tail.length - Math.min(fresh, after.tail.length))
      .filter((q) => q.method === "POST" || q.method === "PUT").length;
    skipped = Number(/(\d+) skipped/.exec(r.stdout + r.stderr)?.[1] ?? 0);
    reruns.push(r.ms);
  }
  const ms = median(reruns);
  const ok = printReport(
    `Rerun over ${N} unchanged files with state, ${dialect} mock (Node ${process.version}, median of ${RUNS})`,
    [
      ["first push (for reference)", fmtMs(first.ms)],
      ["rerun", `${fmtMs(ms)}  (${skipped} skipped)`],
      ["requests during the reruns", `${sent} (${writes} writes)`],
    ],
    [
      target({
        work: `rerun over ${N} unchanged files with state, wall`,
        grc: fmtMs(ms),
        kind: "max",
        goal: 1000,
        value: ms,
        unit: "ms",
      }),
      target({
        work: "rerun, POST/PUT requests sent",
        grc: String(writes),
        kind: "max",
        goal: 1,
        value: writes,
        unit: "requests",
      }),
      target({
        work: "rerun, files not skipped",
        grc: `${skipped} of ${N} skipped`,
        kind: "max",
        goal: 1,
        value: N - skipped,
        unit: "files",
      }),
    ],
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await mock.close();
  cleanup(work);
}
