import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
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
  RETRY_BUDGET,
  requestBound,
  tally,
} from "../reliability/lib/push-run.js";

/**
 * Issue 7, the long fault run (`npm run test:faults`): 1,000 files pushed by the built CLI
 * through `grc mock serve --faults ... --fault-seed N` (10% 429, 5% 500, 2% 503, 2% resets,
 * 5% slow on the API and on storage), then the same push killed with SIGKILL and rerun.
 */

const FAULTS = "429=0.1,500=0.05,503=0.02,reset=0.02,slow=0.05";
const SEED = 20261123;
const N = 1000;

let root: string;
let folder: { dir: string; files: LocalFile[] };
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-faults-"));
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

describe(`${N} files through grc mock serve --faults ${FAULTS}`, () => {
  let mock: SpawnedMock;
  beforeAll(async () => {
    mock = await spawnMock(["--faults", FAULTS, "--fault-seed", String(SEED), "--slow", "200"]);
  });
  afterAll(async () => {
    await mock?.stop();
  });

  // --retries 10: under 19% failing answers, 5 attempts (the default) leave one request in
  // ~4,000 failing all of them (0.19^5), about one file in every other 1,000-file run; with 10
  // that is 0.19^10 per request. The retry budget (100, plus half a retry per success) is what
  // this run proves sufficient.
  it("every file ends linked exactly once with its own bytes, exit 0, within the retry budget", async () => {
    const started = performance.now();
    const r = await runGrc(
      ["evidence", "push", ".", "--control", "CC6.1", "--no-state", "--retries", "10"],
      { env: cliEnv(mock), cwd: folder.dir, timeoutMs: 540_000 },
    );
    const ms = Math.round(performance.now() - started);
    expect(r.stderr).toMatch(new RegExp(`^${N} files: ${N} linked · `));
    expect(r.code).toBe(0);
    const state = await stateOf(mock);
    expectEveryFileLinkedOnce(state, folder.files, "CC6.1");
    const t = tally(state);
    // Every request beyond the 3 API calls and 1 PUT per file answered a fault: no retry
    // was wasted, and none went beyond what the budget allows.
    expect(t.api.total).toBe(3 * N + t.api.faulted);
    expect(t.storage.total).toBe(N + t.storage.faulted);
    const bound = requestBound(N, RETRY_BUDGET, t);
    expect(t.api.total).toBeLessThanOrEqual(bound.api);
    expect(t.storage.total).toBeLessThanOrEqual(bound.storage);
    console.info(
      `[figures] push ${N} files, faults ${FAULTS} seed ${SEED}: faults injected api ${JSON.stringify(state.faults.api)} storage ${JSON.stringify(state.faults.storage)}; api ${t.api.total} requests (bound ${bound.api}), storage ${t.storage.total} (bound ${bound.storage}); ${ms} ms`,
    );
  }, 600_000);
});

describe(`${N} files, killed with SIGKILL at a seeded moment, then rerun with the same state`, () => {
  let mock: SpawnedMock;
  beforeAll(async () => {
    mock = await spawnMock(["--latency", "5"]);
  });
  afterAll(async () => {
    await mock?.stop();
  });

  it("the rerun completes and every file is linked exactly once", async () => {
    const env = cliEnv(mock);
    const stateFile = join(root, "thousand-state.json");
    const args = ["evidence", "push", ".", "--control", "CC6.1", "--state", stateFile];
    const afterLinks = 50 + Math.floor(seededRandom(SEED)() * (N - 100));
    let links = 0;
    const killed = await new Promise<NodeJS.Signals | null>((resolve, reject) => {
      const child = spawn(process.execPath, [GRC_BIN, ...args], {
        cwd: folder.dir,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...env },
        stdio: "ignore",
      });
      // One poll at a time: overlapping polls of a 4,000-request state swamp the mock on a
      // loaded machine (the run then crawls for minutes).
      let busy = false;
      const poll = setInterval(async () => {
        if (busy) return;
        busy = true;
        try {
          links = (await stateOf(mock)).lineage.length;
          if (links >= afterLinks) child.kill("SIGKILL");
        } finally {
          busy = false;
        }
      }, 20);
      child.on("error", reject);
      child.on("close", (_code, signal) => {
        clearInterval(poll);
        resolve(signal);
      });
    });
    expect(killed, `the run ended before ${afterLinks} links`).toBe("SIGKILL");
    await new Promise((r) => setTimeout(r, 300));
    const before = await stateOf(mock);
    const linkedBefore = new Set((before.lineage as Lineage[]).map((l) => l.evidence_id));
    const rerun = await runGrc(args, { env, cwd: folder.dir, timeoutMs: 300_000 });
    expect(rerun.code).toBe(0);
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
    // No file whose lineage existed before the rerun was uploaded again.
    const twice = folder.files.filter(
      (f) => linkedBefore.has(f.sha256) && rerunPuts.includes(f.name),
    );
    expect(twice.map((f) => f.name)).toEqual([]);
    console.info(
      `[figures] ${N} files killed after ${afterLinks} links (${linkedBefore.size} linked), rerun made ${rerunPuts.length} PUTs for ${N - linkedBefore.size} unlinked files, ${twice.length} for linked ones`,
    );
  }, 600_000);
});

describe(`${N} files on a loaded machine (file reads slower than the loopback storage)`, () => {
  let mock: SpawnedMock;
  beforeAll(async () => {
    mock = await spawnMock([]);
  });
  afterAll(async () => {
    await mock?.stop();
  });

  // Regression test for a race found here (fixed in b07d76c): the hash was read as soon as
  // storage answered 200, before the file's EOF read came back from a busy thread pool.
  it("no file fails with 'storage answered before the whole file was sent'", async () => {
    const preload = fileURLToPath(
      new URL("../../fixtures/reliability/busy-threadpool.mjs", import.meta.url),
    );
    const r = await runGrc(
      ["evidence", "push", ".", "--control", "CC1.1", "--no-state", "-o", "ndjson"],
      {
        env: { ...cliEnv(mock), NODE_OPTIONS: `--import=${preload}`, GRC_TEST_BUSY_MS: "20000" },
        cwd: folder.dir,
        timeoutMs: 300_000,
      },
    );
    const failed = r.stdout.split("\n").filter((l) => l.includes('"status":"failed"'));
    expect(failed).toEqual([]);
    expect(r.code).toBe(0);
  }, 600_000);
});
