import { readFileSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { type AddressInfo, connect, type Socket } from "node:net";
import { fileURLToPath } from "node:url";
import { describe, expect, it, vi } from "vitest";
import { ExitCode, UnavailableError, UsageError } from "../../../src/errors.js";
import { createApiClient } from "../../../src/http/client.js";
import { fakeServers, sendJson } from "../../helpers/fake-server.js";

// Counts TLS contexts built (the real function still does the work). The client loads node:tls
// only when it needs it, from node's own module object: the spy sits on that object.
const contextSpy = vi.spyOn(process.getBuiltinModule("node:tls"), "createSecureContext");
const contextsBuilt = () => contextSpy.mock.calls.length;

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const CA = fixture("ca.pem");
const KEY = "sk-proxy-test-key-9876";

const { defer, server } = fakeServers();

/** A CONNECT proxy that records the targets it was asked for and tunnels them to 127.0.0.1. */
async function startProxy(targetPort: number) {
  const asked: string[] = [];
  const sockets = new Set<Socket>();
  const proxy = createHttpServer((_req, res) => {
    res.writeHead(501);
    res.end();
  });
  proxy.on("connect", (req, client: Socket, head: Buffer) => {
    asked.push(req.url ?? "");
    sockets.add(client);
    const upstream = connect(targetPort, "127.0.0.1", () => {
      client.write("HTTP/1.1 200 Connection Established\r\n\r\n");
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on("error", () => client.destroy());
    client.on("error", () => upstream.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
  defer(
    () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        proxy.close(() => r());
      }),
  );
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, asked };
}

describe("proxy", () => {
  it("sends requests through HTTP_PROXY (the target host does not even resolve)", async () => {
    const target = await server((req, res) => sendJson(res, 200, { via: req.url }));
    const proxy = await startProxy(target.port);
    const c = createApiClient({
      baseUrl: `http://grc-target.invalid:${target.port}`,
      credential: { kind: "bearer", apiKey: KEY },
      insecure: true,
      env: { HTTP_PROXY: proxy.url },
    });
    defer(() => c.close());
    const res = await c.request({ method: "GET", path: "/api/v1/ping" });
    expect(res.json()).toEqual({ via: "/api/v1/ping" });
    expect(proxy.asked).toEqual([`grc-target.invalid:${target.port}`]);
    expect(target.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
  });

  it("honours NO_PROXY and never proxies loopback hosts", async () => {
    const target = await server((_req, res) => sendJson(res, 200, {}));
    const proxy = await startProxy(target.port);
    const c = createApiClient({
      baseUrl: target.url,
      credential: { kind: "bearer", apiKey: KEY },
      env: { HTTP_PROXY: proxy.url, NO_PROXY: "example.org" },
    });
    defer(() => c.close());
    await c.request({ method: "GET", path: "/x" });
    expect(proxy.asked).toEqual([]);
    expect(target.requests).toHaveLength(1);
  });

  it("rejects a malformed proxy URL with one line", () => {
    expect(() =>
      createApiClient({
        baseUrl: "https://grc.example.com",
        credential: { kind: "bearer", apiKey: KEY },
        env: { HTTPS_PROXY: "not a url" },
      }),
    ).toThrow(UsageError);
  });
});

describe("CA certificates", () => {
  async function tlsServer() {
    const server = createHttpsServer(
      { key: readFileSync(fixture("server.key")), cert: readFileSync(fixture("server.pem")) },
      (_req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        res.end('{"tls":true}');
      },
    );
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    defer(
      () =>
        new Promise<void>((r) => {
          server.closeAllConnections();
          server.close(() => r());
        }),
    );
    return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it("trusts a private CA given with --ca-cert (plus the default roots)", async () => {
    const url = await tlsServer();
    const c = createApiClient({
      baseUrl: url,
      credential: { kind: "bearer", apiKey: KEY },
      caCert: CA,
    });
    defer(() => c.close());
    expect((await c.request({ method: "GET", path: "/" })).json()).toEqual({ tls: true });
  });

  it("trusts NODE_EXTRA_CA_CERTS from the environment it is given", async () => {
    const url = await tlsServer();
    const c = createApiClient({
      baseUrl: url,
      credential: { kind: "bearer", apiKey: KEY },
      env: { NODE_EXTRA_CA_CERTS: CA },
    });
    defer(() => c.close());
    expect((await c.request({ method: "GET", path: "/" })).json()).toEqual({ tls: true });
  });

  it("builds no TLS context for a plain-http origin, and one for the first https connection", async () => {
    const plain = await server((_req, res) => sendJson(res, 200, { tls: false }));
    const url = await tlsServer(); // the server builds its own context: counted before
    const before = contextsBuilt();
    const c = createApiClient({
      baseUrl: plain.url,
      credential: { kind: "bearer", apiKey: KEY },
      env: { NODE_EXTRA_CA_CERTS: CA },
      caCert: CA,
    });
    defer(() => c.close());
    for (let i = 0; i < 3; i++) await c.request({ method: "GET", path: "/" });
    expect(contextsBuilt()).toBe(before);
    const t = createApiClient({
      baseUrl: url,
      credential: { kind: "bearer", apiKey: KEY },
      env: { NODE_EXTRA_CA_CERTS: CA },
    });
    defer(() => t.close());
    expect(contextsBuilt()).toBe(before);
    for (let i = 0; i < 3; i++) {
      expect((await t.request({ method: "GET", path: `/${i}` })).json()).toEqual({ tls: true });
    }
    expect(contextsBuilt()).toBe(before + 1);
  });

  it("without the CA the certificate is untrusted: one line, exit 4, no retries", async () => {
    const url = await tlsServer();
    const c = createApiClient({
      baseUrl: url,
      credential: { kind: "bearer", apiKey: KEY },
      sleep: async () => {},
    });
    defer(() => c.close());
    const err = await c.request({ method: "GET", path: "/" }).catch((e) => e);
    expect(err).toBeInstanceOf(UnavailableError);
    expect(err.exitCode).toBe(ExitCode.unavailable);
    expect(err.line()).toMatch(
      /^TLS certificate of 127\.0\.0\.1:\d+ is not trusted \([A-Z_]+\) — pass --ca-cert <pem> or set NODE_EXTRA_CA_CERTS for a private CA$/,
    );
    expect(c.stats().attempts).toBe(1);
  });

  it("an unreadable or non-PEM CA file is a usage error naming the file", () => {
    expect(() =>
      createApiClient({
        baseUrl: "https://grc.example.com",
        credential: { kind: "bearer", apiKey: KEY },
        caCert: "/nonexistent/ca.pem",
      }),
    ).toThrow("cannot read CA certificate file /nonexistent/ca.pem (ENOENT)");
    expect(() =>
      createApiClient({
        baseUrl: "https://grc.example.com",
        credential: { kind: "bearer", apiKey: KEY },
        caCert: fixture("../client.test.ts"),
      }),
    ).toThrow("holds no PEM certificate");
  });
});

describe("connections per origin", () => {
  it("opens as many connections as requests are in flight, past 16 (push --concurrency goes to 256)", async () => {
    const WANT = 24;
    const sockets = new Set<unknown>();
    const waiting: (() => void)[] = [];
    let most = 0;
    let released = false;
    // Each answer waits until WANT requests are in at once (or 3 s have passed, then every
    // request is answered at once).
    const release = () => {
      released = true;
      for (const go of waiting.splice(0)) go();
    };
    const s = await server(
      (_req, res, raw) =>
        new Promise<void>((done) => {
          sockets.add(raw.socket);
          waiting.push(() => {
            sendJson(res, 200, { ok: true });
            done();
          });
          most = Math.max(most, waiting.length);
          if (released || waiting.length >= WANT) release();
        }),
      { times: WANT },
    );
    const timer = setTimeout(release, 3000);
    defer(() => clearTimeout(timer));
    const c = createApiClient({ baseUrl: s.url, credential: { kind: "bearer", apiKey: KEY } });
    defer(() => c.close());
    const answers = await Promise.all(
      Array.from({ length: WANT }, (_, i) => c.request({ method: "GET", path: `/${i}` })),
    );
    expect(answers.map((a) => a.status)).toEqual(Array(WANT).fill(200));
    expect(most).toBe(WANT);
    expect(sockets.size).toBe(WANT);
  });
});
