// `grc list alerts --all` over 10,000 alerts at page size 100 against the mock with 50 ms of
// latency per response (issue 5): concurrent page walk vs a sequential walk (one signed
// request after another: --concurrency 1, following links.next), NDJSON to a pipe. Reports
// wall time, the ratio (target >= 3x) and the CLI's peak RSS (VmHWM, target < 100 MiB).
// BENCH_QUERY_ALERTS=100000 runs the same over 100,000 alerts (flat memory check).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMockServer } from "../../dist/mock/server.js";
import { median, printReport } from "./lib/report.js";

const bin = fileURLToPath(new URL("../../bin/grc.js", import.meta.url));
const probe = fileURLToPath(new URL("./lib/io-probe.js", import.meta.url));
const alerts = Number(process.env.BENCH_QUERY_ALERTS ?? 10_000);
const latencyMs = Number(process.env.BENCH_QUERY_LATENCY ?? 50);
const runs = Number(process.env.BENCH_RUNS ?? 3);
// Extra flags for the concurrent side (e.g. "--concurrency 8") and for node (experiments).
const concurrentArgs = (process.env.BENCH_QUERY_ARGS ?? "").split(" ").filter(Boolean);
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? "").split(" ").filter(Boolean);
const work = mkdtempSync(join(tmpdir(), "grc-bench-query-"));

const mock = await startMockServer({
  platforms: ["evident"],
  alerts,
  latencyMs,
  // The bench measures the walk, not the rate limiter.
  rateLimit: { limit: 1_000_000, windowMs: 60_000 },
});

/** Runs the CLI once; resolves with wall ms, lines printed, first/last ids and peak RSS (MiB). */
function walk(extra) {
  const probeFile = join(work, `probe-${process.hrtime.bigint()}`);
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(
      process.execPath,
      [
        ...nodeFlags,
        "--import",
        probe,
        bin,
        "list",
        "alerts",
        "--all",
        "--page-size",
        "100",
        "-o",
        "ndjson",
        ...extra,
      ],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          GRC_CONFIG_DIR: work,
          GRC_BASE_URL: mock.baseUrl,
          GRC_API_KEY: mock.identity.apiKey,
          GRC_BENCH_PROBE: probeFile,
        },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let lines = 0;
    let tail = "";
    let first;
    let stderr = "";
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk) => {
      const text = tail + chunk;
      const parts = text.split("\n");
      tail = parts.pop();
      for (const line of parts) {
        lines += 1;
        if (first === undefined) first = JSON.parse(line).id;
      }
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) return reject(new Error(`grc exited ${code}: ${stderr}`));
      let rssMiB = Number.NaN;
      try {
        const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(probeFile, "utf8"))?.[1];
        rssMiB = Number(kb) / 1024;
      } catch {
        // Not Linux: reported as n/a.
      }
      resolve({ ms, lines, first, rssMiB });
    });
  });
}

const seq = [];
const conc = [];
try {
  for (let i = 0; i < runs; i++) {
    // Alternate so a noisy neighbour hurts both sides alike.
    seq.push(await walk(["--concurrency", "1"]));
    conc.push(await walk(concurrentArgs));
  }
} finally {
  await mock.close();
  rmSync(work, { recursive: true, force: true });
}

const pages = Math.ceil(alerts / 100);
const seqMs = median(seq.map((r) => r.ms));
const concMs = median(conc.map((r) => r.ms));
const ratio = seqMs / concMs;
const peak = Math.max(...conc.map((r) => r.rssMiB), ...seq.map((r) => r.rssMiB));
const complete = [...seq, ...conc].every((r) => r.lines === alerts && r.first === "1");
const ok = printReport(
  `grc list alerts --all over ${alerts} alerts (${pages} pages of 100, ${latencyMs} ms latency; median of ${runs})`,
  [
    [
      "sequential (--concurrency 1)",
      `${seqMs.toFixed(0)} ms (${(seqMs / pages).toFixed(1)} ms/page)`,
    ],
    [
      `concurrent (${concurrentArgs.join(" ") || "default --concurrency 8"})`,
      `${concMs.toFixed(0)} ms`,
    ],
    ["speed-up", `${ratio.toFixed(2)}x`],
    ["peak RSS of the CLI", Number.isNaN(peak) ? "n/a" : `${peak.toFixed(1)} MiB`],
    ["every alert printed, in order from id 1", complete ? "yes" : "NO"],
  ],
  [
    {
      name: "concurrent walk >= 3x the sequential walk",
      pass: ratio >= 3,
      detail: `${ratio.toFixed(2)}x`,
    },
    {
      name: "peak RSS < 100 MiB",
      pass: !(peak >= 100),
      detail: Number.isNaN(peak) ? "n/a" : `${peak.toFixed(1)} MiB`,
    },
    { name: "output complete", pass: complete },
  ],
);
process.exitCode = ok ? 0 : 1;
