// Start-up of real commands, whole process (issue 13): `grc --help`, `grc auth status` and
// `grc --version` against `node -e 0`, and one signed `grc alerts list --limit 1` against a
// bare node script that sends the same signed GET (lib/bare-signed-get.js), both against the
// mock on 127.0.0.1. Each round runs every command once, in turn (alternated, so a busy
// machine slows all of them alike); the report shows medians. BENCH_RUNS rounds (default 7).
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMockServer } from "../../dist/mock/server.js";
import { median, printReport } from "./lib/report.js";

const bin = fileURLToPath(new URL("../../bin/grc.js", import.meta.url));
const bare = fileURLToPath(new URL("./lib/bare-signed-get.js", import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 7);
const dialect = process.env.BENCH_DIALECT ?? "full";

const mock = await startMockServer({ platforms: ["evident"], dialect });
const env = {
  PATH: process.env.PATH,
  HOME: process.env.HOME,
  GRC_CONFIG_DIR: mkdtempSync(join(tmpdir(), "grc-bench-startup-")),
  GRC_BASE_URL: mock.baseUrl,
  GRC_HMAC_KEY_ID: mock.identity.hmacKeyId,
  GRC_HMAC_SECRET: mock.identity.hmacSecret,
};

const node = process.execPath;
const cases = {
  bare: [node, "-e", "0"],
  help: [node, bin, "--help"],
  status: [node, bin, "auth", "status"],
  version: [node, bin, "--version"],
  query: [node, bin, "alerts", "list", "--limit", "1", "-o", "json"],
  bareQuery: [node, bare, mock.baseUrl, "/api/v2/alerts?page[size]=1"],
};

/** Wall time of one run in ms (asynchronous: the mock answers from this process). */
function time([cmd, ...args]) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (code !== 0) reject(new Error(`${args.join(" ")} exited ${code}: ${stderr}`));
      else resolve(ms);
    });
  });
}

const times = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
for (const command of Object.values(cases)) await time(command); // warm the file cache
for (let round = 0; round < runs; round++) {
  for (const [name, command] of Object.entries(cases)) times[name].push(await time(command));
}
await mock.close();

const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]));
const ratio = (a, b) => m[a] / m[b];
const ms = (k) => `${m[k].toFixed(1)} ms`;
const vs = (a, b) => `${ms(a)} (${ratio(a, b).toFixed(2)}x)`;
const check = (name, a, b, target) => ({
  name: `${name} <= ${target}x`,
  pass: ratio(a, b) <= target,
  detail: `${ratio(a, b).toFixed(2)}x`,
});
printReport(
  `Startup, whole process (median of ${runs} alternated rounds, Node ${process.version}, ${dialect} mock)`,
  [
    ["node -e 0", ms("bare")],
    ["grc --help", vs("help", "bare")],
    ["grc auth status", vs("status", "bare")],
    ["grc --version", vs("version", "bare")],
    ["bare signed GET (node script, fetch)", ms("bareQuery")],
    ["grc alerts list --limit 1 (APIAuth)", vs("query", "bareQuery")],
  ],
  [
    check("grc --help vs node -e 0", "help", "bare", 1.3),
    check("grc auth status vs node -e 0", "status", "bare", 1.3),
    check("grc --version vs node -e 0", "version", "bare", 1.3),
    check("one signed alerts list vs a bare signed request", "query", "bareQuery", 1.3),
  ],
);
