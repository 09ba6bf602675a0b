import { describe, expect, it } from "vitest";
import { UsageError } from "../../../../src/errors.js";
import {
  collectionTarget,
  KNOWN_COLLECTIONS,
  resourcePath,
} from "../../../../src/platforms/evident/index.js";

// Seed 004: collections under /api/v2/<type>, `.json` allowed, reports/<id>/alerts nested;
// the Sovereign evidence collection (seed 000) under /api/v1/orgs/<org>/evidence.
describe("collectionTarget", () => {
  it("resolves the documented collections to their paths", () => {
    expect(collectionTarget("alerts")).toEqual({
      name: "alerts",
      type: "alerts",
      path: "/api/v2/alerts",
      putSearch: true,
    });
    expect(collectionTarget("suppressions.json").path).toBe("/api/v2/suppressions");
    expect(collectionTarget("reports/12/alerts")).toEqual({
      name: "reports/12/alerts",
      type: "alerts",
      path: "/api/v2/reports/12/alerts",
      putSearch: false,
    });
    expect(collectionTarget("evidence", "org 1")).toEqual({
      name: "evidence",
      type: "evidence",
      path: "/api/v1/orgs/org%201/evidence",
      putSearch: false,
    });
    expect(KNOWN_COLLECTIONS).toContain("external_accounts");
  });

  it("refuses what is not a collection name (exit 2) and evidence without an organization", () => {
    expect(() => collectionTarget("../admin")).toThrow(UsageError);
    expect(() => collectionTarget("Alerts")).toThrow('unknown collection "Alerts"');
    expect(() => collectionTarget("reports/1 2/alerts")).toThrow('invalid report id "1 2"');
    expect(() => collectionTarget("evidence")).toThrow(
      "the evidence collection needs an organization",
    );
  });
});

describe("resourcePath", () => {
  it("appends the id, encoded, and checks it", () => {
    expect(resourcePath("alerts", "7")).toBe("/api/v2/alerts/7");
    expect(resourcePath("evidence", "a".repeat(64), "o1")).toBe(
      `/api/v1/orgs/o1/evidence/${"a".repeat(64)}`,
    );
    expect(() => resourcePath("alerts", "7/../../x")).toThrow('invalid id "7/../../x"');
  });
});
