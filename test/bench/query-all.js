// Performance target row 3: `grc alerts list --all --page-size 100 -o ndjson` over 10,000 alerts
// (100 pages) against the mock with 50 ms of latency per answer, side by side with a bare
// walker (lib/bare-walk.js: signed GETs on one keep-alive undici Pool, the page count from
// links.last, 8 pages in flight all the time, every resource printed as a JSON line in
// order): target grc >= 0.9x its speed. Both write to a file (`> alerts.ndjson`), which the
// bench reads after the run: a run counts only when it exited 0 and printed every alert
// once, in the server's order (ids 1..N). Also the CLI's peak RSS (VmHWM) < 100 MiB
// Rounds alternate the competitors (BENCH_ROUNDS, default 5, medians);
// BENCH_QUERY_ALERTS / BENCH_QUERY_LATENCY change the alert count and the latency.
import { spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMockServer } from "../../dist/mock/server.js";
import { dialect, fmtMs, median, order, printReport, rounds, target } from "./lib/report.js";

const bin = fileURLToPath(new URL("../../bin/grc.js", import.meta.url));
const bareWalk = fileURLToPath(new URL("./lib/bare-walk.js", import.meta.url));
const probe = fileURLToPath(new URL("./lib/io-probe.js", import.meta.url));
const alerts = Number(process.env.BENCH_QUERY_ALERTS ?? 10_000);
const latencyMs = Number(process.env.BENCH_QUERY_LATENCY ?? 50);
const RUNS = rounds(5);
const work = mkdtempSync(join(tmpdir(), "grc-bench-query-"));

const mock = await startMockServer({
  platforms: ["evident"],
  dialect,
  alerts,
  latencyMs,
  // The bench measures the walk, not the rate limiter.
  rateLimit: { limit: 1_000_000, windowMs: 60_000 },
});
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GRC_CONFIG_DIR: work,
  GRC_BASE_URL: mock.baseUrl,
  GRC_HMAC_KEY_ID: mock.identity.hmacKeyId,
  GRC_HMAC_SECRET: mock.identity.hmacSecret,
};

/** Runs one competitor with stdout to a file; resolves with wall ms and the file's path. */
function run(label, args, probeFile) {
  const out = join(work, `${label}-${process.hrtime.bigint()}.ndjson`);
  const fd = openSync(out, "w");
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(process.execPath, args, {
      env: { ...env, GRC_BENCH_PROBE: probeFile ?? "" },
      stdio: ["ignore", fd, "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      closeSync(fd);
      if (code !== 0) return reject(new Error(`${label} exited ${code}: ${stderr}`));
      resolve({ ms, out });
    });
  });
}

/** Throws unless the file holds every alert once, in order (ids 1..alerts). */
function expectComplete(label, file) {
  const lines = readFileSync(file, "utf8").split("\n");
  if (lines.pop() !== "") throw new Error(`${label}: output does not end with a newline`);
  if (lines.length !== alerts)
    throw new Error(`${label}: ${lines.length} lines, expected ${alerts}`);
  for (let i = 0; i < lines.length; i++) {
    const id = JSON.parse(lines[i]).id;
    if (id !== String(i + 1)) throw new Error(`${label}: line ${i + 1} is alert ${id}`);
  }
  rmSync(file);
}

const competitors = {
  async grc() {
    const probeFile = join(work, `probe-${process.hrtime.bigint()}`);
    const args = [
      "--import",
      probe,
      bin,
      "alerts",
      "list",
      "--all",
      "--page-size",
      "100",
      "-o",
      "ndjson",
    ];
    const r = await run("grc", args, probeFile);
    expectComplete("grc", r.out);
    const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(probeFile, "utf8"))?.[1];
    return { ...r, rssKiB: kb === undefined ? Number.NaN : Number(kb) };
  },
  async bare() {
    const r = await run("bare", [bareWalk, mock.baseUrl, "100", "8"]);
    expectComplete("bare walker", r.out);
    return r;
  },
};

const runs = { grc: [], bare: [] };
try {
  // One warm-up of each (page cache, the mock's JIT), not measured.
  await competitors.grc();
  await competitors.bare();
  for (let i = 0; i < RUNS; i++) {
    for (const name of order(i, Object.keys(competitors))) {
      runs[name].push(await competitors[name]());
    }
  }
} finally {
  await mock.close();
  rmSync(work, { recursive: true, force: true });
}

const pages = Math.ceil(alerts / 100);
const grcMs = median(runs.grc.map((r) => r.ms));
const bareMs = median(runs.bare.map((r) => r.ms));
const rssKiB = Math.max(...runs.grc.map((r) => r.rssKiB));
const floor = Math.ceil(pages / 8) * latencyMs;
const title = `alerts list --all, ${alerts.toLocaleString("en")} alerts, page size 100, ${latencyMs} ms away`;
const ok = printReport(
  `grc alerts list --all over ${alerts} alerts (${pages} pages of 100, ${latencyMs} ms latency), ${dialect} mock (Node ${process.version}, median of ${RUNS} alternated rounds)`,
  [
    ["grc alerts list --all -o ndjson (default --concurrency 8)", fmtMs(grcMs)],
    ["bare walker, 8 pages in flight", fmtMs(bareMs)],
    ["latency floor at 8 in flight (pages / 8 x latency)", fmtMs(floor)],
    ["peak RSS of grc (VmHWM)", `${(rssKiB / 1024).toFixed(1)} MiB`],
    ["  grc runs", runs.grc.map((r) => fmtMs(r.ms)).join(", ")],
    ["  bare runs", runs.bare.map((r) => fmtMs(r.ms)).join(", ")],
  ],
  [
    target({
      work: title,
      grc: fmtMs(grcMs),
      baseline: "bare walker, 8 pages in flight",
      base: fmtMs(bareMs),
      kind: "speed",
      goal: 0.9,
      grcMs,
      baseMs: bareMs,
      grcRuns: runs.grc.map((r) => r.ms),
      baseRuns: runs.bare.map((r) => r.ms),
    }),
    target({
      work: `${title}, peak RSS`,
      grc: `${(rssKiB / 1024).toFixed(1)} MiB`,
      kind: "max",
      goal: 100,
      value: rssKiB / 1024,
      unit: "MiB",
    }),
  ],
);
process.exitCode = ok ? 0 : 1;
