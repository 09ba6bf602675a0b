import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { PushOutput } from "../../../../src/commands/evidence/push-output.js";
import { caseView } from "../../../../src/commands/strata/run-case-evidence.js";
import type { PushResult } from "../../../../src/core/evidence/push.js";
import { GrcError } from "../../../../src/errors.js";
import { summaryOf } from "../../../helpers/push-summary.js";

/**
 * What `grc strata cases evidence upload` prints: push's renderer (totals, one line per
 * failure, rows on request) with case-evidence records, their columns and "to case N".
 */

const HASH = "cd".repeat(32);

function result(i: number, extra: Partial<PushResult> = {}): PushResult {
  return {
    path: `interviews/chat-${i}.txt`,
    size: 2048,
    sha256: HASH,
    content_type: "text/plain",
    object_key: `strata/cases/4/evidence/${40 + i}`,
    evidence_id: HASH,
    lineage_id: String(40 + i),
    control_id: "strata-case:4",
    framework_id: null,
    assessment_id: null,
    created: true,
    verified: true,
    status: "linked",
    error: null,
    ...extra,
  };
}

async function render(
  results: PushResult[],
  opts: { tty?: boolean; rows?: boolean; format?: "table" | "json" | "ndjson" | "csv" } = {},
) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c: Buffer) => {
    out += c.toString();
  });
  stderr.on("data", (c: Buffer) => {
    err += c.toString();
  });
  const tty = opts.tty ?? true;
  const dryRun = results.every((r) => r.status === "dry-run");
  const output = new PushOutput(
    {
      io: {
        stdin: new PassThrough(),
        stdout,
        stderr,
        stdinIsTTY: false,
        stdoutIsTTY: tty,
        stderrIsTTY: false,
        colorStdout: false,
        colorStderr: false,
        columns: 160,
      },
      format: opts.format ?? "table",
      quiet: false,
      dryRun,
      rows: opts.rows,
    },
    await caseView(4),
  );
  await output.start();
  output.onEvent({ type: "start", files: results.length, bytes: 0 });
  for (const r of results) {
    if (r.status === "failed") {
      const error = new GrcError(r.error ?? "", 1);
      output.onEvent({ type: "failed", result: r, error, fatal: false });
    } else if (r.status === "dry-run") output.onEvent({ type: "planned", result: r });
    else output.onEvent({ type: r.status === "skipped" ? "skipped" : "linked", result: r });
  }
  await output.finish(summaryOf(results));
  return { stdout: out, stderr: err };
}

describe("case upload output", () => {
  const reason = "StrataGRC stored a different SHA-256 — upload it again";
  const run = [result(1), result(2, { status: "failed", error: reason, object_key: null })];

  it("by default: no rows, one line per failure, the totals naming the case", async () => {
    for (const tty of [true, false]) {
      const r = await render(run, { tty });
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(
        /^grc: failed interviews\/chat-2\.txt: StrataGRC stored a different SHA-256 — upload it again\n2 files to case 4: 1 uploaded, 1 failed · 2\.0 KiB in 1\.2s \(\S+ KiB\/s\)\n$/,
      );
    }
  });

  it("--verbose: STATUS PATH SIZE SHA256 EVIDENCE ID rows, the reason not repeated", async () => {
    const lines = (await render(run, { rows: true })).stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^STATUS +PATH +SIZE +SHA256 +EVIDENCE ID$/);
    expect(lines[1]).toMatch(
      new RegExp(`^uploaded +interviews/chat-1\\.txt +2\\.0 KiB +${HASH} +41$`),
    );
    expect(lines[2]).toMatch(/^failed +interviews\/chat-2\.txt +2\.0 KiB/);
    expect(lines).toHaveLength(3);
    expect(lines.join("\n")).not.toContain(reason);
  });

  it("-o table piped: tab-separated, whole hash, bytes", async () => {
    const r = await render([result(1)], { tty: false, rows: true });
    expect(r.stdout).toBe(`uploaded\tinterviews/chat-1.txt\t2048\t${HASH}\t41\n`);
  });

  it("JSON, NDJSON and CSV carry the case-evidence record as before", async () => {
    const record = {
      path: "interviews/chat-1.txt",
      size: 2048,
      sha256: HASH,
      content_type: "text/plain",
      case_id: 4,
      evidence_id: 41,
      filename: "chat-1.txt",
      created: true,
      status: "uploaded",
      error: null,
    };
    const json = await render([result(1)], { format: "json" });
    expect(JSON.parse(json.stdout)).toEqual([record]);
    const ndjson = await render([result(1)], { format: "ndjson" });
    expect(JSON.parse(ndjson.stdout)).toEqual(record);
    const csv = await render([result(1)], { format: "csv", tty: false });
    expect(csv.stdout).toBe(
      `status,path,size,sha256,evidence,error\r\nuploaded,interviews/chat-1.txt,2048,${HASH},41,\r\n`,
    );
  });

  it("a dry run lists its files and says nothing was sent to the case", async () => {
    const dry = [result(1, { status: "dry-run", object_key: null, created: null })];
    const r = await render(dry);
    expect(r.stdout.split("\n")[0]).toMatch(/^STATUS +PATH +SIZE +SHA256 +CONTENT TYPE$/);
    expect(r.stdout.split("\n")[1]).toMatch(/^dry-run +interviews\/chat-1\.txt +2\.0 KiB/);
    expect(r.stderr).toBe(
      "dry run: 1 file (2.0 KiB) would be uploaded to case 4; nothing was sent\n",
    );
  });
});
