import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GRC_BIN, runGrc, tempConfigDir } from "../helpers/cli.js";
import { DIALECTS, type MockStateSnapshot, withMock } from "../helpers/mock.js";
import { expectEveryFileLinkedOnce, type LocalFile, makeFolder } from "./lib/push-run.js";

/**
 * Issue 11: a push whose stdout reader goes away, or that receives SIGHUP/SIGTERM/SIGINT,
 * never ends silently: a closed pipe finishes the work (rows just stop being printed), a
 * signal stops with the summary, state saved and exit 130, and a second signal quits at once.
 */

const N = 100;
let root: string;
let folder: { dir: string; files: LocalFile[] };
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-sig-"));
  folder = makeFolder(root, "hundred", N);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Spawned {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Spawns the CLI; `onStdout`/`onTick` may close its stdout or signal it. */
function spawnGrc(
  args: string[],
  env: NodeJS.ProcessEnv,
  hooks: {
    onStdout?: (child: ReturnType<typeof spawn>, text: string) => void;
    onTick?: (child: ReturnType<typeof spawn>) => Promise<void> | void;
  } = {},
): Promise<Spawned> {
  const started = performance.now();
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
      hooks.onStdout?.(child, stdout);
    });
    child.stdout!.on("error", () => {});
    child.stderr!.on("data", (c) => {
      stderr += c;
    });
    const poll = setInterval(() => void hooks.onTick?.(child), 20);
    const guard = setTimeout(() => child.kill("SIGKILL"), 50_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearInterval(poll);
      clearTimeout(guard);
      resolve({ code, signal, stdout, stderr, ms: performance.now() - started });
    });
  });
}

describe.each(DIALECTS)("signals and closed pipes (%s dialect)", (dialect) => {
  const mock = withMock({ dialect, latencyMs: 15, slowMs: 1000 });
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    await mock.reset();
    env = { ...mock.env(), GRC_CONFIG_DIR: tempConfigDir() };
  });
  const lineageCount = () => (mock.state() as MockStateSnapshot).lineage.length;

  it("a reader that closes stdout after one row does not stop the push: every file is linked, the receipt and state complete", async () => {
    const stateFile = join(root, `pipe-${Date.now()}.json`);
    const receipt = join(root, `pipe-${Date.now()}.ndjson`);
    const args = ["evidence", "push", ".", "--control", "CC6.1", "-o", "ndjson"];
    const r = await spawnGrc([...args, "--state", stateFile, "--receipt", receipt], env, {
      // `| head -1`: the reader goes away after the first row.
      onStdout: (child, text) => {
        if (text.includes("\n")) child.stdout!.destroy();
      },
    });
    expectEveryFileLinkedOnce(mock.state() as MockStateSnapshot, folder.files, "CC6.1");
    expect(r.stderr).toMatch(new RegExp(`${N} files: ${N} linked`));
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(receipt, "utf8").trim().split("\n");
    expect(lines.filter((l) => l.includes('"type":"evidence"'))).toHaveLength(N);
    expect(lines.at(-1)).toMatch(/"type":"summary"/);
    // The state knows every file: a rerun skips them all.
    const rerun = await runGrc([...args, "--state", stateFile], { env, cwd: folder.dir });
    expect(rerun.stderr).toMatch(new RegExp(`${N} skipped`));
  }, 60_000);

  it.each(["SIGHUP", "SIGTERM", "SIGINT"] as const)(
    "%s stops the push with the summary, state saved and exit 130; the rerun links the rest exactly once",
    async (sig) => {
      const stateFile = join(root, `sig-${sig}.json`);
      const args = ["evidence", "push", ".", "--control", "CC6.1", "--state", stateFile];
      let sent = false;
      const r = await spawnGrc(args, env, {
        onTick: (child) => {
          if (!sent && lineageCount() >= 5) {
            sent = true;
            child.kill(sig);
          }
        },
      });
      expect(sent, "the run ended before 5 links").toBe(true);
      expect(r.signal, r.stderr).toBeNull();
      expect(r.code, r.stderr).toBe(130);
      expect(r.stderr).toMatch(new RegExp(`interrupted: ${N} files: \\d+ linked.*state saved to`));
      const rerun = await runGrc(args, { env, cwd: folder.dir, timeoutMs: 50_000 });
      expect(rerun.code, rerun.stderr).toBe(0);
      expectEveryFileLinkedOnce(mock.state() as MockStateSnapshot, folder.files, "CC6.1");
    },
    60_000,
  );

  it("a second Ctrl-C quits at once, however soon it follows the first", async () => {
    const args = ["evidence", "push", ".", "--control", "CC6.1", "--no-state"];
    // In-flight work must outlast the 100 ms between the presses: every answer stalls 1 s.
    const faults = await fetch(`${mock.baseUrl}/__mock/faults?spec=slow=1`, { method: "POST" });
    expect(faults.status).toBe(200);
    let sent = 0;
    let r: Awaited<ReturnType<typeof spawnGrc>>;
    try {
      r = await spawnGrc(args, env, {
        onTick: (child) => {
          // As soon as the first files are in flight: each of their four steps stalls 1 s,
          // so the run is still working when the second press comes 100 ms later.
          if (sent === 0 && (mock.state() as MockStateSnapshot).requests.length >= 1) {
            sent = 1;
            child.kill("SIGINT");
            setTimeout(() => child.kill("SIGINT"), 100);
          }
        },
      });
    } finally {
      await fetch(`${mock.baseUrl}/__mock/faults?spec=`, { method: "POST" });
    }
    expect(sent).toBe(1);
    expect(r.stderr).toMatch(/interrupted again, quitting now/);
    expect(r.code).toBe(130);
  }, 60_000);
});
