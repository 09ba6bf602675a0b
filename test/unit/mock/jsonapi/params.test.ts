import { describe, expect, it } from "vitest";
import type { ResourceObject } from "../../../../src/mock/jsonapi/document.js";
import { flattenJsonParams, readJsonApiParams } from "../../../../src/mock/jsonapi/params.js";
import { store } from "../../../helpers/jsonapi-store.js";

describe("parameters", () => {
  it("reads a form body like a query string (PUT search)", () => {
    const form = new URLSearchParams(
      "filter%5Bregions_code_start%5D=us&filter%5Bcreated_by_email_eq%5D=bob%40mycompany.com",
    );
    const res = store.list("suppressions", readJsonApiParams(new URLSearchParams(), form), "/p");
    expect((res.document.data as ResourceObject[]).map((d) => d.id)).toEqual(["1"]);
  });

  it("flattens a JSON search body into bracket pairs", () => {
    expect(
      flattenJsonParams({
        filter: { id_in: [1, 2], name_cont: "x", sorts: ["a desc"] },
        page: { size: 5 },
      }),
    ).toEqual([
      ["filter[id_in][]", "1"],
      ["filter[id_in][]", "2"],
      ["filter[name_cont]", "x"],
      ["filter[sorts][]", "a desc"],
      ["page[size]", "5"],
    ]);
  });
});

describe("readJsonApiParams", () => {
  it("sorts the keys into filters, combinator, sorts, page and include", () => {
    const p = readJsonApiParams(
      new URLSearchParams(
        "filter[name_cont]=a&filter[m]=or&filter[sorts][]=x+desc&filter[sorts][]=y&page[number]=2&page[size]=5&include=a.b&utf8=%E2%9C%93",
      ),
    );
    expect([...p.filters]).toEqual([["name_cont", { values: ["a"], array: false }]]);
    expect(p.combinator).toBe("or");
    expect(p.sorts).toEqual(["x desc", "y"]);
    expect([p.pageNumber, p.pageSize, p.include]).toEqual(["2", "5", "a.b"]);
    // Filters and include are carried into pagination links; page and unknown keys are not.
    expect(p.carried).toEqual([
      ["filter[name_cont]", "a"],
      ["filter[m]", "or"],
      ["filter[sorts][]", "x desc"],
      ["filter[sorts][]", "y"],
      ["include", "a.b"],
    ]);
  });

  it("accumulates array forms, replaces a repeated scalar, and reads sources in order", () => {
    const p = readJsonApiParams(
      new URLSearchParams("filter[id_in][]=1&filter[name_eq]=a"),
      new URLSearchParams("filter[id_in][]=2&filter[name_eq]=b&filter[id_in][0]=3"),
    );
    expect(p.filters.get("id_in")).toEqual({ values: ["1", "2", "3"], array: true });
    expect(p.filters.get("name_eq")).toEqual({ values: ["b"], array: false });
  });

  it("flattens nulls to empty values and drops undefined", () => {
    expect(flattenJsonParams({ filter: { a_eq: null, b_eq: undefined, c: true } })).toEqual([
      ["filter[a_eq]", ""],
      ["filter[c]", "true"],
    ]);
    expect(flattenJsonParams("bare")).toEqual([]);
  });
});
