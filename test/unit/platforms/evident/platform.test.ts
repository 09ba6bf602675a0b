import { describe, expect, it } from "vitest";
import { buildQuerySpec } from "../../../../src/core/query/query-spec.js";
import { walkPages } from "../../../../src/core/query/walker.js";
import { createApiClient } from "../../../../src/http/client.js";
import { createEvidentPlatform } from "../../../../src/platforms/evident/index.js";
import { json, useFakeServer } from "../../../helpers/fake-server.js";

const fake = useFakeServer();

describe("createEvidentPlatform", () => {
  it("opens no client: a collection query only builds requests", async () => {
    let connected = false;
    const evident = await createEvidentPlatform({ name: "p" }, async () => {
      connected = true;
      throw new Error("not needed");
    });
    expect(connected).toBe(false);
    expect(evident.name).toBe("evident");
    expect(evident.collections.collection("alerts").path).toBe("/api/v2/alerts");
  });

  it("walks a collection over the wire with the seed's media type", async () => {
    fake().on(
      { method: "GET", path: "/api/v2/alerts" },
      json(200, { data: [{ id: "1", type: "alerts", attributes: { status: "fail" } }], links: {} }),
    );
    const evident = await createEvidentPlatform({ name: "p", orgId: "o1" });
    const client = createApiClient({
      baseUrl: fake().url,
      credential: { kind: "bearer", apiKey: "sk-test-0000" },
      retries: 1,
    });
    const target = evident.collections.collection("alerts");
    const pager = evident.collections.pager({
      target,
      spec: buildQuerySpec({ filter: ["status_eq=fail"] }, new Date()),
      baseUrl: client.baseUrl,
      searchMethod: "auto",
      walking: false,
    });
    const ids: string[] = [];
    for await (const page of walkPages({ client, pager, all: false, concurrency: 1 })) {
      ids.push(...page.resources.map((r) => r.id));
    }
    await client.close();
    expect(ids).toEqual(["1"]);
    const [req] = fake().requests;
    expect(req!.query.get("filter[status_eq]")).toBe("fail");
    expect(req!.headers.accept).toBe("application/vnd.api+json");
    expect(req!.headers["content-type"]).toBe("application/vnd.api+json");
    const one = evident.collections.resource("evidence", "a".repeat(64), ["lineage"]);
    expect(one.collection.path).toBe("/api/v1/orgs/o1/evidence");
    expect(one.request.path).toBe(`/api/v1/orgs/o1/evidence/${"a".repeat(64)}?include=lineage`);
  });
});
