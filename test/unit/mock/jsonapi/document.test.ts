import { describe, expect, it } from "vitest";
import {
  errorDocument,
  errorResponse,
  JsonApiError,
  serializeResource,
} from "../../../../src/mock/jsonapi/document.js";
import type { ResourceTypeSpec } from "../../../../src/mock/jsonapi/resources.js";
import { r } from "../../../helpers/jsonapi-store.js";

describe("documents", () => {
  it("writes one error object per title, with the status as a string", () => {
    expect(errorDocument(422, "a", "b")).toEqual({
      errors: [
        { status: "422", title: "a" },
        { status: "422", title: "b" },
      ],
    });
    expect(errorResponse(new JsonApiError(400, "bad"))).toEqual({
      status: 400,
      document: { errors: [{ status: "400", title: "bad" }] },
    });
    const bug = new TypeError("a bug");
    expect(() => errorResponse(bug)).toThrow(bug);
  });

  const links = {
    baseUrl: () => "http://h",
    resourcePath: (type: string, id: string) => (type === "hidden" ? undefined : `/${type}/${id}`),
  };
  const spec: ResourceTypeSpec = {
    type: "reports",
    attributes: [],
    relationships: {
      alerts: {
        type: "alerts",
        many: true,
        linkOnly: true,
        related: (o) => `/reports/${o.id}/alerts`,
      },
      team: { type: "teams" },
      owner: { type: "hidden" },
      tags: { type: "tags", many: true, related: (o) => `/reports/${o.id}/tags` },
    },
  };

  it("renders linkage for every relationship, a related link where there is a URL, never link-only ids", () => {
    const object = serializeResource(
      r(
        "reports",
        7,
        { status: "done" },
        { alerts: ["1", "2"], team: "3", owner: "4", tags: ["a"] },
      ),
      spec,
      links,
    );
    expect(object).toEqual({
      id: "7",
      type: "reports",
      attributes: { status: "done" },
      relationships: {
        alerts: { links: { related: "http://h/reports/7/alerts" } },
        team: { data: { id: "3", type: "teams" }, links: { related: "http://h/teams/3" } },
        owner: { data: { id: "4", type: "hidden" } },
        tags: { data: [{ id: "a", type: "tags" }], links: { related: "http://h/reports/7/tags" } },
      },
      links: { self: "http://h/reports/7" },
    });
  });

  it("renders an empty to-one as null and a type without a spec as attributes only", () => {
    const object = serializeResource(r("reports", 8, {}, { team: null }), spec, links);
    expect(object.relationships?.team).toEqual({ data: null });
    expect(object.relationships?.tags).toEqual({
      data: [],
      links: { related: "http://h/reports/8/tags" },
    });
    expect(serializeResource(r("hidden", 1, { a: 1 }), undefined, links)).toEqual({
      id: "1",
      type: "hidden",
      attributes: { a: 1 },
    });
  });
});
