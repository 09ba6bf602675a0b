// 2,000 files of 4 KiB pushed to the mock on loopback by `grc evidence push --concurrency 16`,
// compared in the same run with the seed's curl sample looped over the files, the seed's
// Python sample looped, and a bare undici script doing only the four requests at the same
// concurrency (the ceiling). Targets (issue 4): >= 40x the curl loop, >= 4x the Python
// loop, >= 0.8x the bare ceiling. `--quick` (or BENCH_QUICK=1) runs the two loops over
// 200 files and extrapolates per file; BENCH_FILES changes the file count, BENCH_RUNS the
// runs of grc and bare (median).
import { join } from "node:path";
import {
  cleanup,
  expectOk,
  makeFiles,
  mib,
  mockCounts,
  paths,
  pythonHasRequests,
  quick,
  runTimed,
  sec,
  seedCurlLoop,
  seedPythonLoop,
  startMock,
  tempDir,
} from "./lib/push-bench.js";
import { median, printReport } from "./lib/report.js";

const N = Number(process.env.BENCH_FILES ?? 2000);
const SIZE = 4096;
const CONCURRENCY = 16;
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SAMPLE = quick ? Math.min(200, N) : N;

const { mock, env, reset } = await startMock();
const work = tempDir("many");
const filesDir = join(work, "files");
const files = makeFiles(filesDir, N, SIZE);
const list = `${files.join("\n")}\n`;
const sampleList = `${files.slice(0, SAMPLE).join("\n")}\n`;

/** Runs one competitor on a clean mock and checks that every file got linked. */
async function measure(label, expected, cmd, args, options = {}) {
  await reset();
  const r = await runTimed(cmd, args, {
    env: { ...env, ...(options.env ?? {}) },
    input: options.input,
  });
  expectOk(label, r);
  const counts = mockCounts(mock);
  if (counts.lineage !== expected) {
    throw new Error(`${label}: ${counts.lineage} files linked, expected ${expected}`);
  }
  return r;
}

try {
  const grcArgs = [
    paths.bin,
    "evidence",
    "push",
    filesDir,
    "--control",
    "CC6.1",
    "--framework",
    "SOC2",
    "--concurrency",
    String(CONCURRENCY),
    "--no-state",
  ];
  const grcEnv = { GRC_CONFIG_DIR: join(work, "config") };
  // One warm-up of each Node competitor: page cache and the mock's JIT, not measured.
  await measure("grc (warm-up)", N, process.execPath, grcArgs, { env: grcEnv });
  await measure("bare (warm-up)", N, process.execPath, [paths.bare, String(CONCURRENCY)], {
    input: list,
  });

  const grcRuns = [];
  const bareRuns = [];
  for (let i = 0; i < RUNS; i++) {
    // Alternate so background load on the shared machine hits both alike.
    grcRuns.push(await measure("grc", N, process.execPath, grcArgs, { env: grcEnv }));
    bareRuns.push(
      await measure("bare undici", N, process.execPath, [paths.bare, String(CONCURRENCY)], {
        input: list,
      }),
    );
  }
  const grcMs = median(grcRuns.map((r) => r.ms));
  const bareMs = median(bareRuns.map((r) => r.ms));
  const grcRss = Math.max(...grcRuns.map((r) => r.peakRssKiB ?? 0));

  const hasRequests = await pythonHasRequests();
  const py = await measure("python loop", SAMPLE, "python3", ["-c", seedPythonLoop], {
    input: sampleList,
  });
  const curl = await measure("curl loop", SAMPLE, "bash", ["-c", seedCurlLoop], {
    input: sampleList,
  });
  const scale = N / SAMPLE;
  const pyMs = py.ms * scale;
  const curlMs = curl.ms * scale;
  const note = SAMPLE < N ? ` (extrapolated from ${SAMPLE} files x${scale})` : "";

  const ok = printReport(
    `Push ${N} files of ${SIZE / 1024} KiB, concurrency ${CONCURRENCY}, mock on loopback (Node ${process.version}, median of ${RUNS})`,
    [
      [
        "grc evidence push",
        `${sec(grcMs)}  (${((N / grcMs) * 1000).toFixed(0)} files/s, peak RSS ${mib(grcRss)})`,
      ],
      [
        "bare undici, 4 requests/file",
        `${sec(bareMs)}  (${((N / bareMs) * 1000).toFixed(0)} files/s)`,
      ],
      [
        `seed Python sample looped${hasRequests ? " (requests)" : " (urllib: requests missing)"}`,
        `${sec(pyMs)}${note}`,
      ],
      ["seed curl sample looped", `${sec(curlMs)}${note}`],
      ["grc vs curl loop", `${(curlMs / grcMs).toFixed(1)}x faster`],
      ["grc vs Python loop", `${(pyMs / grcMs).toFixed(1)}x faster`],
      ["grc vs bare ceiling", `${(bareMs / grcMs).toFixed(2)}x the ceiling's speed`],
    ],
    [
      {
        name: ">= 40x the curl loop",
        pass: curlMs / grcMs >= 40,
        detail: `${(curlMs / grcMs).toFixed(1)}x`,
      },
      {
        name: ">= 4x the Python loop",
        pass: pyMs / grcMs >= 4,
        detail: `${(pyMs / grcMs).toFixed(1)}x`,
      },
      {
        name: ">= 0.8x the bare ceiling",
        pass: bareMs / grcMs >= 0.8,
        detail: `${(bareMs / grcMs).toFixed(2)}x`,
      },
    ],
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await mock.close();
  cleanup(work);
}
