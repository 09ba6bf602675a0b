import { describe, expect, it } from "vitest";
import {
  CASE_EVIDENCE_SUFFIX,
  STRATA_DEFAULT_PATHS,
} from "../../../../src/platforms/strata/index.js";
import { query } from "../../../../src/platforms/strata/paths.js";

// Seed 001 names the modules and their `action=` queries, not their paths: the defaults are ours
// (docs/platforms.md) and every one can be overridden by a profile.
describe("StrataGRC paths", () => {
  it("has a default path for every module under /strata/api", () => {
    expect(Object.keys(STRATA_DEFAULT_PATHS).sort()).toEqual([
      "authStatus",
      "cases",
      "chart",
      "controls",
      "dashboard",
      "engagements",
      "findings",
      "kpis",
      "risks",
    ]);
    for (const path of Object.values(STRATA_DEFAULT_PATHS))
      expect(path).toMatch(/^\/strata\/api\//);
    expect(STRATA_DEFAULT_PATHS.cases + CASE_EVIDENCE_SUFFIX).toBe("/strata/api/cases/evidence");
  });

  it("builds query strings of the defined values only, encoded", () => {
    expect(query({ action: "list", status: "in progress", page: 2, per_page: undefined })).toBe(
      "?action=list&status=in+progress&page=2",
    );
    expect(query({ id: undefined })).toBe("");
  });
});
