import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ExitCode, UnavailableError, UsageError } from "../../../src/errors.js";
import { createStorageClient, readStorageError } from "../../../src/http/client.js";
import { type HttpStorageClient, storagePut } from "../../../src/http/storage-client.js";
import type { ClientOptions } from "../../../src/http/types.js";
import { fakeServers, fakeSleep } from "../../helpers/fake-server.js";

const { defer, server } = fakeServers();

function storage(
  options: Partial<Omit<ClientOptions, "baseUrl" | "credential">> = {},
): HttpStorageClient {
  const c = createStorageClient({ sleep: async () => {}, random: () => 0.5, ...options });
  defer(() => c.close());
  return c;
}

const PRESIGNED =
  "/grc-evidence/orgs/o1/evidence/u1/a.txt?X-Amz-Algorithm=GRC-MOCK-HMAC-SHA256&X-Amz-Date=20261123T100000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=content-type&X-Amz-Signature=0badc0de";

async function text(body: Readable): Promise<string> {
  let out = "";
  for await (const c of body) out += c;
  return out;
}

describe("storage client", () => {
  it("streams a factory body with Content-Length (never chunked) and no credentials", async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { etag: '"abc"' });
      res.end();
    });
    const c = storage();
    const res = await c.request({
      method: "PUT",
      url: `${s.url}${PRESIGNED}`,
      headers: {
        "Content-Type": "text/plain",
        Authorization: "Bearer sk-should-never-leave-1234",
        Cookie: "session=nope",
        "X-Organization-Id": "o1",
      },
      body: () => Readable.from([Buffer.from("hello "), Buffer.from("world")]),
      contentLength: 11,
    });
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('"abc"');
    await text(res.body);
    const [req] = s.requests;
    expect(req!.url).toBe(PRESIGNED);
    expect(req!.body.toString()).toBe("hello world");
    expect(req!.headers["content-length"]).toBe("11");
    expect(req!.headers["transfer-encoding"]).toBeUndefined();
    expect(req!.headers["content-type"]).toBe("text/plain");
    expect(req!.headers.authorization).toBeUndefined();
    expect(req!.headers.cookie).toBeUndefined();
    expect(req!.headers["x-organization-id"]).toBeUndefined();
  });

  it("refuses a stream body without a length", async () => {
    const c = storage();
    await expect(
      c.request({ method: "PUT", url: "http://127.0.0.1:1/x", body: () => Readable.from(["x"]) }),
    ).rejects.toThrow(UsageError);
  });

  it("returns a 403 at once (no retry) and decodes its S3 XML", async () => {
    const s = await server((_req, res) => {
      res.writeHead(403, { "content-type": "application/xml" });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><RequestId>r</RequestId></Error>`,
      );
    });
    const c = storage();
    const url = `${s.url}${PRESIGNED}`;
    const res = await c.request({ method: "PUT", url, body: "data" });
    expect(res.status).toBe(403);
    expect(s.requests).toHaveLength(1);
    const err = await readStorageError(res, "PUT", url);
    expect(err.code).toBe("AccessDenied");
    expect(err.exitCode).toBe(ExitCode.auth);
    expect(err.line()).toBe(
      "Request has expired (AccessDenied) (HTTP 403 from PUT /grc-evidence/orgs/o1/evidence/u1/a.txt) — the presigned URL expired; request a fresh one",
    );
  });

  it("retries 5xx/429 by calling the body factory again", async () => {
    const s = await server((_req, res) => {
      res.writeHead(s.requests.length < 3 ? (s.requests.length === 1 ? 503 : 429) : 200);
      res.end();
    });
    let calls = 0;
    const { sleeps, sleep } = fakeSleep();
    const c = storage({ sleep });
    const res = await c.request({
      method: "PUT",
      url: `${s.url}${PRESIGNED}`,
      body: () => {
        calls += 1;
        return Readable.from([Buffer.from("abc")]);
      },
      contentLength: 3,
    });
    expect(res.status).toBe(200);
    expect(calls).toBe(3);
    expect(sleeps).toHaveLength(2);
    expect(s.requests.map((r) => r.body.toString())).toEqual(["abc", "abc", "abc"]);
  });

  it("a loopback storage that refuses the connection fails at once, one line naming it", async () => {
    const s = await server(() => {}, { optional: true });
    const port = s.port;
    await s.close();
    const { sleeps, sleep } = fakeSleep();
    const c = storage({ sleep });
    let calls = 0;
    const err = await c
      .request({
        method: "PUT",
        url: `http://127.0.0.1:${port}${PRESIGNED}`,
        body: () => {
          calls += 1;
          return Readable.from([Buffer.from("abc")]);
        },
        contentLength: 3,
      })
      .catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.line()).toBe(
      `cannot connect to the storage at http://127.0.0.1:${port}: connection refused (ECONNREFUSED) — is the storage server running? the platform's upload URL points there (the mock serves it with \`grc mock serve\`)`,
    );
    expect(err.line()).not.toContain("X-Amz-Signature");
    expect(calls).toBe(1);
    expect(sleeps).toEqual([]);
    expect(c.stats()).toMatchObject({ attempts: 1, retries: 0 });
  });

  it("a storage timeout after the body is not sent again; a 503 is, honouring Retry-After", async () => {
    const s = await server((_req, res) => {
      if (s.requests.length === 1) {
        res.writeHead(503, { "retry-after": "3" });
        res.end();
      } else if (s.requests.length === 2) {
        // never answers: the headers timeout ends it
      } else {
        res.writeHead(200);
        res.end();
      }
    });
    const { sleeps, sleep } = fakeSleep();
    const notices: string[] = [];
    const c = storage({ sleep, timeoutMs: 300, notice: (l) => notices.push(l) });
    const err = await c
      .request({ method: "PUT", url: `${s.url}${PRESIGNED}`, body: "abc" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.line()).toMatch(/did not respond within 300ms \(ETIMEDOUT\) after 2 attempts/);
    expect(s.requests).toHaveLength(2);
    expect(sleeps).toEqual([3000]);
    expect(notices).toEqual([
      expect.stringMatching(
        /^127\.0\.0\.1:\d+ answered 503; waiting 3s until \S+Z \(Retry-After\)$/,
      ),
    ]);
  });

  it("rejects file:, data: and other schemes with a clear error", async () => {
    const c = storage();
    await expect(c.request({ method: "GET", url: "file:///etc/passwd" })).rejects.toThrow(
      "refusing the storage URL with scheme file:",
    );
    await expect(c.request({ method: "GET", url: "data:text/plain,hi" })).rejects.toThrow(
      "refusing the storage URL with scheme data:",
    );
  });

  it("follows a redirect to another host without ever adding credentials", async () => {
    const capture = await server((_req, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream" });
      res.end("payload");
    });
    const s = await server((_req, res) => {
      res.writeHead(307, {
        location: `http://localhost:${capture.port}/moved${PRESIGNED.slice(PRESIGNED.indexOf("?"))}`,
      });
      res.end();
    });
    const c = storage();
    const res = await c.request({
      method: "GET",
      url: `${s.url}${PRESIGNED}`,
      headers: { authorization: "Bearer sk-x" },
    });
    expect(await text(res.body)).toBe("payload");
    expect(capture.requests[0]!.headers.authorization).toBeUndefined();
    expect(capture.requests[0]!.headers.cookie).toBeUndefined();
  });

  it("returns downloads as a stream", async () => {
    const big = Buffer.alloc(1024 * 1024, 7);
    const s = await server((_req, res) => {
      res.writeHead(200, { "content-length": String(big.length) });
      res.end(big);
    });
    const c = storage();
    const res = await c.request({ method: "GET", url: `${s.url}${PRESIGNED}` });
    let size = 0;
    for await (const chunk of res.body) size += (chunk as Buffer).length;
    expect(size).toBe(big.length);
  });
});

function s3Error(code: string, message: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>r</RequestId></Error>`;
}

/** storagePut: one PUT, its answer decoded once into ok / expired / error-with-status. */
describe("storagePut", () => {
  it("2xx is ok, the body sent whole", async () => {
    const s = await server((_req, res) => {
      res.writeHead(200);
      res.end("ignored");
    });
    const out = await storagePut(storage({ retries: 2 }), {
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
    const out = await storagePut(storage({ retries: 2 }), {
      url: `${s.url}${PRESIGNED}`,
      body: "x",
    });
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
    const out = await storagePut(storage({ retries: 2 }), {
      url: `${s.url}${PRESIGNED}`,
      body: "x",
    });
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
    const out = await storagePut(storage({ retries: 2 }), {
      url: `${s.url}${PRESIGNED}`,
      body: "x",
    });
    expect(out).toMatchObject({ kind: "error", status: 503 });
    // The one retry layer: the client's attempts (2 here), no more.
    expect(s.requests).toHaveLength(2);
  });
});
