import { execFileSync, spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { MockStateSnapshot } from "../../src/mock/server.js";
import { type SpawnedMock, spawnMock } from "../helpers/mock.js";

/**
 * The seed document's own curl, JavaScript and Python samples, run unchanged against
 * `grc mock serve` (the built CLI as a child), must upload access_logs_2024.csv and link it
 * to CC6.1. What the mock stored is read back from /__mock/state.
 */

const SEED_DIR = fileURLToPath(new URL("../../fixtures/seed/", import.meta.url));
const FILE_SHA256 = "e5a8bf9440ef4c188f51c7454ce7fc899d276bfcdd508f73f20a389578cc56b0";

function has(cmd: string, args: string[]): boolean {
  return spawnSync(cmd, args, { stdio: "ignore" }).status === 0;
}
const missingForCurl = ["curl", "jq", "bash", "sha256sum"].filter((c) => !has(c, ["--version"]));
const hasPythonRequests = has("python3", ["-c", "import requests"]);
if (missingForCurl.length > 0) {
  console.warn(
    `seed curl sample SKIPPED: missing ${missingForCurl.join(", ")} (apt-get install -y jq curl)`,
  );
}
if (!hasPythonRequests) console.warn("seed Python sample SKIPPED: python3 has no requests module");

let mock: SpawnedMock;
beforeAll(async () => {
  mock = await spawnMock();
});
afterAll(async () => {
  await mock?.stop();
});
beforeEach(async () => {
  await fetch(`${mock.identity.base_url}/__mock/reset`, { method: "POST" });
});

/** Copies one sample and the CSV into a fresh folder and runs it there (the samples use relative paths). */
function runSample(command: string, sample: string) {
  const dir = mkdtempSync(join(tmpdir(), "grc-seed-"));
  copyFileSync(join(SEED_DIR, sample), join(dir, sample));
  copyFileSync(join(SEED_DIR, "access_logs_2024.csv"), join(dir, "access_logs_2024.csv"));
  const result = spawnSync(command, [sample], {
    cwd: dir,
    encoding: "utf8",
    timeout: 30_000,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      GRC_BASE_URL: mock.identity.base_url,
      GRC_ORG_ID: mock.identity.org_id,
      GRC_API_KEY: mock.identity.api_key,
    },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

async function state(): Promise<MockStateSnapshot> {
  const res = await fetch(`${mock.identity.base_url}/__mock/state`);
  return (await res.json()) as MockStateSnapshot;
}

/** The mock stored the CSV once, linked it to CC6.1, and saw the seed flow's four requests. */
async function expectLinked(): Promise<void> {
  const s = await state();
  expect(s.objects).toEqual([
    expect.objectContaining({
      object_key: expect.stringMatching(
        /^orgs\/00000000-0000-0000-0000-000000000001\/evidence\/[0-9a-f-]{36}\/access_logs_2024\.csv$/,
      ),
      sha256: FILE_SHA256,
      size: readFileSync(join(SEED_DIR, "access_logs_2024.csv")).length,
      content_type: "text/csv",
    }),
  ]);
  expect(s.lineage).toEqual([
    expect.objectContaining({
      evidence_id: FILE_SHA256,
      control_id: "CC6.1",
      framework_id: "SOC2",
      object_key: s.objects[0]!.object_key,
    }),
  ]);
  // The seed's four steps, once each, all answered 200.
  expect(
    s.requests.map((r) => `${r.origin} ${r.method} ${r.path.split("/").pop()} ${r.status}`),
  ).toEqual([
    "api POST upload-url 200",
    "storage PUT access_logs_2024.csv 200",
    "api POST verify 200",
    "api POST link-to-control 200",
  ]);
}

describe("seed 000 samples against grc mock serve", () => {
  it("the CSV fixture has the documented hash", () => {
    expect(
      execFileSync("sha256sum", [join(SEED_DIR, "access_logs_2024.csv")], { encoding: "utf8" }),
    ).toMatch(new RegExp(`^${FILE_SHA256} `));
  });

  it.skipIf(missingForCurl.length > 0)(
    `curl sample (bash + curl + jq${missingForCurl.length ? `; SKIPPED, missing: ${missingForCurl.join(", ")}` : ""})`,
    async () => {
      const r = runSample("bash", "sample.sh");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      await expectLinked();
      // verify's answer, then link's answer, printed by curl.
      expect(r.stdout).toContain(`"verified":true`);
      expect(r.stdout).toContain(`"created":true`);
      const again = runSample("bash", "sample.sh");
      expect(again.stdout).toContain(`"created":false`);
      expect((await state()).lineage).toHaveLength(1);
    },
  );

  it("JavaScript sample (node)", async () => {
    const r = runSample(process.execPath, "sample.mjs");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/created: true/);
    expect(r.stdout).toContain(`evidence_id: '${FILE_SHA256}'`);
    await expectLinked();
    const again = runSample(process.execPath, "sample.mjs");
    expect(again.stdout).toMatch(/created: false/);
  });

  it.skipIf(!hasPythonRequests)(
    `Python sample (python3 + requests${hasPythonRequests ? "" : "; SKIPPED, python3 has no requests"})`,
    async () => {
      const r = runSample("python3", "sample.py");
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(r.stdout).toContain("'created': True");
      await expectLinked();
    },
  );
});
