import { describe, expect, it } from "vitest";
import { ExitCode, UnavailableError } from "../../../src/errors.js";
import { decodeHttpError, NetworkError, networkError } from "../../../src/http/error-decoder.js";

const NOW = new Date("2026-11-23T10:00:00Z");

function decode(
  status: number,
  body: string | object,
  headers: Record<string, string> = {},
  method = "POST",
  url = "https://grc.example.com/api/v1/orgs/o1/evidence/upload-url",
) {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  const contentType: Record<string, string> =
    typeof body === "string" ? {} : { "content-type": "application/json" };
  return decodeHttpError({
    status,
    headers: { ...contentType, ...headers },
    body: Buffer.from(text),
    method,
    url,
    now: NOW,
  });
}

describe("decodeHttpError", () => {
  // The Sovereign hints (scope, membership, storage) are its dialect's:
  // test/unit/platforms/sovereign/errors.test.ts.
  it("FastAPI detail: status, text and exit code kept; the fix is the status's", () => {
    const err = decode(403, {
      detail: "missing required scope: write:evidence",
      required_scope: "write:evidence",
    });
    expect(err.status).toBe(403);
    expect(err.details).toEqual(["missing required scope: write:evidence"]);
    expect(err.line()).toBe(
      "missing required scope: write:evidence (HTTP 403 from POST /api/v1/orgs/o1/evidence/upload-url) — the credential lacks permission for this call",
    );
    expect(err.exitCode).toBe(ExitCode.auth);
    const unavailable = decode(503, { detail: "object storage is not configured" });
    expect(unavailable.status).toBe(503);
    expect(unavailable.details).toEqual(["object storage is not configured"]);
    expect(unavailable.exitCode).toBe(ExitCode.unavailable);
  });

  it("FastAPI validation lists become details", () => {
    const err = decode(422, {
      detail: [{ loc: ["body", "control_id"], msg: "field required", type: "missing" }],
    });
    expect(err.details).toEqual(["body.control_id: field required"]);
    expect(err.exitCode).toBe(ExitCode.usage);
  });

  it("JSON:API errors[].title: every title is a detail, the line joins them", () => {
    const err = decode(
      422,
      {
        errors: [
          { status: "422", title: "Name can't be blank" },
          { status: "422", title: "Invalid search term bad_attribute_eq" },
        ],
      },
      { "content-type": "application/vnd.api+json" },
      "GET",
      "https://api.evident.io/api/v2/suppressions.json?filter%5Bbad_attribute_eq%5D=something",
    );
    expect(err.details).toEqual(["Name can't be blank", "Invalid search term bad_attribute_eq"]);
    expect(err.line()).toBe(
      "Name can't be blank; Invalid search term bad_attribute_eq (HTTP 422 from GET /api/v2/suppressions.json?filter%5Bbad_attribute_eq%5D=something)",
    );
  });

  it("JSON:API 406 explains the media type", () => {
    const err = decode(
      406,
      { errors: [{ status: "406", title: "Not Acceptable" }] },
      {},
      "GET",
      "https://x.test/api/v2/alerts",
    );
    expect(err.line()).toBe(
      "Not Acceptable (HTTP 406 from GET /api/v2/alerts) — the server wants Accept and Content-Type application/vnd.api+json",
    );
  });

  // The seed's Solution text is StrataGRC's dialect: test/unit/platforms/strata/errors.test.ts.
  it("{error: {code, message}} and flat {error: CODE, message} keep the code and the message", () => {
    const err = decode(
      403,
      { success: false, error: { code: "PERMISSION_DENIED", message: "Insufficient permissions" } },
      {},
      "GET",
      "https://strata.test/strata/api/risks?action=list",
    );
    expect(err.code).toBe("PERMISSION_DENIED");
    expect(err.message).toBe(
      "Insufficient permissions (PERMISSION_DENIED) (HTTP 403 from GET /strata/api/risks?action=list)",
    );
    expect(err.details).toEqual(["Insufficient permissions"]);
    expect(err.exitCode).toBe(ExitCode.auth);
    const validation = decode(422, {
      success: false,
      error: { code: "VALIDATION_ERROR", message: "title is required" },
    });
    expect(validation.code).toBe("VALIDATION_ERROR");
    expect(validation.exitCode).toBe(ExitCode.usage);
    const flat = decode(404, { error: "NOT_FOUND", message: "Risk 9 not found" });
    expect(flat.code).toBe("NOT_FOUND");
    expect(flat.details).toEqual(["Risk 9 not found"]);
    // A sentence is not a code.
    expect(decode(400, { error: "Bad things happened" }).code).toBeUndefined();
  });

  it("S3 XML: Code and Message only; never StringToSign, key IDs or signatures", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><AWSAccessKeyId>AKIAEXAMPLEKEYID</AWSAccessKeyId><StringToSign>PUT\nsecret-string-to-sign</StringToSign><SignatureProvided>deadbeefsignature</SignatureProvided><CanonicalRequest>canon</CanonicalRequest><RequestId>r1</RequestId></Error>`;
    const url =
      "http://127.0.0.1:9000/grc-evidence/orgs/o1/evidence/u1/a.pdf?X-Amz-Algorithm=GRC-MOCK-HMAC-SHA256&X-Amz-Date=20261123T100000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=content-type&X-Amz-Signature=abcdef0123";
    const err = decode(403, xml, { "content-type": "application/xml" }, "PUT", url);
    const line = err.line();
    expect(line).toBe(
      "The request signature we calculated does not match the signature you provided. (SignatureDoesNotMatch) (HTTP 403 from PUT /grc-evidence/orgs/o1/evidence/u1/a.pdf) — the request must send exactly the signed method and Content-Type; request a fresh URL",
    );
    expect(err.code).toBe("SignatureDoesNotMatch");
    for (const secret of [
      "AKIAEXAMPLEKEYID",
      "secret-string-to-sign",
      "deadbeefsignature",
      "abcdef0123",
      "canon",
    ]) {
      expect(line).not.toContain(secret);
      expect(err.details.join(" ")).not.toContain(secret);
    }
  });

  it("S3 expired URL is a 403 that says to get a fresh URL", () => {
    const xml = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>Request has expired</Message><RequestId>x</RequestId></Error>`;
    const err = decode(
      403,
      xml,
      {},
      "PUT",
      "http://127.0.0.1:9000/grc-evidence/k?X-Amz-Signature=zz",
    );
    expect(err.line()).toBe(
      "Request has expired (AccessDenied) (HTTP 403 from PUT /grc-evidence/k) — the presigned URL expired; request a fresh one",
    );
  });

  it("HTML error pages give their title", () => {
    const err = decode(
      502,
      "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>",
      { "content-type": "text/html" },
      "GET",
      "https://grc.example.com/api/v1/x",
    );
    expect(err.line()).toBe(
      "502 Bad Gateway (HTTP 502 from GET /api/v1/x) — the server failed; try again later",
    );
    expect(err.exitCode).toBe(ExitCode.unavailable);
  });

  it("anything else: HTTP status, reason, method and path without query secrets", () => {
    const err = decode(418, "", {}, "GET", "https://grc.example.com/a/b?token=abc&page=2");
    expect(err.line()).toBe("HTTP 418 I'm a Teapot from GET /a/b");
    expect(decode(500, "oops plain text", {}, "DELETE", "https://h/x").line()).toBe(
      "HTTP 500 Internal Server Error from DELETE /x — the server failed; try again later",
    );
  });

  it("names the machine's clock when the server's Date is more than 15 minutes away", () => {
    const err = decode(
      401,
      {
        errors: [
          { status: "401", title: "Request date is more than 15 minutes from the server clock" },
        ],
      },
      { date: "Mon, 23 Nov 2026 10:17:00 GMT" },
      "GET",
      "https://api.evident.io/api/v2/alerts",
    );
    expect(err.line()).toBe(
      "the server says this machine's clock is 17 minutes off (HTTP 401 from GET /api/v2/alerts) — fix the system time (NTP) and retry",
    );
    expect(err.exitCode).toBe(ExitCode.auth);
    expect(err.details).toEqual(["Request date is more than 15 minutes from the server clock"]);
  });

  it("a clock complaint without a server Date still points at the clock", () => {
    const err = decode(
      401,
      {
        errors: [
          { status: "401", title: "Request date is more than 15 minutes from the server clock" },
        ],
      },
      {},
      "GET",
      "https://api.evident.io/api/v2/alerts",
    );
    expect(err.hint).toBe("this machine's clock may be off; fix the system time (NTP) and retry");
  });

  it("a 401 with a correct clock is a plain credential error", () => {
    const err = decode(
      401,
      { errors: [{ status: "401", title: "Unauthorized" }] },
      { date: "Mon, 23 Nov 2026 10:01:00 GMT" },
      "GET",
      "https://h/api/v2/x",
    );
    expect(err.line()).toBe(
      "Unauthorized (HTTP 401 from GET /api/v2/x) — check the credential: run `grc auth login` or `grc auth status`",
    );
  });
});

describe("networkError", () => {
  const cases: [string, string][] = [
    [
      "ECONNREFUSED",
      "cannot connect to api.example.com:8443: connection refused (ECONNREFUSED) — check the base URL and that the server is running",
    ],
    [
      "ENOTFOUND",
      "cannot resolve host api.example.com (ENOTFOUND) — check the host name in the base URL, your DNS, or HTTPS_PROXY",
    ],
    [
      "ETIMEDOUT",
      "api.example.com:8443 did not respond within 60s (ETIMEDOUT) — check the network or proxy, or raise --timeout",
    ],
    [
      "ECONNRESET",
      "connection to api.example.com:8443 was reset (ECONNRESET) — the server or a proxy closed the connection; try again later",
    ],
    [
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "TLS certificate of api.example.com:8443 is not trusted (UNABLE_TO_VERIFY_LEAF_SIGNATURE) — pass --ca-cert <pem> or set NODE_EXTRA_CA_CERTS for a private CA",
    ],
  ];
  it.each(cases)("%s -> one line with host, cause and fix (exit 4)", (code, line) => {
    const cause = Object.assign(new Error("boom"), { code });
    const wrapped = Object.assign(new TypeError("fetch failed"), { cause });
    const err = networkError(wrapped, {
      url: "https://api.example.com:8443/x?sig=1",
      attempts: 1,
      timeoutMs: 60_000,
    });
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.exitCode).toBe(ExitCode.unavailable);
    expect(err.line()).toBe(line);
  });
});

describe("NetworkError", () => {
  const fail = (code: string, url = "https://api.example.com/x?X-Amz-Signature=abc123") =>
    networkError(Object.assign(new Error("boom"), { code }), { url, attempts: 2 });

  it("keeps the code, the shown URL and the attempts, so nobody parses the line again", () => {
    const err = fail("ECONNREFUSED");
    expect(err).toBeInstanceOf(NetworkError);
    expect(err).toMatchObject({ code: "ECONNREFUSED", attempts: 2, unreachable: true });
    expect(err.url).not.toContain("abc123");
    expect(err.permanent).toBe(false);
  });

  it.each([
    ["ENOTFOUND", true, true],
    ["ECONNRESET", false, false],
    ["UND_ERR_HEADERS_TIMEOUT", false, false],
    ["CERT_HAS_EXPIRED", false, true],
  ])("%s: unreachable %s, permanent %s", (code, unreachable, permanent) => {
    expect(fail(code)).toMatchObject({ unreachable, permanent });
  });

  it("a loopback refusal names the URL and how to start a server", () => {
    expect(fail("ECONNREFUSED", "http://localhost:4010/api/v1/x").line()).toBe(
      "cannot connect to http://localhost:4010: connection refused (ECONNREFUSED) after 2 attempts — is the server running? start it (`grc mock serve` for the mock) or check the base URL (--base-url)",
    );
  });
});
