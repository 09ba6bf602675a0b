import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GRC_BIN, runGrc } from "../helpers/cli.js";
import { type MockStateSnapshot, withMock } from "../helpers/mock.js";

/**
 * End to end, the push under stress: faults on the API and storage, a run killed with
 * SIGKILL and resumed from its state, Ctrl-C, and presigned URLs that expire.
 */

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-e2e-resume-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** n distinct files of about 4 KiB; returns the folder and the SHA-256 of each. */
function folder(name: string, n: number): { dir: string; shas: string[] } {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const shas: string[] = [];
  for (let i = 0; i < n; i++) {
    const content = `${name} file ${i}\n`.repeat(200);
    writeFileSync(join(dir, `f${String(i).padStart(4, "0")}.txt`), content);
    shas.push(sha(content));
  }
  return { dir, shas: shas.sort() };
}

type Lineage = { evidence_id: string; control_id: string };
const lineageOf = (s: MockStateSnapshot) => s.lineage as Lineage[];
const count = (s: MockStateSnapshot, pred: (q: MockStateSnapshot["requests"][number]) => boolean) =>
  s.requests.filter(pred).length;
const isUploadUrl = (q: { path: string }) => q.path.endsWith("/upload-url");

/** Linked files the state holds: its snapshot plus the journal a running (or killed) push appends. */
function stateEntries(file: string): number {
  const linked = new Set<string>();
  if (existsSync(file)) {
    // The snapshot is replaced atomically, so a reader never sees half a file.
    const doc = JSON.parse(readFileSync(file, "utf8")) as { entries: { real_path: string }[] };
    for (const e of doc.entries) linked.add(e.real_path);
  }
  const journal = `${file}.journal`;
  if (existsSync(journal)) {
    for (const line of readFileSync(journal, "utf8").split("\n")) {
      try {
        const l = JSON.parse(line) as { linked?: { real_path: string } };
        if (l.linked) linked.add(l.linked.real_path);
      } catch {
        // the line being written, or the empty tail
      }
    }
  }
  return linked.size;
}

/** Spawns a push and, once the state holds `after` entries, sends `signal`. */
function pushUntil(
  args: string[],
  opts: {
    env: NodeJS.ProcessEnv;
    cwd: string;
    stateFile: string;
    after: number;
    signal: NodeJS.Signals;
  },
): Promise<{
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
  entriesAtSignal: number;
}> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GRC_BIN, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...opts.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    let entriesAtSignal = -1;
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const poll = setInterval(() => {
      const n = stateEntries(opts.stateFile);
      if (n >= opts.after && entriesAtSignal < 0) {
        entriesAtSignal = n;
        child.kill(opts.signal);
      }
    }, 10);
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, signal, stderr, entriesAtSignal });
    });
  });
}

describe("push with faults on the API and storage (e2e)", () => {
  const mock = withMock({
    platforms: ["sovereign"],
    faults: "429=0.1,500=0.05,503=0.02,reset=0.02,slow=0.05",
    faultSeed: 4242,
    slowMs: 150,
  });

  it("links every file exactly once and exits 0", async () => {
    const { dir, shas } = folder("faults", 120);
    const r = await runGrc(
      [
        "evidence",
        "push",
        ".",
        "--control",
        "CC6.1",
        "--concurrency",
        "8",
        "--retries",
        "10",
        "--no-state",
      ],
      {
        env: { ...mock.env(), GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")) },
        cwd: dir,
        timeoutMs: 90_000,
      },
    );
    expect(r.stderr).toMatch(/^120 files: 120 linked · /);
    expect(r.code, r.stderr).toBe(0);
    const state = mock.state();
    // Faults did happen, on both origins.
    expect(state.requests.some((q) => q.origin === "api" && q.fault)).toBe(true);
    expect(state.requests.some((q) => q.origin === "storage" && q.fault)).toBe(true);
    const linked = lineageOf(state)
      .filter((l) => l.control_id === "CC6.1")
      .map((l) => l.evidence_id);
    expect(linked.sort()).toEqual(shas);
    // One stored object per file: a faulted PUT never stored anything, its retry stored once.
    const stored = state.objects.map((o) => o.sha256).sort();
    expect(stored).toEqual(shas);
  }, 120_000);
});

describe("a push killed or interrupted, then resumed from its state (e2e)", () => {
  const mock = withMock({ platforms: ["sovereign"], latencyMs: 15 });

  it("SIGKILL at any moment loses nothing: the rerun pushes only what the state lacks", async () => {
    await mock.reset();
    const { dir, shas } = folder("killed", 150);
    const stateFile = join(root, "killed-state.json");
    const env = { ...mock.env(), GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")) };
    const args = [
      "evidence",
      "push",
      ".",
      "--control",
      "CC6.1",
      "--concurrency",
      "4",
      "--state",
      stateFile,
    ];
    const killed = await pushUntil(args, {
      env,
      cwd: dir,
      stateFile,
      after: 30,
      signal: "SIGKILL",
    });
    expect(killed.stderr).toBe("");
    expect(killed.signal).toBe("SIGKILL");
    const inState = stateEntries(stateFile);
    expect(inState).toBeGreaterThanOrEqual(30);
    expect(inState).toBeLessThan(150);
    // Requests the killed client had on the wire are logged when the mock answers them.
    await new Promise((r) => setTimeout(r, 300));
    const before = mock.state();
    const linkedBefore = lineageOf(before).length;
    expect(linkedBefore).toBeGreaterThanOrEqual(inState);

    const rerun = await runGrc(args, { env, cwd: dir });
    expect(rerun.stderr).not.toMatch(/grc: failed/);
    expect(rerun.code, rerun.stderr).toBe(0);
    const after = mock.state();
    const rerunUploads = count(after, isUploadUrl) - count(before, isUploadUrl);
    // Files the state remembered are skipped without a request; only the rest are pushed.
    expect(rerun.stderr).toMatch(
      new RegExp(`^150 files: ${150 - inState} linked.*, ${inState} skipped \\(unchanged\\)`),
    );
    // Files uploaded but not yet recorded as linked are linked without a new upload-url.
    expect(rerunUploads).toBeLessThanOrEqual(150 - inState);
    expect(rerunUploads).toBeGreaterThanOrEqual(150 - inState - 4);
    // Every file linked exactly once.
    expect(
      lineageOf(after)
        .map((l) => l.evidence_id)
        .sort(),
    ).toEqual(shas);
    // No file whose lineage existed before the rerun was uploaded again: files linked (or
    // uploaded and verified) just before the kill are linked from the state's journal.
    const linkedShas = new Set(lineageOf(before).map((l) => l.evidence_id));
    const storedBefore = new Set(before.objects.map((o) => o.object_key));
    const reuploaded = after.objects.filter(
      (o) => !storedBefore.has(o.object_key) && linkedShas.has(o.sha256),
    );
    expect(reuploaded).toEqual([]);
    // Only files mid-PUT at the kill (at most --concurrency) can have been uploaded twice.
    const objectsPerSha = new Map<string, number>();
    for (const o of after.objects) {
      objectsPerSha.set(o.sha256, (objectsPerSha.get(o.sha256) ?? 0) + 1);
    }
    expect([...objectsPerSha.values()].filter((n) => n > 1).length).toBeLessThanOrEqual(4);
    expect(stateEntries(stateFile)).toBe(150);
  }, 90_000);

  it("Ctrl-C stops taking files, finishes those in flight, saves the state and exits 130", async () => {
    await mock.reset();
    const { dir, shas } = folder("interrupted", 150);
    const stateFile = join(root, "interrupted-state.json");
    const env = { ...mock.env(), GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")) };
    const args = [
      "evidence",
      "push",
      ".",
      "--control",
      "CC6.1",
      "--concurrency",
      "4",
      "--state",
      stateFile,
    ];
    const stopped = await pushUntil(args, {
      env,
      cwd: dir,
      stateFile,
      after: 10,
      signal: "SIGINT",
    });
    expect(stopped.code, stopped.stderr).toBe(130);
    expect(stopped.stderr).toMatch(/grc: stopping — finishing in-flight work/);
    expect(stopped.stderr).toMatch(
      new RegExp(
        `interrupted: 150 files: \\d+ linked, \\d+ not started · .*; state saved to ${stateFile.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\n$`,
      ),
    );
    // Everything linked is in the state: nothing in flight was abandoned half-linked.
    const linked = lineageOf(mock.state()).length;
    expect(stateEntries(stateFile)).toBe(linked);
    const rerun = await runGrc(args, { env, cwd: dir });
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(
      lineageOf(mock.state())
        .map((l) => l.evidence_id)
        .sort(),
    ).toEqual(shas);
  }, 90_000);
});

describe("presigned URLs that expire (e2e)", () => {
  const mock = withMock({ platforms: ["sovereign"], faults: "expire=0.5", faultSeed: 7 });

  it("gets one fresh URL after 'Request has expired', and fails the file if that expires too", async () => {
    const { dir } = folder("expiring", 16);
    const r = await runGrc(
      [
        "evidence",
        "push",
        ".",
        "--control",
        "C1",
        "--concurrency",
        "1",
        "--no-state",
        "-o",
        "ndjson",
      ],
      { env: { ...mock.env(), GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")) }, cwd: dir },
    );
    const rows = r.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { status: string; error: string | null });
    const failed = rows.filter((x) => x.status === "failed");
    const state = mock.state();
    const expired = count(state, (q) => q.origin === "storage" && q.fault === "expire");
    const puts = count(state, (q) => q.origin === "storage");
    const refreshed = puts - 16;
    expect(refreshed).toBeGreaterThan(0);
    expect(failed.length).toBeGreaterThan(0);
    // Each file: at most two PUTs; a second only after the first expired.
    expect(count(state, isUploadUrl)).toBe(16 + refreshed);
    expect(expired).toBe(refreshed + failed.length);
    for (const f of failed) {
      expect(f.error).toMatch(
        /^upload: Request has expired \(AccessDenied\) \(HTTP 403 from PUT \/grc-evidence\/orgs\/[^?]+\) — /,
      );
    }
    expect(state.objects).toHaveLength(16 - failed.length);
    expect(r.code, r.stderr).toBe(1);
    expect(r.stderr.split("\n").filter((l) => l.startsWith("grc: failed "))).toHaveLength(
      failed.length,
    );
  }, 60_000);
});
