import { describe, expect, it } from "vitest";
import { UsageError } from "../../../../src/errors.js";
import {
  evidenceRecord,
  type JsonApiResource,
  lineageRows,
  parseSha256,
} from "../../../../src/platforms/sovereign/index.js";

const SHA = "ab".repeat(32);

describe("parseSha256", () => {
  it("takes 64 hex characters in any case and returns them lower-cased", () => {
    expect(parseSha256(` ${SHA.toUpperCase()} `, "the evidence id")).toBe(SHA);
    expect(() => parseSha256("abc", "the evidence id")).toThrow(UsageError);
    expect(() => parseSha256("abc", "--sha256")).toThrow(
      '--sha256 must be a SHA-256 (64 hex characters), got "abc"',
    );
  });
});

describe("evidenceRecord and lineageRows", () => {
  const evidence: JsonApiResource<{
    sha256: string;
    size: number;
    content_type: string;
    filename: string;
    object_keys: string[];
    created_at: string;
  }> = {
    id: SHA,
    type: "evidence",
    attributes: {
      sha256: SHA,
      size: 12,
      content_type: "text/csv",
      filename: "a.csv",
      object_keys: ["orgs/o/evidence/1/a.csv"],
      created_at: "2026-11-01T00:00:00Z",
    },
    relationships: { lineage: { data: [{ type: "evidence_lineages", id: "l1" }] } },
  };
  const included: JsonApiResource[] = [
    {
      id: "l1",
      type: "evidence_lineages",
      attributes: {
        control_id: "AC-2",
        framework_id: "soc2",
        object_key: "orgs/o/evidence/1/a.csv",
      },
    },
    // Another evidence's row: not this one's.
    { id: "l2", type: "evidence_lineages", attributes: { control_id: "AC-3" } },
  ];

  it("flattens an evidence with the controls of its own lineage rows", () => {
    expect(evidenceRecord(evidence, included)).toEqual({
      id: SHA,
      filename: "a.csv",
      size: 12,
      content_type: "text/csv",
      created_at: "2026-11-01T00:00:00Z",
      object_keys: ["orgs/o/evidence/1/a.csv"],
      controls: ["AC-2"],
    });
    expect(lineageRows(evidence, included)).toEqual([
      {
        lineage_id: "l1",
        control_id: "AC-2",
        framework_id: "soc2",
        assessment_id: null,
        object_key: "orgs/o/evidence/1/a.csv",
        created_at: null,
      },
    ]);
    // A resource naming no rows takes every included lineage row.
    expect(lineageRows({}, included).map((r) => r.control_id)).toEqual(["AC-2", "AC-3"]);
  });
});
