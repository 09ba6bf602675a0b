import { createHash, createHmac } from "node:crypto";
import { networkInterfaces } from "node:os";
import { describe, expect, it } from "vitest";
import {
  ExitCode,
  HttpError,
  InterruptedError,
  UnavailableError,
  UsageError,
} from "../../../src/errors.js";
import { createApiClient, type HttpApiClient } from "../../../src/http/client.js";
import type { ClientOptions } from "../../../src/http/types.js";
import {
  fakeServers,
  fakeSleep,
  type RecordedRequest,
  sendJson,
} from "../../helpers/fake-server.js";

const NOW = new Date("2026-11-23T10:00:00Z");
const NOW_HTTP = "Mon, 23 Nov 2026 10:00:00 GMT";
const KEY = "sk-test-0123456789abcdef";

const { defer, server } = fakeServers();

function client(options: Partial<ClientOptions> & { baseUrl: string }): HttpApiClient {
  const c = createApiClient({
    credential: { kind: "bearer", apiKey: KEY },
    now: () => NOW,
    sleep: async () => {},
    random: () => 0.5,
    ...options,
  });
  defer(() => c.close());
  return c;
}

function header(req: RecordedRequest, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(", ") : v;
}

describe("signing on the wire", () => {
  it("sends Bearer sk- keys in Authorization and nothing else credential-like", async () => {
    const s = await server((_req, res) => sendJson(res, 200, { ok: true }));
    const c = client({ baseUrl: s.url });
    const res = await c.request({
      method: "GET",
      path: "/api/v1/orgs/o1/evidence?page%5Bsize%5D=1",
    });
    expect(res.json()).toEqual({ ok: true });
    const [req] = s.requests;
    expect(req!.url).toBe("/api/v1/orgs/o1/evidence?page%5Bsize%5D=1");
    expect(header(req!, "authorization")).toBe(`Bearer ${KEY}`);
    expect(req!.headers["x-api-key"]).toBeUndefined();
    expect(req!.headers.cookie).toBeUndefined();
  });

  it("signs a GET with a query as APIAuth HMAC-SHA1 over the exact request URI", async () => {
    const s = await server((_req, res) => sendJson(res, 200, { data: [] }));
    const c = client({
      baseUrl: `${s.url}/prefix/`,
      credential: { kind: "hmac", keyId: "abc", secret: "abc123", algorithm: "sha1" },
    });
    await c.request({
      method: "GET",
      path: "/api/v2/alerts?page%5Bnumber%5D=2&filter%5Bstatus_eq%5D=fail",
    });
    const [req] = s.requests;
    const uri = "/prefix/api/v2/alerts?page%5Bnumber%5D=2&filter%5Bstatus_eq%5D=fail";
    expect(req!.url).toBe(uri);
    const md5 = createHash("md5").update("").digest("base64");
    expect(md5).toBe("1B2M2Y8AsgTpgAmY7PhCfg==");
    const canonical = `GET,application/vnd.api+json,${md5},${uri},${NOW_HTTP}`;
    const sig = createHmac("sha1", "abc123").update(canonical).digest("base64");
    expect(header(req!, "date")).toBe(NOW_HTTP);
    expect(header(req!, "content-md5")).toBe(md5);
    expect(header(req!, "content-type")).toBe("application/vnd.api+json");
    expect(header(req!, "accept")).toBe("application/vnd.api+json");
    expect(header(req!, "authorization")).toBe(`APIAuth abc:${sig}`);
  });

  it("signs a POST body with Content-MD5 of the exact bytes (the document's example)", async () => {
    const s = await server((_req, res) => sendJson(res, 201, { data: {} }));
    const c = client({
      baseUrl: s.url,
      credential: { kind: "hmac", keyId: "abc", secret: "abc123", algorithm: "sha1" },
    });
    const body = '{"data":{"attributes":{"name":"Testing"}}}';
    await c.request({ method: "POST", path: "/api/v2/external_accounts", body });
    const [req] = s.requests;
    expect(req!.body.toString()).toBe(body);
    expect(header(req!, "content-md5")).toBe("Wn+B9XU1p7jk1YmgJmDevA==");
    const canonical = `POST,application/vnd.api+json,Wn+B9XU1p7jk1YmgJmDevA==,/api/v2/external_accounts,${NOW_HTTP}`;
    const sig = createHmac("sha1", "abc123").update(canonical).digest("base64");
    expect(header(req!, "authorization")).toBe(`APIAuth abc:${sig}`);
    expect(header(req!, "content-length")).toBe(String(body.length));
  });

  it("signs the caller's Content-Type (form-encoded PUT search)", async () => {
    const s = await server((_req, res) => sendJson(res, 200, { data: [] }));
    const c = client({
      baseUrl: s.url,
      credential: { kind: "hmac", keyId: "abc", secret: "abc123", algorithm: "sha1" },
    });
    const body = "filter%5Bstatus_eq%5D=fail&page%5Bnumber%5D=1";
    const type = "application/x-www-form-urlencoded";
    await c.request({
      method: "PUT",
      path: "/api/v2/alerts",
      body,
      headers: { "Content-Type": type },
    });
    const [req] = s.requests;
    expect(header(req!, "content-type")).toBe(type);
    const md5 = createHash("md5").update(body).digest("base64");
    const sig = createHmac("sha1", "abc123")
      .update(`PUT,${type},${md5},/api/v2/alerts,${NOW_HTTP}`)
      .digest("base64");
    expect(header(req!, "authorization")).toBe(`APIAuth abc:${sig}`);
  });

  it("uses APIAuth-HMAC-SHA256 with X-Authorization-Content-SHA256 when the profile asks", async () => {
    const s = await server((_req, res) => sendJson(res, 200, {}));
    const c = client({
      baseUrl: s.url,
      credential: { kind: "hmac", keyId: "k1", secret: "s3cr3t-value", algorithm: "sha256" },
    });
    await c.request({ method: "POST", path: "/api/v2/x", body: "{}" });
    const [req] = s.requests;
    const hash = createHash("sha256").update("{}").digest("base64");
    expect(header(req!, "x-authorization-content-sha256")).toBe(hash);
    expect(req!.headers["content-md5"]).toBeUndefined();
    const sig = createHmac("sha256", "s3cr3t-value")
      .update(`POST,application/vnd.api+json,${hash},/api/v2/x,${NOW_HTTP}`)
      .digest("base64");
    expect(header(req!, "authorization")).toBe(`APIAuth-HMAC-SHA256 k1:${sig}`);
  });

  it("sends the session cookie and X-Organization-Id", async () => {
    const s = await server((_req, res) => sendJson(res, 200, { success: true, data: [] }));
    const c = client({
      baseUrl: s.url,
      credential: { kind: "session", cookie: "abc.def" },
      orgId: "42",
    });
    await c.request({ method: "GET", path: "/strata/api/risks?action=list" });
    const [req] = s.requests;
    expect(header(req!, "cookie")).toBe("session=abc.def");
    expect(header(req!, "x-organization-id")).toBe("42");
    expect(req!.headers.authorization).toBeUndefined();
  });

  it("signs each attempt anew with a fresh Date", async () => {
    let n = 0;
    const s = await server((_req, res) => {
      n += 1;
      if (n === 1) sendJson(res, 503, { detail: "busy" });
      else sendJson(res, 200, {});
    });
    let t = NOW.getTime();
    const c = client({
      baseUrl: s.url,
      credential: { kind: "hmac", keyId: "abc", secret: "abc123", algorithm: "sha1" },
      now: () => {
        t += 30_000;
        return new Date(t);
      },
    });
    await c.request({ method: "GET", path: "/api/v2/alerts" });
    expect(s.requests).toHaveLength(2);
    const [a, b] = s.requests;
    expect(header(a!, "date")).not.toBe(header(b!, "date"));
    expect(header(a!, "authorization")).not.toBe(header(b!, "authorization"));
  });
});

describe("retries", () => {
  it("honours Retry-After in seconds", async () => {
    let n = 0;
    const s = await server((_req, res) => {
      n += 1;
      if (n === 1) sendJson(res, 503, { detail: "down" }, { "retry-after": "7", date: NOW_HTTP });
      else sendJson(res, 200, { ok: 1 });
    });
    const { sleeps, sleep } = fakeSleep();
    const notices: string[] = [];
    const c = client({ baseUrl: s.url, sleep, notice: (l) => notices.push(l) });
    const res = await c.request({ method: "GET", path: "/x" });
    expect(res.status).toBe(200);
    expect(sleeps).toEqual([7000]);
    expect(notices).toEqual([
      `127.0.0.1:${s.port} answered 503; waiting 7s until 2026-11-23T10:00:07Z (Retry-After)`,
    ]);
    expect(c.stats()).toMatchObject({ requests: 1, attempts: 2, retries: 1 });
  });

  it("honours Retry-After as an HTTP date, measured on the server's clock", async () => {
    let n = 0;
    const s = await server((_req, res) => {
      n += 1;
      // The server's clock is an hour ahead of ours: the wait must still be 90 s.
      if (n === 1)
        sendJson(
          res,
          429,
          { errors: [{ status: "429", title: "slow down" }] },
          {
            date: "Mon, 23 Nov 2026 11:00:00 GMT",
            "retry-after": "Mon, 23 Nov 2026 11:01:30 GMT",
          },
        );
      else sendJson(res, 200, {});
    });
    const { sleeps, sleep } = fakeSleep();
    const notices: string[] = [];
    const c = client({ baseUrl: s.url, sleep, notice: (l) => notices.push(l) });
    await c.request({ method: "GET", path: "/x" });
    expect(sleeps).toEqual([90_000]);
    expect(notices).toEqual([
      `rate limited by 127.0.0.1:${s.port}; waiting 1m 30s until 2026-11-23T11:01:30Z (Retry-After)`,
    ]);
  });

  it("waits for X-RateLimit-Reset on 429 and says so in one notice line", async () => {
    let n = 0;
    const s = await server((_req, res) => {
      n += 1;
      if (n === 1)
        sendJson(
          res,
          429,
          { errors: [{ status: "429", title: "Request limit exceeded. Please try again later." }] },
          {
            date: NOW_HTTP,
            "x-ratelimit-limit": "120",
            "x-ratelimit-remaining": "0",
            "x-ratelimit-reset": "2026-11-23T10:00:12Z",
          },
        );
      else sendJson(res, 200, { data: [] }, { "x-ratelimit-remaining": "119" });
    });
    const { sleeps, sleep } = fakeSleep();
    const notices: string[] = [];
    const c = client({ baseUrl: s.url, sleep, notice: (l) => notices.push(l) });
    await c.request({ method: "GET", path: "/api/v2/alerts" });
    expect(sleeps).toEqual([12_000]);
    expect(notices).toEqual([
      `rate limited by 127.0.0.1:${s.port}; waiting 12s until 2026-11-23T10:00:12Z (X-RateLimit-Reset)`,
    ]);
    expect(s.requests).toHaveLength(2);
  });

  it("pauses before the next request when X-RateLimit-Remaining reaches 0", async () => {
    let n = 0;
    const s = await server((_req, res) => {
      n += 1;
      sendJson(
        res,
        200,
        { n },
        {
          date: NOW_HTTP,
          "x-ratelimit-remaining": n === 1 ? "0" : "5",
          "x-ratelimit-reset": "2026-11-23T10:00:05Z",
        },
      );
    });
    const { sleeps, sleep } = fakeSleep();
    const notices: string[] = [];
    const c = client({ baseUrl: s.url, sleep, notice: (l) => notices.push(l) });
    await c.request({ method: "GET", path: "/a" });
    expect(sleeps).toEqual([]);
    await c.request({ method: "GET", path: "/b" });
    expect(sleeps).toEqual([5000]);
    expect(notices[0]).toBe(
      `rate limit of 127.0.0.1:${s.port} used up; waiting 5s until 2026-11-23T10:00:05Z (X-RateLimit-Reset)`,
    );
    await c.request({ method: "GET", path: "/c" });
    expect(sleeps).toEqual([5000]);
  });

  it("gives up at once when the server asks for a wait beyond the cap", async () => {
    const s = await server((_req, res) =>
      sendJson(res, 503, { detail: "maintenance" }, { "retry-after": "3600", date: NOW_HTTP }),
    );
    const c = client({ baseUrl: s.url });
    const err = await c.request({ method: "GET", path: "/x" }).catch((e) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err.line()).toBe(
      "maintenance (HTTP 503 from GET /x) — the server asks to wait 60m 00s (until 2026-11-23T11:00:00Z); try again then",
    );
    expect(s.requests).toHaveLength(1);
  });

  it.each([400, 401, 403, 404, 422])("never retries %i", async (status) => {
    const s = await server((_req, res) => sendJson(res, status, { detail: `nope ${status}` }));
    const c = client({ baseUrl: s.url });
    const err = await c.request({ method: "GET", path: "/x" }).catch((e) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err.status).toBe(status);
    expect(err.exitCode).toBe(status === 401 || status === 403 ? ExitCode.auth : ExitCode.usage);
    expect(s.requests).toHaveLength(1);
  });

  it("retries 408/500/502/503/504 up to the attempt limit with full-jitter backoff", async () => {
    const statuses = [408, 500, 502, 504, 503];
    const s = await server((_req, res) =>
      sendJson(res, statuses[s.requests.length - 1] ?? 500, {}),
    );
    const { sleeps, sleep } = fakeSleep();
    const c = client({ baseUrl: s.url, sleep, random: () => 1 });
    const err = await c.request({ method: "GET", path: "/x" }).catch((e) => e);
    expect(s.requests).toHaveLength(5);
    expect(sleeps).toEqual([500, 1000, 2000, 4000]);
    expect(err).toBeInstanceOf(HttpError);
    expect(err.status).toBe(503);
    expect(err.exitCode).toBe(ExitCode.unavailable);
  });

  it("respects --retries (total attempts) and per-request attempts", async () => {
    const s = await server((_req, res) => sendJson(res, 500, {}));
    const c = client({ baseUrl: s.url, retries: 2 });
    await c.request({ method: "GET", path: "/x" }).catch(() => {});
    expect(s.requests).toHaveLength(2);
    await c.request({ method: "GET", path: "/x", attempts: 1 }).catch(() => {});
    expect(s.requests).toHaveLength(3);
  });

  it("does not retry a POST on 5xx unless it is marked idempotent", async () => {
    const s = await server((_req, res) => sendJson(res, 503, { detail: "busy" }));
    const c = client({ baseUrl: s.url });
    await c.request({ method: "POST", path: "/x", body: "{}" }).catch(() => {});
    expect(s.requests).toHaveLength(1);
    await c.request({ method: "POST", path: "/x", body: "{}", idempotent: true }).catch(() => {});
    expect(s.requests).toHaveLength(6);
    expect(s.requests.slice(1).every((r) => r.body.toString() === "{}")).toBe(true);
  });

  it("retries a POST after 429: the server refused it before doing anything", async () => {
    const s = await server((_req, res) =>
      s.requests.length === 1
        ? sendJson(res, 429, { detail: "slow down" }, { "retry-after": "2", date: NOW_HTTP })
        : sendJson(res, 200, { ok: true }),
    );
    const { sleeps, sleep } = fakeSleep();
    const c = client({ baseUrl: s.url, sleep });
    await c.request({ method: "POST", path: "/x", body: "{}" });
    expect(s.requests).toHaveLength(2);
    expect(sleeps).toEqual([2000]);
  });

  it("a 429 that names its wait costs no attempt: processes sharing a limit take turns", async () => {
    // Eight 429s in a row with Retry-After, then success, with only 2 attempts allowed.
    const s = await server((_req, res) =>
      s.requests.length <= 8
        ? sendJson(res, 429, { detail: "slow down" }, { "retry-after": "1", date: NOW_HTTP })
        : sendJson(res, 200, { ok: true }),
    );
    const { sleeps, sleep } = fakeSleep();
    const c = client({ baseUrl: s.url, sleep, retries: 2, retryBudget: 1 });
    const res = await c.request({ method: "POST", path: "/x", body: "{}" });
    expect(res.status).toBe(200);
    expect(s.requests).toHaveLength(9);
    expect(sleeps).toEqual(Array(8).fill(1000));
    expect(c.stats().retryBudgetLeft).toBe(1);
  });

  it("scheduled 429 waits stop after 5 minutes of them, and Retry-After: 0 uses attempts", async () => {
    const s = await server((_req, res) =>
      sendJson(res, 429, { detail: "slow down" }, { "retry-after": "60", date: NOW_HTTP }),
    );
    const { sleeps, sleep } = fakeSleep();
    const c = client({ baseUrl: s.url, sleep, retries: 1 });
    const err = await c.request({ method: "GET", path: "/x" }).catch((e) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(sleeps).toEqual(Array(5).fill(60_000));
    const zero = await server((_req, res) =>
      sendJson(res, 429, { detail: "slow down" }, { "retry-after": "0", date: NOW_HTTP }),
    );
    const c0 = client({ baseUrl: zero.url, sleep, retries: 3 });
    await expect(c0.request({ method: "GET", path: "/x" })).rejects.toBeInstanceOf(HttpError);
    expect(zero.requests).toHaveLength(3);
  });

  it("a connection reset mid-request is retried for GET but not for a POST", async () => {
    const s = await server((_req, res, raw) => {
      if (s.requests.length % 2 === 1) raw.socket.destroy();
      else sendJson(res, 200, { ok: true });
    });
    const c = client({ baseUrl: s.url });
    const res = await c.request({ method: "GET", path: "/x" });
    expect(res.status).toBe(200);
    expect(s.requests).toHaveLength(2);
    const err = await c.request({ method: "POST", path: "/y", body: "{}" }).catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.line()).toBe(
      `connection to 127.0.0.1:${s.port} was reset (ECONNRESET) — the server or a proxy closed the connection; try again later`,
    );
    expect(s.requests).toHaveLength(3);
  });

  it("retries a PUT with a stream body by calling the factory again", async () => {
    const { Readable } = await import("node:stream");
    let calls = 0;
    const s = await server((_req, res) => sendJson(res, s.requests.length === 1 ? 502 : 200, {}));
    const c = client({ baseUrl: s.url });
    await c.request({
      method: "PUT",
      path: "/x",
      body: () => {
        calls += 1;
        return Readable.from([Buffer.from("hello")]);
      },
      contentLength: 5,
    });
    expect(calls).toBe(2);
    expect(s.requests.map((r) => r.body.toString())).toEqual(["hello", "hello"]);
    expect(s.requests[1]!.headers["transfer-encoding"]).toBeUndefined();
    expect(s.requests[1]!.headers["content-length"]).toBe("5");
  });

  it("connection refused on loopback fails at once: one attempt, no wait, URL and fix (exit 4)", async () => {
    const s = await server(() => {}, { optional: true });
    const url = s.url;
    await s.close();
    const { sleeps, sleep } = fakeSleep();
    const c = client({ baseUrl: url, sleep, retries: 3 });
    const err = await c.request({ method: "POST", path: "/x", body: "{}" }).catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.exitCode).toBe(ExitCode.unavailable);
    expect(err.line()).toBe(
      `cannot connect to http://127.0.0.1:${s.port}: connection refused (ECONNREFUSED) — is the server running? start it (\`grc mock serve\` for the mock) or check the base URL (--base-url)`,
    );
    expect(sleeps).toEqual([]);
    expect(c.stats()).toMatchObject({ requests: 1, attempts: 1, retries: 0 });
  });

  // A refusal from another host may be a server restarting behind a load balancer: a short
  // retry (3 attempts at most, whatever --retries says). This machine's own non-loopback
  // address stands in for such a host: the kernel refuses a closed port there at once.
  const external = Object.values(networkInterfaces())
    .flat()
    .find((i) => i && i.family === "IPv4" && !i.internal)?.address;
  it.skipIf(!external)(
    "connection refused by a non-loopback host is retried briefly (3 attempts at most)",
    async () => {
      const s = await server(() => {}, { optional: true });
      const port = s.port;
      await s.close();
      const { sleeps, sleep } = fakeSleep();
      const c = client({ baseUrl: `http://${external}:${port}`, insecure: true, sleep });
      const err = await c.request({ method: "POST", path: "/x", body: "{}" }).catch((e) => e);
      expect(err).toBeInstanceOf(UnavailableError);
      expect(err.line()).toBe(
        `cannot connect to ${external}:${port}: connection refused (ECONNREFUSED) after 3 attempts — check the base URL and that the server is running`,
      );
      expect(sleeps).toHaveLength(2);
      expect(c.stats()).toMatchObject({ requests: 1, attempts: 3, retries: 2 });
    },
  );

  it("stops retrying when the client's retry budget is spent", async () => {
    const s = await server((_req, res) => sendJson(res, 500, {}));
    const c = client({ baseUrl: s.url, retryBudget: 3 });
    await c.request({ method: "GET", path: "/a" }).catch(() => {});
    expect(c.stats()).toMatchObject({ attempts: 4, retries: 3, retryBudgetLeft: 0 });
    await c.request({ method: "GET", path: "/b" }).catch(() => {});
    expect(c.stats()).toMatchObject({ requests: 2, attempts: 5, retries: 3, retryBudgetLeft: 0 });
  });

  it("earns half a retry back per success, never above the initial budget", async () => {
    const s = await server((req, res) =>
      req.url === "/fail" ? sendJson(res, 500, {}) : sendJson(res, 200, { ok: true }),
    );
    const c = client({ baseUrl: s.url, retryBudget: 2, retries: 3 });
    await c.request({ method: "GET", path: "/fail" }).catch(() => {});
    expect(c.stats()).toMatchObject({ retries: 2, retryBudgetLeft: 0 });
    for (let i = 0; i < 3; i++) await c.request({ method: "GET", path: "/ok" });
    expect(c.stats().retryBudgetLeft).toBe(1.5);
    for (let i = 0; i < 3; i++) await c.request({ method: "GET", path: "/ok" });
    expect(c.stats().retryBudgetLeft).toBe(2);
  });

  it("does not retry a status the caller marks permanent", async () => {
    const s = await server((_req, res) =>
      sendJson(res, 503, { detail: "object storage is not configured" }),
    );
    const c = client({ baseUrl: s.url });
    const err = await c
      .request({
        method: "POST",
        path: "/x",
        body: "{}",
        idempotent: true,
        permanentFailure: (status, body) => status === 503 && body.includes("not configured"),
      })
      .catch((e) => e);
    expect(s.requests).toHaveLength(1);
    expect(err).toBeInstanceOf(HttpError);
    expect(err.exitCode).toBe(ExitCode.unavailable);
  });

  it("times out a silent server with a one-line error", async () => {
    const s = await server(() => {
      /* never answers */
    });
    const c = client({ baseUrl: s.url, timeoutMs: 200, retries: 1 });
    const err = await c.request({ method: "GET", path: "/slow" }).catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.line()).toBe(
      `127.0.0.1:${s.port} did not respond within 200ms (ETIMEDOUT) — check the network or proxy, or raise --timeout`,
    );
  });

  it("turns an aborted signal into an interruption, even while waiting", async () => {
    const s = await server((_req, res) => sendJson(res, 503, {}, { "retry-after": "30" }));
    const controller = new AbortController();
    const c = createApiClient({
      baseUrl: s.url,
      credential: { kind: "bearer", apiKey: KEY },
    });
    defer(() => c.close());
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();
    const err = await c
      .request({ method: "GET", path: "/x", signal: controller.signal })
      .catch((e) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe("signals", () => {
  it("the run's signal and a caller's signal shared by many requests: either stops them, no listener warning", async () => {
    const s = await server((_req, res) => {
      if (s.requests.length <= 20) sendJson(res, 200, { ok: true });
      // later requests hang until the run is stopped
    });
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    defer(() => {
      process.off("warning", onWarning);
    });
    const run = new AbortController();
    const caller = new AbortController();
    const c = client({ baseUrl: s.url, signal: run.signal });
    const ok = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        c.request({ method: "GET", path: `/${i}`, signal: caller.signal }),
      ),
    );
    expect(ok.every((r) => r.status === 200)).toBe(true);
    const hanging = Array.from({ length: 12 }, (_, i) =>
      c.request({ method: "GET", path: `/h${i}`, signal: caller.signal }).catch((e) => e),
    );
    while (s.requests.length < 32) await new Promise((r) => setTimeout(r, 10));
    run.abort();
    const errors = await Promise.all(hanging);
    expect(errors.every((e) => e instanceof InterruptedError)).toBe(true);
    await new Promise((r) => setImmediate(r));
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });

  it("the run's signal alone ends a request waiting for its answer and one reading its body, at once", async () => {
    const s = await server((req, res) => {
      if (req.url === "/body") {
        // The head and a first piece of the JSON, then nothing more.
        res.writeHead(200, { "content-type": "application/json" });
        res.write('{"items": [');
      }
      // "/answer": never answered
    });
    const run = new AbortController();
    const c = client({ baseUrl: s.url, signal: run.signal, timeoutMs: 60_000 });
    const waiting = c.request({ method: "GET", path: "/answer" }).catch((e) => e);
    const reading = c.request({ method: "GET", path: "/body" }).catch((e) => e);
    while (s.requests.length < 2) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    const started = Date.now();
    run.abort();
    const errors = await Promise.all([waiting, reading]);
    expect(errors.map((e) => e instanceof InterruptedError)).toEqual([true, true]);
    expect(Date.now() - started).toBeLessThan(1000);
    // Nothing more is sent once the run is stopped, and closing the client does not fail.
    const after = await c.request({ method: "GET", path: "/answer" }).catch((e) => e);
    expect(after).toBeInstanceOf(InterruptedError);
    expect(s.requests).toHaveLength(2);
    await c.close();
  });
});

describe("redirects and origins", () => {
  it("follows a same-origin redirect with credentials, re-signed for the new path", async () => {
    const s = await server((req, res) => {
      if (req.url === "/old") {
        res.writeHead(301, { location: "/new?x=1" });
        res.end();
      } else sendJson(res, 200, { at: req.url });
    });
    const c = client({
      baseUrl: s.url,
      credential: { kind: "hmac", keyId: "abc", secret: "abc123", algorithm: "sha1" },
    });
    const res = await c.request({ method: "GET", path: "/old" });
    expect(res.json()).toEqual({ at: "/new?x=1" });
    expect(res.url).toBe(`${s.url}/new?x=1`);
    const sig = createHmac("sha1", "abc123")
      .update(`GET,application/vnd.api+json,1B2M2Y8AsgTpgAmY7PhCfg==,/new?x=1,${NOW_HTTP}`)
      .digest("base64");
    expect(header(s.requests[1]!, "authorization")).toBe(`APIAuth abc:${sig}`);
  });

  it("follows a GET to another origin without any credential (the capture server proves it)", async () => {
    const capture = await server((_req, res) => sendJson(res, 200, { captured: true }));
    const s = await server((_req, res) => {
      res.writeHead(302, { location: `http://localhost:${capture.port}/landing` });
      res.end();
    });
    const c = client({
      baseUrl: s.url,
      credential: { kind: "session", cookie: "sess-secret-1" },
      orgId: "9",
    });
    const res = await c.request({
      method: "GET",
      path: "/go",
      headers: { Authorization: "Bearer sk-leak-me-please" },
    });
    expect(res.json()).toEqual({ captured: true });
    const [got] = capture.requests;
    expect(got!.headers.authorization).toBeUndefined();
    expect(got!.headers.cookie).toBeUndefined();
    expect(got!.headers["x-organization-id"]).toBeUndefined();
    expect(JSON.stringify(got!.headers)).not.toContain("sess-secret-1");
  });

  it("refuses to follow a POST to another origin (exit 2, nothing sent there)", async () => {
    const capture = await server((_req, res) => sendJson(res, 200, {}), { optional: true });
    const s = await server((_req, res) => {
      res.writeHead(307, { location: `http://localhost:${capture.port}/x` });
      res.end();
    });
    const c = client({ baseUrl: s.url });
    const err = await c.request({ method: "POST", path: "/x", body: "{}" }).catch((e) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect(err.exitCode).toBe(ExitCode.usage);
    expect(err.line()).toBe(
      `POST /x was redirected to another origin (http://localhost:${capture.port}); grc does not send credentials or a body there — set the base URL to the platform's final address`,
    );
    expect(capture.requests).toHaveLength(0);
  });

  it("turns a 303 after POST into a GET without the body", async () => {
    const s = await server((req, res) => {
      if (req.method === "POST") {
        res.writeHead(303, { location: "/result/1" });
        res.end();
      } else sendJson(res, 200, { method: req.method, body: req.body.toString() });
    });
    const c = client({ baseUrl: s.url });
    const res = await c.request({ method: "POST", path: "/jobs", body: '{"a":1}' });
    expect(res.json()).toEqual({ method: "GET", body: "" });
    expect(s.requests[1]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("refuses absolute URLs on another origin (pagination links)", async () => {
    const s = await server((_req, res) => sendJson(res, 200, {}));
    const c = client({ baseUrl: s.url });
    const err = await c
      .request({ method: "GET", path: "http://evil.example:8080/api/v2/alerts?page=2" })
      .catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.message).toBe(
      `refusing to send credentials to http://evil.example:8080: it is not the base URL's origin http://127.0.0.1:${s.port}`,
    );
    await c.request({ method: "GET", path: `${s.url}/api/v2/alerts?page%5Bnumber%5D=2` });
    expect(s.requests[0]!.url).toBe("/api/v2/alerts?page%5Bnumber%5D=2");
  });

  it("puts a path under the base URL's own path, and refuses a path that is not one (nothing sent)", async () => {
    const s = await server((_req, res) => sendJson(res, 200, {}));
    const c = client({ baseUrl: `${s.url}/grc/` });
    await c.request({ method: "GET", path: "/api/v1/orgs/o1/evidence" });
    expect(s.requests[0]!.url).toBe("/grc/api/v1/orgs/o1/evidence");
    const err = await c.request({ method: "GET", path: "api/v1/x" }).catch((e) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(err.line()).toBe('request path must start with "/": api/v1/x — e.g. /api/v2/alerts');
    expect(s.requests).toHaveLength(1);
  });

  it("refuses plain http to a non-loopback host unless insecure", () => {
    expect(() =>
      createApiClient({
        baseUrl: "http://grc.example.com",
        credential: { kind: "bearer", apiKey: KEY },
      }),
    ).toThrow(UsageError);
    expect(() =>
      createApiClient({
        baseUrl: "file:///etc/passwd",
        credential: { kind: "bearer", apiKey: KEY },
      }),
    ).toThrow("refusing the base URL with scheme file:");
    const c = createApiClient({
      baseUrl: "http://grc.example.com",
      credential: { kind: "bearer", apiKey: KEY },
      insecure: true,
    });
    defer(() => c.close());
    expect(c.baseUrl).toBe("http://grc.example.com");
  });
});

describe("responses", () => {
  it("json() on a non-JSON body is one line naming method and path (exit 4)", async () => {
    const s = await server((_req, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>login</html>");
    });
    const c = client({ baseUrl: s.url });
    const res = await c.request({ method: "GET", path: "/api/v1/x?page=1" });
    let err: unknown;
    try {
      res.json();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnavailableError);
    expect((err as UnavailableError).line()).toBe(
      "invalid JSON from GET /api/v1/x?page=1 — the server answered text/html; check that the base URL points at the platform API",
    );
  });

  it("send() resolves with any status instead of throwing", async () => {
    const s = await server((_req, res) => sendJson(res, 404, { detail: "gone" }));
    const c = client({ baseUrl: s.url });
    const res = await c.send({ method: "GET", path: "/x" });
    expect(res.status).toBe(404);
    expect(res.json()).toEqual({ detail: "gone" });
  });
});
