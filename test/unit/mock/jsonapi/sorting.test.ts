import { describe, expect, it } from "vitest";
import {
  compareSortValues,
  type SortValue,
  sortIndexes,
  sortValue,
} from "../../../../src/mock/jsonapi/sorting.js";
import { query, titles } from "../../../helpers/jsonapi-store.js";

describe("sorting", () => {
  it("sorts by one field descending (risk_level+desc), ties in id order", () => {
    expect(query("signatures", "filter[sorts]=risk_level+desc").ids).toEqual([
      "2",
      "3",
      "1",
      "5",
      "4",
    ]);
  });

  it("accepts a literal plus (percent-encoded) as well as a space", () => {
    expect(query("signatures", "filter%5Bsorts%5D=risk_level%2Bdesc").ids).toEqual([
      "2",
      "3",
      "1",
      "5",
      "4",
    ]);
  });

  it("sorts by an ordered array of fields, ascending by default", () => {
    const q = "filter[sorts][]=risk_level+desc&filter[sorts][]=created_at";
    expect(query("signatures", q).ids).toEqual(["2", "3", "1", "5", "4"]);
    const q2 = "filter[sorts][]=risk_level+desc&filter[sorts][]=created_at+desc";
    expect(query("signatures", q2).ids).toEqual(["3", "2", "5", "1", "4"]);
  });

  it("sorts with a filter, on a relationship attribute, and puts nulls last ascending", () => {
    expect(query("signatures", "filter[name_cont]=dns&filter[sorts]=score+desc").ids).toEqual([
      "1",
      "4",
    ]);
    expect(query("suppressions", "filter[sorts]=created_by_email").ids).toEqual([
      "2",
      "1",
      "3",
      "4",
    ]);
  });

  it("refuses an unknown sort field with 422", () => {
    const res = query("signatures", "filter[sorts]=colour+desc");
    expect(res.status).toBe(422);
    expect(titles(res.document)).toEqual(["Invalid sort term colour desc"]);
  });
});

describe("sort keys", () => {
  it("turns ranks, numbers, numeric text and booleans into numbers", () => {
    expect(sortValue("high", ["low", "medium", "high"])).toBe(2);
    expect(sortValue("unranked", ["low"])).toBe("unranked");
    expect(sortValue("10", undefined)).toBe(10);
    expect(sortValue(true, undefined)).toBe(1);
    expect(sortValue(null, undefined)).toBeNull();
    expect(sortValue(["a"], undefined)).toBe('["a"]');
  });

  it("puts numbers before text and nulls last", () => {
    const values: SortValue[] = ["b", null, 10, "a", 2];
    expect([...values].sort(compareSortValues)).toEqual([2, 10, "a", "b", null]);
  });

  it("sorts positions by several columns, descending flips, ties keep natural order", () => {
    const indexes = [0, 1, 2, 3];
    const first: SortValue[] = [1, 2, 1, 2];
    const second: SortValue[] = ["x", "y", "x", "z"];
    sortIndexes(indexes, [first, second], [{ descending: true }, { descending: false }]);
    expect(indexes).toEqual([1, 3, 0, 2]);
    // Nulls come first descending (the opposite of last ascending).
    const withNull = [0, 1];
    sortIndexes(withNull, [[1, null]], [{ descending: true }]);
    expect(withNull).toEqual([1, 0]);
  });
});
