import { describe, expect, it } from "vitest";
import { buildQuerySpec } from "../../../../src/core/query/query-spec.js";
import { type FetchedPage, type WalkStats, walkPages } from "../../../../src/core/query/walker.js";
import type { GrcError } from "../../../../src/errors.js";
import { createApiClient } from "../../../../src/http/client.js";
import { collectionPager, collectionTarget } from "../../../../src/platforms/evident/index.js";
import { json, useFakeServer } from "../../../helpers/fake-server.js";
import { alertPage, fakeApi, pageOf } from "./fake-api.js";

const BASE = "http://127.0.0.1:9";

async function collect(gen: AsyncGenerator<FetchedPage>): Promise<FetchedPage[]> {
  const pages: FetchedPage[] = [];
  for await (const page of gen) pages.push(page);
  return pages;
}

const ids = (pages: FetchedPage[]) => pages.flatMap((p) => p.resources.map((r) => r.id));
const range = (from: number, to: number) =>
  Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

function pagerFor(
  input: Parameters<typeof buildQuerySpec>[0],
  pageSize?: number,
  method: "auto" | "get" | "put" = "auto",
) {
  return collectionPager({
    target: collectionTarget("alerts"),
    spec: buildQuerySpec(input, new Date()),
    baseUrl: BASE,
    searchMethod: method,
    ...(pageSize !== undefined ? { pageSize } : {}),
    walking: true,
  });
}

describe("page walker", () => {
  it("walks links.next one request after another with concurrency 1", async () => {
    const api = fakeApi((req) => {
      const { number, size } = pageOf(req);
      return { body: alertPage(BASE, 45, number, size) };
    });
    const pages = await collect(
      walkPages({ client: api, pager: pagerFor({}, 10), all: true, concurrency: 1 }),
    );
    expect(ids(pages)).toEqual(range(1, 45));
    expect(api.maxInFlight).toBe(1);
    expect(api.seen.map((r) => r.path)).toEqual([
      "/api/v2/alerts?page[size]=10",
      // Then the server's own links, bytes as it wrote them.
      "/api/v2/alerts.json?page%5Bnumber%5D=2&page%5Bsize%5D=10",
      "/api/v2/alerts.json?page%5Bnumber%5D=3&page%5Bsize%5D=10",
      "/api/v2/alerts.json?page%5Bnumber%5D=4&page%5Bsize%5D=10",
      "/api/v2/alerts.json?page%5Bnumber%5D=5&page%5Bsize%5D=10",
    ]);
  });

  it("decode any (`grc api --paginate`): data items that are not objects are items too", async () => {
    const api = fakeApi(() => ({ body: { data: [null, 1, "x", { id: 1 }] } }));
    const pages = await collect(
      walkPages({
        client: api,
        pager: {
          page: () => ({ method: "GET", path: "/x" }),
          next: (l) => ({ method: "GET", path: l }),
        },
        all: true,
        concurrency: 1,
        decode: "any",
      }),
    );
    expect(pages.map((p) => p.resources)).toEqual([[null, 1, "x", { id: 1 }]]);
  });

  it("fetches pages concurrently when links.last is known and yields them in order, each once", async () => {
    // Later pages answer sooner, so completion order is the reverse of page order.
    const api = fakeApi((req) => {
      const { number, size } = pageOf(req);
      return { body: alertPage(BASE, 200, number, size), delayMs: (20 - number) * 3 };
    });
    const stats: WalkStats = { pages: 0, resources: 0, duplicates: 0, concurrent: false };
    const pages = await collect(
      walkPages({ client: api, pager: pagerFor({}, 10), all: true, concurrency: 4 }, stats),
    );
    expect(pages.map((p) => p.number)).toEqual(range(1, 20).map(Number));
    expect(ids(pages)).toEqual(range(1, 200));
    expect(api.maxInFlight).toBe(4);
    expect(stats).toEqual({ pages: 20, resources: 200, duplicates: 0, concurrent: true });
    // Every page asked exactly once.
    const asked = api.seen
      .map((r) => pageOf({ method: "GET", path: r.path }).number)
      .sort((a, b) => a - b);
    expect(asked).toEqual(range(1, 20).map(Number));
  });

  it("a slow page does not hold back the requests behind it (up to twice the concurrency held)", async () => {
    let startedWhileSlow = 0;
    const api = fakeApi((req) => {
      const { number, size } = pageOf(req);
      if (number === 2) {
        setTimeout(() => {
          startedWhileSlow = api.seen.length;
        }, 120);
        return { body: alertPage(BASE, 100, number, size), delayMs: 150 };
      }
      return { body: alertPage(BASE, 100, number, size), delayMs: 5 };
    });
    const pages = await collect(
      walkPages({ client: api, pager: pagerFor({}, 10), all: true, concurrency: 2 }),
    );
    expect(ids(pages)).toEqual(range(1, 100));
    // Page 1, then pages 2..5: four held at most while page 2 is slow.
    expect(startedWhileSlow).toBe(5);
    expect(api.maxInFlight).toBe(2);
  });

  it("--page N --all starts at N even when links.self is missing", async () => {
    const api = fakeApi((req) => {
      const { number, size } = pageOf(req);
      const body = alertPage(BASE, 50, number, size) as { links: Record<string, string> };
      delete body.links.self;
      return { body };
    });
    const pages = await collect(
      walkPages({
        client: api,
        pager: pagerFor({ page: 3 }, 10),
        all: true,
        concurrency: 4,
        firstPage: 3,
      }),
    );
    expect(ids(pages)).toEqual(range(21, 50));
    expect(api.seen.map((r) => pageOf({ method: "GET", path: r.path }).number)).toEqual([3, 4, 5]);
  });

  it("without links.last it falls back to links.next", async () => {
    const api = fakeApi((req) => {
      const { number, size } = pageOf(req);
      return { body: alertPage(BASE, 30, number, size, false), delayMs: 2 };
    });
    const stats: WalkStats = { pages: 0, resources: 0, duplicates: 0, concurrent: false };
    const pages = await collect(
      walkPages({ client: api, pager: pagerFor({}, 10), all: true, concurrency: 8 }, stats),
    );
    expect(ids(pages)).toEqual(range(1, 30));
    expect(stats.concurrent).toBe(false);
    expect(api.maxInFlight).toBe(1);
  });

  it("--limit stops inside a page and never asks for pages it does not need", async () => {
    const api = fakeApi((req) => {
      const { number, size } = pageOf(req);
      return { body: alertPage(BASE, 1000, number, size) };
    });
    const pages = await collect(
      walkPages({
        client: api,
        pager: pagerFor({}, 10),
        all: false,
        limit: 25,
        concurrency: 4,
        pageSize: 10,
      }),
    );
    expect(ids(pages)).toEqual(range(1, 25));
    expect(api.seen).toHaveLength(3);
  });

  it("drops a resource the server repeats on a later page", async () => {
    const api = fakeApi((req) => {
      const { number, size } = pageOf(req);
      const body = alertPage(BASE, 20, number, size) as { data: { id: string }[] };
      if (number === 2) body.data[0]!.id = "10"; // offset paging shifted: page 2 repeats id 10
      return { body };
    });
    const stats: WalkStats = { pages: 0, resources: 0, duplicates: 0, concurrent: false };
    const pages = await collect(
      walkPages({ client: api, pager: pagerFor({}, 10), all: true, concurrency: 1 }, stats),
    );
    expect(ids(pages)).toEqual([...range(1, 10), ...range(12, 20)]);
    expect(stats.duplicates).toBe(1);
  });

  it("a failing page aborts the pages still in flight and rethrows", async () => {
    const api = fakeApi((req) => {
      const { number, size } = pageOf(req);
      if (number === 3)
        return { status: 500, body: { errors: [{ status: "500", title: "boom" }] } };
      return { body: alertPage(BASE, 100, number, size), delayMs: 30 };
    });
    await expect(
      collect(walkPages({ client: api, pager: pagerFor({}, 10), all: true, concurrency: 4 })),
    ).rejects.toThrow("boom");
  });

  it("a PUT search sends each page as a form body to the bare path, never the GET links", async () => {
    const api = fakeApi((req) => {
      const { number, size } = pageOf(req);
      return { body: alertPage(BASE, 25, number, size) };
    });
    const pages = await collect(
      walkPages({
        client: api,
        pager: pagerFor({ filter: ["status_eq=fail"] }, 10, "put"),
        all: true,
        concurrency: 1,
      }),
    );
    expect(ids(pages)).toEqual(range(1, 25));
    expect(api.seen.map((r) => [r.method, r.path, r.body, r.headers["content-type"]])).toEqual([
      [
        "PUT",
        "/api/v2/alerts",
        "filter[status_eq]=fail&page[size]=10",
        "application/x-www-form-urlencoded",
      ],
      [
        "PUT",
        "/api/v2/alerts",
        "filter[status_eq]=fail&page[number]=2&page[size]=10",
        "application/x-www-form-urlencoded",
      ],
      [
        "PUT",
        "/api/v2/alerts",
        "filter[status_eq]=fail&page[number]=3&page[size]=10",
        "application/x-www-form-urlencoded",
      ],
    ]);
  });
});

describe("a server whose pagination does not advance", () => {
  /** Walks with --all one page at a time; returns the pages yielded and the error that ended the walk. */
  async function walkUntilError(api: ReturnType<typeof fakeApi>) {
    const pages: FetchedPage[] = [];
    try {
      for await (const p of walkPages({
        client: api,
        pager: pagerFor({}, 10),
        all: true,
        concurrency: 1,
      }))
        pages.push(p);
    } catch (e) {
      return { pages, err: e as GrcError };
    }
    return { pages, err: undefined };
  }

  it("stops when links.next points back at a page already fetched", async () => {
    const api = fakeApi(() => {
      const doc = alertPage(BASE, 45, 1, 10, false) as { links: Record<string, string> };
      doc.links.next = doc.links.self!;
      return { body: doc };
    });
    const { pages, err } = await walkUntilError(api);
    expect(ids(pages)).toEqual(range(1, 10));
    expect(err?.exitCode).toBe(4);
    expect(err?.line()).toMatch(/^stopped the walk at page 2: links\.next repeats a page/);
    expect(api.seen).toHaveLength(1);
  });

  it("stops when a page brings only resources already printed (page[number] ignored)", async () => {
    let n = 0;
    const api = fakeApi(() => {
      n += 1;
      const doc = alertPage(BASE, 45, 1, 10, false) as { links: Record<string, string> };
      doc.links.next = `${BASE}/api/v2/alerts.json?page%5Bnumber%5D=${n + 1}&page%5Bsize%5D=10`;
      return { body: doc };
    });
    const { pages, err } = await walkUntilError(api);
    expect(ids(pages)).toEqual(range(1, 10));
    expect(err?.line()).toMatch(
      /^stopped the walk at page 2: the page repeats resources already printed/,
    );
    expect(api.seen).toHaveLength(2);
  });
});

describe("walks that must end (issue 11), over a real client and a loopback server", () => {
  const server = useFakeServer();
  const client = () =>
    createApiClient({
      baseUrl: server().url,
      credential: { kind: "bearer", apiKey: "sk-walker-test-0123456789" },
      retries: 1,
    });
  const pager = () =>
    collectionPager({
      target: collectionTarget("alerts"),
      spec: buildQuerySpec({}, new Date()),
      baseUrl: server().url,
      searchMethod: "get",
      pageSize: 10,
      walking: true,
    });
  const link = (n: number) => `${server().url}/api/v2/alerts.json?page%5Bnumber%5D=${n}`;

  it("links.last = 10^9 with empty pages after page 2: ends at the first empty page", async () => {
    server().get(/^\/api\/v2\/alerts(\.json)?$/, (req) => {
      const n = Number(req.query.get("page[number]") ?? "1");
      const data = n <= 2 ? (alertPage(server().url, 20, n, 10) as { data: unknown[] }).data : [];
      return json(200, { data, links: { self: link(n), next: link(n + 1), last: link(1e9) } });
    });
    const pages = await collect(
      walkPages({ client: client(), pager: pager(), all: true, concurrency: 4 }),
    );
    expect(ids(pages)).toEqual(range(1, 20));
    // Page 3 is empty; at most the concurrency window beyond it was asked for, then aborted.
    expect(server().requests.length).toBeLessThanOrEqual(3 + 4);
  });

  it("links.next always present with empty pages: ends at the first empty page, one request each", async () => {
    server().get(/^\/api\/v2\/alerts(\.json)?$/, (req) => {
      const n = Number(req.query.get("page[number]") ?? "1");
      const data = n === 1 ? (alertPage(server().url, 5, 1, 10) as { data: unknown[] }).data : [];
      return json(200, { data, links: { self: link(n), next: link(n + 1) } });
    });
    const pages = await collect(
      walkPages({ client: client(), pager: pager(), all: true, concurrency: 1 }),
    );
    expect(ids(pages)).toEqual(range(1, 5));
    expect(server().requests).toHaveLength(2);
  });

  it("a repeating links.next over a links.last window: one line, exit 4, each record printed once", async () => {
    server().get(/^\/api\/v2\/alerts(\.json)?$/, () =>
      json(200, {
        data: (alertPage(server().url, 2, 1, 10) as { data: unknown[] }).data,
        links: { self: link(1), next: link(2), last: link(1e9) },
      }),
    );
    const pages: FetchedPage[] = [];
    const err = await (async () => {
      for await (const p of walkPages({
        client: client(),
        pager: pager(),
        all: true,
        concurrency: 4,
      }))
        pages.push(p);
    })().catch((e: unknown) => e as GrcError);
    expect(ids(pages)).toEqual(["1", "2"]);
    expect(err?.exitCode).toBe(4);
    expect(err?.line()).toMatch(
      /^stopped the walk at page 2: the page repeats resources already printed \(the server's pagination does not end\)/,
    );
  });
});
