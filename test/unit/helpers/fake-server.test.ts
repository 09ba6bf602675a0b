import { afterEach, describe, expect, it } from "vitest";
import { type FakeServer, json, startFakeServer } from "../../helpers/fake-server.js";

/** The fake server's own contract: what it records, and what makes verify() fail a test. */
let s: FakeServer;
afterEach(async () => {
  await s?.close();
});

describe("fake server", () => {
  it("answers stubs by method, path and query, and records the bytes that reached it", async () => {
    s = await startFakeServer();
    s.on({ method: "GET", path: "/items", query: { "page[number]": "2" } }, json(200, { page: 2 }));
    s.get("/items", json(200, { page: 1 }));
    s.post(/^\/things\/\d+$/, (req) => json(201, { got: req.json() }));
    const one = await fetch(`${s.url}/items`).then((r) => r.json());
    const two = await fetch(`${s.url}/items?page%5Bnumber%5D=2`).then((r) => r.json());
    const made = await fetch(`${s.url}/things/7`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-test": "yes" },
      body: '{"a":1}',
    });
    expect([one, two]).toEqual([{ page: 1 }, { page: 2 }]);
    expect(made.status).toBe(201);
    expect(await made.json()).toEqual({ got: { a: 1 } });
    expect(s.requests.map((r) => `${r.method} ${r.url}`)).toEqual([
      "GET /items",
      "GET /items?page%5Bnumber%5D=2",
      "POST /things/7",
    ]);
    expect(s.requests[2]?.headers["x-test"]).toBe("yes");
    expect(s.requests[2]?.body.toString()).toBe('{"a":1}');
    expect(() => s.verify()).not.toThrow();
  });

  it("fails verify() on a request no stub matched (answered 501)", async () => {
    s = await startFakeServer();
    s.get("/a", json(200, {}));
    await fetch(`${s.url}/a`);
    const res = await fetch(`${s.url}/b?x=1`, { method: "DELETE" });
    expect(res.status).toBe(501);
    expect(() => s.verify()).toThrow("fake server: unexpected request DELETE /b?x=1");
  });

  it("fails verify() on a stub that was never called, or called fewer times than stubbed", async () => {
    s = await startFakeServer();
    s.get("/called", json(200, {}));
    s.post("/never", json(200, {}));
    s.get("/twice", json(200, { n: 1 }), { times: 2 });
    await fetch(`${s.url}/called`);
    await fetch(`${s.url}/twice`);
    expect(() => s.verify()).toThrow(
      "fake server: stub never called: POST /never; stub called 1 of 2 times: GET /twice",
    );
  });

  it("one-shot stubs answer in turn, then the next stub for the route takes over", async () => {
    s = await startFakeServer();
    s.get("/r", json(503, { detail: "busy" }), { times: 1 });
    s.get("/r", { status: 200, body: "ok", headers: { "content-type": "text/plain" } });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await fetch(`${s.url}/r`)).status);
    expect(statuses).toEqual([503, 200, 200]);
    expect(() => s.verify()).not.toThrow();
  });
});
