import { describe, expect, it } from "vitest";
import {
  flattenJsonParams,
  type JsonApiDocument,
  JsonApiStore,
  type ResourceObject,
  type ResourceTypeSpec,
  readJsonApiParams,
  type StoredResource,
} from "../../../src/mock/jsonapi.js";

/**
 * The engine on a small hand-made data set whose answers can be worked out by reading it:
 * signatures with names and risk levels, regions, users, and suppressions that point at them.
 */
const SPECS: ResourceTypeSpec[] = [
  {
    type: "signatures",
    attributes: ["name", "risk_level", "created_at", "identifier", "score"],
    ranks: { risk_level: ["low", "medium", "high"] },
  },
  { type: "regions", attributes: ["code"] },
  {
    type: "users",
    attributes: ["email"],
    relationships: { organization: { type: "organizations" } },
  },
  { type: "organizations", attributes: ["name"] },
  {
    type: "suppressions",
    attributes: ["resource", "reason"],
    relationships: {
      regions: { type: "regions", many: true },
      created_by: { type: "users" },
      signature: { type: "signatures" },
    },
  },
];

function r(
  type: string,
  id: number,
  attributes: StoredResource["attributes"],
  relationships: StoredResource["relationships"] = {},
): StoredResource {
  return { id: String(id), type, attributes, relationships };
}

const SIGNATURES = [
  r("signatures", 1, {
    name: "Route53 DNS zone transfer",
    risk_level: "medium",
    created_at: "2015-11-10T10:00:00.000Z",
    identifier: "AWS:R53-001",
    score: 5,
  }),
  r("signatures", 2, {
    name: "IAM root MFA",
    risk_level: "high",
    created_at: "2015-11-11T16:25:30.000Z",
    identifier: "AWS:IAM-001",
    score: 9,
  }),
  r("signatures", 3, {
    name: "EC2 open SSH",
    risk_level: "high",
    created_at: "2015-11-12T08:00:00.000Z",
    identifier: null,
    score: 8,
  }),
  r("signatures", 4, {
    name: "S3 logging dns",
    risk_level: "low",
    created_at: "2015-11-09T00:00:00.000Z",
    identifier: "",
    score: 1,
  }),
  r("signatures", 5, {
    name: "AWS Config off",
    risk_level: "medium",
    created_at: "2015-11-11T16:25:31.000Z",
    identifier: "AWS:CFG-001",
    score: 10,
  }),
];

function makeStore(): JsonApiStore {
  const store = new JsonApiStore(SPECS, {
    baseUrl: () => "https://api.example.test",
    resourcePath: (type, id) => `/api/v2/${type}/${id}.json`,
  });
  for (const s of SIGNATURES) store.upsert(s);
  store.upsert(r("regions", 1, { code: "us_east_1" }));
  store.upsert(r("regions", 2, { code: "us_west_2" }));
  store.upsert(r("regions", 3, { code: "eu_west_1" }));
  store.upsert(r("organizations", 1, { name: "Evident" }));
  store.upsert(r("users", 1, { email: "bob@mycompany.com" }, { organization: "1" }));
  store.upsert(r("users", 2, { email: "alice@mycompany.com" }, { organization: null }));
  store.upsert(
    r(
      "suppressions",
      1,
      { resource: "sg-1", reason: "a" },
      { regions: ["1", "3"], created_by: "1", signature: "2" },
    ),
  );
  store.upsert(
    r(
      "suppressions",
      2,
      { resource: null, reason: "b" },
      { regions: ["3"], created_by: "2", signature: "3" },
    ),
  );
  store.upsert(
    r(
      "suppressions",
      3,
      { resource: "", reason: "c" },
      { regions: [], created_by: "1", signature: null },
    ),
  );
  store.upsert(
    r(
      "suppressions",
      4,
      { resource: "i-4", reason: "d" },
      { regions: ["2"], created_by: null, signature: "1" },
    ),
  );
  return store;
}

const store = makeStore();

/** Lists `type` with a raw query string; returns status, document and the ids in order. */
function query(type: string, qs: string, path = `/api/v2/${type}.json`) {
  const { status, document } = store.list(type, readJsonApiParams(new URLSearchParams(qs)), path);
  const data = (document.data ?? []) as ResourceObject[];
  return { status, document, ids: data.map((d) => d.id) };
}

function titles(doc: JsonApiDocument): string[] {
  return (doc.errors ?? []).map((e) => e.title);
}

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

describe("conditions on relationships", () => {
  it("matches a to-many relationship when any related resource matches (regions_code_eq)", () => {
    expect(query("suppressions", "filter[regions_code_eq]=eu_west_1").ids).toEqual(["1", "2"]);
    expect(query("suppressions", "filter[regions_code_start]=us").ids).toEqual(["1", "4"]);
  });

  it("matches a to-one relationship (created_by_email_eq) and nested ones", () => {
    expect(query("suppressions", "filter[created_by_email_eq]=bob@mycompany.com").ids).toEqual([
      "1",
      "3",
    ]);
    expect(query("suppressions", "filter[created_by_organization_name_eq]=Evident").ids).toEqual([
      "1",
      "3",
    ]);
    expect(query("suppressions", "filter[signature_risk_level_eq]=high").ids).toEqual(["1", "2"]);
    expect(query("suppressions", "filter[signature_id_eq]=1").ids).toEqual(["4"]);
  });

  it("treats a missing relationship as a null value", () => {
    expect(query("suppressions", "filter[created_by_email_null]=1").ids).toEqual(["4"]);
    expect(query("suppressions", "filter[regions_code_null]=1").ids).toEqual(["3"]);
  });

  it("combines with AND by default and with OR under filter[m]=or (the document's example)", () => {
    const and =
      "filter[created_by_email_eq]=bob@mycompany.com&filter[regions_code_start]=us&filter[resource_not_null]=1";
    expect(query("suppressions", and).ids).toEqual(["1"]);
    const or =
      "filter[created_by_email_eq]=bob@mycompany.com&filter[m]=or&filter[regions_code_start]=us&filter[resource_not_null]=1";
    expect(query("suppressions", or).ids).toEqual(["1", "3", "4"]);
  });
});

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

describe("422 for bad search terms", () => {
  it("names each unknown attribute as the document does", () => {
    const res = query("suppressions", "filter[bad_attribute_eq]=something&filter[nope_cont]=x");
    expect(res.status).toBe(422);
    expect(res.document).toEqual({
      errors: [
        { status: "422", title: "Invalid search term bad_attribute_eq" },
        { status: "422", title: "Invalid search term nope_cont" },
      ],
    });
  });

  it("refuses a term without a predicate and an unknown combinator", () => {
    expect(titles(query("signatures", "filter[name]=x").document)).toEqual([
      "Invalid search term name",
    ]);
    expect(query("signatures", "filter[m]=xor").status).toBe(422);
  });
});

describe("pagination", () => {
  it("defaults to page 1 of size 20 with first/self/last and no prev/next", () => {
    const res = query("signatures", "");
    expect(res.ids).toHaveLength(5);
    expect(res.document.links).toEqual({
      self: "https://api.example.test/api/v2/signatures.json?page%5Bnumber%5D=1&page%5Bsize%5D=20",
      first: "https://api.example.test/api/v2/signatures.json?page%5Bnumber%5D=1&page%5Bsize%5D=20",
      last: "https://api.example.test/api/v2/signatures.json?page%5Bnumber%5D=1&page%5Bsize%5D=20",
    });
  });

  it("builds prev/next/last on a middle page and keeps the filters, encoded like the document", () => {
    const res = query(
      "signatures",
      "filter[sorts]=risk_level+desc&filter[id_in][]=1&filter[id_in][]=2&filter[id_in][]=3&filter[id_in][]=4&filter[id_in][]=5&include=&page[number]=2&page[size]=2",
    );
    expect(res.ids).toEqual(["1", "5"]);
    const base =
      "https://api.example.test/api/v2/signatures.json?filter%5Bsorts%5D=risk_level+desc&filter%5Bid_in%5D%5B%5D=1&filter%5Bid_in%5D%5B%5D=2&filter%5Bid_in%5D%5B%5D=3&filter%5Bid_in%5D%5B%5D=4&filter%5Bid_in%5D%5B%5D=5&include=";
    expect(res.document.links).toEqual({
      self: `${base}&page%5Bnumber%5D=2&page%5Bsize%5D=2`,
      first: `${base}&page%5Bnumber%5D=1&page%5Bsize%5D=2`,
      prev: `${base}&page%5Bnumber%5D=1&page%5Bsize%5D=2`,
      next: `${base}&page%5Bnumber%5D=3&page%5Bsize%5D=2`,
      last: `${base}&page%5Bnumber%5D=3&page%5Bsize%5D=2`,
    });
    expect(res.document.meta).toEqual({ total_count: 5, page_count: 3 });
  });

  it("walks every page exactly once by following next", () => {
    const seen: string[] = [];
    let qs = "page[size]=2&filter[sorts]=score";
    for (let guard = 0; guard < 10; guard++) {
      const res = query("signatures", qs);
      seen.push(...res.ids);
      const next = res.document.links?.next;
      if (!next) break;
      qs = new URL(next).search.slice(1);
    }
    expect(seen).toEqual(["4", "1", "3", "2", "5"]);
  });

  it("answers a page past the end with empty data and a prev link", () => {
    const res = query("signatures", "page[number]=9&page[size]=2");
    expect(res.status).toBe(200);
    expect(res.ids).toEqual([]);
    expect(res.document.links?.prev).toContain("page%5Bnumber%5D=3");
    expect(res.document.links?.next).toBeUndefined();
  });

  it("refuses page sizes outside 1..100 and bad page numbers with 422", () => {
    for (const qs of [
      "page[size]=0",
      "page[size]=101",
      "page[size]=abc",
      "page[number]=0",
      "page[number]=-1",
    ]) {
      const res = query("signatures", qs);
      expect(res.status, qs).toBe(422);
      expect(res.document.errors?.[0]?.status).toBe("422");
    }
    expect(titles(query("signatures", "page[size]=101").document)).toEqual([
      "page[size] must be an integer between 1 and 100, got 101",
    ]);
    expect(query("signatures", "page[size]=100").status).toBe(200);
    expect(query("signatures", "page[size]=1").ids).toEqual(["1"]);
  });
});

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
});
