import { describe, expect, it } from "vitest";
import {
  JSONAPI_PREDICATES,
  LIST_PREDICATES,
  parseQueryDate,
  predicateTest,
} from "../../../../src/mock/jsonapi/predicates.js";
import { query } from "../../../helpers/jsonapi-store.js";

describe("filter predicates on attributes (each and its opposite)", () => {
  const cases: [string, string[], string, string[]][] = [
    ["filter[risk_level_eq]=high", ["2", "3"], "filter[risk_level_not_eq]=high", ["1", "4", "5"]],
    ["filter[score_lt]=8", ["1", "4"], "filter[score_gt]=8", ["2", "5"]],
    ["filter[score_lteq]=8", ["1", "3", "4"], "filter[score_gteq]=8", ["2", "3", "5"]],
    [
      "filter[id_in][]=1&filter[id_in][]=2",
      ["1", "2"],
      "filter[id_not_in][]=1&filter[id_not_in][]=2",
      ["3", "4", "5"],
    ],
    ["filter[id_in]=1,3", ["1", "3"], "filter[id_not_in]=1,3", ["2", "4", "5"]],
    ["filter[identifier_present]=1", ["1", "2", "5"], "filter[identifier_blank]=1", ["3", "4"]],
    ["filter[identifier_null]=1", ["3"], "filter[identifier_not_null]=1", ["1", "2", "4", "5"]],
    ["filter[name_cont]=dns", ["1", "4"], "filter[name_not_cont]=dns", ["2", "3", "5"]],
    [
      "filter[name_cont_any][]=IAM&filter[name_cont_any][]=EC2",
      ["2", "3"],
      "filter[name_not_cont_any][]=IAM&filter[name_not_cont_any][]=EC2",
      ["1", "4", "5"],
    ],
    ["filter[name_start]=aws", ["5"], "filter[name_not_start]=AWS", ["1", "2", "3", "4"]],
    ["filter[name_end]=dns", ["4"], "filter[name_not_end]=dns", ["1", "2", "3", "5"]],
  ];
  for (const [q, expected, opposite, oppositeExpected] of cases) {
    it(`${q} / ${opposite}`, () => {
      expect(query("signatures", q).ids).toEqual(expected);
      expect(query("signatures", opposite).ids).toEqual(oppositeExpected);
    });
  }

  it("compares timestamps with the document's '2015-11-11+16:25:30' form (UTC)", () => {
    expect(query("signatures", "filter[created_at_lt]=2015-11-11+16:25:30").ids).toEqual([
      "1",
      "4",
    ]);
    expect(query("signatures", "filter[created_at_lteq]=2015-11-11+16:25:30").ids).toEqual([
      "1",
      "2",
      "4",
    ]);
    expect(query("signatures", "filter[created_at_gt]=2015-11-11T16:25:30Z").ids).toEqual([
      "3",
      "5",
    ]);
  });

  it("compares ranked enums by rank, not alphabetically", () => {
    expect(query("signatures", "filter[risk_level_gteq]=medium").ids).toEqual(["1", "2", "3", "5"]);
    expect(query("signatures", "filter[risk_level_lt]=medium").ids).toEqual(["4"]);
  });

  it("null=0 means not null, and present=0 means blank (Ransack casts the value)", () => {
    expect(query("signatures", "filter[identifier_null]=0").ids).toEqual(["1", "2", "4", "5"]);
    expect(query("signatures", "filter[identifier_present]=false").ids).toEqual(["3", "4"]);
  });

  it("drops a condition whose value is blank, as Ransack does", () => {
    expect(query("signatures", "filter[name_eq]=").ids).toEqual(["1", "2", "3", "4", "5"]);
  });

  it("eq is exact while cont ignores case", () => {
    expect(query("signatures", "filter[name_eq]=ec2 open ssh").ids).toEqual([]);
    expect(query("signatures", "filter[name_eq]=EC2 open SSH").ids).toEqual(["3"]);
    expect(query("signatures", "filter[name_cont]=ROUTE53").ids).toEqual(["1"]);
  });
});

describe("predicateTest on single values", () => {
  const t = (p: Parameters<typeof predicateTest>[0], values: string[], rank?: string[]) =>
    predicateTest(p, values, rank);

  it("lists longer predicates first, so `_not_eq` is never read as `_eq`", () => {
    for (const [i, p] of JSONAPI_PREDICATES.entries()) {
      for (const later of JSONAPI_PREDICATES.slice(i + 1)) {
        expect(later.endsWith(`_${p}`), `${later} after ${p}`).toBe(false);
      }
    }
    expect([...LIST_PREDICATES].sort()).toEqual(["cont_any", "in", "not_cont_any", "not_in"]);
  });

  it("is false on null for every comparison, as SQL is", () => {
    for (const p of ["eq", "not_eq", "lt", "gt", "lteq", "gteq", "in", "not_in"] as const) {
      expect(t(p, ["1"])(null), p).toBe(false);
    }
    for (const p of ["cont", "not_cont", "start", "not_start", "end", "not_end"] as const) {
      expect(t(p, ["a"])(null), p).toBe(false);
    }
    expect(t("null", ["1"])(null)).toBe(true);
    expect(t("blank", ["true"])(null)).toBe(true);
    expect(t("present", ["true"])(null)).toBe(false);
  });

  it("compares numbers as numbers, also numeric text", () => {
    expect(t("lt", ["10"])(9)).toBe(true);
    expect(t("lt", ["10"])("9")).toBe(true); // not "9" > "10" as text
    expect(t("eq", ["1.50"])(1.5)).toBe(true);
    expect(t("gt", ["-1"])("0")).toBe(true);
  });

  it("compares ISO timestamps as instants and ranks by the enum's order", () => {
    expect(t("gt", ["2015-11-11 16:25:30"])("2015-11-11T17:25:30+01:00")).toBe(false);
    expect(t("eq", ["2015-11-11 16:25:30"])("2015-11-11T17:25:30+01:00")).toBe(true);
    expect(t("lt", ["medium"], ["low", "medium", "high"])("low")).toBe(true);
    expect(t("lt", ["medium"], ["low", "medium", "high"])("high")).toBe(false);
    expect(t("lt", ["medium"])("high")).toBe(true); // without ranks, as text
  });

  it("not_eq holds for values that cannot be compared; booleans compare with true/false", () => {
    expect(t("not_eq", ["x"])({ a: 1 })).toBe(true);
    expect(t("eq", ["x"])({ a: 1 })).toBe(false);
    expect(t("eq", ["false"])(false)).toBe(true);
    expect(t("eq", ["1"])(true)).toBe(true);
  });

  it("text predicates ignore case and read objects as their JSON", () => {
    expect(t("cont", ["DNS"])("route53 dns")).toBe(true);
    expect(t("start", ['{"a"'])({ a: 1 })).toBe(true);
    expect(t("cont_any", ["x", "Y"])("aya")).toBe(true);
    expect(t("not_cont_any", ["x", "Y"])("aya")).toBe(false);
    expect(t("end", ["5"])(15)).toBe(true);
  });

  it("casts the value of null/present like Ransack: 0, false, f, no, n, off are false", () => {
    for (const no of ["0", "false", "F", "no", "n", "OFF"]) {
      expect(t("null", [no])(null), no).toBe(false);
      expect(t("null", [no])("x"), no).toBe(true);
    }
    expect(t("present", ["yes"])("  ")).toBe(false);
  });

  it("reads a date without a zone as UTC, as Rails does", () => {
    expect(parseQueryDate("2015-11-11 16:25:30")).toBe(Date.UTC(2015, 10, 11, 16, 25, 30));
    expect(parseQueryDate("2015-11-11T16:25")).toBe(Date.UTC(2015, 10, 11, 16, 25));
    expect(parseQueryDate("2015-11-11T16:25:30+02:00")).toBe(Date.UTC(2015, 10, 11, 14, 25, 30));
    expect(parseQueryDate("soon")).toBeNaN();
  });
});
