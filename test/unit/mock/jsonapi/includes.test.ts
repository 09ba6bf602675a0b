import { describe, expect, it } from "vitest";
import type { ResourceObject } from "../../../../src/mock/jsonapi/document.js";
import { collectIncluded, parseInclude } from "../../../../src/mock/jsonapi/includes.js";
import { readJsonApiParams } from "../../../../src/mock/jsonapi/params.js";
import { query, SPECS, store, titles } from "../../../helpers/jsonapi-store.js";

describe("includes", () => {
  it("includes nested dot paths, each resource once, never repeating primary data", () => {
    const res = query(
      "suppressions",
      "include=created_by.organization,regions,signature&filter[id_in]=1,3",
    );
    const included = (res.document.included ?? []).map((x) => `${x.type}/${x.id}`);
    expect(included).toEqual([
      "users/1",
      "organizations/1",
      "regions/1",
      "regions/3",
      "signatures/2",
    ]);
  });

  it("gives every relationship linkage and a related link for to-one", () => {
    const res = store.one(
      "suppressions",
      "4",
      readJsonApiParams([]),
      "/api/v2/suppressions/4.json",
    );
    expect(res.status).toBe(200);
    const data = res.document.data as ResourceObject;
    expect(data.relationships).toEqual({
      regions: { data: [{ id: "2", type: "regions" }] },
      created_by: { data: null },
      signature: {
        data: { id: "1", type: "signatures" },
        links: { related: "https://api.example.test/api/v2/signatures/1.json" },
      },
    });
    expect(data.links).toEqual({ self: "https://api.example.test/api/v2/suppressions/4.json" });
    expect(res.document.links).toEqual({
      self: "https://api.example.test/api/v2/suppressions/4.json",
    });
    expect(res.document.included).toBeUndefined();
  });

  it("refuses an unknown include path with 400 and an unknown id with 404", () => {
    const bad = query("suppressions", "include=created_by.nothing");
    expect(bad.status).toBe(400);
    expect(titles(bad.document)).toEqual([
      "Invalid include path created_by.nothing for suppressions",
    ]);
    const missing = store.one("signatures", "99", readJsonApiParams([]), "/x");
    expect(missing.status).toBe(404);
    expect(missing.document.errors?.[0]?.status).toBe("404");
  });
});

describe("include paths and included resources on their own", () => {
  const specs = new Map(SPECS.map((s) => [s.type, s]));
  const suppressions = specs.get("suppressions")!;

  it("splits paths on commas and dots, skipping empty items", () => {
    expect(parseInclude(specs, suppressions, undefined)).toEqual([]);
    expect(parseInclude(specs, suppressions, " regions, ,created_by.organization")).toEqual([
      ["regions"],
      ["created_by", "organization"],
    ]);
    expect(() => parseInclude(specs, suppressions, "resource")).toThrow(
      "Invalid include path resource for suppressions",
    );
  });

  it("walks each path from the primary data and skips dangling linkage", () => {
    const source = {
      specs,
      get: (type: string, id: string) => store.get(type, id),
      serialize: (r: { type: string; id: string }) =>
        ({ type: r.type, id: r.id }) as ResourceObject,
    };
    const primary = [store.get("suppressions", "3")!, store.get("suppressions", "4")!];
    // 3: no regions, created_by 1, no signature; 4: region 2, no creator, signature 1.
    const included = collectIncluded(
      primary,
      [["regions"], ["created_by", "organization"], ["signature"]],
      source,
    );
    expect(included.map((x) => `${x.type}/${x.id}`)).toEqual([
      "regions/2",
      "users/1",
      "organizations/1",
      "signatures/1",
    ]);
    expect(collectIncluded(primary, [], source)).toEqual([]);
  });
});
