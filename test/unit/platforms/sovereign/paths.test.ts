import { describe, expect, it } from "vitest";
import { UsageError } from "../../../../src/errors.js";
import { evidencePaths, orgIdOf } from "../../../../src/platforms/sovereign/index.js";

// Seed 000, "Endpoints": /api/v1/orgs/{org_id}/evidence/upload-url, .../verify,
// .../{evidence_id}/link-to-control.
describe("evidencePaths", () => {
  it("builds the document's paths from the organization, each part encoded", () => {
    const p = evidencePaths("org 1");
    expect(p.uploadUrl).toBe("/api/v1/orgs/org%201/evidence/upload-url");
    expect(p.verify("orgs/o/evidence/k 1.csv", "ab")).toBe(
      "/api/v1/orgs/org%201/evidence/verify?object_key=orgs%2Fo%2Fevidence%2Fk+1.csv&expected_hash=ab",
    );
    expect(p.link("a/b")).toBe("/api/v1/orgs/org%201/evidence/a%2Fb/link-to-control");
    expect(p.collection).toBe("/api/v1/orgs/org%201/evidence");
    expect(p.one("e1")).toBe("/api/v1/orgs/org%201/evidence/e1");
    expect(p.downloadUrl("e1")).toBe("/api/v1/orgs/org%201/evidence/e1/download-url");
  });
});

describe("orgIdOf", () => {
  it("returns the profile's organization, or names the three ways to set one (exit 2)", () => {
    expect(orgIdOf({ name: "p", orgId: "o1" })).toBe("o1");
    const err = (() => {
      try {
        orgIdOf({ name: "work" });
      } catch (e) {
        return e as UsageError;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect(err?.line()).toBe(
      "no organization ID configured — pass --org, set GRC_ORG_ID or run `grc config set org_id <id> --profile work`",
    );
  });
});
