import { createHash, createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { request } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOCK_SKEW_TITLE, parseHttpDate, verifyApiAuth } from "../../../src/mock/apiauth.js";
import { type MockServer, startMockServer } from "../../../src/mock/server.js";

/**
 * The mock's APIAuth verifier against requests signed by the real api_auth gem
 * (test/fixtures/apiauth-gem-vectors.json: gem v1.5.0, 2.4.1 and 2.5.1, every signing form)
 * and seed 004's worked example, over real HTTP with the mock's clock set to each Date.
 */

interface Vector {
  gem_version?: string;
  source?: string;
  sign_options?: Record<string, unknown>;
  method: string;
  request_uri: string;
  body: string;
  headers: Record<string, string>;
  accepted_by?: string[];
}

const fixture = JSON.parse(
  readFileSync(new URL("../../fixtures/apiauth-gem-vectors.json", import.meta.url), "utf8"),
) as { key_id: string; secret: string; date: string; vectors: Vector[]; seed_vectors: Vector[] };

let mock: MockServer;
beforeAll(async () => {
  mock = await startMockServer({ platforms: ["evident"] });
});
afterAll(async () => {
  await mock.close();
});

/** Sets the mock's clock so that its now is `date` plus `skewMs`. */
async function setClock(date: string, skewMs = 0): Promise<void> {
  const offset = Date.parse(date) + skewMs - Date.now();
  const res = await fetch(`${mock.baseUrl}/__mock/clock?offset_ms=${offset}`, { method: "POST" });
  expect(res.status).toBe(200);
}

/** Sends exactly these headers and body (no runtime-added Content-Type or Accept). */
function send(
  v: Pick<Vector, "method" | "request_uri" | "body" | "headers">,
): Promise<{ status: number; title?: string }> {
  return new Promise((resolve, reject) => {
    const url = new URL(mock.baseUrl);
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: v.method,
        path: v.request_uri,
        headers: { ...v.headers, "content-length": Buffer.byteLength(v.body) },
      },
      (res) => {
        let text = "";
        res.on("data", (c) => {
          text += c;
        });
        res.on("end", () => {
          let title: string | undefined;
          try {
            title = (JSON.parse(text) as { errors?: { title: string }[] }).errors?.[0]?.title;
          } catch {
            title = undefined;
          }
          resolve({ status: res.statusCode ?? 0, ...(title !== undefined ? { title } : {}) });
        });
      },
    );
    req.on("error", reject);
    req.end(v.body);
  });
}

/**
 * What the Evident mock answers these authentic requests: GET 200, POST 405 (collections are
 * read-only), the PUT search on a filter alerts do not have 422 (seed 004's "Invalid search term").
 */
const authenticStatus = (method: string) => ({ POST: 405, PUT: 422 })[method] ?? 200;

function label(v: Vector): string {
  const form = v.sign_options?.with_http_method === false ? "without method" : "with method";
  const scheme = v.headers.authorization!.split(" ")[0];
  const hash = v.headers["x-authorization-content-sha256"]
    ? "X-Authorization-Content-SHA256"
    : v.headers["content-md5"]
      ? "Content-MD5"
      : "no body hash";
  return `gem ${v.gem_version} ${v.method} ${form}, ${scheme}, ${hash}`;
}

describe("requests signed by the real api_auth gem", () => {
  it("cover every form: with and without method, both body hashes, every digest", () => {
    const labels = fixture.vectors.map(label);
    for (const want of [
      "without method, APIAuth, Content-MD5",
      "with method, APIAuth, Content-MD5",
      "with method, APIAuth-HMAC-SHA256, Content-MD5",
      "with method, APIAuth-HMAC-SHA512, X-Authorization-Content-SHA256",
      "GET without method, APIAuth, no body hash",
      "GET with method, APIAuth-HMAC-SHA384, no body hash",
    ]) {
      expect(labels.some((l) => l.includes(want))).toBe(true);
    }
    // Each vector is one a real gem server accepted.
    for (const v of fixture.vectors) expect(v.accepted_by?.length).toBeGreaterThan(0);
  });

  for (const v of fixture.vectors) {
    it(`accepts ${label(v)}`, async () => {
      await setClock(fixture.date);
      const res = await send(v);
      expect(res.status).toBe(authenticStatus(v.method));
    });
  }

  it("accepts seed 004's worked example at its Date", async () => {
    const [seed] = fixture.seed_vectors;
    await setClock(seed!.headers.date!);
    expect(await send(seed!)).toEqual({
      status: 405,
      title: expect.stringMatching(/^POST is not supported/),
    });
  });
});

const byLabel = (part: string) => {
  const v = fixture.vectors.find((x) => label(x).includes(part));
  if (!v) throw new Error(`no vector ${part}`);
  return v;
};
const postMd5 = byLabel("2.4.1 POST with method, APIAuth-HMAC-SHA256, Content-MD5");
const postSha = byLabel(
  "2.5.1 POST with method, APIAuth-HMAC-SHA512, X-Authorization-Content-SHA256",
);
const postLegacy = byLabel("v1.5.0 POST without method, APIAuth, Content-MD5");
const get = byLabel("2.5.1 GET with method, APIAuth, no body hash");
const getLegacy = byLabel("v1.5.0 GET without method");

/** A signature made here over a canonical string, for forms the gem cannot produce. */
function resign(digest: string, canonical: string, secret = fixture.secret): string {
  const scheme = digest === "sha1" ? "APIAuth" : `APIAuth-HMAC-${digest.toUpperCase()}`;
  return `${scheme} ${fixture.key_id}:${createHmac(digest, secret).update(canonical).digest("base64")}`;
}

describe("forged requests are refused with the reason", () => {
  const cases: [string, () => Vector, RegExp | string, number?][] = [
    [
      "a changed byte in the body (Content-MD5)",
      () => ({ ...postMd5, body: postMd5.body.replace("Testing", "Testinh") }),
      "Content-MD5 does not match the request body",
    ],
    [
      "a changed byte in the body (X-Authorization-Content-SHA256)",
      () => ({ ...postSha, body: postSha.body.replace("Testing", "Testinh") }),
      "X-Authorization-Content-SHA256 does not match the request body",
    ],
    [
      "a body hash header that matches the new body but not the signature",
      () => {
        const body = postMd5.body.replace("Testing", "Testinh");
        const md5 = createHash("md5").update(body).digest("base64");
        return { ...postMd5, body, headers: { ...postMd5.headers, "content-md5": md5 } };
      },
      /^APIAuth signature does not match/,
    ],
    [
      "a changed byte in the signature",
      () => {
        const auth = get.headers.authorization!;
        const i = auth.length - 3;
        const flipped = auth.slice(0, i) + (auth[i] === "A" ? "B" : "A") + auth.slice(i + 1);
        return { ...get, headers: { ...get.headers, authorization: flipped } };
      },
      /^APIAuth signature does not match/,
    ],
    [
      "a changed byte in the path",
      () => ({ ...get, request_uri: get.request_uri.replace("number%5D=2", "number%5D=3") }),
      /^APIAuth signature does not match/,
    ],
    [
      "a changed Content-Type",
      () => ({ ...get, headers: { ...get.headers, "content-type": "application/json" } }),
      /^APIAuth signature does not match/,
    ],
    [
      "the method changed on a request signed with it",
      () => ({ ...postMd5, method: "PUT" }),
      /^APIAuth signature does not match/,
    ],
    [
      "a signature made with the wrong secret",
      () => {
        const canonical = `GET,${get.headers["content-type"]},,${get.request_uri},${fixture.date}`;
        // Sanity: with the right secret this canonical string is the gem's own signature.
        expect(resign("sha1", canonical)).toBe(get.headers.authorization);
        return {
          ...get,
          headers: { ...get.headers, authorization: resign("sha1", canonical, "abc124") },
        };
      },
      /^APIAuth signature does not match/,
    ],
    [
      "an unknown access id",
      () => ({
        ...get,
        headers: {
          ...get.headers,
          authorization: get.headers.authorization!.replace("abc:", "abd:"),
        },
      }),
      "Unknown APIAuth access key id",
    ],
    [
      "a GET with a body hash that is not the empty body's",
      () => ({
        ...get,
        headers: { ...get.headers, "content-md5": createHash("md5").update("x").digest("base64") },
      }),
      "Content-MD5 does not match the request body",
    ],
    [
      "a GET with a wrong SHA-256 body hash",
      () => ({
        ...getLegacy,
        headers: {
          ...getLegacy.headers,
          "x-authorization-content-sha256": createHash("sha256").update("x").digest("base64"),
        },
      }),
      "X-Authorization-Content-SHA256 does not match the request body",
    ],
    [
      "a body sent without any body hash header",
      () => {
        const { "content-md5": _drop, ...headers } = postLegacy.headers;
        return { ...postLegacy, headers };
      },
      /^Missing Content-MD5/,
    ],
    [
      "a method-less signature with HMAC-SHA256 (no api_auth server accepts it)",
      () => {
        const canonical = `${get.headers["content-type"]},,${get.request_uri},${fixture.date}`;
        return {
          ...get,
          headers: { ...get.headers, authorization: resign("sha256", canonical) },
        };
      },
      /^A signature without the HTTP method is the api_auth 1\.x form/,
    ],
    [
      "an unknown digest (APIAuth-HMAC-SHA3)",
      () => ({
        ...get,
        headers: {
          ...get.headers,
          authorization: get.headers.authorization!.replace("APIAuth", "APIAuth-HMAC-SHA3"),
        },
      }),
      /^Missing or malformed Authorization header/,
    ],
    [
      "no Date header",
      () => {
        const { date: _drop, ...headers } = get.headers;
        return { ...get, headers };
      },
      /^Missing Date header/,
    ],
    [
      "a Date that is not an HTTP date",
      () => ({ ...get, headers: { ...get.headers, date: "2026-11-29T12:00:00Z" } }),
      /^Date header is not an HTTP date/,
    ],
  ];
  for (const [name, build, reason] of cases) {
    it(`refuses ${name}`, async () => {
      await setClock(fixture.date);
      const res = await send(build());
      expect(res.status).toBe(401);
      if (typeof reason === "string") expect(res.title).toBe(reason);
      else expect(res.title).toMatch(reason);
      expect(res.title).not.toContain(fixture.secret);
    });
  }

  for (const [name, skew] of [
    ["a stale Date (server 901 s later)", 901_000],
    ["a Date from the future (server 901 s earlier)", -901_000],
    ["a Date 20 minutes old", 1_200_000],
  ] as const) {
    it(`refuses ${name}`, async () => {
      await setClock(fixture.date, skew);
      const res = await send(get);
      expect(res).toEqual({ status: 401, title: CLOCK_SKEW_TITLE });
    });
  }

  it("accepts a Date 899 s either way, on the method-less form too", async () => {
    for (const skew of [899_000, -899_000]) {
      await setClock(fixture.date, skew);
      expect((await send(get)).status).toBe(200);
      expect((await send(getLegacy)).status).toBe(200);
    }
  });
});

describe("verifyApiAuth without a server", () => {
  const key = { keyId: fixture.key_id, secret: fixture.secret };
  const now = new Date(Date.parse(fixture.date));
  const asRequest = (v: Vector) => ({
    method: v.method,
    rawUrl: v.request_uri,
    headers: v.headers,
    body: Buffer.from(v.body),
  });

  it("takes the scheme in any case (seed 004 writes ApiAuth) and an absolute request target", () => {
    const lower = {
      ...get,
      headers: {
        ...get.headers,
        authorization: get.headers.authorization!.replace("APIAuth", "ApiAuth"),
      },
    };
    expect(verifyApiAuth(asRequest(lower), key, now)).toBeUndefined();
    expect(
      verifyApiAuth(
        { ...asRequest(get), rawUrl: `http://api.example${get.request_uri}` },
        key,
        now,
      ),
    ).toBeUndefined();
  });

  it("takes a blank Content-MD5 on a GET (seed: 'or leave the header blank')", () => {
    const canonical = `GET,${get.headers["content-type"]},,${get.request_uri},${fixture.date}`;
    const headers = {
      ...get.headers,
      "content-md5": "",
      authorization: resign("sha1", canonical),
    };
    expect(verifyApiAuth({ ...asRequest(get), headers }, key, now)).toBeUndefined();
  });

  it("parses the three HTTP-date forms and refuses impossible dates", () => {
    const t = Date.UTC(1994, 10, 6, 8, 49, 37);
    expect(parseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT")).toBe(t);
    expect(parseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT")).toBe(t);
    expect(parseHttpDate("Sun Nov  6 08:49:37 1994")).toBe(t);
    expect(parseHttpDate("Mon, 21 Oct 2015 04:20:01 GMT")).toBe(Date.UTC(2015, 9, 21, 4, 20, 1));
    expect(parseHttpDate("Mon, 31 Feb 2015 04:20:01 GMT")).toBeUndefined();
    expect(parseHttpDate("Mon, 21 Oct 2015 04:20:01 +0000")).toBeUndefined();
  });
});
