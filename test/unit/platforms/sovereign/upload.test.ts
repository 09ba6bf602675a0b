import { describe, expect, it } from "vitest";
import { HttpError, UnavailableError } from "../../../../src/errors.js";
import { ContradictingAnswerError } from "../../../../src/platforms/sovereign/index.js";
import {
  BASE,
  EV,
  HttpResponse,
  http,
  KEY,
  ORG,
  SHA,
  setup,
  uploadReply,
  useMsw,
} from "./msw-sovereign.js";

const server = useMsw();

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
