import { describe, expect, it } from "vitest";
import type { JsonApiDocument, ResourceObject } from "../../../../src/mock/jsonapi/document.js";
import { readJsonApiParams } from "../../../../src/mock/jsonapi/params.js";
import { ArraySource } from "../../../../src/mock/jsonapi/resources.js";
import type { JsonApiStore } from "../../../../src/mock/jsonapi/store.js";
import { makeStore, r, SPECS } from "../../../helpers/jsonapi-store.js";

describe("the store", () => {
  it("sees changes after an upsert (cached results are dropped)", () => {
    const local = makeStore();
    const q = () =>
      (
        local.list(
          "signatures",
          readJsonApiParams(new URLSearchParams("filter[name_cont]=dns")),
          "/p",
        ).document.data as ResourceObject[]
      ).map((d) => d.id);
    expect(q()).toEqual(["1", "4"]);
    local.upsert(
      r("signatures", 6, {
        name: "dns again",
        risk_level: "low",
        created_at: null,
        identifier: null,
        score: 0,
      }),
    );
    expect(q()).toEqual(["1", "4", "6"]);
  });

  const ids = (doc: JsonApiDocument) => (doc.data as ResourceObject[]).map((d) => d.id);
  const list = (
    s: JsonApiStore,
    type: string,
    qs: string,
    scope?: { relationship: string; id: string },
  ) => s.list(type, readJsonApiParams(new URLSearchParams(qs)), "/p", scope);

  it("scopes a collection to resources whose relationship points at an id", () => {
    const s = makeStore();
    expect(ids(list(s, "suppressions", "", { relationship: "regions", id: "3" }).document)).toEqual(
      ["1", "2"],
    );
    expect(
      ids(list(s, "suppressions", "", { relationship: "created_by", id: "1" }).document),
    ).toEqual(["1", "3"]);
    const scoped = list(s, "suppressions", "filter[reason_eq]=c", {
      relationship: "created_by",
      id: "1",
    });
    expect(ids(scoped.document)).toEqual(["3"]);
    expect(scoped.document.meta).toEqual({ total_count: 1, page_count: 1 });
    expect(() => list(s, "suppressions", "", { relationship: "nothing", id: "1" })).toThrow(
      "scope relationship nothing is not on suppressions",
    );
  });

  it("answers 404 for an unknown collection and knows its types and counts", () => {
    const s = makeStore();
    const res = list(s, "widgets", "");
    expect(res.status).toBe(404);
    expect(res.document).toEqual({
      errors: [{ status: "404", title: "Unknown collection widgets" }],
    });
    expect(s.types()).toEqual(SPECS.map((x) => x.type));
    expect([s.has("regions"), s.has("widgets")]).toEqual([true, false]);
    expect([s.count("signatures"), s.count("widgets")]).toEqual([5, 0]);
  });

  it("serves a replaced source and refuses an upsert into a source it does not own", () => {
    const s = makeStore();
    const before = ids(list(s, "regions", "filter[code_start]=eu").document);
    expect(before).toEqual(["3"]);
    const custom = {
      size: 2,
      at: (i: number) => r("regions", i + 10, { code: i === 0 ? "eu_north_1" : "ap_1" }),
      find: (id: string) => (id === "10" ? r("regions", 10, { code: "eu_north_1" }) : undefined),
    };
    s.setSource("regions", custom);
    expect(ids(list(s, "regions", "filter[code_start]=eu").document)).toEqual(["10"]);
    expect(() => s.upsert(r("regions", 99, { code: "x" }))).toThrow(/not backed by an ArraySource/);
    s.setSource("regions", new ArraySource([r("regions", 7, { code: "eu_x" })]));
    expect(ids(list(s, "regions", "filter[code_start]=eu").document)).toEqual(["7"]);
  });

  it("gives the same answer from its cache as from a fresh scan", () => {
    const s = makeStore();
    const qs = "filter[sorts]=risk_level+desc&filter[score_gt]=1&page[size]=2";
    const first = list(s, "signatures", qs).document;
    const again = list(s, "signatures", qs).document;
    expect(again).toEqual(first);
    expect(ids(first)).toEqual(["2", "3"]);
    expect(
      ids(
        makeStore().list("signatures", readJsonApiParams(new URLSearchParams(qs)), "/p").document,
      ),
    ).toEqual(["2", "3"]);
  });
});
