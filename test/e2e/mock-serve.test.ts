import { spawn } from "node:child_process";
import { describe, expect, it } from "vitest";
import { GRC_BIN, runGrc, tempConfigDir } from "../helpers/cli.js";
import { spawnMock } from "../helpers/mock.js";

/** `grc mock serve` as a user runs it: the built CLI as a child process. */

/** Exit code after a stop signal: a signal is how the mock is meant to end. */
const STOPPED = 0;

describe("grc mock serve", () => {
  it("prints its identity as one JSON line, serves, and stops on SIGTERM", async () => {
    const mock = await spawnMock(["--faults", "500=0", "--fault-seed", "7"]);
    const id = mock.identity;
    expect(Object.keys(id).sort()).toEqual(
      [
        "api_key",
        "base_url",
        "fault_seed",
        "hmac_key_id",
        "hmac_secret",
        "no_org_api_key",
        "org_id",
        "read_only_api_key",
        "session",
        "storage_url",
      ].sort(),
    );
    expect(id).toMatchObject({
      org_id: "00000000-0000-0000-0000-000000000001",
      hmac_key_id: "abc",
      hmac_secret: "abc123",
      fault_seed: 7,
    });
    expect(id.api_key).toMatch(/^sk-/);
    expect(id.base_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(id.storage_url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);

    const res = await fetch(`${id.base_url}/api/v1/orgs/${id.org_id}/evidence/upload-url`, {
      method: "POST",
      headers: { Authorization: `Bearer ${id.api_key}`, "Content-Type": "application/json" },
      body: JSON.stringify({ filename: "a.csv", content_type: "text/csv", control_id: "CC6.1" }),
    });
    expect(res.status).toBe(200);
    const up = (await res.json()) as { upload_url: string };
    expect(up.upload_url.startsWith(`${id.storage_url}/grc-evidence/`)).toBe(true);

    const code = await mock.stop("SIGTERM");
    expect(code).toBe(STOPPED);
    expect(mock.stderr()).not.toMatch(/at .*\.js:\d+/);
    await expect(fetch(`${id.base_url}/__mock/state`)).rejects.toThrow();
    await expect(fetch(`${id.storage_url}/`)).rejects.toThrow();
  });

  it("replays the same faults for the same --fault-seed across runs", async () => {
    const statuses = async (seed: string) => {
      const mock = await spawnMock([
        "--faults",
        "429=0.25,500=0.25,slow=0.1",
        "--slow",
        "20",
        "--fault-seed",
        seed,
      ]);
      const { base_url, org_id, read_only_api_key } = mock.identity;
      const out: number[] = [];
      for (let i = 0; i < 24; i++) {
        const res = await fetch(`${base_url}/api/v1/orgs/${org_id}/evidence`, {
          headers: { Authorization: `Bearer ${read_only_api_key}` },
        });
        out.push(res.status);
      }
      const state = (await (await fetch(`${base_url}/__mock/state`)).json()) as {
        faults: { api: Record<string, number> };
      };
      await mock.stop();
      return { out, counts: state.faults.api };
    };
    const a = await statuses("1234");
    const b = await statuses("1234");
    expect(b).toEqual(a);
    expect(new Set(a.out)).toEqual(new Set([200, 429, 500]));
    expect(a.counts["429"]).toBe(a.out.filter((s) => s === 429).length);
  });

  it("stops on SIGINT too", async () => {
    const mock = await spawnMock(["--no-storage"]);
    expect(mock.identity.storage_url).toBe("");
    expect(await mock.stop("SIGINT")).toBe(STOPPED);
  });

  it("prints a banner with an export block without --json", async () => {
    const child = spawn(process.execPath, [GRC_BIN, "mock", "serve", "--port", "0"], {
      env: { PATH: process.env.PATH, NO_COLOR: "1", GRC_CONFIG_DIR: tempConfigDir() },
    });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner: ${out}`)), 15_000);
      child.stdout.on("data", (c) => {
        out += c;
        if (out.includes("Press Ctrl-C to stop.")) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    const closed = new Promise<number | null>((r) => child.on("close", r));
    child.kill("SIGTERM");
    await closed;
    const base = /API\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    expect(base).toBeDefined();
    expect(out).toContain(
      `export GRC_BASE_URL=${base} GRC_ORG_ID=00000000-0000-0000-0000-000000000001 GRC_API_KEY=sk-demo-write-0123456789abcdef`,
    );
    expect(out).toMatch(/HMAC key ID \/ secret\s+abc \/ abc123/);
    expect(out).toContain(`${base}/__mock/state`);
  });

  it.each([
    [
      ["--faults", "teapot=1"],
      'grc: bad fault "teapot=1" in --faults — use KIND=PROBABILITY pairs separated by commas; kinds: 429, 500, 503, reset, slow, corrupt, truncate, expire\n',
    ],
    [
      ["--data", "/nonexistent/grc-fixtures"],
      'grc: --data "/nonexistent/grc-fixtures" is not a folder — pass a folder with evident/ and strata/ fixtures, or leave --data out\n',
    ],
    [
      ["--no-storage", "--s3-endpoint", "http://127.0.0.1:9", "--s3-bucket", "b"],
      "grc: --no-storage and --s3-endpoint contradict each other — pass one of them\n",
    ],
    [["--port", "70000"], 'grc: --port must be a port from 0 to 65535, got "70000"\n'],
    [
      ["--s3-endpoint", "http://127.0.0.1:9"],
      "grc: --s3-endpoint and --s3-bucket go together — pass both, or neither\n",
    ],
    [
      ["--s3-endpoint", "http://127.0.0.1:9", "--s3-bucket", "b"],
      "grc: no S3 credentials for --s3-endpoint — set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY\n",
    ],
  ])("refuses bad flags with one line and exit 2: %j", async (args, stderr) => {
    const r = await runGrc(["mock", "serve", "--json", ...args], { timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(stderr);
  });
});
