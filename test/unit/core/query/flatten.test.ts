import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { flattenResource, includeTree, indexIncluded } from "../../../../src/core/query/flatten.js";
import { decodeDocument, primaryResources } from "../../../../src/core/query/jsonapi.js";

// The seed's own example: GET /api/v2/alerts/1?include=tags,external_account.team
const doc = decodeDocument(
  JSON.parse(readFileSync(new URL("./fixtures/alert-with-includes.json", import.meta.url), "utf8")),
  "GET /api/v2/alerts/1",
);
const alert = primaryResources(doc)[0]!;
const attributes = {
  created_at: "2015-09-23T15:04:02.000Z",
  status: "pass",
  resource: "",
  updated_at: "2015-09-23T15:04:02.000Z",
  started_at: "2015-09-23T15:04:02.000Z",
  ended_at: null,
};

describe("flattening resources", () => {
  it("without include: relationships with data become ids, links-only ones are left out", () => {
    expect(flattenResource(alert, indexIncluded(doc))).toEqual({
      id: "1",
      type: "alerts",
      ...attributes,
      external_account: "1",
      tags: [],
    });
  });

  it("resolves included resources inline along nested paths, and only those asked for", () => {
    const flat = flattenResource(
      alert,
      indexIncluded(doc),
      includeTree(["tags", "external_account.team"]),
    );
    expect(flat).toEqual({
      id: "1",
      type: "alerts",
      ...attributes,
      external_account: {
        id: "1",
        type: "external_accounts",
        created_at: "2015-09-23T14:43:47.000Z",
        name: "Dev",
        throttle_level: "none",
        updated_at: "2015-09-23T14:43:47.000Z",
        team: {
          id: "1",
          type: "teams",
          name: "Default Team",
          created_at: "2015-09-23T14:37:48.000Z",
          updated_at: "2015-09-23T14:37:48.000Z",
          // Not asked for (no external_account.team.sub_organization): stays an id.
          sub_organization: "7",
        },
      },
      tags: [],
    });
    // Only one level asked: the team stays an id.
    const shallow = flattenResource(alert, indexIncluded(doc), includeTree(["external_account"]));
    expect((shallow.external_account as Record<string, unknown>).team).toBe("1");
  });

  it("keeps the id when an asked-for resource is missing from included, and lists ids for to-many", () => {
    const r = {
      id: "5",
      type: "alerts",
      attributes: {},
      relationships: {
        tags: {
          data: [
            { id: "3", type: "tags" },
            { id: "4", type: "tags" },
          ],
        },
        suppression: { data: null },
      },
    };
    const index = new Map([["tags/4", { id: "4", type: "tags", attributes: { key: "env" } }]]);
    expect(flattenResource(r, index, includeTree(["tags"]))).toEqual({
      id: "5",
      type: "alerts",
      tags: ["3", { id: "4", type: "tags", key: "env" }],
      suppression: null,
    });
  });

  it("numeric ids are normalised to strings; a body without data is refused", () => {
    const d = decodeDocument({ data: [{ id: 7, type: "alerts" }] }, "GET /x");
    expect(primaryResources(d)[0]!.id).toBe("7");
    expect(() => decodeDocument({ errors: [] }, "GET /api/v2/alerts")).toThrow(
      'the response to GET /api/v2/alerts is not a JSON:API document (no "data")',
    );
  });
});
