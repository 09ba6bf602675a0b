import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../../helpers/cli.js";
import { mockEnv, storeObject, withMock } from "../../../helpers/mock.js";

const mock = withMock({ platforms: ["sovereign"] });
const noStorage = withMock({ platforms: ["sovereign"], storage: false });
const TEXT = "control,status\nCC6.1,pass\n";
const SHA = createHash("sha256").update(TEXT).digest("hex");
let objectKey = "";

beforeAll(async () => {
  // Steps 1 and 2 of the seed with plain fetch: the object is stored, not linked.
  objectKey = await storeObject(mock, TEXT, {
    filename: "status.csv",
    content_type: "text/csv",
    control_id: "CC6.1",
  });
});

describe("grc evidence verify", () => {
  it("confirms a matching hash (exit 0)", async () => {
    const r = await runInProcess(["evidence", "verify", objectKey, "--sha256", SHA], {
      env: mockEnv(mock),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`verified ${objectKey} sha256=${SHA} size=${Buffer.byteLength(TEXT)}\n`);
    const sent = mock.state().requests.at(-1);
    expect(sent?.method).toBe("POST");
    expect(sent?.path).toBe(`/api/v1/orgs/${mock.identity.orgId}/evidence/verify`);
  });

  it("reports a mismatch with the stored hash (exit 1) and prints the record with --json", async () => {
    const wrong = "0".repeat(64);
    const r = await runInProcess(["evidence", "verify", objectKey, "--sha256", wrong, "--json"], {
      env: mockEnv(mock),
    });
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        object_key: objectKey,
        verified: false,
        expected_hash: wrong,
        actual_hash: SHA,
        size: null,
      },
    ]);
    expect(r.stderr).toBe(
      `grc: hash mismatch: stored object has a different SHA-256 (object ${objectKey}, stored SHA-256 ${SHA}) — the stored object is not the file you hashed; push the file again\n`,
    );
  });

  it("names an unknown object (exit 2)", async () => {
    const r = await runInProcess(
      ["evidence", "verify", `orgs/${mock.identity.orgId}/evidence/nope/x.csv`, "--sha256", SHA],
      { env: mockEnv(mock) },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^grc: object not found /);
  });

  it("requires a well-formed --sha256 (exit 2, nothing sent)", async () => {
    const before = mock.state().requests.length;
    const missing = await runInProcess(["evidence", "verify", objectKey], { env: mockEnv(mock) });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^grc: missing --sha256 — /);
    const short = await runInProcess(["evidence", "verify", objectKey, "--sha256", "abc"], {
      env: mockEnv(mock),
    });
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(
      /^grc: --sha256 must be a SHA-256 \(64 hex characters\), got "abc"/,
    );
    expect(mock.state().requests.length).toBe(before);
  });

  it("refuses an object key that walks out of its folder (exit 4, nothing sent)", async () => {
    const before = mock.state().requests.length;
    const r = await runInProcess(["evidence", "verify", "../../etc/passwd", "--sha256", SHA], {
      env: mockEnv(mock),
    });
    expect(r.code).toBe(4);
    expect(mock.state().requests.length).toBe(before);
  });

  it("says storage is not configured (exit 4)", async () => {
    const r = await runInProcess(
      ["evidence", "verify", objectKey, "--sha256", SHA, "--retries", "1"],
      {
        env: mockEnv(noStorage),
      },
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^grc: object storage is not configured /);
  });
});
