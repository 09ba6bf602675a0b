// Performance target rows 4 and 5: real commands, whole process, from spawn to exit.
// - `grc --help` and `grc auth status` against `node -e 0`: target <= 1.3x. `auth status`
//   is measured as the user runs it (it sends one signed request to check the credential,
//   here to the mock on 127.0.0.1) and with `--offline` (local values only), both reported;
//   the target is judged on both. `grc --version` is reported for information (it answers
//   from bin/grc.js before the CLI loads).
// - one signed `grc alerts list --limit 1` against a bare node script sending the same
//   signed GET with node:http (lib/bare-signed-get.js): target <= 1.3x. The same script with
//   undici's request and with node's fetch is reported for information.
// Credentials come from the environment (GRC_BASE_URL, GRC_HMAC_KEY_ID/GRC_HMAC_SECRET) with
// an empty config folder. Each run must exit 0 and print what it should. Each round runs
// every command once, the order rotated round by round; medians of BENCH_ROUNDS (default 7).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMockServer } from "../../dist/mock/server.js";
import { dialect, fmtMs, median, order, printReport, rounds, target } from "./lib/report.js";

const bin = fileURLToPath(new URL("../../bin/grc.js", import.meta.url));
const bare = fileURLToPath(new URL("./lib/bare-signed-get.js", import.meta.url));
const RUNS = rounds(7);

const mock = await startMockServer({ platforms: ["evident"], dialect });
const configDir = mkdtempSync(join(tmpdir(), "grc-bench-startup-"));
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GRC_CONFIG_DIR: configDir,
  GRC_BASE_URL: mock.baseUrl,
  GRC_HMAC_KEY_ID: mock.identity.hmacKeyId,
  GRC_HMAC_SECRET: mock.identity.hmacSecret,
};

const node = process.execPath;
const query = "/api/v2/alerts?page[size]=1";
/** name -> [argv, check of stdout]. */
const cases = {
  node: [[node, "-e", "0"], (out) => out === ""],
  help: [[node, bin, "--help"], (out) => out.startsWith("Usage: grc")],
  status: [[node, bin, "auth", "status"], (out) => /^check\s+ok/m.test(out)],
  statusOffline: [
    [node, bin, "auth", "status", "--offline"],
    (out) => /^check\s+not checked/m.test(out),
  ],
  version: [[node, bin, "--version"], (out) => /^\d+\.\d+\.\d+/.test(out)],
  query: [
    [node, bin, "alerts", "list", "--limit", "1"],
    (out) => out.trim().split("\n").length === 1,
  ],
  bareQuery: [[node, bare, mock.baseUrl, query], (out) => JSON.parse(out).data.length === 1],
  bareUndici: [
    [node, bare, mock.baseUrl, query, "--undici"],
    (out) => JSON.parse(out).data.length === 1,
  ],
  bareFetch: [
    [node, bare, mock.baseUrl, query, "--fetch"],
    (out) => JSON.parse(out).data.length === 1,
  ],
};

/** Wall time of one run in ms (asynchronous: the mock answers from this process). */
function time(name) {
  const [[cmd, ...args], check] = cases[name];
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0)
        return reject(new Error(`${name}: ${args.join(" ")} exited ${code}: ${stderr}`));
      let ok = false;
      try {
        ok = check(stdout);
      } catch {
        // not the expected output
      }
      if (!ok) return reject(new Error(`${name}: unexpected output: ${stdout.slice(0, 500)}`));
      resolve(ms);
    });
  });
}

const names = Object.keys(cases);
const times = Object.fromEntries(names.map((k) => [k, []]));
try {
  for (const name of names) await time(name); // warm the file cache
  for (let i = 0; i < RUNS; i++) {
    for (const name of order(i, names)) times[name].push(await time(name));
  }
} finally {
  await mock.close();
  rmSync(configDir, { recursive: true, force: true });
}

const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const vs = (a, b) => `${fmtMs(m[a])}  (${(m[a] / m[b]).toFixed(2)}x)`;
const vsNode = (name, work) =>
  target({
    work,
    grc: fmtMs(m[name]),
    baseline: "node -e 0",
    base: fmtMs(m.node),
    kind: "time",
    goal: 1.3,
    grcMs: m[name],
    baseMs: m.node,
    grcRuns: times[name],
    baseRuns: times.node,
  });
const ok = printReport(
  `Start-up, whole process, ${dialect} mock (Node ${process.version}, median of ${RUNS} alternated rounds)`,
  [
    ["node -e 0", fmtMs(m.node)],
    ["grc --help", vs("help", "node")],
    ["grc auth status (checks with the server)", vs("status", "node")],
    ["grc auth status --offline", vs("statusOffline", "node")],
    ["grc --version (fast path in bin/grc.js)", vs("version", "node")],
    ["bare signed GET, node:http", fmtMs(m.bareQuery)],
    ["grc alerts list --limit 1 (APIAuth)", vs("query", "bareQuery")],
    ["bare signed GET, undici request", vs("bareUndici", "bareQuery")],
    ["bare signed GET, fetch (the seed's Node sample uses fetch)", vs("bareFetch", "bareQuery")],
    ["grc alerts list --limit 1 vs the undici script", `${(m.query / m.bareUndici).toFixed(2)}x`],
    ["grc alerts list --limit 1 vs the fetch script", `${(m.query / m.bareFetch).toFixed(2)}x`],
  ],
  [
    vsNode("help", "grc --help"),
    vsNode("status", "grc auth status (checks the credential with the server)"),
    vsNode("statusOffline", "grc auth status --offline"),
    target({
      work: "one signed alerts list --limit 1, whole process",
      grc: fmtMs(m.query),
      baseline: "bare signed GET in a bare node script (node:http)",
      base: fmtMs(m.bareQuery),
      kind: "time",
      goal: 1.3,
      grcMs: m.query,
      baseMs: m.bareQuery,
      grcRuns: times.query,
      baseRuns: times.bareQuery,
    }),
  ],
);
process.exitCode = ok ? 0 : 1;
