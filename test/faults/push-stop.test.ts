import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../src/mock/faults.js";
import { GRC_BIN, runGrc } from "../helpers/cli.js";
import { type MockStateSnapshot, type SpawnedMock, spawnMock } from "../helpers/mock.js";
import {
  expectEveryFileLinkedOnce,
  type Lineage,
  type LocalFile,
  makeFolder,
  putFileName,
} from "../reliability/lib/push-run.js";

/**
 * Issue 11, the long stop runs (`npm run test:faults`): 1,000 files pushed by the built CLI,
 * stopped with SIGTERM at a seeded moment and rerun with the same state; and pushed with
 * `-o ndjson` into a reader that goes away after the first row. Same exactly-once checks as
 * the SIGKILL run in push-1000.test.ts.
 */

const SEED = 20261129;
const N = 1000;

let root: string;
let folder: { dir: string; files: LocalFile[] };
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-faults-stop-"));
  folder = makeFolder(root, "thousand", N);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

async function stateOf(mock: SpawnedMock): Promise<MockStateSnapshot> {
  const res = await fetch(`${mock.identity.base_url}/__mock/state`);
  return (await res.json()) as MockStateSnapshot;
}

function cliEnv(mock: SpawnedMock): NodeJS.ProcessEnv {
  return {
    GRC_BASE_URL: mock.identity.base_url,
    GRC_ORG_ID: mock.identity.org_id,
    GRC_API_KEY: mock.identity.api_key,
    GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")),
  };
}

interface Ended {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function spawnPush(
  args: string[],
  env: NodeJS.ProcessEnv,
  onTick: (child: ReturnType<typeof spawn>) => Promise<void> | void,
  onStdout?: (child: ReturnType<typeof spawn>, text: string) => void,
): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GRC_BIN, ...args], {
      cwd: folder.dir,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c) => {
      stdout += c;
      onStdout?.(child, stdout);
    });
    child.stdout!.on("error", () => {});
    child.stderr!.on("data", (c) => {
      stderr += c;
    });
    // One poll at a time: overlapping polls of a 4,000-request state would swamp the mock.
    let busy = false;
    const poll = setInterval(() => {
      if (busy) return;
      busy = true;
      Promise.resolve(onTick(child)).finally(() => {
        busy = false;
      });
    }, 50);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearInterval(poll);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe(`${N} files, stopped with SIGTERM at a seeded moment, then rerun with the same state`, () => {
  let mock: SpawnedMock;
  beforeAll(async () => {
    mock = await spawnMock(["--latency", "5"]);
  });
  afterAll(async () => {
    await mock?.stop();
  });

  it("stops with the summary and exit 130; the rerun completes and every file is linked exactly once", async () => {
    const env = cliEnv(mock);
    const stateFile = join(root, "sigterm-state.json");
    const args = ["evidence", "push", ".", "--control", "CC6.1", "--state", stateFile];
    const afterLinks = 50 + Math.floor(seededRandom(SEED)() * (N - 100));
    let sentAt = 0;
    const started = performance.now();
    const r = await spawnPush(args, env, async (child) => {
      if (sentAt) return;
      if ((await stateOf(mock)).lineage.length >= afterLinks && !sentAt) {
        sentAt = performance.now();
        child.kill("SIGTERM");
      }
    });
    const stopMs = Math.round(performance.now() - sentAt);
    expect(sentAt, `the run ended before ${afterLinks} links`).toBeGreaterThan(0);
    expect(r.signal, r.stderr).toBeNull();
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(new RegExp(`interrupted: ${N} files: \\d+ linked.*state saved to`));
    const before = await stateOf(mock);
    const linkedBefore = new Set((before.lineage as Lineage[]).map((l) => l.evidence_id));
    const rerun = await runGrc(args, { env, cwd: folder.dir, timeoutMs: 300_000 });
    expect(rerun.code, rerun.stderr).toBe(0);
    const after = await stateOf(mock);
    const linked = new Set((after.lineage as Lineage[]).map((l) => l.evidence_id));
    expectEveryFileLinkedOnce(
      { ...after, objects: after.objects.filter((o) => linked.has(o.sha256)) },
      folder.files,
      "CC6.1",
    );
    const rerunPuts = after.requests
      .slice(before.requests.length)
      .filter((q) => q.origin === "storage" && q.method === "PUT")
      .map((q) => putFileName(q.path));
    const twice = folder.files.filter(
      (f) => linkedBefore.has(f.sha256) && rerunPuts.includes(f.name),
    );
    expect(twice.map((f) => f.name)).toEqual([]);
    console.info(
      `[figures] ${N} files, SIGTERM after ${afterLinks} links: stopped in ${stopMs} ms with ${linkedBefore.size} linked (exit ${r.code}); rerun made ${rerunPuts.length} PUTs for ${N - linkedBefore.size} unlinked files, ${twice.length} for linked ones; first run ${Math.round(sentAt - started)} ms`,
    );
  }, 600_000);
});

describe(`${N} files pushed with -o ndjson into a reader that goes away after one row`, () => {
  let mock: SpawnedMock;
  beforeAll(async () => {
    mock = await spawnMock(["--latency", "5"]);
  });
  afterAll(async () => {
    await mock?.stop();
  });

  it("the push finishes: every file linked exactly once, receipt and state complete, exit 0", async () => {
    const env = cliEnv(mock);
    const stateFile = join(root, "pipe-state.json");
    const receipt = join(root, "pipe-receipt.ndjson");
    const args = ["evidence", "push", ".", "--control", "CC7.2", "-o", "ndjson"];
    const started = performance.now();
    const r = await spawnPush(
      [...args, "--state", stateFile, "--receipt", receipt],
      env,
      () => {},
      (child, text) => {
        if (text.includes("\n")) child.stdout!.destroy();
      },
    );
    const ms = Math.round(performance.now() - started);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(new RegExp(`${N} files: ${N} linked`));
    const state = await stateOf(mock);
    expectEveryFileLinkedOnce(state, folder.files, "CC7.2");
    const lines = readFileSync(receipt, "utf8").trim().split("\n");
    expect(lines.filter((l) => l.includes('"type":"evidence"'))).toHaveLength(N);
    expect(lines.at(-1)).toMatch(/"type":"summary"/);
    const rerun = await runGrc([...args, "--state", stateFile], {
      env,
      cwd: folder.dir,
      timeoutMs: 300_000,
    });
    expect(rerun.stderr).toMatch(new RegExp(`${N} skipped`));
    console.info(
      `[figures] ${N} files into a reader that left after 1 row: ${state.lineage.length} linked, exit ${r.code}, ${ms} ms; rerun skipped all ${N}`,
    );
  }, 600_000);
});
