import type { JsonApiDocument, ResourceObject } from "../../src/mock/jsonapi/document.js";
import { readJsonApiParams } from "../../src/mock/jsonapi/params.js";
import type { ResourceTypeSpec, StoredResource } from "../../src/mock/jsonapi/resources.js";
import { JsonApiStore } from "../../src/mock/jsonapi/store.js";

/**
 * The engine on a small hand-made data set whose answers can be worked out by reading it:
 * signatures with names and risk levels, regions, users, and suppressions that point at them.
 */
export const SPECS: ResourceTypeSpec[] = [
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

export function r(
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

export function makeStore(): JsonApiStore {
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

export const store = makeStore();

/** Lists `type` with a raw query string; returns status, document and the ids in order. */
export function query(type: string, qs: string, path = `/api/v2/${type}.json`) {
  const { status, document } = store.list(type, readJsonApiParams(new URLSearchParams(qs)), path);
  const data = (document.data ?? []) as ResourceObject[];
  return { status, document, ids: data.map((d) => d.id) };
}

export function titles(doc: JsonApiDocument): string[] {
  return (doc.errors ?? []).map((e) => e.title);
}
