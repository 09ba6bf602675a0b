import { createHash } from "node:crypto";
import { request } from "node:http";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { MockOptionError } from "../../../src/mock/errors.js";
import {
  createFaultInjector,
  formatFaultSpec,
  parseFaultSpec,
  seededRandom,
} from "../../../src/mock/faults.js";
import { type MockServer, startMockServer } from "../../../src/mock/server.js";

const sha = (b: string) => createHash("sha256").update(b).digest("hex");

describe("fault spec", () => {
  it("parses the documented syntax", () => {
    expect(parseFaultSpec("429=0.1,500=0.05,503=0.02,reset=0.02,slow=0.05")).toEqual({
      "429": 0.1,
      "500": 0.05,
      "503": 0.02,
      reset: 0.02,
      slow: 0.05,
    });
    expect(parseFaultSpec(" corrupt=0.5 , expire=0.25 ")).toEqual({ corrupt: 0.5, expire: 0.25 });
    expect(parseFaultSpec("")).toEqual({});
    expect(formatFaultSpec({ reset: 0.02, "429": 0.1 })).toBe("429=0.1,reset=0.02");
  });

  it.each([
    ["418=0.1", 'bad fault "418=0.1" in --faults'],
    ["429", 'bad fault "429" in --faults'],
    ["429=abc", 'fault probability "abc" for 429 is not a number between 0 and 1'],
    ["429=1.5", 'fault probability "1.5" for 429 is not a number between 0 and 1'],
    ["429=", 'fault probability "" for 429 is not a number between 0 and 1'],
    ["429=0.6,500=0.6", "fault probabilities in --faults add up to 1.200, more than 1"],
  ])("rejects %s with one line", (text, message) => {
    let err: unknown;
    try {
      parseFaultSpec(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(MockOptionError);
    expect((err as MockOptionError).message).toBe(message);
  });
});

describe("fault injector", () => {
  it("is reproducible from its seed and follows the probabilities", () => {
    const spec = parseFaultSpec("429=0.1,500=0.05,reset=0.02,slow=0.05");
    const a = createFaultInjector("api", spec, 42);
    const b = createFaultInjector("api", spec, 42);
    const c = createFaultInjector("api", spec, 43);
    const seqA = Array.from({ length: 20_000 }, () => a.decide());
    const seqB = Array.from({ length: 20_000 }, () => b.decide());
    const seqC = Array.from({ length: 20_000 }, () => c.decide());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
    const share = (k: string) => seqA.filter((x) => x === k).length / seqA.length;
    expect(share("429")).toBeGreaterThan(0.09);
    expect(share("429")).toBeLessThan(0.11);
    expect(share("reset")).toBeGreaterThan(0.015);
    expect(share("reset")).toBeLessThan(0.025);
    expect(a.counts()["429"]).toBe(seqA.filter((x) => x === "429").length);
  });

  it("never fires storage-only faults on the API", () => {
    const api = createFaultInjector("api", { corrupt: 0.3, truncate: 0.3, expire: 0.4 }, 1);
    const storage = createFaultInjector("storage", { corrupt: 0.3, truncate: 0.3, expire: 0.4 }, 1);
    expect(Array.from({ length: 1000 }, () => api.decide()).every((k) => k === undefined)).toBe(
      true,
    );
    expect(new Set(Array.from({ length: 1000 }, () => storage.decide()))).toEqual(
      new Set(["corrupt", "truncate", "expire"]),
    );
  });

  it("draws uniform numbers in [0, 1)", () => {
    const r = seededRandom(7);
    const xs = Array.from({ length: 10_000 }, r);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
  });
});

describe("faults on a running mock", () => {
  let server: MockServer;
  const base = () => `${server.baseUrl}/api/v1/orgs/${server.identity.orgId}/evidence`;
  const headers = () => ({
    Authorization: `Bearer ${server.identity.apiKey}`,
    "Content-Type": "application/json",
  });
  const setFaults = async (spec: string, seed = 1) => {
    const res = await fetch(
      `${server.baseUrl}/__mock/faults?spec=${encodeURIComponent(spec)}&seed=${seed}`,
      { method: "POST" },
    );
    expect(res.status).toBe(200);
  };
  const uploadUrl = async () => {
    const res = await fetch(`${base()}/upload-url`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ filename: "f.csv", content_type: "text/csv", control_id: "CC6.1" }),
    });
    return (await res.json()) as { upload_url: string; object_key: string };
  };
  const put = (url: string, body: string) =>
    fetch(url, { method: "PUT", headers: { "Content-Type": "text/csv" }, body });

  beforeEach(async () => {
    server = await startMockServer({ platforms: ["sovereign"], objectsDir: "memory", slowMs: 300 });
  });
  afterEach(async () => {
    await server.close();
  });

  it("injects 429, 500 and 503 in each platform's error shape, before the handler runs", async () => {
    const up = await uploadUrl();
    await put(up.upload_url, "data");
    await setFaults("500=1");
    const link = await fetch(`${base()}/${sha("data")}/link-to-control`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ control_id: "CC6.1", object_key: up.object_key }),
    });
    expect(link.status).toBe(500);
    expect(await link.json()).toEqual({ detail: "Internal Server Error" });
    await setFaults("");
    expect(server.state().lineage).toEqual([]);

    await setFaults("429=1");
    const limited = await fetch(`${base()}/upload-url`, { method: "POST", headers: headers() });
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("0");
    const evident = await fetch(`${server.baseUrl}/api/v2/alerts`);
    expect(evident.status).toBe(429);
    expect(evident.headers.get("content-type")).toBe("application/vnd.api+json");
    expect(await evident.json()).toEqual({
      errors: [{ status: "429", title: "Request limit exceeded. Please try again later." }],
    });
    expect(evident.headers.get("x-ratelimit-remaining")).toBe("0");

    await setFaults("503=1");
    const strata = await fetch(`${server.baseUrl}/strata/api/risks?action=list`);
    expect(strata.status).toBe(503);
    expect(await strata.json()).toEqual({
      success: false,
      error: { code: "SERVER_ERROR", message: "Service Unavailable" },
    });
    const storage = await put(up.upload_url, "other");
    expect(storage.status).toBe(503);
    expect(await storage.text()).toContain("<Code>ServiceUnavailable</Code>");
    await setFaults("");
    expect(server.state().objects[0]).toMatchObject({ sha256: sha("data") });
    const counts = server.state().faults;
    expect(counts).toMatchObject({ api: { "503": 1 }, storage: { "503": 1 } });
    expect(server.state().requests.filter((r) => r.fault === "503")).toHaveLength(2);
  });

  it("reset kills the connection mid-response on the API and on storage", async () => {
    const up = await uploadUrl();
    await setFaults("reset=1");
    await expect(
      fetch(`${base()}/upload-url`, { method: "POST", headers: headers() }),
    ).rejects.toThrow();
    await expect(put(up.upload_url, "data")).rejects.toThrow();
    // A raw client sees the status line, then the connection dies before the promised body.
    const partial = await new Promise<{ status?: number; error: string }>((resolve) => {
      const req = request(`${base()}/upload-url`, { method: "POST" }, (res) => {
        res.on("data", () => {});
        res.on("error", (e) => resolve({ status: res.statusCode, error: e.message }));
        res.on("end", () => resolve({ status: res.statusCode, error: "" }));
      });
      req.on("error", (e) => resolve({ error: e.message }));
      req.end();
    });
    expect(partial.error).not.toBe("");
    await setFaults("");
    expect(server.state().objects).toEqual([]);
  });

  it("slow stalls the answer, then answers normally", async () => {
    await setFaults("slow=1");
    const started = Date.now();
    const up = await uploadUrl();
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(up.object_key).toMatch(/f\.csv$/);
    const t = Date.now();
    expect((await put(up.upload_url, "x")).status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(290);
  });

  it("corrupt stores altered bytes that only verify notices", async () => {
    const up = await uploadUrl();
    await setFaults("corrupt=1");
    const res = await put(up.upload_url, "audit evidence");
    expect(res.status).toBe(200);
    // The ETag describes what the client sent, not what storage kept.
    expect(res.headers.get("etag")).toBe(`"${sha("audit evidence")}"`);
    await setFaults("");
    const stored = server.state().objects[0]!;
    expect(stored.sha256).not.toBe(sha("audit evidence"));
    const v = await fetch(
      `${base()}/verify?object_key=${encodeURIComponent(up.object_key)}&expected_hash=${sha("audit evidence")}`,
      { method: "POST", headers: headers() },
    );
    expect(v.status).toBe(422);
    expect(await v.json()).toMatchObject({ verified: false, actual_hash: stored.sha256 });
    const link = await fetch(`${base()}/${sha("audit evidence")}/link-to-control`, {
      method: "POST",
      headers: headers(),
      body: JSON.stringify({ control_id: "CC6.1", object_key: up.object_key }),
    });
    expect(link.status).toBe(422);
  });

  it("truncate stores the first half of the bytes, and verify notices", async () => {
    const up = await uploadUrl();
    await setFaults("truncate=1");
    const body = "0123456789abcdef";
    const res = await put(up.upload_url, body);
    expect(res.status).toBe(200);
    await setFaults("");
    expect(server.state().objects[0]).toMatchObject({ size: 8, sha256: sha("01234567") });
    const v = await fetch(
      `${base()}/verify?object_key=${encodeURIComponent(up.object_key)}&expected_hash=${sha(body)}`,
      { method: "POST", headers: headers() },
    );
    expect(await v.json()).toMatchObject({ verified: false, actual_hash: sha("01234567") });
  });

  it("expire answers Request has expired on storage only", async () => {
    await setFaults("expire=1");
    const up = await uploadUrl();
    expect(up.object_key).toBeDefined();
    const res = await put(up.upload_url, "x");
    expect(res.status).toBe(403);
    const text = await res.text();
    expect(text).toContain("<Code>AccessDenied</Code><Message>Request has expired</Message>");
    expect(server.state().objects).toEqual([]);
  });

  it("replays the same faults for the same seed", async () => {
    const statuses = async () => {
      const out: number[] = [];
      for (let i = 0; i < 30; i++) {
        const r = await fetch(`${base()}/upload-url`, {
          method: "POST",
          headers: headers(),
          body: JSON.stringify({ filename: "f.csv", content_type: "text/csv", control_id: "C" }),
        });
        out.push(r.status);
      }
      return out;
    };
    await setFaults("429=0.3,500=0.2", 99);
    const first = await statuses();
    await setFaults("429=0.3,500=0.2", 99);
    const second = await statuses();
    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 429, 500]));
  });
});
