import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGrc, tempConfigDir } from "../helpers/cli.js";
import { type MockStateSnapshot, type SpawnedMock, spawnMock } from "../helpers/mock.js";

/**
 * Issue 7: `--all` over 5,000 alerts through `grc mock serve --alerts 5000 --faults ...`:
 * each alert printed exactly once, in the order a fault-free walk prints them.
 */

const FAULTS = "429=0.1,500=0.05,503=0.02,reset=0.02,slow=0.05";
const SEED = 5000;

const env = (m: SpawnedMock) => ({
  GRC_BASE_URL: m.identity.base_url,
  GRC_HMAC_KEY_ID: m.identity.hmac_key_id,
  GRC_HMAC_SECRET: m.identity.hmac_secret,
  GRC_CONFIG_DIR: tempConfigDir(),
});

describe("--all over 5,000 alerts with faults on", () => {
  let faulty: SpawnedMock;
  let plain: SpawnedMock;
  let expected: string;
  beforeAll(async () => {
    [faulty, plain] = await Promise.all([
      spawnMock([
        "--alerts",
        "5000",
        "--faults",
        FAULTS,
        "--fault-seed",
        String(SEED),
        "--slow",
        "200",
      ]),
      spawnMock(["--alerts", "5000"]),
    ]);
    const r = await runGrc(["alerts", "list", "--all", "--page-size", "100", "-o", "ndjson"], {
      env: env(plain),
      timeoutMs: 120_000,
    });
    expect(r.code).toBe(0);
    expected = r.stdout;
  }, 180_000);
  afterAll(async () => {
    await Promise.all([faulty?.stop(), plain?.stop()]);
  });

  for (const concurrency of ["1", "4"]) {
    it(`--concurrency ${concurrency}: each alert exactly once, in order`, async () => {
      const started = performance.now();
      const r = await runGrc(
        [
          "alerts",
          "list",
          "--all",
          "--page-size",
          "100",
          "-o",
          "ndjson",
          "--concurrency",
          concurrency,
          "--retries",
          "10",
        ],
        { env: env(faulty), timeoutMs: 300_000 },
      );
      const ms = Math.round(performance.now() - started);
      expect(r.code, r.stderr).toBe(0);
      const ids = r.stdout
        .trimEnd()
        .split("\n")
        .map((l) => (JSON.parse(l) as { id: string }).id);
      expect(ids).toHaveLength(5000);
      expect(new Set(ids).size).toBe(5000);
      expect(r.stdout).toBe(expected);
      const state = (await (
        await fetch(`${faulty.identity.base_url}/__mock/state`)
      ).json()) as MockStateSnapshot;
      console.info(
        `[figures] alerts --all 5,000 --concurrency ${concurrency}, faults ${FAULTS}: injected so far ${JSON.stringify(state.faults.api)}, ${state.requests.length} requests in all, ${ms} ms`,
      );
    }, 300_000);
  }
});
