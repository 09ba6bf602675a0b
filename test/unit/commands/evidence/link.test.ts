import { createHash } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { runInProcess } from "../../../helpers/cli.js";
import { mockEnv, storeObject, withMock } from "../../../helpers/mock.js";

const mock = withMock({ platforms: ["sovereign"] });
const TEXT = "a,b\n1,2\n";
const SHA = createHash("sha256").update(TEXT).digest("hex");
let objectKey = "";

beforeAll(async () => {
  objectKey = await storeObject(mock, TEXT, {
    filename: "access_logs_2024.csv",
    content_type: "text/csv",
    control_id: "CC6.1",
  });
});

describe("grc evidence link", () => {
  it("links once, then reports the existing link (created false, exit 0)", async () => {
    const args = [
      "evidence",
      "link",
      SHA,
      "--object-key",
      objectKey,
      "--control",
      "CC6.1",
      "--framework",
      "SOC2",
    ];
    const first = await runInProcess(args, { env: mockEnv(mock) });
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(
      new RegExp(`^linked ${SHA} to CC6\\.1 \\(lineage [0-9a-f-]+\\)\\n$`),
    );
    const again = await runInProcess([...args, "--json"], { env: mockEnv(mock) });
    expect(again.code).toBe(0);
    const [row] = JSON.parse(again.stdout) as Record<string, unknown>[];
    expect(row).toMatchObject({
      evidence_id: SHA,
      control_id: "CC6.1",
      framework_id: "SOC2",
      assessment_id: null,
      created: false,
      object_key: objectKey,
    });
    expect(first.stdout).toContain(String(row?.lineage_id));
    // The body the server received is the seed's: control, framework and object_key.
    const links = mock.state().lineage as { control_id: string }[];
    expect(links.filter((l) => l.control_id === "CC6.1")).toHaveLength(1);
  });

  it("refuses an evidence id that is not the stored object's hash (exit 2)", async () => {
    const r = await runInProcess(
      ["evidence", "link", "e".repeat(64), "--object-key", objectKey, "--control", "CC6.1"],
      { env: mockEnv(mock) },
    );
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^grc: evidence_id does not match the SHA-256 of the stored object /);
  });

  it("names the scope a read-only key lacks (exit 3)", async () => {
    const r = await runInProcess(
      ["evidence", "link", SHA, "--object-key", objectKey, "--control", "CC7.2"],
      {
        env: { ...mockEnv(mock), GRC_API_KEY: mock.identity.readOnlyApiKey },
      },
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("missing required scope: write:evidence");
  });

  it.each([
    [
      ["--control", "CC6.1"],
      "grc: missing --object-key — pass the object_key the upload returned\n",
    ],
    [
      ["--object-key", "k"],
      "grc: missing --control — pass the control to link to, e.g. --control CC6.1\n",
    ],
  ])("requires %j's missing flag (exit 2, nothing sent)", async (flags, line) => {
    const before = mock.state().requests.length;
    const r = await runInProcess(["evidence", "link", SHA, ...flags], { env: mockEnv(mock) });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(line);
    expect(mock.state().requests.length).toBe(before);
  });
});
