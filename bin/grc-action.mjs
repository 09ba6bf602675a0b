#!/usr/bin/env node
// The GitHub Action's step (action.yml): turns INPUT_* variables into a `grc evidence push`,
// then writes the counts to $GITHUB_OUTPUT and a table to $GITHUB_STEP_SUMMARY, and exits
// with grc's exit code (0 ok, 1 some files failed, 2 bad input, 3 auth, 4 server/storage).
// Plain Node, no dependencies: it runs the grc beside it (bin/grc.js) as a child process.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, mkdirSync, statSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";

const env = process.env;
const GRC = fileURLToPath(new URL("./grc.js", import.meta.url));

/** An input as action.yml passes it: INPUT_<NAME>, upper case, "-" as "_". */
function input(name) {
  const key = name.toUpperCase().replaceAll("-", "_");
  return (env[`INPUT_${key}`] ?? env[`INPUT_${name.toUpperCase()}`] ?? "").trim();
}

/** Writes a workflow command line (only this script's own lines, never grc's output). */
function command(line) {
  process.stdout.write(`${line}\n`);
}

function fail(message) {
  process.stderr.write(`grc-action: ${message}\n`);
  command(`::error title=grc evidence push::${message.replace(/[\r\n%]/g, " ")}`);
  process.exit(2);
}

// Secrets come from the environment (`env: GRC_API_KEY: ${{ secrets.GRC_API_KEY }}`), never
// from inputs. GitHub masks secrets it knows; masking again covers a value derived from one.
for (const name of ["GRC_API_KEY", "GRC_HMAC_SECRET", "GRC_SESSION"]) {
  const value = env[name]?.trim();
  if (value) command(`::add-mask::${value}`);
}

const paths = input("paths")
  .split(/\r?\n/)
  .map((p) => p.trim())
  .filter(Boolean);
const map = input("map");
if (paths.length === 0 && !map) fail("set the paths input (one per line) or the map input");
if (paths.length > 0 && map) fail("set either the paths input or the map input, not both");

const args = ["evidence", "push", ...paths, "--output", "ndjson"];
const flag = (name, option = `--${name}`) => {
  const value = input(name);
  if (value) args.push(option, value);
};
flag("map");
flag("control");
flag("framework");
flag("assessment");
flag("concurrency");
flag("shard");
flag("profile");
flag("base-url");
flag("org");
const state = input("state");
if (state === "false" || state === "none") args.push("--no-state");
else if (state) args.push("--state", state);
const receipt = input("receipt");
if (receipt) {
  // A receipt path such as receipts/shard-2.ndjson: its folder is made here, as
  // actions/upload-artifact expects the file to just be there.
  mkdirSync(dirname(receipt), { recursive: true });
  // The input names the file this step writes: a leftover from an earlier run is replaced.
  args.push("--receipt", receipt, "--overwrite-receipt");
}
// "--" would end the options; paths starting with "-" are named with ./ by the user.

// grc's own lines go to the log as they are: workflow commands are paused while it runs,
// so a file name such as "::error::x" in an error line cannot be read as a command.
const token = randomBytes(16).toString("hex");
const startedAt = Date.now();
command(`::stop-commands::${token}`);
const child = spawn(process.execPath, [GRC, ...args], {
  stdio: ["ignore", "pipe", "inherit"],
  env,
});
const results = [];
let buffer = "";
child.stdout.setEncoding("utf8");
child.stdout.on("data", (chunk) => {
  buffer += chunk;
  for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
    const line = buffer.slice(0, nl);
    buffer = buffer.slice(nl + 1);
    if (!line.trim()) continue;
    try {
      results.push(JSON.parse(line));
    } catch {
      process.stderr.write(`${line}\n`);
    }
  }
});
const code = await new Promise((resolve) => {
  child.on("error", (err) => {
    process.stderr.write(`grc-action: cannot run grc: ${err.message}\n`);
    resolve(4);
  });
  child.on("close", (exit, signal) => resolve(exit ?? (signal === "SIGINT" ? 130 : 4)));
});
command(`::${token}::`);

const count = (status) => results.filter((r) => r.status === status).length;
const linked = count("linked");
const totals = {
  linked,
  "already-linked": results.filter((r) => r.status === "linked" && r.created === false).length,
  skipped: count("skipped"),
  failed: count("failed"),
  bytes: results.filter((r) => r.status === "linked").reduce((n, r) => n + (r.size ?? 0), 0),
};

/** Appends name=value to $GITHUB_OUTPUT with a random delimiter (safe for any text). */
function setOutput(name, value) {
  if (!env.GITHUB_OUTPUT) return;
  const delimiter = `ghadelimiter_${randomBytes(12).toString("hex")}`;
  appendFileSync(env.GITHUB_OUTPUT, `${name}<<${delimiter}\n${value}\n${delimiter}\n`);
}
for (const [name, value] of Object.entries(totals)) setOutput(name, String(value));
// grc writes the receipt once it starts pushing: a run refused before (bad input) has none,
// and a file left by an earlier step is not this run's.
const receiptMtime = receipt ? statSync(receipt, { throwIfNoEntry: false })?.mtimeMs : undefined;
const receiptWritten = receiptMtime !== undefined && receiptMtime >= startedAt - 1000;
setOutput("receipt", receiptWritten ? receipt : "");
setOutput("exit-code", String(code));

/** A table cell: no line breaks, no HTML, no column separators. */
function cell(text) {
  return String(text ?? "")
    .replace(/[\u0000-\u001f\u007f]+/g, " ")
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll("|", "&#124;")
    .replaceAll("`", "&#96;")
    .replaceAll("[", "&#91;");
}

function formatBytes(n) {
  if (n < 1024) return `${n} B`;
  const units = ["KiB", "MiB", "GiB", "TiB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i += 1;
  }
  return `${v.toFixed(1)} ${units[i]}`;
}

/** Rows of files shown at most in the summary (GitHub caps a step summary at 1 MiB). */
const MAX_ROWS = 200;

function fileTable(title, rows, columns) {
  if (rows.length === 0) return "";
  const shown = rows.slice(0, MAX_ROWS);
  const lines = [
    `<details${title.startsWith("Failed") ? " open" : ""}><summary>${title} (${rows.length})</summary>`,
    "",
    `| ${columns.map(([name]) => name).join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...shown.map((r) => `| ${columns.map(([, get]) => cell(get(r))).join(" | ")} |`),
  ];
  if (rows.length > shown.length) {
    lines.push("", `… and ${rows.length - shown.length} more (see the receipt)`);
  }
  lines.push("", "</details>", "");
  return lines.join("\n");
}

if (env.GITHUB_STEP_SUMMARY) {
  const outcome =
    code === 0
      ? "all files linked or skipped"
      : code === 1
        ? "some files failed"
        : `stopped with exit code ${code} (see the step log)`;
  const target = (r) =>
    [r.control_id, r.framework_id, r.assessment_id].filter((x) => x !== null && x).join(" / ");
  const summary = [
    `### grc evidence push: ${outcome}`,
    "",
    "| Linked | Already linked | Skipped | Failed | Uploaded |",
    "| ---: | ---: | ---: | ---: | ---: |",
    `| ${totals.linked} | ${totals["already-linked"]} | ${totals.skipped} | ${totals.failed} | ${formatBytes(totals.bytes)} |`,
    "",
    receiptWritten ? `Receipt: ${cell(receipt)}` : "No receipt was written.",
    "",
    fileTable(
      "Failed files",
      results.filter((r) => r.status === "failed"),
      [
        ["File", (r) => r.path],
        ["Control", target],
        ["Error", (r) => r.error],
      ],
    ),
    fileTable(
      "Linked files",
      results.filter((r) => r.status === "linked"),
      [
        ["File", (r) => r.path],
        ["Control", target],
        ["SHA-256", (r) => r.sha256],
      ],
    ),
  ].join("\n");
  appendFileSync(env.GITHUB_STEP_SUMMARY, `${summary}\n`);
}

process.exitCode = code;
