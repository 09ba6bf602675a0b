import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import addFormatsModule from "ajv-formats";
import { describe, expect, it } from "vitest";
import { assessmentResults, type ExportReceipt, uuidV5 } from "../../../../src/core/audit/oscal.js";
import type { ReceiptEntry } from "../../../../src/core/evidence/receipt.js";

// NIST's OSCAL 1.0.4 Assessment Results schema (copied from usnistgov/OSCAL json/schema/).
const schema = JSON.parse(
  readFileSync(
    new URL("../../../fixtures/oscal-1.0.4-assessment-results-schema.json", import.meta.url),
    "utf8",
  ),
);
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: true });
addFormats(ajv);
const validate = ajv.compile(schema);

function entry(path: string, control: string, hash: string): ReceiptEntry {
  return {
    type: "evidence",
    path,
    abs_path: `/w/${path}`,
    size: 10,
    sha256: hash,
    content_type: "text/csv",
    object_key: `orgs/o/evidence/u/${path}`,
    evidence_id: hash,
    lineage_id: `lin-${path}`,
    control_id: control,
    framework_id: "SOC2",
    assessment_id: null,
    created: true,
    verified: true,
    base_url: "http://api.test",
    org_id: "org-1",
    times: {
      upload_url_at: "2026-03-01T10:00:00.000Z",
      uploaded_at: "2026-03-01T10:00:01.000Z",
      verified_at: "2026-03-01T10:00:02.000Z",
      linked_at: "2026-03-01T10:00:03.000Z",
    },
  };
}

function receipt(
  name: string,
  entries: ReceiptEntry[],
  started: string,
  finished: string,
): ExportReceipt {
  return {
    name,
    sha256: name
      .padEnd(64, "0")
      .replace(/[^0-9a-f]/g, "0")
      .slice(0, 64),
    entries,
    summary: {
      type: "summary",
      version: 2,
      base_url: "http://api.test",
      org_id: "org-1",
      started_at: started,
      finished_at: finished,
      lines: entries.length,
      bytes: entries.length * 10,
      linked: entries.length,
      skipped: 0,
      failed: 0,
      interrupted: false,
      ci: null,
      sha256: "f".repeat(64),
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: walking a JSON document
type J = any;

const A = "a".repeat(64);
const B = "b".repeat(64);

describe("OSCAL Assessment Results export", () => {
  const receipts = [
    receipt(
      "r2.ndjson",
      [entry("weird name\n with\ttabs .csv", "1.2", B)],
      "2026-03-02T09:00:00.000Z",
      "2026-03-02T09:05:00.000Z",
    ),
    receipt(
      "r1.ndjson",
      [entry("users.csv", "CC6.1", A), entry("roles.csv", "CC7.2", B)],
      "2026-03-01T09:59:00.000Z",
      "2026-03-01T10:01:00.000Z",
    ),
    receipt("empty.ndjson", [], "2026-03-03T00:00:00.000Z", "2026-03-03T00:00:01.000Z"),
  ];
  const doc = assessmentResults(receipts, { version: "1.2.3" });

  it("is valid against NIST's schema", () => {
    const ok = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("has one observation per evidence line with its SHA-256 in a back-matter rlink", () => {
    const ar = doc["assessment-results"] as J;
    const resources = new Map(ar["back-matter"].resources.map((r: J) => [r.uuid, r]));
    const [r1] = ar.results;
    expect(r1.start).toBe("2026-03-01T09:59:00.000Z");
    expect(r1.end).toBe("2026-03-01T10:01:00.000Z");
    expect(r1["reviewed-controls"]["control-selections"][0]["include-controls"]).toEqual([
      { "control-id": "CC6.1" },
      { "control-id": "CC7.2" },
    ]);
    expect(r1.observations).toHaveLength(2);
    const res = resources.get(r1.observations[0].links[0].href.slice(1)) as J;
    expect(res.rlinks[0].hashes).toEqual([{ algorithm: "SHA-256", value: A }]);
    expect(r1.observations[0].collected).toBe("2026-03-01T10:00:01.000Z");
    // A control id that is not an OSCAL token is made one; the original stays in a prop.
    const r2 = ar.results[1];
    expect(r2["reviewed-controls"]["control-selections"][0]["include-controls"]).toEqual([
      { "control-id": "_1.2" },
    ]);
    expect(r2.observations[0].props).toContainEqual({
      name: "control-id",
      ns: "urn:grc:oscal:v1",
      value: "1.2",
    });
    expect(ar.metadata["last-modified"]).toBe("2026-03-03T00:00:01.000Z");
  });

  it("is deterministic, with version 5 UUIDs", () => {
    expect(JSON.stringify(assessmentResults([...receipts].reverse(), { version: "1.2.3" }))).toBe(
      JSON.stringify(doc),
    );
    const uuids =
      JSON.stringify(doc).match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g) ??
      [];
    expect(uuids.length).toBeGreaterThan(5);
    for (const u of uuids) expect(u[14]).toBe("5");
    // RFC 9562 appendix test vector: v5 of "www.example.com" in the DNS namespace.
    expect(uuidV5("www.example.com", "6ba7b810-9dad-11d1-80b4-00c04fd430c8")).toBe(
      "2ed6657d-e927-568b-95e1-2665a8aea6a2",
    );
  });
});
