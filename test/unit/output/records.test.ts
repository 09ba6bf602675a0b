import { describe, expect, it } from "vitest";
import { evidenceColumns } from "../../../src/commands/evidence/list.js";
import { renderTable, truncateMiddle } from "../../../src/output/records.js";
import type { EvidenceRecord } from "../../../src/platforms/sovereign/index.js";

/** Table truncation a person meets: hashes stay whole, paths keep their file name. */

const HASH = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

describe("truncateMiddle", () => {
  it("keeps the file name and cuts the folders", () => {
    expect(truncateMiddle("ev/reports/2024/q3/access-log-007.csv", 30)).toBe(
      "ev/reports…/access-log-007.csv",
    );
    expect(truncateMiddle("ev/reports/2024/q3/access-log-007.csv", 30)).toHaveLength(30);
  });

  it("cuts a long file name in the middle, keeping its end (the extension)", () => {
    const cut = truncateMiddle("quarterly-access-review-export-final-v2.csv", 20);
    expect(cut).toHaveLength(20);
    expect(cut).toBe("quarter…final-v2.csv");
  });

  it("leaves what fits alone", () => {
    expect(truncateMiddle("a.csv", 5)).toBe("a.csv");
  });
});

describe("grc evidence list's table", () => {
  const record = {
    id: HASH,
    filename: "access_logs_2024_quarterly_review_export.csv",
    size: 1234,
    content_type: "text/csv",
    controls: ["CC6.1", "CC7.2", "A.9.2.3"],
    created_at: "2026-11-29T23:55:47.123Z",
    object_keys: [],
  } as unknown as EvidenceRecord;

  it("shows the whole SHA-256 at 160 columns and cuts something else", () => {
    const text = renderTable([record], evidenceColumns, { tty: true, color: false, columns: 160 });
    const row = text.split("\n")[1]!;
    expect(row.startsWith(`${HASH}  `)).toBe(true);
    expect(row.length).toBeLessThanOrEqual(160);
  });

  it("never cuts the hash, even where the row must wrap", () => {
    const text = renderTable([record], evidenceColumns, { tty: true, color: false, columns: 60 });
    expect(text.split("\n")[1]).toContain(HASH);
  });
});
