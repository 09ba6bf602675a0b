import { describe, expect, it } from "vitest";
import { runCli } from "../../../../src/cli/main.js";
import { bufferIO, tempConfigDir } from "../../../helpers/cli.js";
import { requestUploadUrl } from "../../../helpers/mock.js";

/** `grc mock serve` in-process: live stdout, stopped through the CLI's abort signal. */
function start(args: string[], env: NodeJS.ProcessEnv = {}) {
  const buffers = bufferIO();
  const controller = new AbortController();
  // --port 0: any free ports (the default 4010/4011 would collide between tests).
  const done = runCli(["mock", "serve", "--port", "0", ...args], {
    io: buffers.io,
    env: { GRC_CONFIG_DIR: tempConfigDir(), NO_COLOR: "1", ...env },
    signal: controller.signal,
  });
  const printed = async (marker: string) => {
    const end = Date.now() + 10_000;
    while (!buffers.stdout().includes(marker)) {
      if (Date.now() > end) {
        throw new Error(`no "${marker}" in: ${buffers.stdout()} ${buffers.stderr()}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    return buffers.stdout();
  };
  return { done, printed, stop: () => controller.abort(), stderr: buffers.stderr };
}

describe("grc mock serve (in-process)", () => {
  it("serves until the signal aborts, then closes its ports", async () => {
    const run = start(["--json", "--latency", "0", "--fault-seed", "5"]);
    const line = JSON.parse((await run.printed("\n")).trim()) as Record<string, unknown>;
    expect(line.fault_seed).toBe(5);
    const base = String(line.base_url);
    expect((await fetch(`${base}/__mock/state`)).status).toBe(200);
    run.stop();
    // Stopping is how `mock serve` ends: exit 0, not 130.
    expect(await run.done).toBe(0);
    expect(run.stderr()).toBe("");
    await expect(fetch(`${base}/__mock/state`)).rejects.toThrow();
  });

  it("prints the banner with the faults and seed it runs with", async () => {
    const run = start(["--faults", "slow=0.5", "--fault-seed", "11", "--slow", "10"]);
    const out = await run.printed("Press Ctrl-C to stop.");
    run.stop();
    await run.done;
    expect(out).toMatch(/^grc mock: demo platforms running/);
    expect(out).toMatch(/ {2}faults +slow=0\.5 \(seed 11\)\n/);
    expect(out).toMatch(/ {2}platforms +sovereign, evident, strata\n/);
    expect(out).toMatch(/ {2}read-only key \(read:evidence\) +sk-demo-read-evidence-0123456789\n/);
    expect(run.stderr()).toBe("grc mock: stopped\n");
  });

  it("traces each request on stderr with --debug, without credentials", async () => {
    const run = start(["--json", "--debug"]);
    const line = JSON.parse((await run.printed("\n")).trim()) as Record<string, string>;
    await fetch(`${line.base_url}/api/v1/orgs/${line.org_id}/evidence`, {
      headers: { Authorization: `Bearer ${line.api_key}` },
    });
    run.stop();
    await run.done;
    expect(run.stderr()).toBe(`[debug] mock api GET /api/v1/orgs/${line.org_id}/evidence -> 200\n`);
  });

  it("takes S3 credentials from the AWS_* variables", async () => {
    const run = start(["--json", "--s3-endpoint", "http://127.0.0.1:9/", "--s3-bucket", "b"], {
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_REGION: "eu-west-1",
    });
    const line = JSON.parse((await run.printed("\n")).trim()) as Record<string, string>;
    expect(line.storage_url).toBe("http://127.0.0.1:9");
    const up = await requestUploadUrl(
      { baseUrl: line.base_url!, identity: { orgId: line.org_id!, apiKey: line.api_key! } },
      { filename: "a.csv", control_id: "C" },
    );
    const url = new URL(up.upload_url);
    expect(url.origin).toBe("http://127.0.0.1:9");
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(
      /^AKIDEXAMPLE\/\d{8}\/eu-west-1\/s3\/aws4_request$/,
    );
    run.stop();
    await run.done;
  });

  it("serves the minimal dialect with --dialect minimal and refuses an unknown one (exit 2)", async () => {
    const run = start(["--json", "--dialect", "minimal"]);
    const line = JSON.parse((await run.printed("\n")).trim()) as Record<string, string>;
    const res = await fetch(`${line.base_url}/strata/api/auth/status`, {
      headers: { Cookie: `session=${line.session}` },
    });
    // The minimal dialect's status call is the bare object, not the full dialect's envelope.
    expect(Object.keys((await res.json()) as object).sort()).toEqual([
      "authenticated",
      "organization",
      "user",
    ]);
    run.stop();
    expect(await run.done).toBe(0);

    const bad = start(["--dialect", "chatty"]);
    expect(await bad.done).toBe(2);
    expect(bad.stderr()).toMatch(/^grc: .*chatty.*\n$/);
  });

  it("maps the mock's own option errors to a usage error (exit 2, one line)", async () => {
    const bad = start(["--faults", "teapot=1"]);
    expect(await bad.done).toBe(2);
    expect(bad.stderr()).toBe(
      'grc: bad fault "teapot=1" in --faults — use KIND=PROBABILITY pairs separated by commas; kinds: 429, 500, 503, reset, slow, corrupt, truncate, expire\n',
    );
  });
});
