import { createHash, createHmac } from "node:crypto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createApiClient, createStorageClient } from "../../../src/http/client.js";
import { redactHeaders, redactUrl } from "../../../src/http/redact.js";
import { type FakeServer, fakeServers, sendJson } from "../../helpers/fake-server.js";

const { defer, server } = fakeServers();

describe("redactUrl", () => {
  it("removes presigned signatures and credentials, keeps the rest", () => {
    expect(
      redactUrl(
        "http://127.0.0.1:9000/grc-evidence/k.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F2026&X-Amz-Date=20261123T100000Z&X-Amz-Signature=abc123&X-Amz-Security-Token=tok",
      ),
    ).toBe(
      "http://127.0.0.1:9000/grc-evidence/k.pdf?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=[REDACTED]&X-Amz-Date=20261123T100000Z&X-Amz-Signature=[REDACTED]&X-Amz-Security-Token=[REDACTED]",
    );
    expect(redactUrl("https://user:pw@h.example/x?sig=1&token=2&page=3")).toBe(
      "https://[REDACTED]@h.example/x?sig=[REDACTED]&token=[REDACTED]&page=3",
    );
    expect(redactUrl("/api/v2/alerts?page%5Bnumber%5D=2")).toBe(
      "/api/v2/alerts?page%5Bnumber%5D=2",
    );
  });
});

describe("redaction properties", () => {
  const secret = fc.stringMatching(/^[A-Za-z0-9%/+=_-]{12,40}$/);
  it("no presigned signature or credential value survives redactUrl", () => {
    fc.assert(
      fc.property(
        secret,
        secret,
        fc.constantFrom(
          "X-Amz-Signature",
          "x-amz-credential",
          "Signature",
          "sig",
          "token",
          "X-Amz-Security-Token",
        ),
        (sig, other, name) => {
          const url = `https://store.example/b/k?X-Amz-Date=20261123T100000Z&${name}=${sig}&page=2&${name}=${other}`;
          const out = redactUrl(url);
          expect(out).not.toContain(sig);
          expect(out).not.toContain(other);
          expect(out).toContain("X-Amz-Date=20261123T100000Z");
        },
      ),
    );
  });

  it("an sk- key shows only its last 4 characters", () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[A-Za-z0-9]{16,40}$/), (tail) => {
        const key = `sk-${tail}`;
        const out = redactHeaders({ authorization: `Bearer ${key}` }).authorization!;
        expect(out).toBe(`Bearer sk-...${key.slice(-4)}`);
        expect(out).not.toContain(key.slice(3, -4));
      }),
    );
  });
});

describe("redactHeaders", () => {
  it("keeps the last 4 of an sk- key, drops signatures and cookies entirely", () => {
    expect(
      redactHeaders({
        Authorization: "Bearer sk-live-0123456789abcd",
        cookie: "session=s3cr3t; theme=dark",
        "set-cookie": "session=new-secret; HttpOnly",
        "x-authorization-content-sha256": "hash",
        accept: "application/json",
      }),
    ).toEqual({
      Authorization: "Bearer sk-...abcd",
      cookie: "session=[REDACTED]; theme=[REDACTED]",
      "set-cookie": "session=[REDACTED]; HttpOnly",
      "x-authorization-content-sha256": "[REDACTED]",
      accept: "application/json",
    });
    expect(redactHeaders({ authorization: "APIAuth abc:fN9pbUcJVoYVcfNEZ8lFPsU3KWI=" })).toEqual({
      authorization: "APIAuth [REDACTED]",
    });
  });
});

describe("--debug trace", () => {
  function traceServer(): Promise<FakeServer> {
    return server((req, res) => {
      if (req.url.startsWith("/redirect")) {
        res.writeHead(302, {
          location: "/landing?token=tok-secret-5555",
          "set-cookie": "session=srv-cookie-secret",
        });
        res.end();
        return;
      }
      sendJson(
        res,
        req.url.startsWith("/fail") ? 401 : 200,
        { ok: true },
        { "set-cookie": "session=srv-cookie-secret" },
      );
    });
  }

  it("traces one line per request and response with no secret in any of them", async () => {
    const s = await traceServer();
    const lines: string[] = [];
    const debug = (l: string) => lines.push(l);
    const now = () => new Date("2026-11-23T10:00:00Z");
    const apiKey = "sk-debug-secret-key-wxyz";
    const hmacSecret = "hmac-secret-value-42";
    const cookie = "cookie-secret-value-77";

    const bearer = createApiClient({
      baseUrl: s.url,
      credential: { kind: "bearer", apiKey },
      debug,
      now,
    });
    const hmac = createApiClient({
      baseUrl: s.url,
      credential: { kind: "hmac", keyId: "key-id-1", secret: hmacSecret, algorithm: "sha256" },
      debug,
      now,
    });
    const session = createApiClient({
      baseUrl: s.url,
      credential: { kind: "session", cookie },
      orgId: "7",
      debug,
      now,
    });
    const storage = createStorageClient({ debug });
    defer(
      () => bearer.close(),
      () => hmac.close(),
      () => session.close(),
      () => storage.close(),
    );

    await bearer.request({ method: "GET", path: "/redirect" });
    await bearer.send({ method: "GET", path: "/fail" });
    await hmac.request({ method: "POST", path: "/api/v2/x", body: '{"a":1}' });
    await session.request({ method: "GET", path: "/strata/api/risks" });
    const res = await storage.request({
      method: "PUT",
      url: `${s.url}/bucket/key?X-Amz-Date=20261123T100000Z&X-Amz-Signature=presigned-sig-0000&X-Amz-Credential=cred-1111`,
      body: "bytes",
      headers: { authorization: `Bearer ${apiKey}` },
    });
    res.body.resume();

    const trace = lines.join("\n");
    expect(lines.filter((l) => l.startsWith("> "))).toHaveLength(6);
    expect(lines.filter((l) => l.startsWith("< "))).toHaveLength(6);
    expect(trace).toContain("Bearer sk-...wxyz");
    // Issue 11: a storage URL's query is never printed, whatever its parameters are named.
    expect(trace).toContain("/bucket/key?[query hidden]");
    expect(trace).toContain("< 401 GET");
    const hmacSignature = createHmac("sha256", hmacSecret)
      .update(
        `POST,application/vnd.api+json,${createHash256('{"a":1}')},/api/v2/x,Mon, 23 Nov 2026 10:00:00 GMT`,
      )
      .digest("base64");
    for (const secret of [
      apiKey,
      hmacSecret,
      hmacSignature,
      cookie,
      "srv-cookie-secret",
      "tok-secret-5555",
      "presigned-sig-0000",
      "cred-1111",
    ]) {
      expect(trace).not.toContain(secret);
    }
  });
});

function createHash256(body: string): string {
  return createHash("sha256").update(body).digest("base64");
}
