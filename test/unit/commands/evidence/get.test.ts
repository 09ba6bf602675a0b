import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../../helpers/cli.js";
import { linkObject, mockEnv, storeObject, withMock } from "../../../helpers/mock.js";

const mock = withMock({ platforms: ["sovereign"] });
const TEXT = "user,action\nalice,login\n";
const SHA = createHash("sha256").update(TEXT).digest("hex");
let objectKey = "";

beforeAll(async () => {
  // The seed's flow with plain fetch: upload once, link to two controls.
  objectKey = await storeObject(mock, TEXT, {
    filename: "access_logs_2024.csv",
    content_type: "text/csv",
    control_id: "CC6.1",
  });
  for (const [control_id, framework_id] of [
    ["CC6.1", "SOC2"],
    ["A.9.4", "ISO27001"],
  ] as const) {
    await linkObject(mock, { sha256: SHA, object_key: objectKey, control_id, framework_id });
  }
});

describe("grc evidence get", () => {
  it("prints the evidence and its lineage rows as JSON", async () => {
    const r = await runInProcess(["evidence", "get", SHA.toUpperCase(), "--json"], {
      env: mockEnv(mock),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const [doc] = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(doc).toMatchObject({
      id: SHA,
      filename: "access_logs_2024.csv",
      size: Buffer.byteLength(TEXT),
      content_type: "text/csv",
      object_keys: [objectKey],
      controls: ["CC6.1", "A.9.4"],
    });
    expect(doc?.lineage).toEqual([
      expect.objectContaining({ control_id: "CC6.1", framework_id: "SOC2", object_key: objectKey }),
      expect.objectContaining({
        control_id: "A.9.4",
        framework_id: "ISO27001",
        object_key: objectKey,
      }),
    ]);
  });

  it("prints fields then a table of links for people", async () => {
    const r = await runInProcess(["evidence", "get", SHA], { env: mockEnv(mock) });
    expect(r.code).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, 6)).toEqual([
      `sha256\t${SHA}`,
      "filename\taccess_logs_2024.csv",
      `size\t${Buffer.byteLength(TEXT)}`,
      "content_type\ttext/csv",
      expect.stringMatching(/^created_at\t\d{4}-\d\d-\d\dT/),
      `object_keys\t${objectKey}`,
    ]);
    expect(lines[7]).toMatch(/^LINEAGE +CONTROL +FRAMEWORK +ASSESSMENT +LINKED$/);
    expect(lines[8]).toMatch(/ CC6\.1 +SOC2 /);
    expect(lines[9]).toMatch(/ A\.9\.4 +ISO27001 /);
  });

  it("names an unknown evidence (exit 2) and refuses a non-hash id before any request", async () => {
    const unknown = await runInProcess(["evidence", "get", "f".repeat(64)], { env: mockEnv(mock) });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^grc: evidence not found .*\n$/);
    const before = mock.state().requests.length;
    const bad = await runInProcess(["evidence", "get", "access_logs_2024.csv"], {
      env: mockEnv(mock),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'grc: the evidence id must be a SHA-256 (64 hex characters), got "access_logs_2024.csv" — the evidence id is the file\'s SHA-256, e.g. from `sha256sum FILE` or `grc evidence list`\n',
    );
    expect(mock.state().requests.length).toBe(before);
  });
});
