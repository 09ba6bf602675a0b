import { describe, expect, it } from "vitest";
import { buildQuerySpec } from "../../../../src/core/query/query-spec.js";
import {
  collectionPager,
  collectionTarget,
  JSONAPI_MEDIA_TYPE,
  jsonApiHeaders,
  resourceRequest,
  URL_LENGTH_LIMIT,
} from "../../../../src/platforms/evident/index.js";

const BASE = "http://127.0.0.1:9";
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

function pagerFor(
  input: Parameters<typeof buildQuerySpec>[0],
  pageSize?: number,
  method: "auto" | "get" | "put" = "auto",
) {
  return collectionPager({
    target: collectionTarget("alerts"),
    spec: buildQuerySpec(input, new Date()),
    baseUrl: BASE,
    searchMethod: method,
    ...(pageSize !== undefined ? { pageSize } : {}),
    walking: true,
  });
}

// Seed 004: "Content-Type / Accept: Only supports application/vnd.api+json" (406 otherwise).
describe("media types", () => {
  it("every JSON:API request carries the one media type in Accept and Content-Type", () => {
    expect(JSONAPI_MEDIA_TYPE).toBe("application/vnd.api+json");
    expect(jsonApiHeaders()).toEqual({
      accept: "application/vnd.api+json",
      "content-type": "application/vnd.api+json",
    });
    expect(resourceRequest("/api/v2/alerts/7", ["signature", "region"])).toEqual({
      method: "GET",
      path: "/api/v2/alerts/7?include=signature,region",
      headers: jsonApiHeaders(),
    });
    expect(resourceRequest("/api/v2/alerts/7", []).path).toBe("/api/v2/alerts/7");
  });

  it("a GET page asks with the query in the URL and the JSON:API headers", () => {
    const req = pagerFor({ filter: ["status_eq=fail"] }, 50).page(undefined);
    expect(req.method).toBe("GET");
    expect(req.path).toMatch(/^\/api\/v2\/alerts\?/);
    expect(req.path).toContain("filter[status_eq]=fail");
    expect(req.path).toContain("page[size]=50");
    expect(req.headers).toEqual(jsonApiHeaders());
    expect(URL_LENGTH_LIMIT).toBe(2000);
  });
});

describe("GET or PUT search", () => {
  const longFilter = `id_in=${range(1, 400).join(",")}`;

  it("stays GET under 2,000 characters and switches to PUT past it", () => {
    expect(pagerFor({ filter: ["id_in=1,2,3"] }).method).toBe("GET");
    const pager = pagerFor({ filter: [longFilter] });
    expect(pager.method).toBe("PUT");
    const req = pager.page(undefined);
    expect(req.path).toBe("/api/v2/alerts");
    expect(String(req.body).startsWith("filter[id_in][]=1&filter[id_in][]=2&")).toBe(true);
    expect(req.headers).toEqual({
      accept: "application/vnd.api+json",
      "content-type": "application/x-www-form-urlencoded",
    });
  });

  it("--search-method forces either; collections without PUT search refuse put", () => {
    expect(pagerFor({ filter: [longFilter] }, undefined, "get").method).toBe("GET");
    expect(pagerFor({}, undefined, "put").method).toBe("PUT");
    expect(() =>
      collectionPager({
        target: collectionTarget("evidence", "org-1"),
        spec: buildQuerySpec({}, new Date()),
        baseUrl: BASE,
        searchMethod: "put",
        walking: false,
      }),
    ).toThrow("the evidence collection does not take a PUT search");
  });

  it("the switch is measured on the full URL, base included", () => {
    // A query of ~1,960 characters: fits with a short base URL, not with a long one.
    const values = range(1000, 1399).join(",").slice(0, 1900);
    const filter = `name_cont=${values}`;
    const short = pagerFor({ filter: [filter] });
    expect(short.method).toBe("GET");
    const long = collectionPager({
      target: collectionTarget("alerts"),
      spec: buildQuerySpec({ filter: [filter] }, new Date()),
      baseUrl: `https://${"x".repeat(60)}.example.com`,
      searchMethod: "auto",
      walking: true,
    });
    expect(long.method).toBe("PUT");
  });
});

describe("following links.next", () => {
  it("strips a base URL's path prefix so the client does not add it twice", () => {
    const pager = collectionPager({
      target: collectionTarget("alerts"),
      spec: buildQuerySpec({}, new Date()),
      baseUrl: "https://gw.example.com/evident/",
      searchMethod: "auto",
      walking: true,
    });
    expect(
      pager.next("https://gw.example.com/evident/api/v2/alerts.json?page%5Bnumber%5D=2", 2).path,
    ).toBe("/api/v2/alerts.json?page%5Bnumber%5D=2");
  });
});
