import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import {
  etaMs,
  PushOutput,
  progressText,
  renderResults,
} from "../../../../src/commands/evidence/push-output.js";
import type { PushResult } from "../../../../src/core/evidence/push.js";
import { GrcError } from "../../../../src/errors.js";
import { summaryOf } from "../../../helpers/push-summary.js";

/** What `grc evidence push` prints, from its events: totals, failures, rows on request, ETA. */

const HASH = "ab".repeat(32);
const LINEAGE = "2f1c9a4e-7b7d-4c1e-9a51-0d3e8f9b6c21";

function result(i: number, extra: Partial<PushResult> = {}): PushResult {
  return {
    path: `ev/reports/2024/q3/access-log-${String(i).padStart(3, "0")}.csv`,
    size: 1536,
    sha256: HASH,
    content_type: "text/csv",
    object_key: `orgs/o/evidence/${i}`,
    evidence_id: HASH,
    lineage_id: LINEAGE,
    control_id: "CC6.1",
    framework_id: null,
    assessment_id: null,
    created: true,
    verified: true,
    status: "linked",
    error: null,
    ...extra,
  };
}

function streams(tty: boolean, columns = 120) {
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
  return {
    io: {
      stdin: new PassThrough(),
      stdout,
      stderr,
      stdinIsTTY: false,
      stdoutIsTTY: tty,
      // No spinner in these tests (its frames are timing): stderr is not a TTY.
      stderrIsTTY: false,
      colorStdout: false,
      colorStderr: false,
      columns,
    },
    out: () => out,
    err: () => err,
  };
}

/** Feeds a run's events through a PushOutput; returns what reached stdout and stderr. */
async function render(
  results: PushResult[],
  opts: { tty?: boolean; columns?: number; rows?: boolean; format?: "table" | "json" } = {},
) {
  const s = streams(opts.tty ?? true, opts.columns);
  const output = new PushOutput({
    io: s.io,
    format: opts.format ?? "table",
    quiet: false,
    dryRun: false,
    rows: opts.rows,
  });
  await output.start();
  output.onEvent({ type: "start", files: results.length, bytes: 0 });
  for (const r of results) {
    if (r.status === "failed") {
      output.onEvent({
        type: "failed",
        result: r,
        error: new GrcError(r.error ?? "", 1),
        fatal: false,
      });
    } else output.onEvent({ type: r.status === "skipped" ? "skipped" : "linked", result: r });
  }
  await output.finish(summaryOf(results));
  return { stdout: s.out(), stderr: s.err() };
}

describe("the end of a run: totals and failures, rows on request", () => {
  const many = Array.from({ length: 201 }, (_, i) => result(i));

  it("prints no per-file rows by default, on a TTY or piped: one totals line", async () => {
    for (const tty of [true, false]) {
      const r = await render(many, { tty });
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/^201 files: 201 linked · 301\.5 KiB in 1\.2s \(\S+ KiB\/s\)\n$/);
    }
  });

  it("a rerun that skips everything: the totals, not 201 skipped rows", async () => {
    const r = await render(many.map((x) => ({ ...x, status: "skipped" as const })));
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^201 files: 0 linked, 201 skipped \(unchanged\) · 0 B in /);
  });

  it("lists each failure once, path and whole reason, then the totals", async () => {
    const reason =
      "upload-url: cannot connect to 127.0.0.1:9 (ECONNREFUSED) — check the base URL and that the server is running";
    const r = await render([
      result(1),
      result(2, { status: "failed", error: reason, lineage_id: null }),
      result(3),
    ]);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n")[0]).toBe(
      `grc: failed ev/reports/2024/q3/access-log-002.csv: ${reason}`,
    );
    expect(r.stderr.split(reason)).toHaveLength(2);
    expect(r.stderr).toMatch(/\n3 files: 2 linked, 1 failed · /);
  });

  it("--verbose (rows) prints one row per file; the failure's reason is not repeated in it", async () => {
    const reason = "verify failed: hash mismatch";
    const r = await render([result(1), result(2, { status: "failed", error: reason })], {
      rows: true,
    });
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^STATUS +PATH +SIZE +CONTROL +SHA256 +LINEAGE$/);
    expect(lines[1]).toMatch(
      /^linked +ev\/reports\/2024\/q3\/access-log-001\.csv +1\.5 KiB +CC6\.1 +abababababab +2f1c9a4e-/,
    );
    expect(lines[2]).toMatch(/^failed +ev\/reports\/2024\/q3\/access-log-002\.csv +1\.5 KiB/);
    expect(lines).toHaveLength(3);
    expect(r.stdout).not.toContain(reason);
    expect(r.stderr.split(reason)).toHaveLength(2);
  });

  it("-o table piped: tab-separated rows with bytes and whole hashes, for scripts", async () => {
    const r = await render([result(1)], { tty: false, rows: true });
    expect(r.stdout).toBe(
      `linked\tev/reports/2024/q3/access-log-001.csv\t1536\tCC6.1\t${HASH}\t${LINEAGE}\n`,
    );
  });

  it("JSON carries every file whatever --verbose says", async () => {
    const r = await render([result(1), result(2)], { format: "json" });
    expect(JSON.parse(r.stdout)).toHaveLength(2);
  });
});

describe("the per-file table at a terminal's width", () => {
  const rows = [result(7), result(8, { path: "ev/big-export.bin", size: 300 * 1024 * 1024 })];
  const table = (columns: number, dryRun = false) =>
    renderResults(rows, { dryRun, tty: true, color: false, columns }).trimEnd().split("\n");

  it("shows the whole SHA-256 where it fits (copyable into `grc evidence get`)", () => {
    const lines = table(180);
    expect(lines[0]).toMatch(/^STATUS +PATH +SIZE +CONTROL +SHA256 +LINEAGE$/);
    expect(lines[1]).toContain(HASH);
    expect(lines[2]).toMatch(/ev\/big-export\.bin +300\.0 MiB/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(180);
  });

  it("at 160 columns: a short hash rather than a cut PATH", () => {
    const lines = table(160);
    expect(lines[0]).toMatch(/^STATUS +PATH +SIZE +CONTROL +SHA256 +LINEAGE$/);
    expect(lines[1]).toMatch(
      /^linked +ev\/reports\/2024\/q3\/access-log-007\.csv +1\.5 KiB +CC6\.1 +abababababab +2f1c9a4e-7b7d-4c1e-9a51-0d3e8f9b6c21$/,
    );
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(160);
  });

  it("at 60 columns keeps PATH readable: SHA256 and LINEAGE go, the file name stays", () => {
    const lines = table(60);
    expect(lines[0]).toMatch(/^STATUS +PATH +SIZE +CONTROL$/);
    expect(lines[1]).toMatch(/^linked +ev\/reports\/2…\/access-log-007\.csv +1\.5 KiB +CC6\.1$/);
    expect(lines[2]).toMatch(/^linked +ev\/big-export\.bin +300\.0 MiB +CC6\.1$/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(60);
  });

  it("at 40 columns: STATUS and PATH, cut in the middle, keeping the file name", () => {
    const lines = table(40);
    expect(lines[0]).toMatch(/^STATUS +PATH$/);
    expect(lines[1]).toMatch(/^linked +ev\/re\S*…\/access-log-007\.csv$/);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(40);
  });

  it("a dry run shows SIZE as push does on a terminal (KiB/MiB), bytes when piped", () => {
    const dry = rows.map((r) => ({ ...r, status: "dry-run" as const, lineage_id: null }));
    const tty = renderResults(dry, { dryRun: true, tty: true, color: false, columns: 160 });
    expect(tty).toMatch(/access-log-007\.csv +1\.5 KiB/);
    expect(tty).toMatch(/big-export\.bin +300\.0 MiB/);
    const piped = renderResults(dry, { dryRun: true, tty: false, color: false, columns: 160 });
    expect(piped.split("\n")[1]).toBe(
      `dry-run\tev/big-export.bin\t314572800\t${HASH}\ttext/csv\tCC6.1`,
    );
  });
});

describe("the ETA", () => {
  const MiB = 1024 * 1024;
  const base = { verb: "Pushing", files: 201, bytes: 300 * MiB + 200 * 1024 };

  it("counts the files left, not only the bytes (issue 14: `ETA 4ms` with 60 files left)", () => {
    // The big file is sent; 141 small files finished in the last 5 s; 60 remain.
    const p = {
      ...base,
      done: 141,
      sent: 300 * MiB + 140 * 1024,
      elapsedMs: 20_000,
      recent: { ms: 5_000, sent: 60 * MiB, done: 141 },
    };
    const eta = etaMs(p)!;
    expect(eta).toBeGreaterThan(2_000);
    expect(eta).toBeLessThan(2_200); // 60 files at 141 per 5 s
    expect(progressText(p)).toMatch(/ · ETA 2\.1s$/);
  });

  it("does not take small files' bytes for the link's speed (a run showed `ETA 6h 59m` for 5 MiB)", () => {
    // 56 files of a few bytes finished in 2.2 s; a 2 MiB and a 3 MiB file have not started.
    const p = {
      verb: "Pushing",
      files: 202,
      bytes: 5 * MiB + 1200,
      done: 56,
      sent: 404,
      elapsedMs: 2_200,
      recent: { ms: 2_200, sent: 404, done: 56 },
    };
    const eta = etaMs(p)!;
    expect(eta).toBeGreaterThan(5_000); // 146 files at 56 per 2.2 s
    expect(eta).toBeLessThan(6_000);
    expect(progressText(p)).toMatch(/ · ETA 5\.\ds$/);
  });

  it("shows no ETA during the verify of the last big file (issue 14: `ETA 11ms`)", () => {
    const p = {
      ...base,
      files: 1,
      bytes: 300 * MiB,
      done: 0,
      sent: 300 * MiB,
      elapsedMs: 12_000,
      recent: { ms: 5_000, sent: 100 * MiB, done: 0 },
    };
    expect(etaMs(p)).toBeUndefined();
    expect(progressText(p)).not.toMatch(/ETA/);
  });

  it("waits for signal: none in the first 2 s, none below 1 s, none before a small file ends", () => {
    const early = { ...base, done: 0, sent: 10 * MiB, elapsedMs: 1_500 };
    expect(etaMs(early)).toBeUndefined();
    const almost = {
      ...base,
      done: 200,
      sent: base.bytes - 1024,
      elapsedMs: 10_000,
      recent: { ms: 5_000, sent: 5 * MiB, done: 150 },
    };
    expect(etaMs(almost)).toBeUndefined(); // 1 file at 30 files/s: well under a second
    const smallOnly = { ...base, files: 200, bytes: 200 * 1024, done: 0, sent: 100 * 1024 };
    expect(etaMs({ ...smallOnly, elapsedMs: 3_000 })).toBeUndefined();
  });

  it("a big file with nothing finished yet: the bytes ETA", () => {
    const p = { ...base, files: 1, bytes: 300 * MiB, done: 0, sent: 100 * MiB, elapsedMs: 4_000 };
    expect(etaMs(p)).toBe(8_000);
    expect(progressText(p)).toBe(
      "Pushing 0/1 files · 100.0 MiB of 300.0 MiB · 25.0 MiB/s · ETA 8.0s",
    );
  });

  it("fits a 60-column terminal: the rate goes first, then the bytes", () => {
    const p = { ...base, files: 1, bytes: 300 * MiB, done: 0, sent: 100 * MiB, elapsedMs: 4_000 };
    const line = progressText({ ...p, columns: 60 });
    expect(line).toBe("Pushing 0/1 files · 100.0 MiB of 300.0 MiB · ETA 8.0s");
    expect(line.length).toBeLessThanOrEqual(57);
    expect(progressText({ ...p, columns: 40 })).toBe("Pushing 0/1 files · ETA 8.0s");
  });
});
