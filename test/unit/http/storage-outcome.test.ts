import { describe, expect, it } from "vitest";
import { createStorageClient, storagePut } from "../../../src/http/storage-client.js";
import { fakeServers } from "../../helpers/fake-server.js";

/** storagePut: one PUT, its answer decoded once into ok / expired / error-with-status. */

const { defer, server } = fakeServers();

function storage() {
  const c = createStorageClient({ sleep: async () => {}, random: () => 0.5, retries: 2 });
  defer(() => c.close());
  return c;
}

const PRESIGNED =
  "/grc-evidence/orgs/o1/evidence/u1/a.txt?X-Amz-Algorithm=GRC-MOCK-HMAC-SHA256&X-Amz-Signature=0badc0de";

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>r</RequestId></Error>`;
}

describe("storagePut", () => {
  it("2xx is ok, the body sent whole", async () => {
    const s = await server((_req, res) => {
      res.writeHead(200);
      res.end("ignored");
    });
    const out = await storagePut(storage(), {
      url: `${s.url}${PRESIGNED}`,
      headers: { "content-type": "text/plain" },
      body: "hello",
      contentLength: 5,
    });
    expect(out).toEqual({ kind: "ok" });
    expect(s.requests[0]!.body.toString()).toBe("hello");
  });

  it("S3's 403 Request has expired is `expired`, asked once", async () => {
    const s = await server((_req, res) => {
      res.writeHead(403, { "content-type": "application/xml" });
      res.end(s3Error("AccessDenied", "Request has expired"));
    });
    const out = await storagePut(storage(), { url: `${s.url}${PRESIGNED}`, body: "x" });
    expect(out.kind).toBe("expired");
    expect(out.kind !== "ok" && out.error.status).toBe(403);
    expect(out.kind !== "ok" && out.error.message).toMatch(/Request has expired/);
    expect(s.requests).toHaveLength(1);
  });

  it("any other 403 is an error with its status and S3 code; the query never shows", async () => {
    const s = await server((_req, res) => {
      res.writeHead(403, { "content-type": "application/xml" });
      res.end(
        s3Error("SignatureDoesNotMatch", "The request signature we calculated does not match"),
      );
    });
    const out = await storagePut(storage(), { url: `${s.url}${PRESIGNED}`, body: "x" });
    expect(out.kind).toBe("error");
    if (out.kind !== "error") throw new Error("unreachable");
    expect(out.status).toBe(403);
    expect(out.error.status).toBe(403);
    expect(out.error.code).toBe("SignatureDoesNotMatch");
    expect(out.error.line()).not.toContain("0badc0de");
  });

  it("a 5xx still failing after the client's retries is an error with status 503", async () => {
    const s = await server((_req, res) => {
      res.writeHead(503, { "content-type": "application/xml" });
      res.end(s3Error("SlowDown", "please reduce your rate"));
    });
    const out = await storagePut(storage(), { url: `${s.url}${PRESIGNED}`, body: "x" });
    expect(out).toMatchObject({ kind: "error", status: 503 });
    // The one retry layer: the client's attempts (2 here), no more.
    expect(s.requests).toHaveLength(2);
  });
});
