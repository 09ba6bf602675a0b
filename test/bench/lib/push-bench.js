// Shared bits of the push benchmarks: the mock in-process (from dist/), fixture files, the
// seed's Python sample in a thread pool, and timing child processes with their peak memory.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { dialect } from "./report.js";

/** Absolute paths the benches need. */
export const paths = {
  bin: fileURLToPath(new URL("../../../bin/grc.js", import.meta.url)),
  server: fileURLToPath(new URL("../../../dist/mock/server.js", import.meta.url)),
  bare: fileURLToPath(new URL("./bare-push.js", import.meta.url)),
  probe: fileURLToPath(new URL("./io-probe.js", import.meta.url)),
};

/**
 * Starts the mock from the build in this process (the server `grc mock serve` runs; no
 * faults, no latency) in the dialect of this run (BENCH_DIALECT: full or minimal).
 */
export async function startMock(options = {}) {
  const { startMockServer } = await import(paths.server);
  const mock = await startMockServer({ platforms: ["sovereign"], dialect, ...options });
  return {
    mock,
    env: {
      GRC_BASE_URL: mock.baseUrl,
      GRC_ORG_ID: mock.identity.orgId,
      GRC_API_KEY: mock.identity.apiKey,
    },
    /** Clears objects, lineage and the request log between competitors. */
    async reset() {
      const res = await fetch(`${mock.baseUrl}/__mock/reset`, { method: "POST" });
      if (res.status !== 200) throw new Error(`mock reset answered ${res.status}`);
    },
  };
}

/** A fresh temporary folder, removed by `cleanup()`. */
export function tempDir(prefix) {
  return mkdtempSync(join(tmpdir(), `grc-bench-${prefix}-`));
}

/** Writes `count` files of `size` bytes with distinct content (so each is its own evidence). */
export function makeFiles(dir, count, size) {
  mkdirSync(dir, { recursive: true });
  const files = [];
  for (let i = 0; i < count; i++) {
    const name = join(dir, `evidence-${String(i).padStart(5, "0")}.csv`);
    const head = Buffer.from(`file,${i}\n`);
    const fd = openSync(name, "w");
    writeSync(fd, head);
    writeSync(
      fd,
      randomBytes(Math.max(0, size - head.length))
        .toString("base64")
        .slice(0, size - head.length),
    );
    closeSync(fd);
    files.push(name);
  }
  return files;
}

/** Writes one file of `bytes` bytes in 8 MiB blocks (random, so nothing compresses it away). */
export function makeBigFile(path, bytes) {
  const block = randomBytes(8 * 1024 * 1024);
  const fd = openSync(path, "w");
  for (let written = 0; written < bytes; ) {
    const n = Math.min(block.length, bytes - written);
    block.writeUInt32LE(Math.floor(written / block.length), 0);
    writeSync(fd, block, 0, n);
    written += n;
  }
  closeSync(fd);
}

/**
 * Runs a command under `/usr/bin/time -f` and resolves with wall time (ms, measured here),
 * peak RSS of the largest process in the tree (KiB, from getrusage), exit code and output.
 * Asynchronous on purpose: the mock lives in this process and must keep serving.
 */
export function runTimed(cmd, args, { env = {}, cwd, input } = {}) {
  return new Promise((resolve, reject) => {
    const marker = "__grc_bench_rss_kib__";
    const start = process.hrtime.bigint();
    const child = spawn("/usr/bin/time", ["-f", `${marker}%M`, cmd, ...args], {
      cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TMPDIR: process.env.TMPDIR,
        NO_COLOR: "1",
        ...env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      if (stdout.length < 1_000_000) stdout += c;
    });
    child.stderr.on("data", (c) => {
      if (stderr.length < 1_000_000) stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      const m = new RegExp(`${marker}(\\d+)`).exec(stderr);
      resolve({
        ms,
        code,
        stdout,
        stderr: stderr.replace(new RegExp(`${marker}\\d+\\n?`), ""),
        peakRssKiB: m ? Number(m[1]) : undefined,
      });
    });
    child.stdin.end(input ?? "");
  });
}

/** Fails the bench loudly when a competitor did not do the whole job. */
export function expectOk(label, result) {
  if (result.code !== 0) {
    throw new Error(`${label} exited ${result.code}: ${result.stderr.slice(0, 2000)}`);
  }
}

/** Number of lineage rows and stored objects the mock holds. */
export function mockCounts(mock) {
  const s = mock.state();
  return {
    lineage: s.lineage.length,
    objects: s.objects.length,
    requests: s.requests.length + s.requests_dropped,
  };
}

/**
 * The seed's Python sample (document 000) as an engineer would scale it: the sample's own
 * calls for each file, run by a pool of 16 threads, each thread with one keep-alive
 * `requests.Session` (module-level `requests.post` would open a connection per request).
 * Usage: python3 -c <this> DIR THREADS (GRC_BASE_URL/GRC_ORG_ID/GRC_API_KEY).
 */
export const seedPythonPool = `
import hashlib, os, sys, threading
from concurrent.futures import ThreadPoolExecutor
import requests
BASE = f"{os.environ['GRC_BASE_URL']}/api/v1/orgs/{os.environ['GRC_ORG_ID']}/evidence"
HEADERS = {"Authorization": f"Bearer {os.environ['GRC_API_KEY']}"}
CONTROL, FRAMEWORK = "CC6.1", "SOC2"
local = threading.local()
def push(PATH):
    s = getattr(local, "session", None)
    if s is None:
        s = local.session = requests.Session()
    with open(PATH, "rb") as f:
        data = f.read()
    file_hash = hashlib.sha256(data).hexdigest()
    r = s.post(f"{BASE}/upload-url", headers=HEADERS, json={
        "filename": os.path.basename(PATH), "content_type": "text/csv", "control_id": CONTROL,
    })
    r.raise_for_status()
    up = r.json()
    s.put(up["upload_url"], data=data,
        headers={"Content-Type": "text/csv"}).raise_for_status()
    s.post(f"{BASE}/verify", headers=HEADERS,
        params={"object_key": up["object_key"], "expected_hash": file_hash})
    r = s.post(f"{BASE}/{file_hash}/link-to-control", headers=HEADERS, json={
        "control_id": CONTROL, "framework_id": FRAMEWORK, "object_key": up["object_key"],
    })
    r.raise_for_status()
DIR = sys.argv[1]
paths = sorted(os.path.join(DIR, n) for n in os.listdir(DIR))
with ThreadPoolExecutor(int(sys.argv[2])) as pool:
    for _ in pool.map(push, paths):
        pass
`;

/** True when python3 can import requests. */
export async function pythonHasRequests() {
  const r = await runTimed("python3", ["-c", "import requests"]);
  return r.code === 0;
}

/** Reads what io-probe.js wrote at the child's exit: rchar, read_bytes, VmHWM. */
export function readProbe(file) {
  const text = readFileSync(file, "utf8");
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : undefined;
  };
  return {
    rchar: num(/^rchar: (\d+)/m),
    readBytes: num(/^read_bytes: (\d+)/m),
    vmHwmKiB: num(/^VmHWM:\s+(\d+) kB/m),
  };
}

/** Removes temporary folders, ignoring errors. */
export function cleanup(...dirs) {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
