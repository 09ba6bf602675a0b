import { createHash } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOCK_SKEW_TITLE } from "../../../src/mock/apiauth.js";
import { type MockServer, startMockServer } from "../../../src/mock/server.js";

/**
 * The minimal dialect answers with only what the seeds document (000 upload-url, verify,
 * link; 001 StrataGRC in a seed-conformant shape; 004 JSON:API with extras it allows).
 * Expected values are written from the seeds, not from the full dialect.
 */

let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer({ dialect: "minimal" });
});
afterAll(async () => {
  await mock.close();
});

const bearer = () => ({ Authorization: `Bearer ${mock.identity.apiKey}` });
const base = () => `${mock.baseUrl}/api/v1/orgs/${mock.identity.orgId}/evidence`;

async function uploaded(bytes: string) {
  const res = await fetch(`${base()}/upload-url`, {
    method: "POST",
    headers: { ...bearer(), "Content-Type": "application/json" },
    body: JSON.stringify({ filename: "a.csv", content_type: "text/csv", control_id: "CC6.1" }),
  });
  const text = await res.text();
  const up = JSON.parse(text) as Record<string, unknown>;
  const put = await fetch(String(up.upload_url), {
    method: "PUT",
    headers: { "Content-Type": "text/csv" },
    body: bytes,
  });
  expect(put.status).toBe(200);
  return { res, text, up };
}

describe("Sovereign (seed 000) on the minimal dialect", () => {
  it("upload-url sends exactly { upload_url, object_key, expires_in, max_size }, in another order", async () => {
    const { res, text, up } = await uploaded("a,b\n");
    expect(res.status).toBe(200);
    expect(Object.keys(up).sort()).toEqual(["expires_in", "max_size", "object_key", "upload_url"]);
    expect(Object.keys(up)).not.toEqual(["upload_url", "object_key", "expires_in", "max_size"]);
    expect(text.startsWith('{"max_size"')).toBe(true);
  });

  it("verify answers {verified: true|false} and nothing more", async () => {
    const bytes = "x,y\n1,2\n";
    const hash = createHash("sha256").update(bytes).digest("hex");
    const { up } = await uploaded(bytes);
    const q = (h: string) =>
      `${base()}/verify?${new URLSearchParams({ object_key: String(up.object_key), expected_hash: h })}`;
    const good = await fetch(q(hash), { method: "POST", headers: bearer() });
    expect([good.status, await good.json()]).toEqual([200, { verified: true }]);
    const bad = await fetch(q("0".repeat(64)), { method: "POST", headers: bearer() });
    expect([bad.status, await bad.json()]).toEqual([200, { verified: false }]);
  });

  it("link answers exactly the seed's six fields; 403 keeps the seed's text", async () => {
    const bytes = "link me\n";
    const hash = createHash("sha256").update(bytes).digest("hex");
    const { up } = await uploaded(bytes);
    const res = await fetch(`${base()}/${hash}/link-to-control`, {
      method: "POST",
      headers: { ...bearer(), "Content-Type": "application/json" },
      body: JSON.stringify({
        control_id: "CC6.1",
        framework_id: "SOC2",
        object_key: up.object_key,
      }),
    });
    const body = (await res.json()) as Record<string, unknown>;
    expect(res.status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(
      [
        "assessment_id",
        "control_id",
        "created",
        "evidence_id",
        "framework_id",
        "lineage_id",
      ].sort(),
    );
    expect(body).toMatchObject({ evidence_id: hash, control_id: "CC6.1", created: true });
    const denied = await fetch(`${base()}/upload-url`, {
      method: "POST",
      headers: {
        Authorization: `Bearer ${mock.identity.readOnlyApiKey}`,
        "Content-Type": "application/json",
      },
      body: "{}",
    });
    expect([denied.status, await denied.json()]).toEqual([
      403,
      { detail: "missing required scope: write:evidence" },
    ]);
  });
});

/** What the StrataGRC answers below may hold (their shape is what the tests check). */
type Strata = Record<string, unknown> & { length: number; data: unknown; authenticated?: boolean };

describe("StrataGRC (seed 001) on the minimal dialect", () => {
  const strata = (path: string) =>
    fetch(`${mock.baseUrl}/strata/api/${path}`, {
      headers: { Cookie: `session=${mock.identity.session}` },
    }).then(async (r) => [r.status, (await r.json()) as Strata] as const);

  it("answers the status call with the bare {authenticated, user, organization}", async () => {
    const [status, body] = await strata("auth/status");
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual(["authenticated", "organization", "user"]);
    expect(body.authenticated).toBe(true);
  });

  it("answers lists as a bare array or as {data: [...]} with every row, by module", async () => {
    const [, risks] = await strata("risks?action=list&per_page=1");
    expect(Array.isArray(risks)).toBe(true);
    expect(risks.length).toBeGreaterThan(1);
    const [, controls] = await strata("controls?action=list");
    expect(Array.isArray(controls.data)).toBe(true);
  });

  it("keeps the seed's error codes", async () => {
    const res = await fetch(`${mock.baseUrl}/strata/api/risks?action=list`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ success: false, error: { code: "AUTH_REQUIRED" } });
  });
});

describe("Evident (seed 004) on the minimal dialect", () => {
  it("sends links on a respelled origin that parses to the same one, and JSON:API extras", async () => {
    const res = await fetch(`${mock.baseUrl}/api/v2/alerts.json?page[size]=2`, {
      headers: { Accept: "application/vnd.api+json", ...bearer() },
    });
    const doc = (await res.json()) as {
      data: { attributes: Record<string, unknown>; meta?: unknown }[];
      links: Record<string, string>;
      meta?: unknown;
    };
    expect(res.status).toBe(200);
    expect(doc.links.next).toBeDefined();
    expect(doc.links.next!.startsWith(mock.baseUrl)).toBe(false);
    expect(new URL(doc.links.next!).origin).toBe(mock.baseUrl);
    expect(doc.meta).toBeDefined();
    expect(doc.data[0]!.meta).toBeDefined();
  });

  it("keeps the 401 titles", async () => {
    const res = await fetch(`${mock.baseUrl}/api/v2/alerts.json`, {
      headers: {
        Accept: "application/vnd.api+json",
        Authorization: "APIAuth abc:AAAA",
        Date: "Mon, 21 Oct 2015 04:20:01 GMT",
      },
    });
    expect(res.status).toBe(401);
    expect(((await res.json()) as { errors: { title: string }[] }).errors[0]!.title).toBe(
      CLOCK_SKEW_TITLE,
    );
  });
});
