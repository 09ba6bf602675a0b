import { createHash } from "node:crypto";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { startMockServer } from "../../../src/mock/server.js";
import { amzDate, PresignSigner, parseAmzDate } from "../../../src/mock/storage.js";
import { DIALECTS, requestUploadUrl, withMock } from "../../helpers/mock.js";

const MAX = 1000;
const mock = withMock({
  platforms: ["sovereign"],
  objectsDir: "memory",
  maxSize: MAX,
  bodyTimeoutMs: 300,
});
const sha = (b: string | Buffer) => createHash("sha256").update(b).digest("hex");

function uploadUrl(contentType = "text/csv") {
  return requestUploadUrl(mock, { filename: "a.csv", content_type: contentType });
}

/** S3 XML error parts. */
async function s3Error(res: Response) {
  const text = await res.text();
  expect(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>')).toBe(true);
  expect(text).toMatch(/<RequestId>[0-9A-F]+<\/RequestId><\/Error>$/);
  return {
    status: res.status,
    code: /<Code>(.*?)<\/Code>/.exec(text)?.[1],
    message: /<Message>(.*?)<\/Message>/.exec(text)?.[1],
  };
}

/** Sends raw bytes on a fresh connection; resolves with everything received until close or `waitMs`. */
function raw(
  url: string,
  chunks: (string | Buffer)[],
  opts: { halfClose?: boolean; waitMs?: number } = {},
) {
  const u = new URL(url);
  return new Promise<string>((resolve, reject) => {
    const socket = connect(Number(u.port), u.hostname);
    let got = "";
    const timer = setTimeout(() => {
      socket.destroy();
      resolve(got);
    }, opts.waitMs ?? 3000);
    socket.on("data", (c) => {
      got += c.toString("latin1");
    });
    socket.on("error", () => {});
    socket.on("close", () => {
      clearTimeout(timer);
      resolve(got);
    });
    socket.on("connect", () => {
      for (const c of chunks) socket.write(c);
      if (opts.halfClose) socket.end();
    });
    socket.on("timeout", reject);
  });
}

async function waitFor(ok: () => boolean, ms = 2000) {
  const end = Date.now() + ms;
  while (!ok() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
}

function putHead(url: string, headers: Record<string, string | number>) {
  const u = new URL(url);
  const lines = [`PUT ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`];
  for (const [k, v] of Object.entries(headers)) lines.push(`${k}: ${v}`);
  return `${lines.join("\r\n")}\r\n\r\n`;
}

beforeEach(async () => {
  await mock.reset();
});

describe("presigned storage", () => {
  it("stores the exact bytes and serves them back with a presigned GET", async () => {
    const up = await uploadUrl();
    const res = await fetch(up.upload_url, {
      method: "PUT",
      headers: { "Content-Type": "text/csv" },
      body: "a,b\n1,2\n",
    });
    expect(res.status).toBe(200);
    expect(mock.state().objects[0]).toMatchObject({ sha256: sha("a,b\n1,2\n"), size: 8 });
  });

  it("refuses a tampered signature, key or expiry with SignatureDoesNotMatch", async () => {
    const up = await uploadUrl();
    const u = new URL(up.upload_url);
    const sig = u.searchParams.get("X-Amz-Signature")!;
    const variants: string[] = [];
    const a = new URL(u);
    a.searchParams.set("X-Amz-Signature", `${sig.slice(0, -1)}${sig.endsWith("0") ? "1" : "0"}`);
    variants.push(a.toString());
    const b = new URL(u);
    b.pathname = u.pathname.replace("a.csv", "b.csv");
    variants.push(b.toString());
    const c = new URL(u);
    c.searchParams.set("X-Amz-Expires", "604800");
    variants.push(c.toString());
    for (const url of variants) {
      const res = await fetch(url, {
        method: "PUT",
        headers: { "Content-Type": "text/csv" },
        body: "x",
      });
      expect(await s3Error(res)).toEqual({
        status: 403,
        code: "SignatureDoesNotMatch",
        message:
          "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
      });
    }
    const bare = new URL(u);
    bare.search = "";
    const res = await fetch(bare, {
      method: "PUT",
      headers: { "Content-Type": "text/csv" },
      body: "x",
    });
    expect((await s3Error(res)).code).toBe("AccessDenied");
    expect(mock.state().objects).toEqual([]);
  });

  it("refuses a Content-Type other than the signed one", async () => {
    const up = await uploadUrl("text/csv");
    for (const type of ["application/octet-stream", "text/csv; charset=utf-8", "text/CSV"]) {
      const res = await fetch(up.upload_url, {
        method: "PUT",
        headers: { "Content-Type": type },
        body: "x",
      });
      expect(await s3Error(res)).toMatchObject({ status: 403, code: "SignatureDoesNotMatch" });
    }
    expect(mock.state().objects).toEqual([]);
  });

  it("answers 403 Request has expired once the lifetime has passed on the server clock", async () => {
    const up = await uploadUrl();
    await fetch(`${mock.baseUrl}/__mock/clock?offset_ms=${901_000}`, { method: "POST" });
    const res = await fetch(up.upload_url, {
      method: "PUT",
      headers: { "Content-Type": "text/csv" },
      body: "x",
    });
    expect(await s3Error(res)).toEqual({
      status: 403,
      code: "AccessDenied",
      message: "Request has expired",
    });
    await fetch(`${mock.baseUrl}/__mock/clock?offset_ms=${899_000}`, { method: "POST" });
    const ok = await fetch(up.upload_url, {
      method: "PUT",
      headers: { "Content-Type": "text/csv" },
      body: "x",
    });
    expect(ok.status).toBe(200);
  });

  it("answers 400 EntityTooLarge from the Content-Length, before reading the body", async () => {
    const up = await uploadUrl();
    expect(up.max_size).toBe(MAX);
    const res = await fetch(up.upload_url, {
      method: "PUT",
      headers: { "Content-Type": "text/csv" },
      body: Buffer.alloc(MAX + 1),
    });
    expect(await s3Error(res)).toMatchObject({ status: 400, code: "EntityTooLarge" });
    // Only the header was needed: a client that waits for 100-continue sends nothing.
    const answer = await raw(up.upload_url, [
      putHead(up.upload_url, {
        "Content-Type": "text/csv",
        "Content-Length": 10 * MAX,
        Expect: "100-continue",
      }),
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).not.toContain("100 Continue");
    expect(answer).toContain("<Code>EntityTooLarge</Code>");
    const exact = await fetch(up.upload_url, {
      method: "PUT",
      headers: { "Content-Type": "text/csv" },
      body: Buffer.alloc(MAX),
    });
    expect(exact.status).toBe(200);
  });

  it("refuses chunked uploads with 411 MissingContentLength", async () => {
    const up = await uploadUrl();
    const answer = await raw(up.upload_url, [
      putHead(up.upload_url, { "Content-Type": "text/csv", "Transfer-Encoding": "chunked" }),
      "5\r\nhello\r\n0\r\n\r\n",
    ]);
    expect(answer).toMatch(/^HTTP\/1\.1 411 Length Required\r\n/);
    expect(answer).toContain("<Code>MissingContentLength</Code>");
    expect(answer).toContain("<Message>You must provide the Content-Length HTTP header.</Message>");
    expect(mock.state().objects).toEqual([]);
  });

  it("stores nothing when the body is shorter than Content-Length (connection closed)", async () => {
    const up = await uploadUrl();
    await raw(
      up.upload_url,
      [
        putHead(up.upload_url, { "Content-Type": "text/csv", "Content-Length": 100 }),
        "only 20 bytes here..",
      ],
      { halfClose: true, waitMs: 1000 },
    );
    expect(mock.state().objects).toEqual([]);
  });

  it("answers 400 IncompleteBody when the body stops arriving", async () => {
    const up = await uploadUrl();
    const answer = await raw(
      up.upload_url,
      [
        putHead(up.upload_url, { "Content-Type": "text/csv", "Content-Length": 100 }),
        "only 20 bytes here..",
      ],
      { waitMs: 3000 },
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer).toContain("<Code>IncompleteBody</Code>");
    expect(mock.state().objects).toEqual([]);
  });

  it("stores nothing when the body is longer than Content-Length", async () => {
    const up = await uploadUrl();
    const answer = await raw(
      up.upload_url,
      [
        putHead(up.upload_url, { "Content-Type": "text/csv", "Content-Length": 10 }) +
          "0123456789 and then some more bytes",
      ],
      { waitMs: 2000 },
    );
    expect(answer).not.toMatch(/^HTTP\/1\.1 200/);
    expect(mock.state().objects).toEqual([]);
  });

  it("refuses URLs signed with another mock's secret", async () => {
    const signer = new PresignSigner();
    const q = signer.query("GET", "orgs/x/evidence/y/z.csv", "", 60, new Date());
    const res = await fetch(`${mock.storageUrl}/grc-evidence/orgs/x/evidence/y/z.csv?${q}`);
    expect((await s3Error(res)).code).toBe("SignatureDoesNotMatch");
  });

  it("answers NoSuchKey for a presigned GET of an object that is gone", async () => {
    const up = await uploadUrl();
    await fetch(up.upload_url, {
      method: "PUT",
      headers: { "Content-Type": "text/csv" },
      body: "gone",
    });
    const base = `${mock.baseUrl}/api/v1/orgs/${mock.identity.orgId}/evidence`;
    const headers = {
      Authorization: `Bearer ${mock.identity.apiKey}`,
      "Content-Type": "application/json",
    };
    await fetch(`${base}/${sha("gone")}/link-to-control`, {
      method: "POST",
      headers,
      body: JSON.stringify({ control_id: "CC6.1", object_key: up.object_key }),
    });
    const dl = (await (await fetch(`${base}/${sha("gone")}/download-url`, { headers })).json()) as {
      download_url: string;
    };
    expect((await fetch(dl.download_url)).status).toBe(200);
    await mock.reset();
    const res = await fetch(dl.download_url);
    expect(await s3Error(res)).toEqual({
      status: 404,
      code: "NoSuchKey",
      message: "The specified key does not exist.",
    });
  });
});

describe("object store on disk", () => {
  let dir = "";
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("streams uploads into the directory and leaves no partial file behind", async () => {
    dir = await mkdtemp(join(tmpdir(), "grc-mock-test-"));
    const server = await startMockServer({
      platforms: ["sovereign"],
      objectsDir: dir,
      bodyTimeoutMs: 200,
    });
    try {
      const up = await requestUploadUrl(server, {
        filename: "big.bin",
        content_type: "application/octet-stream",
        control_id: "C",
      });
      const body = Buffer.alloc(3 * 1024 * 1024, 7);
      const put = await fetch(up.upload_url, {
        method: "PUT",
        headers: { "Content-Type": "application/octet-stream" },
        body,
      });
      expect(put.status).toBe(200);
      expect(server.state().objects[0]).toMatchObject({ sha256: sha(body), size: body.length });
      expect(readdirSync(join(dir, "objects"))).toHaveLength(1);
      // A failed upload leaves nothing in partial/.
      await raw(
        up.upload_url,
        [
          putHead(up.upload_url, {
            "Content-Type": "application/octet-stream",
            "Content-Length": 50,
          }),
          "short",
        ],
        { halfClose: true, waitMs: 500 },
      );
      // The server cleans up after the connection closes: give it a moment.
      await waitFor(() => readdirSync(join(dir, "partial")).length === 0);
      expect(readdirSync(join(dir, "partial"))).toEqual([]);
      expect(server.state().objects[0]).toMatchObject({ sha256: sha(body) });
    } finally {
      await server.close();
    }
    // A directory the user chose is kept; the objects in it are removed.
    expect(existsSync(dir)).toBe(true);
  });

  it.each(DIALECTS)(
    "verify re-reads the stored file: bytes changed on disk after the upload are not verified (%s dialect)",
    async (dialect) => {
      const folder = await mkdtemp(join(tmpdir(), "grc-mock-test-"));
      const server = await startMockServer({
        platforms: ["sovereign"],
        objectsDir: folder,
        dialect,
      });
      try {
        const base = `${server.baseUrl}/api/v1/orgs/${server.identity.orgId}/evidence`;
        const auth = { Authorization: `Bearer ${server.identity.apiKey}` };
        const verify = async (key: string, hash: string) => {
          const res = await fetch(
            `${base}/verify?object_key=${encodeURIComponent(key)}&expected_hash=${hash}`,
            { method: "POST", headers: auth },
          );
          return { status: res.status, body: (await res.json()) as Record<string, unknown> };
        };
        const up = await requestUploadUrl(server, {
          filename: "big.bin",
          content_type: "application/octet-stream",
          control_id: "C",
        });
        // Several 1 MiB reads and a short last one.
        const body = Buffer.alloc(2.5 * 1024 * 1024 + 7);
        for (let i = 0; i < body.length; i++) body[i] = (i * 31 + (i >> 12)) & 0xff;
        const put = await fetch(up.upload_url, {
          method: "PUT",
          headers: { "Content-Type": "application/octet-stream" },
          body,
        });
        expect(put.status).toBe(200);
        // An opaque ETag (docs/mock.md): the quoted SHA-256 hex of the bytes received.
        expect(put.headers.get("etag")).toBe(`"${sha(body)}"`);
        const ok = await verify(up.object_key, sha(body));
        expect(ok.status).toBe(200);
        expect(ok.body.verified).toBe(true);

        // The presigned GET serves the same bytes under the same ETag.
        const link = await fetch(`${base}/${sha(body)}/link-to-control`, {
          method: "POST",
          headers: { ...auth, "Content-Type": "application/json" },
          body: JSON.stringify({ control_id: "C", object_key: up.object_key }),
        });
        expect(link.status).toBe(200);
        const dl = await fetch(`${base}/${sha(body)}/download-url`, { headers: auth });
        const { download_url } = (await dl.json()) as { download_url: string };
        const got = await fetch(download_url);
        expect(got.headers.get("etag")).toBe(`"${sha(body)}"`);
        expect(Buffer.from(await got.arrayBuffer()).equals(body)).toBe(true);

        // Someone changes the stored object: the last byte, then the first byte of the 2nd MiB.
        const [name] = readdirSync(join(folder, "objects"));
        const stored = join(folder, "objects", name!);
        for (const offset of [body.length - 1, 1024 * 1024]) {
          const altered = Buffer.from(body);
          altered[offset] = altered[offset]! ^ 0xff;
          writeFileSync(stored, altered);
          const bad = await verify(up.object_key, sha(body));
          expect(bad.status).toBe(dialect === "minimal" ? 200 : 422);
          expect(bad.body.verified).toBe(false);
          if (dialect === "full") expect(bad.body.actual_hash).toBe(sha(altered));
        }
        writeFileSync(stored, body.subarray(0, body.length - 1));
        expect((await verify(up.object_key, sha(body))).body.verified).toBe(false);
        writeFileSync(stored, body);
        expect((await verify(up.object_key, sha(body))).body.verified).toBe(true);
      } finally {
        await server.close();
        await rm(folder, { recursive: true, force: true });
      }
    },
  );

  it("removes its own temp directory on close", async () => {
    const server = await startMockServer({ platforms: ["sovereign"] });
    const before = readdirSync(tmpdir()).filter((n) => n.startsWith("grc-mock-objects-"));
    const up = await requestUploadUrl(server, {
      filename: "a.txt",
      content_type: "text/plain",
      control_id: "C",
    });
    await fetch(up.upload_url, {
      method: "PUT",
      headers: { "Content-Type": "text/plain" },
      body: "x",
    });
    const during = readdirSync(tmpdir()).filter((n) => n.startsWith("grc-mock-objects-"));
    expect(during.length).toBe(before.length + 1);
    await server.close();
    const after = readdirSync(tmpdir()).filter((n) => n.startsWith("grc-mock-objects-"));
    expect(after.length).toBe(before.length);
  });
});

describe("PresignSigner (properties)", () => {
  const signer = new PresignSigner();
  const key = fc.stringMatching(
    /^orgs\/[a-z0-9-]{1,12}\/evidence\/[a-z0-9-]{1,12}\/[A-Za-z0-9._-]{1,20}$/,
  );
  const type = fc.constantFrom(
    "text/csv",
    "application/json",
    "application/pdf",
    "text/plain; charset=utf-8",
  );
  const ttl = fc.integer({ min: 1, max: 7 * 24 * 3600 });
  const start = new Date("2026-03-01T12:00:00Z");

  it("accepts its own URL until it expires, then says Request has expired", () => {
    fc.assert(
      fc.property(key, type, ttl, (k, t, s) => {
        const q = new URLSearchParams(signer.query("PUT", k, t, s, start));
        expect(signer.check("PUT", k, t, q, new Date(start.getTime() + s * 1000))).toBeUndefined();
        expect(signer.check("PUT", k, t, q, new Date(start.getTime() + s * 1000 + 1000))).toEqual({
          status: 403,
          code: "AccessDenied",
          message: "Request has expired",
        });
      }),
    );
  });

  it("refuses any other method, key, content type, date or lifetime", () => {
    fc.assert(
      fc.property(
        key,
        type,
        ttl,
        fc.constantFrom("method", "key", "type", "date", "expires", "signature"),
        (k, t, s, part) => {
          const q = new URLSearchParams(signer.query("PUT", k, t, s, start));
          let method = "PUT";
          let checkKey: string = k;
          let checkType: string = t;
          if (part === "method") method = "GET";
          if (part === "key") checkKey = `${k}x`;
          if (part === "type") checkType = `${t}x`;
          if (part === "date") q.set("X-Amz-Date", "20260301T115959Z");
          if (part === "expires") q.set("X-Amz-Expires", String(s === 1 ? 2 : s - 1));
          if (part === "signature") {
            const sig = q.get("X-Amz-Signature")!;
            q.set("X-Amz-Signature", `${sig[0] === "a" ? "b" : "a"}${sig.slice(1)}`);
          }
          expect(signer.check(method, checkKey, checkType, q, start)?.code).toBe(
            "SignatureDoesNotMatch",
          );
        },
      ),
    );
  });
});

describe("X-Amz-Date", () => {
  it("round-trips", () => {
    const d = new Date("2026-01-02T03:04:05.678Z");
    expect(amzDate(d)).toBe("20260102T030405Z");
    expect(parseAmzDate("20260102T030405Z")?.toISOString()).toBe("2026-01-02T03:04:05.000Z");
    expect(parseAmzDate("2026-01-02")).toBeUndefined();
  });
});
