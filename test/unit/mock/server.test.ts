import { request } from "node:http";
import { connect, createServer } from "node:net";
import { networkInterfaces } from "node:os";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { MockOptionError } from "../../../src/mock/errors.js";
import { isLoopback, type MockServer, startMockServer } from "../../../src/mock/server.js";
import { withMock } from "../../helpers/mock.js";

const mock = withMock({ objectsDir: "memory" });

/** A local address that is not loopback, to play a remote peer against a 127.0.0.1 server. */
const remoteAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === "IPv4" && !i.internal)?.address;

function getFrom(url: string, localAddress?: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(url, localAddress ? { localAddress } : {}, (res) => {
      let body = "";
      res.on("data", (c) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

beforeEach(async () => {
  await mock.reset();
});

describe("composition", () => {
  it("serves all three platforms on one origin and storage on another", async () => {
    expect(mock.platforms).toEqual(["sovereign", "evident", "strata"]);
    expect(mock.baseUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(mock.storageUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(mock.storageUrl).not.toBe(mock.baseUrl);
    const evident = await fetch(`${mock.baseUrl}/api/v2/alerts`, {
      headers: {
        Authorization: `Bearer ${mock.identity.apiKey}`,
        Accept: "application/vnd.api+json",
      },
    });
    expect(evident.status).toBe(200);
    const strata = await fetch(`${mock.baseUrl}/strata/api/auth/status`, {
      headers: { Cookie: `session=${mock.identity.session}` },
    });
    expect(strata.status).toBe(200);
    const unknown = await fetch(`${mock.baseUrl}/nowhere`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ detail: "Not Found" });
  });
});

describe("/__mock endpoints", () => {
  it("log requests with booleans for credentials, never their values", async () => {
    await fetch(`${mock.baseUrl}/api/v1/orgs/${mock.identity.orgId}/evidence?page[size]=5`, {
      headers: { Authorization: `Bearer ${mock.identity.apiKey}` },
    });
    await fetch(`${mock.baseUrl}/strata/api/auth/status`, {
      headers: { Cookie: `session=${mock.identity.session}` },
    });
    const res = await fetch(`${mock.baseUrl}/__mock/state`);
    expect(res.status).toBe(200);
    const state = (await res.json()) as { requests: Record<string, unknown>[] };
    expect(state.requests).toEqual([
      expect.objectContaining({
        origin: "api",
        method: "GET",
        path: `/api/v1/orgs/${mock.identity.orgId}/evidence`,
        query: "page[size]=5",
        status: 200,
        authorization: true,
        cookie: false,
        fault: null,
      }),
      expect.objectContaining({
        path: "/strata/api/auth/status",
        authorization: false,
        cookie: true,
      }),
    ]);
    const text = JSON.stringify(state);
    expect(text).not.toContain(mock.identity.apiKey);
    expect(text).not.toContain(mock.identity.session);
  });

  it.skipIf(!remoteAddress)("answer loopback peers only", async () => {
    const ok = await getFrom(`${mock.baseUrl}/__mock/state`, "127.0.0.1");
    expect(ok.status).toBe(200);
    for (const path of ["/__mock/state", "/__mock/reset", "/__mock/clock"]) {
      const denied = await getFrom(`${mock.baseUrl}${path}`, remoteAddress);
      expect(denied.status).toBe(403);
      expect(JSON.parse(denied.body)).toEqual({
        detail: "the /__mock endpoints answer loopback clients only",
      });
    }
    // The platforms themselves answer any peer.
    const api = await getFrom(`${mock.baseUrl}/nowhere`, remoteAddress);
    expect(api.status).toBe(404);
  });

  it("reset forgets objects, lineage, requests and the clock offset", async () => {
    const base = `${mock.baseUrl}/api/v1/orgs/${mock.identity.orgId}/evidence`;
    const headers = {
      Authorization: `Bearer ${mock.identity.apiKey}`,
      "Content-Type": "application/json",
    };
    const up = (await (
      await fetch(`${base}/upload-url`, {
        method: "POST",
        headers,
        body: JSON.stringify({ filename: "a.txt", content_type: "text/plain", control_id: "C" }),
      })
    ).json()) as { upload_url: string };
    await fetch(up.upload_url, {
      method: "PUT",
      headers: { "Content-Type": "text/plain" },
      body: "a",
    });
    await fetch(`${mock.baseUrl}/__mock/clock?offset_ms=60000`, { method: "POST" });
    expect(mock.state().objects).toHaveLength(1);
    expect(mock.state().clock.offset_ms).toBe(60000);
    const res = await fetch(`${mock.baseUrl}/__mock/reset`, { method: "POST" });
    expect(await res.json()).toEqual({ reset: true });
    const state = mock.state();
    expect(state.objects).toEqual([]);
    expect(state.lineage).toEqual([]);
    expect(state.requests).toEqual([]);
    expect(state.clock.offset_ms).toBe(0);
  });

  it("clock shifts the server's notion of now", async () => {
    const res = await fetch(`${mock.baseUrl}/__mock/clock?offset_ms=-3600000`, { method: "POST" });
    const body = (await res.json()) as { now: string; offset_ms: number };
    expect(body.offset_ms).toBe(-3_600_000);
    expect(Math.abs(Date.parse(body.now) - (Date.now() - 3_600_000))).toBeLessThan(5000);
    const bad = await fetch(`${mock.baseUrl}/__mock/clock?offset_ms=soon`, { method: "POST" });
    expect(bad.status).toBe(422);
  });

  it("refuses a JSON body over 1 MiB and takes one just under it", async () => {
    const post = (bytes: number) =>
      fetch(`${mock.baseUrl}/api/v1/orgs/${mock.identity.orgId}/evidence/upload-url`, {
        method: "POST",
        headers: {
          Authorization: `Bearer ${mock.identity.apiKey}`,
          "Content-Type": "application/json",
        },
        body: JSON.stringify({
          filename: "a.csv",
          content_type: "text/csv",
          control_id: "x".repeat(bytes),
        }),
      });
    const big = await post(1024 * 1024);
    expect(big.status).toBe(413);
    expect(await big.json()).toEqual({ detail: "request body too large for the mock" });
    expect((await post(1000 * 1000)).status).not.toBe(413);
  });

  it("refuses a multipart body over 256 MiB from its Content-Length, without reading it", async () => {
    const u = new URL(mock.baseUrl);
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(Number(u.port), u.hostname, () => {
        socket.write(
          `POST /strata/api/cases/evidence?case_id=1 HTTP/1.1\r\nHost: ${u.host}\r\nContent-Type: multipart/form-data; boundary=x\r\nContent-Length: ${257 * 1024 * 1024}\r\n\r\n`,
        );
      });
      let got = "";
      socket.on("data", (c) => {
        got += c;
      });
      socket.on("close", () => resolve(got));
      socket.on("error", () => {});
      setTimeout(() => socket.destroy(), 3000);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(answer).toContain('{"detail":"request body too large for the mock"}');
  });

  it("faults can be changed at run time and bad specs are refused", async () => {
    const bad = await fetch(`${mock.baseUrl}/__mock/faults?spec=teapot=1`, { method: "POST" });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { detail: string }).detail).toBe(
      'bad fault "teapot=1" in --faults',
    );
  });
});

describe("isLoopback", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.8.9.10", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["192.0.2.2", false],
    ["::ffff:10.0.0.1", false],
    ["fd00::2", false],
    ["1270.0.0.1", false],
    [undefined, false],
  ])("%s -> %s", (address, expected) => {
    expect(isLoopback(address)).toBe(expected);
  });
});

describe("startMockServer options", () => {
  let slow: MockServer;
  beforeAll(async () => {
    slow = await startMockServer({ platforms: ["sovereign"], latencyMs: 250, storage: false });
  });
  afterAll(async () => {
    await slow.close();
  });

  it("delays API answers by the latency, but not the control endpoints", async () => {
    let t = Date.now();
    await fetch(`${slow.baseUrl}/nowhere`);
    expect(Date.now() - t).toBeGreaterThanOrEqual(245);
    t = Date.now();
    await fetch(`${slow.baseUrl}/__mock/state`);
    expect(Date.now() - t).toBeLessThan(200);
  });

  it("names a port that is taken, and closes cleanly", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", () => r()));
    const port = (blocker.address() as { port: number }).port;
    let err: unknown;
    try {
      await startMockServer({ platforms: ["sovereign"], port, storage: false });
    } catch (e) {
      err = e;
    }
    blocker.close();
    expect(err).toBeInstanceOf(MockOptionError);
    expect((err as MockOptionError).line()).toBe(
      `cannot listen on 127.0.0.1:${port}: EADDRINUSE — pick another port, or --port 0 for any free one`,
    );

    const server = await startMockServer({ platforms: ["sovereign"] });
    const { baseUrl, storageUrl } = server;
    await server.close();
    await expect(fetch(`${baseUrl}/__mock/state`)).rejects.toThrow();
    await expect(fetch(`${storageUrl}/grc-evidence/x`)).rejects.toThrow();
  });
});
