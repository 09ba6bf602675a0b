import { HttpResponse, http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { walkPages } from "../../../../src/core/query/walker.js";
import { HttpError, UnavailableError } from "../../../../src/errors.js";
import type { ApiClient, ApiRequest, ApiResponse } from "../../../../src/http/types.js";
import {
  assertSafeObjectKey,
  assertSafeStorageUrl,
  ContradictingAnswerError,
  evidenceListQuery,
  evidencePageOf,
  sovereignEvidence,
} from "../../../../src/platforms/sovereign/index.js";

const BASE = "https://grc.test";
const ORG = "00000000-0000-0000-0000-000000000001";
const EV = `${BASE}/api/v1/orgs/${ORG}/evidence`;
const SHA = "a".repeat(64);
const KEY = `orgs/${ORG}/evidence/11111111-2222-3333-4444-555555555555/access_logs_2024.csv`;

/**
 * A minimal ApiClient over fetch (which msw intercepts): Bearer auth, throws HttpError with
 * the `detail` text on non-2xx like the real client does. It records what was sent.
 */
function fetchClient(sent: ApiRequest[]): ApiClient {
  const send = async (req: ApiRequest): Promise<ApiResponse> => {
    sent.push(req);
    const url = new URL(req.path, BASE);
    const res = await fetch(url, {
      method: req.method,
      headers: { authorization: "Bearer sk-test", ...req.headers },
      body: typeof req.body === "function" ? undefined : req.body,
    });
    const body = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      headers: Object.fromEntries(res.headers),
      url: res.url,
      body,
      text: () => body.toString("utf8"),
      json: <T>() => JSON.parse(body.toString("utf8")) as T,
    };
  };
  return {
    baseUrl: BASE,
    send,
    async request(req) {
      const res = await send(req);
      if (res.status >= 300) {
        const detail = (res.json() as { detail?: string }).detail ?? `HTTP ${res.status}`;
        throw new HttpError(detail, { status: res.status, details: [detail] });
      }
      return res;
    },
    async close() {},
  };
}

const server = setupServer();
beforeAll(() => server.listen({ onUnhandledRequest: "error" }));
afterEach(() => server.resetHandlers());
afterAll(() => server.close());

function setup() {
  const sent: ApiRequest[] = [];
  const client = fetchClient(sent);
  return { sent, client, ev: sovereignEvidence(client, ORG) };
}

const uploadReply = {
  upload_url: `http://127.0.0.1:9/grc-evidence/${KEY}?X-Amz-Signature=abc`,
  object_key: KEY,
  expires_in: 900,
  max_size: 104857600,
};

describe("requestUploadUrl", () => {
  it("posts the seed's JSON body to the org's upload-url and decodes the slot", async () => {
    let received: unknown;
    server.use(
      http.post(`${EV}/upload-url`, async ({ request }) => {
        received = await request.json();
        expect(request.headers.get("content-type")).toBe("application/json");
        return HttpResponse.json(uploadReply);
      }),
    );
    const { ev, sent } = setup();
    const slot = await ev.requestUploadUrl({
      filename: "access_logs_2024.csv",
      content_type: "text/csv",
      control_id: "CC6.1",
      framework_id: undefined,
    });
    expect(received).toEqual({
      filename: "access_logs_2024.csv",
      content_type: "text/csv",
      control_id: "CC6.1",
    });
    expect(slot).toEqual(uploadReply);
    expect(sent[0]?.idempotent).toBe(true);
  });

  it.each([
    ["file:///etc/passwd", "scheme file is not http(s)"],
    ["ftp://store/x", "scheme ftp is not http(s)"],
    [`${BASE}/grc-evidence/../api/v1/orgs/${ORG}/evidence/x`, "on the API's own origin"],
    [`${BASE}/grc-evidence/%2e%2e/api/keys`, "on the API's own origin"],
    ["https://user:pw@store.test/k", "it embeds credentials"],
    ["not a url", "it is not a valid URL"],
  ])("refuses the unsafe upload URL %s", async (url, why) => {
    server.use(
      http.post(`${EV}/upload-url`, () => HttpResponse.json({ ...uploadReply, upload_url: url })),
    );
    const { ev } = setup();
    const err = await ev
      .requestUploadUrl({ filename: "a.csv", content_type: "text/csv", control_id: "C" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).message).toContain(
      "the server returned an unsafe upload URL (",
    );
    expect((err as UnavailableError).message).toContain(why);
    expect((err as UnavailableError).exitCode).toBe(4);
  });

  it.each(["../../etc/passwd", "/abs/key", "orgs/x/../y", "c:\\x"])(
    "refuses the unsafe object key %j",
    async (key) => {
      server.use(
        http.post(`${EV}/upload-url`, () => HttpResponse.json({ ...uploadReply, object_key: key })),
      );
      const { ev } = setup();
      await expect(
        ev.requestUploadUrl({ filename: "a.csv", content_type: "text/csv", control_id: "C" }),
      ).rejects.toThrow(
        /the server returned an unsafe object key .* \(absolute or path traversal\)/,
      );
    },
  );

  it("names the control character of an object key echoed from a file name (issue 11)", async () => {
    server.use(
      http.post(`${EV}/upload-url`, () =>
        HttpResponse.json({ ...uploadReply, object_key: "orgs/o/evidence/u/a\nb.csv" }),
      ),
    );
    const { ev } = setup();
    const err = await ev
      .requestUploadUrl({ filename: "a\nb.csv", content_type: "text/csv", control_id: "C" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContradictingAnswerError);
    expect((err as ContradictingAnswerError).line()).toBe(
      'the server returned an unsafe object key "orgs/o/evidence/u/a\\nb.csv" (it holds the control character U+000A, most likely echoed from the file name) — rename the file without control characters, or report the key to the platform operator',
    );
  });

  it("names the missing field of a malformed reply", async () => {
    server.use(
      http.post(`${EV}/upload-url`, () =>
        HttpResponse.json({ upload_url: uploadReply.upload_url }),
      ),
    );
    const { ev } = setup();
    await expect(
      ev.requestUploadUrl({ filename: "a.csv", content_type: "text/csv", control_id: "C" }),
    ).rejects.toThrow(
      'the server returned an unexpected upload-url response (missing or invalid "object_key")',
    );
  });

  it("lets the client's 503 through unchanged", async () => {
    server.use(
      http.post(`${EV}/upload-url`, () =>
        HttpResponse.json({ detail: "object storage is not configured" }, { status: 503 }),
      ),
    );
    const { ev } = setup();
    const err = await ev
      .requestUploadUrl({ filename: "a.csv", content_type: "text/csv", control_id: "C" })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).status).toBe(503);
  });
});

describe("verifyObject", () => {
  it("sends object_key and expected_hash as query parameters with no body", async () => {
    let query: URLSearchParams | undefined;
    let bodyText = "x";
    server.use(
      http.post(`${EV}/verify`, async ({ request }) => {
        query = new URL(request.url).searchParams;
        bodyText = await request.text();
        return HttpResponse.json({
          object_key: KEY,
          expected_hash: SHA,
          actual_hash: SHA,
          size: 4096,
          verified: true,
        });
      }),
    );
    const { ev, sent } = setup();
    const result = await ev.verifyObject(KEY, SHA);
    expect(query?.get("object_key")).toBe(KEY);
    expect(query?.get("expected_hash")).toBe(SHA);
    expect(bodyText).toBe("");
    expect(result).toEqual({
      verified: true,
      object_key: KEY,
      expected_hash: SHA,
      actual_hash: SHA,
      size: 4096,
    });
    expect(sent[0]?.idempotent).toBe(true);
  });

  it("returns a mismatch as a result, not an exception", async () => {
    server.use(
      http.post(`${EV}/verify`, () =>
        HttpResponse.json(
          {
            detail: "hash mismatch: stored object has a different SHA-256",
            object_key: KEY,
            expected_hash: SHA,
            actual_hash: "b".repeat(64),
            verified: false,
          },
          { status: 422 },
        ),
      ),
    );
    const { ev } = setup();
    const result = await ev.verifyObject(KEY, SHA);
    expect(result.verified).toBe(false);
    expect(result.verified === false && result.actual_hash).toBe("b".repeat(64));
    expect(result.verified === false && result.detail).toBe(
      "hash mismatch: stored object has a different SHA-256",
    );
  });

  it("throws on an unknown object", async () => {
    server.use(
      http.post(`${EV}/verify`, () =>
        HttpResponse.json({ detail: "object not found" }, { status: 404 }),
      ),
    );
    const { ev } = setup();
    await expect(ev.verifyObject(KEY, SHA)).rejects.toThrow("object not found");
  });
});

describe("linkToControl", () => {
  it("posts to /{sha256}/link-to-control with the object_key in the body", async () => {
    let received: unknown;
    server.use(
      http.post(`${EV}/:id/link-to-control`, async ({ request, params }) => {
        received = { id: params.id, body: await request.json() };
        return HttpResponse.json({
          lineage_id: 7,
          evidence_id: SHA,
          control_id: "CC6.1",
          framework_id: "SOC2",
          assessment_id: null,
          created: false,
        });
      }),
    );
    const { ev, sent } = setup();
    const row = await ev.linkToControl({
      evidence_id: SHA,
      object_key: KEY,
      control_id: "CC6.1",
      framework_id: "SOC2",
    });
    expect(received).toEqual({
      id: SHA,
      body: { control_id: "CC6.1", framework_id: "SOC2", object_key: KEY },
    });
    expect(row).toEqual({
      lineage_id: "7",
      evidence_id: SHA,
      control_id: "CC6.1",
      framework_id: "SOC2",
      assessment_id: null,
      created: false,
    });
    expect(sent[0]?.idempotent).toBe(true);
  });

  it("refuses a reply without created", async () => {
    server.use(
      http.post(`${EV}/:id/link-to-control`, () => HttpResponse.json({ lineage_id: "x" })),
    );
    const { ev } = setup();
    await expect(
      ev.linkToControl({ evidence_id: SHA, object_key: KEY, control_id: "C" }),
    ).rejects.toThrow('(missing or invalid "created")');
  });
});

describe("read side", () => {
  const resource = (sha: string) => ({
    id: sha,
    type: "evidence",
    attributes: {
      sha256: sha,
      size: 10,
      content_type: "text/csv",
      filename: "a.csv",
      object_keys: [KEY],
      created_at: "2026-11-23T00:00:00Z",
    },
    relationships: { lineage: { data: [{ type: "evidence_lineages", id: "1" }] } },
  });

  it("builds page, size and filter parameters in wire form", () => {
    expect(
      evidenceListQuery({
        control: "CC6.1",
        query: ["filter[filename_cont]=log"],
        pageNumber: 2,
        pageSize: 50,
      }),
    ).toBe("?filter[control_id_eq]=CC6.1&filter[filename_cont]=log&page[number]=2&page[size]=50");
    expect(evidenceListQuery({})).toBe("");
  });

  it("lists a page and follows links.next", async () => {
    server.use(
      http.get(EV, ({ request }) => {
        const page = new URL(request.url).searchParams.get("page[number]") ?? "1";
        return HttpResponse.json({
          data: [resource(page === "1" ? SHA : "c".repeat(64))],
          links: { self: request.url, next: page === "1" ? `${EV}?page%5Bnumber%5D=2` : null },
        });
      }),
    );
    const { ev, sent, client } = setup();
    const first = await ev.listEvidence({ control: "CC6.1" });
    expect(first.data.map((r) => r.id)).toEqual([SHA]);
    expect(first.data[0]?.attributes.object_keys).toEqual([KEY]);
    sent.length = 0;
    // The walk `grc evidence list --all` runs: the one links.next walker over this pager.
    const pages: string[][] = [];
    for await (const page of walkPages({
      client,
      pager: ev.evidencePager({ control: "CC6.1" }),
      all: true,
      concurrency: 1,
    })) {
      pages.push(evidencePageOf({ data: page.resources }).data.map((r) => r.id));
    }
    expect(pages[1]?.[0]).toBe("c".repeat(64));
    expect(pages).toHaveLength(2);
    expect(sent.map((r) => r.path)).toEqual([
      `/api/v1/orgs/${ORG}/evidence?filter[control_id_eq]=CC6.1`,
      `${EV}?page%5Bnumber%5D=2`,
    ]);
  });

  it("gets one evidence with its lineage rows and a download URL", async () => {
    server.use(
      http.get(`${EV}/${SHA}`, () =>
        HttpResponse.json({
          data: resource(SHA),
          included: [{ type: "evidence_lineages", id: "1", attributes: { control_id: "CC6.1" } }],
        }),
      ),
      http.get(`${EV}/${SHA}/download-url`, () =>
        HttpResponse.json({
          download_url: `http://127.0.0.1:9/grc-evidence/${KEY}?X-Amz-Signature=abc`,
          object_key: KEY,
          expires_in: 900,
          sha256: SHA.toUpperCase(),
          size: 10,
        }),
      ),
    );
    const { ev } = setup();
    const doc = await ev.getEvidence(SHA);
    expect(doc.data.attributes.filename).toBe("a.csv");
    expect(doc.included[0]?.attributes).toEqual({ control_id: "CC6.1" });
    const dl = await ev.requestDownloadUrl(SHA);
    expect(dl.sha256).toBe(SHA);
  });

  it("refuses an unsafe download URL", async () => {
    server.use(
      http.get(`${EV}/${SHA}/download-url`, () =>
        HttpResponse.json({
          download_url: "file:///etc/shadow",
          object_key: KEY,
          expires_in: 1,
          sha256: SHA,
          size: 1,
        }),
      ),
    );
    const { ev } = setup();
    await expect(ev.requestDownloadUrl(SHA)).rejects.toThrow(
      "the server returned an unsafe download URL (scheme file is not http(s))",
    );
  });

  it("download-url: checked against the id asked for; only download_url required", async () => {
    let answer: Record<string, unknown> = {};
    server.use(http.get(`${EV}/${SHA}/download-url`, () => HttpResponse.json(answer)));
    const { ev } = setup();
    // Another hash announced: an answer about another evidence, refused.
    answer = { download_url: "http://127.0.0.1:9/b/k", size: 10, sha256: "c".repeat(64) };
    const err = await ev.requestDownloadUrl(SHA).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ContradictingAnswerError);
    expect((err as ContradictingAnswerError).message).toBe(
      `download-url answered for another evidence (SHA-256 ${"c".repeat(64)}), not the ${SHA} asked for`,
    );
    // No hash, no key, no expiry: the id asked for is the hash checked; the key defaults to it.
    answer = { size: "10", download_url: "http://127.0.0.1:9/b/k" };
    expect(await ev.requestDownloadUrl(SHA)).toEqual({
      download_url: "http://127.0.0.1:9/b/k",
      object_key: SHA,
      expires_in: 0,
      sha256: SHA,
      size: 10,
    });
    // The document names the call, not its answer: without a size the download is bounded
    // by storage (see the download command); only download_url is required.
    answer = { download_url: "http://127.0.0.1:9/b/k" };
    expect((await ev.requestDownloadUrl(SHA)).size).toBeUndefined();
    answer = { size: 10 };
    await expect(ev.requestDownloadUrl(SHA)).rejects.toThrow(/download_url/);
  });

  it("refuses an evidence resource without a hash", async () => {
    server.use(
      http.get(EV, () =>
        HttpResponse.json({ data: [{ id: "1", type: "evidence", attributes: {} }] }),
      ),
    );
    const { ev } = setup();
    await expect(ev.listEvidence()).rejects.toThrow('(missing or invalid "attributes.sha256")');
  });
});

describe("URL and key checks accept what real storage returns", () => {
  it.each([
    "https://acct.r2.cloudflarestorage.com/grc-evidence/orgs/o/evidence/u/..report.csv?X-Amz-Signature=a..b",
    "http://127.0.0.1:9000/grc-evidence/orgs/o/evidence/u/a..b.csv",
    `${BASE}/storage/grc-evidence/orgs/o/evidence/u/x.csv`,
  ])("accepts %s", (url) => {
    expect(() => assertSafeStorageUrl(url, BASE, "upload")).not.toThrow();
  });

  it.each(["orgs/o/evidence/u/..report.csv", "orgs/o/evidence/u/a b (1).csv"])(
    "accepts the key %j",
    (key) => {
      expect(() => assertSafeObjectKey(key)).not.toThrow();
    },
  );

  it("never echoes the URL or its signature", () => {
    const err = (() => {
      try {
        assertSafeStorageUrl(`${BASE}/x/../api?X-Amz-Signature=deadbeef`, BASE, "upload");
      } catch (e) {
        return e as Error;
      }
      return undefined;
    })();
    expect(err?.message).toBe(
      "the server returned an unsafe upload URL (its path walks out of its folder on the API's own origin)",
    );
  });
});
