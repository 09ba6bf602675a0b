import { createHash } from "node:crypto";
import fc from "fast-check";
import { beforeEach, describe, expect, it } from "vitest";
import { sanitizeFilename } from "../../../src/mock/sovereign.js";
import { requestUploadUrl, withMock } from "../../helpers/mock.js";

const mock = withMock({ platforms: ["sovereign"], objectsDir: "memory" });
const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");
const base = () => `${mock.baseUrl}/api/v1/orgs/${mock.identity.orgId}/evidence`;
const auth = (key = mock.identity.apiKey) => ({ Authorization: `Bearer ${key}` });

async function post(path: string, body?: unknown, key?: string) {
  const res = await fetch(`${base()}${path}`, {
    method: "POST",
    headers: { ...auth(key), ...(body ? { "Content-Type": "application/json" } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function put(url: string, bytes: string | Buffer, contentType = "text/csv") {
  return fetch(url, { method: "PUT", headers: { "Content-Type": contentType }, body: bytes });
}

/** upload-url + PUT; returns object key and hash. */
async function store(bytes: string) {
  const up = await requestUploadUrl(mock);
  const res = await put(up.upload_url, bytes);
  expect(res.status).toBe(200);
  return { key: up.object_key, hash: sha(bytes) };
}

beforeEach(async () => {
  await mock.reset();
});

describe("Sovereign evidence flow", () => {
  it("runs upload-url, PUT, verify and link, and records what it stored", async () => {
    const up = await requestUploadUrl(mock);
    expect(up.expires_in).toBe(900);
    expect(up.max_size).toBe(5 * 1024 ** 3);
    expect(up.object_key).toMatch(
      /^orgs\/00000000-0000-0000-0000-000000000001\/evidence\/[0-9a-f-]{36}\/access_logs_2024\.csv$/,
    );
    const url = new URL(up.upload_url);
    expect(url.origin).toBe(mock.storageUrl);
    expect(url.origin).not.toBe(mock.baseUrl);
    expect(url.pathname).toBe(`/grc-evidence/${up.object_key}`);
    expect([...url.searchParams.keys()]).toEqual([
      "X-Amz-Algorithm",
      "X-Amz-Date",
      "X-Amz-Expires",
      "X-Amz-SignedHeaders",
      "X-Amz-Signature",
    ]);
    expect(url.searchParams.get("X-Amz-Algorithm")).toBe("GRC-MOCK-HMAC-SHA256");
    expect(url.searchParams.get("X-Amz-SignedHeaders")).toBe("content-type");

    const bytes = "user,action\nalice,login\n";
    const res = await put(up.upload_url, bytes);
    expect(res.status).toBe(200);
    // The ETag is opaque (docs/mock.md): the quoted SHA-256 hex of the bytes received.
    expect(res.headers.get("etag")).toBe(`"${sha(bytes)}"`);

    const v = await post(
      `/verify?object_key=${encodeURIComponent(up.object_key)}&expected_hash=${sha(bytes)}`,
    );
    expect(v).toEqual({
      status: 200,
      body: {
        object_key: up.object_key,
        expected_hash: sha(bytes),
        actual_hash: sha(bytes),
        size: bytes.length,
        verified: true,
      },
    });

    const l = await post(`/${sha(bytes)}/link-to-control`, {
      control_id: "CC6.1",
      framework_id: "SOC2",
      object_key: up.object_key,
    });
    expect(l.status).toBe(200);
    expect(Object.keys(l.body).sort()).toEqual(
      [
        "assessment_id",
        "control_id",
        "created",
        "evidence_id",
        "framework_id",
        "lineage_id",
      ].sort(),
    );
    expect(l.body).toMatchObject({
      evidence_id: sha(bytes),
      control_id: "CC6.1",
      framework_id: "SOC2",
      assessment_id: null,
      created: true,
    });

    const state = mock.state();
    expect(state.objects).toEqual([
      expect.objectContaining({
        object_key: up.object_key,
        sha256: sha(bytes),
        size: bytes.length,
        content_type: "text/csv",
      }),
    ]);
    expect(state.lineage).toEqual([
      expect.objectContaining({ lineage_id: l.body.lineage_id, control_id: "CC6.1" }),
    ]);
    const storagePut = state.requests.find((r) => r.origin === "storage");
    expect(storagePut).toMatchObject({
      method: "PUT",
      path: `/grc-evidence/${up.object_key}`,
      status: 200,
      authorization: false,
      content_type: "text/csv",
      content_length: bytes.length,
    });
    // The log never keeps the presigned query.
    expect(JSON.stringify(state.requests)).not.toContain("X-Amz-Signature");
  });

  it("link is idempotent on content hash and control, even from a fresh upload", async () => {
    const a = await store("same bytes");
    const first = await post(`/${a.hash}/link-to-control`, {
      control_id: "CC6.1",
      object_key: a.key,
    });
    const b = await store("same bytes");
    expect(b.key).not.toBe(a.key);
    const again = await post(`/${b.hash}/link-to-control`, {
      control_id: "CC6.1",
      framework_id: "SOC2",
      object_key: b.key,
    });
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ ...first.body, created: false });
    const other = await post(`/${a.hash}/link-to-control`, {
      control_id: "CC7.2",
      object_key: a.key,
    });
    expect(other.body.created).toBe(true);
    expect(other.body.lineage_id).not.toBe(first.body.lineage_id);
    expect(mock.state().lineage).toHaveLength(2);
  });

  it("refuses an evidence_id that is not the SHA-256 of the stored object", async () => {
    const a = await store("content");
    const wrong = await post(`/${sha("other")}/link-to-control`, {
      control_id: "CC6.1",
      object_key: a.key,
    });
    expect(wrong).toEqual({
      status: 422,
      body: { detail: "evidence_id does not match the SHA-256 of the stored object" },
    });
    const notHex = await post(`/not-a-hash/link-to-control`, {
      control_id: "CC6.1",
      object_key: a.key,
    });
    expect(notHex.status).toBe(422);
    expect(mock.state().lineage).toEqual([]);
  });

  it("answers 404 for links and verifies of objects that do not exist", async () => {
    const missing = `orgs/${mock.identity.orgId}/evidence/00000000-0000-0000-0000-000000000000/x.csv`;
    expect(
      await post(`/${sha("x")}/link-to-control`, { control_id: "CC6.1", object_key: missing }),
    ).toEqual({
      status: 404,
      body: { detail: "object not found" },
    });
    expect(
      await post(`/verify?object_key=${encodeURIComponent(missing)}&expected_hash=${sha("x")}`),
    ).toEqual({
      status: 404,
      body: { detail: "object not found" },
    });
  });

  it("verify reports a mismatch with both hashes", async () => {
    const a = await store("stored bytes");
    const r = await post(
      `/verify?object_key=${encodeURIComponent(a.key)}&expected_hash=${sha("local bytes")}`,
    );
    expect(r).toEqual({
      status: 422,
      body: {
        detail: "hash mismatch: stored object has a different SHA-256",
        object_key: a.key,
        expected_hash: sha("local bytes"),
        actual_hash: a.hash,
        verified: false,
      },
    });
  });

  it("names the missing scope, the missing membership and the missing key", async () => {
    const ro = await post(
      "/upload-url",
      { filename: "a.csv", content_type: "text/csv", control_id: "CC6.1" },
      mock.identity.readOnlyApiKey,
    );
    expect(ro).toEqual({
      status: 403,
      body: { detail: "missing required scope: write:evidence", required_scope: "write:evidence" },
    });
    const roLink = await post(
      `/${sha("a")}/link-to-control`,
      { control_id: "CC6.1" },
      mock.identity.readOnlyApiKey,
    );
    expect(roLink.status).toBe(403);
    expect(roLink.body.detail).toBe("missing required scope: write:evidence");

    const stranger = await post(
      "/upload-url",
      { filename: "a.csv", content_type: "text/csv", control_id: "CC6.1" },
      mock.identity.noOrgApiKey,
    );
    expect(stranger).toEqual({
      status: 403,
      body: { detail: "not a member of this organization" },
    });

    const otherOrg = await fetch(
      `${mock.baseUrl}/api/v1/orgs/00000000-0000-0000-0000-000000000002/evidence/upload-url`,
      { method: "POST", headers: { ...auth(), "Content-Type": "application/json" }, body: "{}" },
    );
    expect(otherOrg.status).toBe(403);
    expect(await otherOrg.json()).toEqual({ detail: "not a member of this organization" });

    const attempts: Record<string, string>[] = [
      {},
      { Authorization: "Bearer sk-unknown" },
      { Authorization: "Basic abc" },
    ];
    for (const headers of attempts) {
      const res = await fetch(`${base()}/upload-url`, { method: "POST", headers });
      expect(res.status).toBe(401);
      expect(await res.json()).toEqual({ detail: "invalid or missing API key" });
    }
  });

  it("lets a read:evidence key verify and read, but not write", async () => {
    const a = await store("readable");
    await post(`/${a.hash}/link-to-control`, { control_id: "CC6.1", object_key: a.key });
    const ro = mock.identity.readOnlyApiKey;
    const v = await post(
      `/verify?object_key=${encodeURIComponent(a.key)}&expected_hash=${a.hash}`,
      undefined,
      ro,
    );
    expect(v.status).toBe(200);
    const list = await fetch(base(), { headers: auth(ro) });
    expect(list.status).toBe(200);
  });

  it("validates upload-url bodies", async () => {
    expect((await post("/upload-url", { content_type: "text/csv", control_id: "C" })).body).toEqual(
      {
        detail: "filename is required",
      },
    );
    expect(
      (await post("/upload-url", { filename: "a", content_type: "csv", control_id: "C" })).status,
    ).toBe(422);
    expect((await post("/upload-url", { filename: "a", content_type: "text/csv" })).body).toEqual({
      detail: "control_id is required",
    });
    const up = await post("/upload-url", {
      filename: "../../etc/pass wd.csv",
      content_type: "text/csv",
      control_id: "C",
    });
    expect(up.body.object_key).toMatch(/\/pass_wd\.csv$/);
    expect(String(up.body.object_key)).not.toContain("..");
  });
});

describe("Sovereign evidence read side", () => {
  it("lists evidence with lineage, pages with links, shows one and mints a download URL", async () => {
    const hashes: string[] = [];
    for (let i = 0; i < 3; i++) {
      const a = await store(`file ${i}`);
      hashes.push(a.hash);
      await post(`/${a.hash}/link-to-control`, {
        control_id: i === 2 ? "CC7.2" : "CC6.1",
        framework_id: "SOC2",
        object_key: a.key,
      });
    }
    const ro = auth(mock.identity.readOnlyApiKey);
    const page = await fetch(`${base()}?page[size]=2&include=lineage`, { headers: ro });
    expect(page.headers.get("content-type")).toBe("application/vnd.api+json");
    const doc = (await page.json()) as {
      data: { id: string; type: string; attributes: Record<string, unknown> }[];
      links: Record<string, string>;
      included: { type: string }[];
    };
    expect(doc.data.map((d) => d.id)).toEqual(hashes.slice(0, 2));
    expect(doc.data[0]!.type).toBe("evidence");
    expect(doc.data[0]!.attributes).toMatchObject({
      sha256: hashes[0],
      size: 6,
      content_type: "text/csv",
    });
    expect(doc.included.map((i) => i.type)).toEqual(["evidence_lineages", "evidence_lineages"]);
    expect(doc.links.next).toBe(`${base()}?include=lineage&page%5Bnumber%5D=2&page%5Bsize%5D=2`);
    expect(doc.links.prev).toBeUndefined();

    const filtered = await fetch(`${base()}?filter[control_id_eq]=CC7.2`, { headers: ro });
    const fdoc = (await filtered.json()) as { data: { id: string }[] };
    expect(fdoc.data.map((d) => d.id)).toEqual([hashes[2]]);
    const bad = await fetch(`${base()}?filter[nope_eq]=1`, { headers: ro });
    expect(bad.status).toBe(422);

    const one = await fetch(`${base()}/${hashes[1]}`, { headers: ro });
    const odoc = (await one.json()) as {
      data: { id: string };
      included: { attributes: { control_id: string } }[];
    };
    expect(odoc.data.id).toBe(hashes[1]);
    expect(odoc.included[0]!.attributes.control_id).toBe("CC6.1");
    expect((await fetch(`${base()}/${sha("nothing")}`, { headers: ro })).status).toBe(404);

    const dl = await fetch(`${base()}/${hashes[1]}/download-url`, { headers: ro });
    const d = (await dl.json()) as { download_url: string; sha256: string; size: number };
    expect(d.sha256).toBe(hashes[1]);
    const bytes = await fetch(d.download_url);
    expect(bytes.status).toBe(200);
    expect(await bytes.text()).toBe("file 1");
    // The GET signature does not cover a PUT.
    const misuse = await fetch(d.download_url, {
      method: "PUT",
      body: "x",
      headers: { "Content-Type": "text/csv" },
    });
    expect(misuse.status).toBe(403);
  });
});

describe("evidence collection through the JSON:API engine", () => {
  it("sorts, combines filters with OR, and names unknown terms", async () => {
    const ids: Record<string, string> = {};
    for (const [body, control] of [
      ["a", "CC1.1"],
      ["bbb", "CC2.1"],
      ["cc", "CC3.1"],
    ] as const) {
      const s = await store(body);
      ids[body] = s.hash;
      await post(`/${s.hash}/link-to-control`, { control_id: control, object_key: s.key });
    }
    const ro = auth(mock.identity.readOnlyApiKey);
    const get = async (query: string) => {
      const res = await fetch(`${base()}?${query}`, { headers: ro });
      return {
        status: res.status,
        body: (await res.json()) as { data?: { id: string }[]; detail?: string },
      };
    };
    const sorted = await get("filter[sorts]=size+desc");
    expect(sorted.body.data?.map((d) => d.id)).toEqual([ids.bbb, ids.cc, ids.a]);
    const or = await get("filter[m]=or&filter[control_id_eq]=CC1.1&filter[size_gt]=2");
    expect(or.body.data?.map((d) => d.id)).toEqual([ids.a, ids.bbb]);
    const inList = await get("filter[control_id_in][]=CC2.1&filter[control_id_in][]=CC3.1");
    expect(inList.body.data?.map((d) => d.id)).toEqual([ids.bbb, ids.cc]);
    const bad = await get("filter[colour_eq]=red");
    expect(bad.status).toBe(422);
    expect(bad.body.detail).toMatch(/^Invalid search term colour_eq/);
    const badPage = await get("page[size]=101");
    expect(badPage.status).toBe(422);
    expect(badPage.body.detail).toMatch(/page\[size\]/);
  });
});

describe("sanitizeFilename", () => {
  it("always yields one safe, non-empty path segment", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (name) => {
        const safe = sanitizeFilename(name);
        expect(safe).toMatch(/^[A-Za-z0-9][A-Za-z0-9._-]*$|^file$/);
        expect(safe.length).toBeLessThanOrEqual(200);
        expect(safe).not.toContain("..");
      }),
    );
    expect(sanitizeFilename("access_logs_2024.csv")).toBe("access_logs_2024.csv");
    expect(sanitizeFilename("0..")).toBe("0.");
    expect(sanitizeFilename("a...b")).toBe("a.b");
    expect(sanitizeFilename("C:\\reports\\Q1 report.pdf")).toBe("Q1_report.pdf");
    expect(sanitizeFilename("..")).toBe("file");
  });
});

describe("storage off", () => {
  const off = withMock({ platforms: ["sovereign"], storage: false });
  it("answers 503 from upload-url, verify and download-url", async () => {
    const b = `${off.baseUrl}/api/v1/orgs/${off.identity.orgId}/evidence`;
    const h = {
      Authorization: `Bearer ${off.identity.apiKey}`,
      "Content-Type": "application/json",
    };
    const up = await fetch(`${b}/upload-url`, {
      method: "POST",
      headers: h,
      body: JSON.stringify({ filename: "a.csv", content_type: "text/csv", control_id: "CC6.1" }),
    });
    expect(up.status).toBe(503);
    expect(await up.json()).toEqual({ detail: "object storage is not configured" });
    const v = await fetch(`${b}/verify?object_key=k&expected_hash=${sha("a")}`, {
      method: "POST",
      headers: h,
    });
    expect(v.status).toBe(503);
    expect(await v.json()).toEqual({ detail: "object storage is not configured" });
    const d = await fetch(`${b}/${sha("a")}/download-url`, { headers: h });
    expect(d.status).toBe(503);
    expect(off.storageUrl).toBe("");
  });
});
