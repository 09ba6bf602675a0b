import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * Starts the independent peers of test/peers/ (Python + Flask, written from the seeds alone)
 * and talks to their test-only endpoints. Nothing here imports grc's client or mock.
 */

const REPO = fileURLToPath(new URL("../../", import.meta.url));
const PEERS = fileURLToPath(new URL("./", import.meta.url));

/** Whether python3 can import flask; when not, writes the skip marker `.tmp/<marker>`. */
export function flaskOrMarker(marker: string, what: string): boolean {
  const path = join(REPO, ".tmp", marker);
  const ok = spawnSync("python3", ["-c", "import flask"], { stdio: "ignore" }).status === 0;
  if (ok) {
    rmSync(path, { force: true });
  } else {
    mkdirSync(join(REPO, ".tmp"), { recursive: true });
    writeFileSync(path, `python3 -c 'import flask' failed: ${what} skipped\n`);
    console.warn(
      `${what} SKIPPED: python3 cannot import flask (pip install flask); wrote .tmp/${marker}`,
    );
  }
  return ok;
}

export interface Peer<Info> {
  info: Info;
  /** GET <base_url>/__peer/state */
  state<T = unknown>(): Promise<T>;
  /** POST <base_url>/__peer/reset */
  reset(): Promise<void>;
  close(): Promise<void>;
}

/** Spawns test/peers/<script> with `args`, waits for its JSON line, returns a handle. */
export function startPeer<Info extends { base_url: string }>(
  script: string,
  args: string[] = [],
): Promise<Peer<Info>> {
  const child: ChildProcessWithoutNullStreams = spawn(
    "python3",
    [join(PEERS, script), "--ttl", "300", ...args],
    { stdio: ["pipe", "pipe", "pipe"] },
  );
  let log = "";
  child.stderr.on("data", (c) => {
    log += c;
  });
  return new Promise((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${script} did not start within 20 s: ${log}`));
    }, 20_000);
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code}) before printing its address: ${log}`));
    });
    child.stdout.on("data", (c) => {
      out += c;
      const nl = out.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      const info = JSON.parse(out.slice(0, nl)) as Info;
      resolve({
        info,
        async state<T>() {
          const res = await fetch(`${info.base_url}/__peer/state`);
          if (res.status !== 200) throw new Error(`peer state answered ${res.status}`);
          return (await res.json()) as T;
        },
        async reset() {
          const res = await fetch(`${info.base_url}/__peer/reset`, { method: "POST" });
          if (res.status !== 200) throw new Error(`peer reset answered ${res.status}`);
        },
        close() {
          if (child.exitCode !== null) return Promise.resolve();
          const exited = new Promise<void>((r) => child.once("exit", () => r()));
          child.stdin.end();
          const kill = setTimeout(() => child.kill("SIGKILL"), 3_000);
          return exited.then(() => clearTimeout(kill));
        },
      });
    });
  });
}
