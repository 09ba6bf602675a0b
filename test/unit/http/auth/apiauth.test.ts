import { describe, expect, it } from "vitest";
import {
  apiAuthHeaders,
  canonicalString,
  contentMd5,
  hmacSignature,
  parseApiAuthHeader,
} from "../../../../src/http/auth/apiauth.js";

// The Evident API document's worked example, byte for byte.
const body = '{"data":{"attributes":{"name":"Testing"}}}';
// The document dates its example "Mon, 21 Oct 2015" (a Wednesday): the string is signed verbatim.
const date = "Mon, 21 Oct 2015 04:20:01 GMT";

describe("APIAuth (Evident worked example)", () => {
  it("Content-MD5 is base64 of the raw MD5 of the body", () => {
    expect(contentMd5(body)).toBe("Wn+B9XU1p7jk1YmgJmDevA==");
  });

  it("an empty body hashes the empty string", () => {
    expect(contentMd5("")).toBe("1B2M2Y8AsgTpgAmY7PhCfg==");
  });

  it("builds the canonical string and signature of the document", () => {
    const canonical = canonicalString({
      method: "POST",
      contentType: "application/vnd.api+json",
      contentHash: "Wn+B9XU1p7jk1YmgJmDevA==",
      requestUri: "/api/v2/external_accounts",
      date: "Mon, 21 Oct 2015 04:20:01 GMT",
    });
    expect(canonical).toBe(
      "POST,application/vnd.api+json,Wn+B9XU1p7jk1YmgJmDevA==,/api/v2/external_accounts,Mon, 21 Oct 2015 04:20:01 GMT",
    );
    expect(hmacSignature("abc123", canonical)).toBe("fN9pbUcJVoYVcfNEZ8lFPsU3KWI=");
  });

  it("produces the document's full set of headers", () => {
    const headers = apiAuthHeaders({
      keyId: "abc",
      secret: "abc123",
      method: "POST",
      requestUri: "/api/v2/external_accounts",
      body,
      date,
    });
    expect(headers).toEqual({
      date: "Mon, 21 Oct 2015 04:20:01 GMT",
      "content-md5": "Wn+B9XU1p7jk1YmgJmDevA==",
      "content-type": "application/vnd.api+json",
      accept: "application/vnd.api+json",
      authorization: "APIAuth abc:fN9pbUcJVoYVcfNEZ8lFPsU3KWI=",
    });
  });

  it("signs the query string exactly as sent", () => {
    const a = apiAuthHeaders({
      keyId: "abc",
      secret: "abc123",
      method: "GET",
      requestUri: "/api/v2/alerts?page%5Bnumber%5D=2",
      date,
    });
    const b = apiAuthHeaders({
      keyId: "abc",
      secret: "abc123",
      method: "GET",
      requestUri: "/api/v2/alerts?page[number]=2",
      date,
    });
    expect(a.authorization).not.toBe(b.authorization);
  });

  it("supports the api_auth 2.5+ SHA-256 variant", () => {
    const headers = apiAuthHeaders({
      keyId: "abc",
      secret: "abc123",
      algorithm: "sha256",
      method: "POST",
      requestUri: "/x",
      body,
      date,
    });
    expect(headers.authorization).toMatch(/^APIAuth-HMAC-SHA256 abc:[A-Za-z0-9+/]{43}=$/);
    expect(headers["x-authorization-content-sha256"]).toBeDefined();
    expect(headers["content-md5"]).toBeUndefined();
    expect(parseApiAuthHeader(headers.authorization)?.algorithm).toBe("sha256");
  });
});
