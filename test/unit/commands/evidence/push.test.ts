import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { clearLine, cursorTo, moveCursor } from "node:readline";
import { PassThrough } from "node:stream";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  formatDuration,
  PushOutput,
  progressText,
  summaryLine,
} from "../../../../src/commands/evidence/push-output.js";
import type { PushSummary } from "../../../../src/core/evidence/push.js";
import { runInProcess } from "../../../helpers/cli.js";
import { writeFiles } from "../../../helpers/files.js";
import { withMock } from "../../../helpers/mock.js";

/** `grc evidence push` in-process: what the user sees with the TTY on and off, quiet, Ctrl-C. */

let dir: string;
let cwd: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "grc-push-cmd-"));
  cwd = process.cwd();
});
afterAll(() => {
  process.chdir(cwd);
  rmSync(dir, { recursive: true, force: true });
});

function folder(name: string, files: Record<string, string | Buffer>): string {
  const root = writeFiles(join(dir, name), files);
  process.chdir(root);
  return root;
}

describe("grc evidence push (in-process, against the mock)", () => {
  const mock = withMock({ platforms: ["sovereign"], maxSize: 1000, latencyMs: 5 });
  beforeEach(() => mock.reset());

  it("on a TTY with --verbose: spinner on stderr, then a summary table on stdout", async () => {
    folder("tty", { "a.csv": "a", "b.txt": "bb" });
    const r = await runInProcess(["evidence", "push", ".", "--control", "CC6.1", "--verbose"], {
      env: mock.env(),
      tty: true,
    });
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^STATUS +PATH +SIZE +CONTROL +SHA256 +LINEAGE$/);
    expect(lines[1]).toMatch(/^linked +a\.csv +1 B +CC6\.1 +ca978112ca1b +[0-9a-f-]{36}$/);
    expect(lines[2]).toMatch(/^linked +b\.txt +2 B +CC6\.1 +/);
    expect(lines).toHaveLength(3);
    expect(r.stderr).toMatch(/Pushing files/);
    expect(r.stderr).toMatch(/2 files: 2 linked · 3 B in /);
  });

  it("off a TTY: one line per failed file and the summary; --quiet leaves only the failures", async () => {
    folder("quiet", { "big.bin": Buffer.alloc(2000), "ok.txt": "ok" });
    const r = await runInProcess(["evidence", "push", ".", "--control", "C1"], { env: mock.env() });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    const failure =
      "grc: failed big.bin: the file is 2.0 KiB, larger than the 1000 B the server accepts (max_size 1000 bytes); nothing was sent — split the file or ask the platform operator to raise the limit\n";
    expect(r.stderr.startsWith(failure)).toBe(true);
    expect(r.stderr.slice(failure.length)).toMatch(
      /^2 files: 1 linked, 1 failed · 2 B in \S+ \(\S+ \S+\/s\)\n$/,
    );
    const quiet = await runInProcess(
      ["evidence", "push", ".", "--control", "C1", "-q", "--no-state"],
      {
        env: mock.env(),
      },
    );
    expect(quiet.code).toBe(1);
    expect(quiet.stderr).toBe(failure);
    expect(quiet.stdout).toBe("");
  });

  it("streams NDJSON as files finish, one object per file", async () => {
    folder("ndjson", { "a.txt": "1", "b.txt": "2", "c.txt": "3" });
    const r = await runInProcess(
      ["evidence", "push", ".", "--control", "C1", "-o", "ndjson", "-q"],
      {
        env: mock.env(),
      },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((x) => x.path).sort()).toEqual(["a.txt", "b.txt", "c.txt"]);
    expect(rows.every((x) => x.status === "linked" && x.verified === true)).toBe(true);
  });

  it("writes CSV with a header and one row per file; receipt verify speaks JSON", async () => {
    const root = folder("csv", { "a.txt": "1" });
    const r = await runInProcess(
      ["evidence", "push", "a.txt", "--control", "C1", "-o", "csv", "-q", "--receipt", "r.ndjson"],
      { env: mock.env() },
    );
    expect(r.code).toBe(0);
    const [header, row, end] = r.stdout.split("\r\n");
    expect(header).toBe(
      "path,size,sha256,content_type,object_key,evidence_id,lineage_id,control_id,framework_id,assessment_id,created,verified,status,error",
    );
    expect(row).toMatch(
      /^a\.txt,1,6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b,text\/plain,orgs\/.*,C1,,,true,true,linked,$/,
    );
    expect(end).toBe("");
    const v = await runInProcess([
      "evidence",
      "receipt",
      "verify",
      join(root, "r.ndjson"),
      "--json",
    ]);
    expect(v.code).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ ok: true, entries: 1, bytes: 1, problems: [] });
  });

  it("Ctrl-C stops taking files, finishes those in flight, saves the state, exits 130", async () => {
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++) files[`f${String(i).padStart(2, "0")}.txt`] = `file ${i}`;
    const root = folder("sigint", files);
    const stateFile = join(root, "..", "sigint-state.json");
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 250);
    const r = await runInProcess(
      ["evidence", "push", ".", "--control", "C1", "--concurrency", "2", "--state", stateFile],
      { env: mock.env(), signal: controller.signal },
    );
    expect(r.code).toBe(130);
    const m =
      /^interrupted: 60 files: (\d+) linked, (\d+) not started · .*; state saved to (.*)\n$/.exec(
        r.stderr,
      );
    expect(m).not.toBeNull();
    const linked = Number(m![1]);
    expect(linked).toBeGreaterThan(0);
    expect(linked + Number(m![2])).toBe(60);
    expect(m![3]).toBe(stateFile);
    const entries = JSON.parse(readFileSync(stateFile, "utf8")).entries;
    expect(entries).toHaveLength(linked);
    expect(mock.state().lineage).toHaveLength(linked);
  });

  it("rejects a bad --content-type and a bad state file before any request", async () => {
    const root = folder("bad", { "a.csv": "a" });
    const ct = await runInProcess(
      ["evidence", "push", "a.csv", "--control", "C1", "--content-type", "csv"],
      {
        env: mock.env(),
      },
    );
    expect(ct.code).toBe(2);
    expect(ct.stderr).toBe(
      'grc: --content-type "csv" is not a media type — use type/subtype, e.g. text/csv\n',
    );
    writeFileSync(join(root, "state.json"), "{oops");
    const st = await runInProcess(
      ["evidence", "push", "a.csv", "--control", "C1", "--state", "state.json"],
      {
        env: mock.env(),
      },
    );
    expect(st.code).toBe(2);
    expect(st.stderr).toBe(
      "grc: state file state.json is not valid JSON — fix or delete the file, point --state elsewhere, or pass --no-state\n",
    );
    expect(mock.state().requests).toEqual([]);
  });
});

describe("the spinner on a terminal without a size", () => {
  it("does not loop when the pseudo-terminal reports 0 columns", async () => {
    // A tty.WriteStream as a pseudo-terminal without a size presents it.
    const stderr = Object.assign(new PassThrough(), { isTTY: true, columns: 0 });
    Object.assign(stderr, {
      cursorTo: (x: number, y?: number) => cursorTo(stderr, x, y),
      moveCursor: (dx: number, dy: number) => moveCursor(stderr, dx, dy),
      clearLine: (dir: -1 | 0 | 1) => clearLine(stderr, dir),
    });
    let written = 0;
    stderr.on("data", (c: Buffer) => {
      written += c.length;
    });
    const stdout = new PassThrough();
    const output = new PushOutput({
      io: {
        stdin: new PassThrough(),
        stdout,
        stderr,
        stdinIsTTY: true,
        stdoutIsTTY: true,
        stderrIsTTY: true,
        colorStdout: false,
        colorStderr: false,
        columns: 0,
      },
      format: "table",
      quiet: false,
      dryRun: false,
    });
    await output.start();
    output.onEvent({ type: "start", files: 1, bytes: 1 });
    const result = {
      path: "a.txt",
      size: 1,
      sha256: "0".repeat(64),
      content_type: "text/plain",
      object_key: "k",
      evidence_id: "0".repeat(64),
      lineage_id: "l",
      control_id: "C1",
      framework_id: null,
      assessment_id: null,
      created: true,
      verified: true,
      status: "linked" as const,
      error: null,
    };
    output.onEvent({ type: "linked", result });
    await output.finish({
      total: 1,
      linked: 1,
      alreadyLinked: 0,
      skipped: 0,
      failed: 0,
      planned: 0,
      notStarted: 0,
      bytes: 1,
      durationMs: 5,
      interrupted: false,
      fatal: undefined,
      results: [result],
    });
    // ora divides by the width to count lines: with 0 it cleared lines forever.
    expect(written).toBeLessThan(10_000);
  }, 5_000);
});

describe("progress and summary text", () => {
  it("shows files, bytes, rate and ETA", () => {
    expect(
      progressText({
        done: 3,
        files: 10,
        sent: 3 * 1024 * 1024,
        bytes: 10 * 1024 * 1024,
        elapsedMs: 2000,
        verb: "Pushing",
      }),
    ).toBe("Pushing 3/10 files · 3.0 MiB of 10.0 MiB · 1.5 MiB/s · ETA 4.7s");
    expect(
      progressText({ done: 0, files: 2, sent: 0, bytes: 10, elapsedMs: 100, verb: "Pushing" }),
    ).toBe("Pushing 0/2 files · 0 B of 10 B");
  });

  it("summarises a run, an interrupted run and a dry run in one line", () => {
    const base: PushSummary = {
      total: 5,
      linked: 3,
      alreadyLinked: 1,
      skipped: 1,
      failed: 1,
      planned: 0,
      notStarted: 0,
      bytes: 2048,
      durationMs: 1000,
      interrupted: false,
      fatal: undefined,
      results: [],
    };
    expect(summaryLine(base, false)).toBe(
      "5 files: 3 linked (1 already linked), 1 skipped (unchanged), 1 failed · 2.0 KiB in 1.0s (2.0 KiB/s)",
    );
    expect(summaryLine({ ...base, interrupted: true, notStarted: 2 }, false, "/s.json")).toBe(
      "interrupted: 5 files: 3 linked (1 already linked), 1 skipped (unchanged), 1 failed, 2 not started · 2.0 KiB in 1.0s (2.0 KiB/s); state saved to /s.json",
    );
    expect(summaryLine({ ...base, planned: 1, skipped: 0, results: [] }, true)).toBe(
      "dry run: 1 file (0 B) would be pushed; nothing was sent",
    );
    expect(formatDuration(185_000)).toBe("3m 05s");
  });
});
