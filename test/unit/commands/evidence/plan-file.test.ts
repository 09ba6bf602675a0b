import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { PlanDocument } from "../../../../src/commands/evidence/plan-build.js";
import { applyInputs, loadPlanFile } from "../../../../src/commands/evidence/plan-file.js";
import type { PlanItem } from "../../../../src/core/evidence/plan.js";
import { UsageError } from "../../../../src/errors.js";

const dir = mkdtempSync(join(tmpdir(), "grc-planfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const item = (
  status: PlanItem["status"],
  name: string,
  extra: Partial<PlanItem> = {},
): PlanItem => ({
  status,
  path: name,
  abs_path: `/repo/${name}`,
  real_path: `/repo/${name}`,
  size: 3,
  mtime_ms: 1000,
  sha256: `${name}-sha`,
  control_id: "CC6.1",
  framework_id: "SOC2",
  assessment_id: null,
  snapshot: null,
  origin: "grc.yaml rule 1",
  previous_sha256: null,
  previous_path: null,
  object_key: null,
  lineage_id: null,
  error: null,
  ...extra,
});

const plan = (items: PlanItem[]): PlanDocument => ({
  grc_plan: 1,
  created_at: "2026-11-29T00:00:00.000Z",
  config: { path: "/repo/grc.yaml", sha256: "c" },
  base_url: "https://grc.example.com",
  org_id: "org-1",
  profile: "default",
  state_file: "/state.json",
  shard: null,
  snapshot_dir: "/snaps",
  counts: { new: 0, changed: 0, unchanged: 0, missing: 0, error: 0 },
  changes: 0,
  items,
});

describe("apply's reading of a plan", () => {
  it("executes new and changed items only, each with its planned SHA-256; adopts renamed content", () => {
    const doc = plan([
      item("new", "a.csv"),
      item("changed", "b.csv", { previous_sha256: "old" }),
      item("unchanged", "c.csv", { object_key: "k-c", lineage_id: "l-c" }),
      item("unchanged", "d.csv", {
        previous_path: "old-d.csv",
        object_key: "k-d",
        lineage_id: "l-d",
      }),
      item("missing", "e.csv"),
    ]);
    const now = new Map([["/repo/a.csv", { size: 3, mtimeMs: 2000 }]]);
    const { files, expected, adopt } = applyInputs(doc, now);
    expect(files.map((f) => [f.path, f.mtimeMs])).toEqual([
      ["a.csv", 2000],
      ["b.csv", 1000],
    ]);
    expect(files.map((f) => expected(f))).toEqual(["a.csv-sha", "b.csv-sha"]);
    expect(expected({ ...files[0]!, target: { control_id: "OTHER" } })).toBeUndefined();
    expect(adopt).toEqual([
      expect.objectContaining({
        real_path: "/repo/d.csv",
        sha256: "d.csv-sha",
        object_key: "k-d",
        lineage_id: "l-d",
        base_url: "https://grc.example.com",
        org_id: "org-1",
      }),
    ]);
  });

  it.each([
    ["not JSON", "{", /is not JSON/],
    ["another document", '{"version":1}', /is not a grc plan/],
    [
      "an item without a hash",
      JSON.stringify(plan([item("new", "a", { sha256: null })])),
      /is not a grc plan/,
    ],
    [
      "an unknown status",
      JSON.stringify(plan([item("new", "a", { status: "deleted" as never })])),
      /is not a grc plan/,
    ],
  ])("refuses %s with one line", async (_what, text, message) => {
    const file = join(dir, "plan.json");
    writeFileSync(file, text);
    const err = await loadPlanFile(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(message);
  });

  it("names a missing plan file", async () => {
    await expect(loadPlanFile(join(dir, "nope.json"))).rejects.toThrow(/^plan file not found: /);
  });
});
