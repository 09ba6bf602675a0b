import { describe, expect, it } from "vitest";
import { createApiClient } from "../../../../src/http/client.js";
import { createStrataPlatform } from "../../../../src/platforms/strata/index.js";
import { json, useFakeServer } from "../../../helpers/fake-server.js";

const fake = useFakeServer();

describe("createStrataPlatform", () => {
  it("lists records at the profile's paths, in its organization, with the session cookie", async () => {
    fake().on(
      { method: "GET", path: "/grc/risks", query: { action: "list", status: "open" } },
      json(200, { success: true, data: [{ id: 1, title: "r" }] }),
    );
    const client = createApiClient({
      baseUrl: fake().url,
      credential: { kind: "session", cookie: "sess-1" },
      retries: 1,
    });
    const strata = await createStrataPlatform(
      { name: "p", orgId: "42", paths: { risks: "/grc/risks" } },
      async () => client,
    );
    const page = await strata.records.list("risks", { status: "open" });
    await client.close();
    expect(strata.name).toBe("strata");
    expect(page.items).toEqual([{ id: 1, title: "r" }]);
    const [req] = fake().requests;
    expect(req!.headers.cookie).toBe("session=sess-1");
    expect(req!.headers["x-organization-id"]).toBe("42");
  });

  it("a coded error gets the seed's Solution through the dialect", async () => {
    fake().on(
      { method: "GET", path: "/strata/api/risks" },
      json(404, { success: false, error: { code: "NOT_FOUND", message: "Risk 9 not found" } }),
    );
    const client = createApiClient({
      baseUrl: fake().url,
      credential: { kind: "session", cookie: "sess-1" },
      retries: 1,
    });
    const strata = await createStrataPlatform({ name: "p" }, async () => client);
    const err = await strata.api.get("risks", 9).catch((e: unknown) => e as Error);
    await client.close();
    expect((err as { line(): string }).line()).toMatch(
      /^Risk 9 not found \(NOT_FOUND\) .* — Check the resource ID$/,
    );
    expect(strata.errors.classify(err)).toBe("file");
  });
});
