import { describe, expect, it } from "vitest";
import type { UsageError } from "../../../../src/errors.js";
import {
  checkFieldValue,
  checkRecordBody,
  STRATA_ENUMS,
  STRATA_FIELDS,
  STRATA_FILTERS,
} from "../../../../src/platforms/strata/index.js";

// Seed 001's filters: controls status Active/Draft/Archived; engagements phase Planning,
// Fieldwork, Review, Reporting, Completed; findings status Open/Approved/Closed; cases status
// new/assigned/in_progress/review/completed and priority low/medium/high/urgent.
describe("StrataGRC schema", () => {
  it("holds the seed's enumerations word for word", () => {
    expect(STRATA_ENUMS.controlStatus).toEqual(["Active", "Draft", "Archived"]);
    expect(STRATA_ENUMS.engagementPhase).toEqual([
      "Planning",
      "Fieldwork",
      "Review",
      "Reporting",
      "Completed",
    ]);
    expect(STRATA_ENUMS.findingStatus).toEqual(["Open", "Approved", "Closed"]);
    expect(STRATA_ENUMS.caseStatus).toEqual([
      "new",
      "assigned",
      "in_progress",
      "review",
      "completed",
    ]);
    expect(STRATA_ENUMS.casePriority).toEqual(["low", "medium", "high", "urgent"]);
    expect(STRATA_ENUMS.chartType).toEqual(["findings_by_risk", "audit_phases", "vendors_by_risk"]);
    expect(Object.keys(STRATA_FILTERS.cases)).toEqual(["status", "priority"]);
  });

  it("checks a value's type and enum (exit 2, the allowed values named)", () => {
    expect(checkFieldValue({ type: "int" }, " 12 ", "--id")).toBe(12);
    expect(() => checkFieldValue({ type: "int" }, "1.5", "--id")).toThrow(
      '--id must be a whole number, got "1.5"',
    );
    expect(checkFieldValue({ type: "number" }, "2.5", "value")).toBe(2.5);
    const bad = (() => {
      try {
        checkFieldValue(
          { type: "string", enum: STRATA_ENUMS.casePriority },
          "critical",
          "--priority",
        );
      } catch (e) {
        return e as UsageError;
      }
    })();
    expect(bad?.line()).toBe(
      'invalid --priority "critical" — use one of: low, medium, high, urgent',
    );
  });

  it("checks a record body: unknown fields, required fields, nothing to send", () => {
    expect(
      checkRecordBody(
        STRATA_FIELDS.controls,
        { code: "AC-2", title: "t", framework_id: "3" },
        "a control",
        false,
      ),
    ).toEqual({ code: "AC-2", title: "t", framework_id: 3 });
    expect(() => checkRecordBody(STRATA_FIELDS.risks, { colour: "red" }, "a risk", true)).toThrow(
      'unknown field "colour" for a risk',
    );
    expect(() => checkRecordBody(STRATA_FIELDS.risks, { title: "t" }, "a risk", false)).toThrow(
      "missing required field for a risk: category",
    );
    expect(() => checkRecordBody(STRATA_FIELDS.risks, {}, "a risk", true)).toThrow(
      "nothing to send for a risk",
    );
  });
});
