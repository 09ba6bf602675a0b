import { describe, expect, it } from "vitest";
import { ArraySource, linkageIds } from "../../../../src/mock/jsonapi/resources.js";
import { r } from "../../../helpers/jsonapi-store.js";

describe("resources", () => {
  it("keeps insertion order, and an upsert of a known id replaces it in place", () => {
    const source = new ArraySource([r("t", 2, { v: "a" }), r("t", 1, { v: "b" })]);
    source.upsert(r("t", 2, { v: "c" }));
    source.upsert(r("t", 3, { v: "d" }));
    expect(source.size).toBe(3);
    expect([0, 1, 2].map((i) => source.at(i).attributes.v)).toEqual(["c", "b", "d"]);
    expect(source.find("2")?.attributes.v).toBe("c");
    expect(source.find("9")).toBeUndefined();
  });

  it("reads linkage as a list of ids", () => {
    expect(linkageIds(undefined)).toEqual([]);
    expect(linkageIds(null)).toEqual([]);
    expect(linkageIds("4")).toEqual(["4"]);
    expect(linkageIds(["1", "2"])).toEqual(["1", "2"]);
  });
});
