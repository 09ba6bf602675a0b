import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../src/mock/faults.js";
import { GRC_BIN, runGrc } from "../helpers/cli.js";
import { type MockStateSnapshot, withMock } from "../helpers/mock.js";
import {
  expectEveryFileLinkedOnce,
  type Lineage,
  makeFolder,
  putFileName,
  RETRY_BUDGET,
  requestBound,
  tally,
} from "./lib/push-run.js";

/**
 * Issue 7, the push under faults (the quick versions that run in `npm test`; the 1,000-file
 * run lives in test/faults): every file linked exactly once with the bytes we have, within
 * the retry budget; a run killed with SIGKILL resumes without pushing anything twice; a
 * storage that keeps other bytes than it was sent is caught by verify and never linked.
 */

const FAULTS = "429=0.1,500=0.05,503=0.02,reset=0.02,slow=0.05";

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-reliability-push-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const cfg = () => mkdtempSync(join(root, "cfg-"));

describe("100 files through faults on the API and storage", () => {
  const mock = withMock({ platforms: ["sovereign"], faults: FAULTS, faultSeed: 7, slowMs: 100 });

  it("links every file exactly once with its own bytes, exits 0, within the retry budget", async () => {
    const n = 100;
    const { dir, files } = makeFolder(root, "faults100", n);
    const started = performance.now();
    // --retries 10: with 5 attempts one request in ~4,000 fails all of them (0.19^5).
    const receipt = join(root, "faults100-receipt.ndjson");
    const r = await runGrc(
      [
        "evidence",
        "push",
        ".",
        "--control",
        "CC6.1",
        "--no-state",
        "--retries",
        "10",
        "--receipt",
        receipt,
      ],
      {
        env: { ...mock.env(), GRC_CONFIG_DIR: cfg() },
        cwd: dir,
        timeoutMs: 60_000,
      },
    );
    const ms = Math.round(performance.now() - started);
    expect(r.stderr).toMatch(new RegExp(`^${n} files: ${n} linked · `));
    expect(r.code).toBe(0);
    const state = mock.state();
    expectEveryFileLinkedOnce(state, files, "CC6.1");
    // The audit receipt lists each file once, with the hash and lineage the server holds.
    const rows = readFileSync(receipt, "utf8")
      .trimEnd()
      .split("\n")
      .map(
        (l) =>
          JSON.parse(l) as {
            type: string;
            path?: string;
            sha256?: string;
            lineage_id?: string;
            linked?: number;
          },
      );
    const evidence = rows.filter((x) => x.type === "evidence");
    expect(evidence.map((x) => `${x.path} ${x.sha256}`).sort()).toEqual(
      files.map((f) => `${f.name} ${f.sha256}`).sort(),
    );
    const lineageIds = new Set((state.lineage as Lineage[]).map((l) => l.lineage_id));
    expect(evidence.every((x) => lineageIds.has(x.lineage_id!))).toBe(true);
    expect(rows.at(-1)).toMatchObject({ type: "summary", linked: n });
    const check = await runGrc(["evidence", "receipt", "verify", receipt, "--files"], { cwd: dir });
    expect(check.code, check.stderr).toBe(0);
    const t = tally(state);
    // Faults did happen on both origins, and each was answered by a retry that succeeded.
    expect(t.api.faulted).toBeGreaterThan(10);
    expect(t.storage.faulted).toBeGreaterThan(2);
    expect(t.api.total).toBe(3 * n + t.api.faulted);
    expect(t.storage.total).toBe(n + t.storage.faulted);
    const bound = requestBound(n, RETRY_BUDGET);
    expect(t.api.total).toBeLessThanOrEqual(bound.api);
    expect(t.storage.total).toBeLessThanOrEqual(bound.storage);
    // Figures for the notes (vitest prints console output of passing tests only with --reporter verbose).
    console.info(
      `[figures] push ${n} files, faults ${FAULTS} seed 7: api ${t.api.total} requests (${t.api.faulted} faulted, bound ${bound.api}), storage ${t.storage.total} (${t.storage.faulted} faulted, bound ${bound.storage}), ${ms} ms`,
    );
  }, 90_000);
});

/**
 * Spawns a push and SIGKILLs it as soon as the mock has answered `afterLinks` link requests:
 * a moment chosen by progress, not wall time, so a slow machine does not move it.
 */
function pushKilledAfter(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string; afterLinks: number; links: () => number },
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GRC_BIN, ...args], {
      cwd: opts.cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...opts.env },
      stdio: "ignore",
    });
    const poll = setInterval(() => {
      if (opts.links() >= opts.afterLinks) child.kill("SIGKILL");
    }, 2);
    const guard = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, signal });
    });
  });
}

describe("a push killed with SIGKILL at a seeded random moment, then rerun with the same state", () => {
  const mock = withMock({ platforms: ["sovereign"], latencyMs: 10 });

  const linkedShas = (s: MockStateSnapshot) =>
    new Set((s.lineage as Lineage[]).map((l) => l.evidence_id));

  /** Kills a push after a seeded number of links, reruns it, and returns what happened. */
  async function killAndRerun(seed: number) {
    await mock.reset();
    const n = 150;
    const { dir, files } = makeFolder(root, `killed-${seed}`, n);
    const stateFile = join(root, `killed-${seed}.json`);
    const env = { ...mock.env(), GRC_CONFIG_DIR: cfg() };
    const args = ["evidence", "push", ".", "--control", "CC6.1", "--concurrency", "4"];
    args.push("--state", stateFile);
    // After a seeded number of links, between 10 and n - 30.
    const afterLinks = 10 + Math.floor(seededRandom(seed)() * (n - 40));
    const links = () => mock.state().lineage.length;
    const killed = await pushKilledAfter(args, { env, cwd: dir, afterLinks, links });
    expect(killed.signal, `the run ended before ${afterLinks} links`).toBe("SIGKILL");
    // Let the mock answer whatever the dead client still had on the wire.
    await new Promise((r) => setTimeout(r, 200));
    const before = mock.state();
    const linkedBefore = linkedShas(before);
    expect(linkedBefore.size).toBeLessThan(n);
    const rerun = await runGrc(args, { env, cwd: dir });
    const after = mock.state();
    const rerunPuts = after.requests
      .slice(before.requests.length)
      .filter((q) => q.origin === "storage" && q.method === "PUT")
      .map((q) => putFileName(q.path));
    const pushedTwice = files
      .filter((f) => linkedBefore.has(f.sha256) && rerunPuts.includes(f.name))
      .map((f) => f.name);
    console.info(
      `[figures] seed ${seed}: killed after ${afterLinks} links, ${linkedBefore.size} linked before the rerun, ${rerunPuts.length} PUTs in the rerun, ${pushedTwice.length} of them for files already linked`,
    );
    return { files, rerun, after, afterLinks, pushedTwice, stateFile };
  }

  for (const seed of [17]) {
    it(`seed ${seed}: the rerun completes, links every file exactly once, PUTs none twice`, async () => {
      const { files, rerun, after, afterLinks, pushedTwice, stateFile } = await killAndRerun(seed);
      // The state remembers every file, so a third run sends nothing.
      const saved = JSON.parse(readFileSync(stateFile, "utf8")) as { entries: unknown[] };
      expect(saved.entries).toHaveLength(files.length);
      expect(rerun.stderr).toMatch(/^150 files: \d+ linked.*, \d+ skipped \(unchanged\)/);
      expect(rerun.code).toBe(0);
      const linked = linkedShas(after);
      expectEveryFileLinkedOnce(
        { ...after, objects: after.objects.filter((o) => linked.has(o.sha256)) },
        files,
        "CC6.1",
      );
      // No second PUT of a file whose lineage already existed (a pending journal entry written
      // before link lets the rerun link it without uploading again).
      expect(pushedTwice, `files PUT again after a kill at ${afterLinks} links`).toEqual([]);
    }, 60_000);
  }
});

describe("storage that keeps other bytes than it was sent", () => {
  for (const kind of ["corrupt", "truncate"] as const) {
    describe(kind, () => {
      const mock = withMock({ platforms: ["sovereign"], faults: `${kind}=0.3`, faultSeed: 5 });

      it("verify fails, the file is reported failed (exit 1), link is never called for it", async () => {
        const n = 20;
        const { dir, files } = makeFolder(root, `${kind}-20`, n);
        const r = await runGrc(
          ["evidence", "push", ".", "--control", "CC7.2", "--no-state", "-o", "ndjson"],
          { env: { ...mock.env(), GRC_CONFIG_DIR: cfg() }, cwd: dir },
        );
        const state = mock.state();
        const altered = state.requests.filter((q) => q.origin === "storage" && q.fault === kind);
        expect(
          altered.length,
          JSON.stringify(state.faults) + r.stderr.slice(0, 300),
        ).toBeGreaterThan(0);
        const alteredNames = altered.map((q) => putFileName(q.path)).sort();
        const rows = r.stdout
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l) as { path: string; status: string; error: string | null });
        const failed = rows.filter((x) => x.status === "failed");
        expect(failed.map((x) => x.path).sort()).toEqual(alteredNames);
        for (const f of failed) {
          expect(f.error).toMatch(
            /^verify failed: the stored object's SHA-256 differs from the file's/,
          );
        }
        expect(r.code).toBe(1);
        const failedLines = r.stderr.split("\n").filter((l) => l.startsWith("grc: failed "));
        expect(failedLines).toHaveLength(altered.length);
        // Link was never called for an altered file's content, and nothing of it is linked.
        const alteredShas = files.filter((f) => alteredNames.includes(f.name)).map((f) => f.sha256);
        const links = state.requests.filter((q) => q.path.endsWith("/link-to-control"));
        expect(links).toHaveLength(n - altered.length);
        for (const sha of alteredShas) {
          expect(links.some((q) => q.path.includes(sha))).toBe(false);
          expect((state.lineage as Lineage[]).some((l) => l.evidence_id === sha)).toBe(false);
        }
      }, 60_000);
    });
  }
});
