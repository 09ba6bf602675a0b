import { describe, expect, it } from "vitest";
import { runInProcess } from "../../../helpers/cli.js";
import { fakeServers, sendJson } from "../../../helpers/fake-server.js";

/** `grc api` in-process with buffer streams: TTY formatting and pagination edge cases. */

const KEY = "sk-unit-api-command-1111";
const { server } = fakeServers();

describe("grc api", () => {
  it("pretty-prints JSON on a TTY and passes bytes through in a pipe", async () => {
    const s = await server((_req, res) => sendJson(res, 200, { a: 1, b: [2] }));
    const env = { GRC_BASE_URL: s.url, GRC_API_KEY: KEY };
    const tty = await runInProcess(["api", "/x"], { env, tty: true });
    expect(tty.code).toBe(0);
    expect(tty.stdout).toBe('{\n  "a": 1,\n  "b": [\n    2\n  ]\n}\n');
    const pipe = await runInProcess(["api", "x"], { env });
    expect(pipe.stdout).toBe('{"a":1,"b":[2]}');
    expect(s.requests[1]!.url).toBe("/x");
  });

  it("sends the session cookie with the profile's organization", async () => {
    const s = await server((_req, res) => sendJson(res, 200, { success: true, data: [] }));
    const r = await runInProcess(["api", "/strata/api/risks?action=list"], {
      env: { GRC_BASE_URL: s.url, GRC_SESSION: "sess-value-1234", GRC_ORG_ID: "42" },
    });
    expect(r.code).toBe(0);
    expect(s.requests[0]!.headers.cookie).toBe("session=sess-value-1234");
    expect(s.requests[0]!.headers["x-organization-id"]).toBe("42");
  });

  it("--paginate merges every page's data into one array and asks JSON:API media types", async () => {
    const s = await server((req, res) => {
      const page = Number(/page=(\d+)/.exec(req.url)?.[1] ?? "1");
      const next = page < 3 ? `${s.url}/api/v2/items?page=${page + 1}` : null;
      sendJson(res, 200, { data: [{ id: `${page}a` }, { id: `${page}b` }], links: { next } });
    });
    const env = { GRC_BASE_URL: s.url, GRC_API_KEY: KEY };
    const r = await runInProcess(["api", "/api/v2/items?page=1", "--paginate"], { env });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).map((i: { id: string }) => i.id)).toEqual([
      "1a",
      "1b",
      "2a",
      "2b",
      "3a",
      "3b",
    ]);
    expect(s.requests.map((q) => q.headers.accept)).toEqual(
      Array(3).fill("application/vnd.api+json"),
    );
  });

  it("--paginate refuses a next link to another origin and still prints valid JSON", async () => {
    const s = await server((_req, res) =>
      sendJson(res, 200, {
        data: [{ id: "1" }],
        links: { next: "http://elsewhere.example/api/v2/items?page=2" },
      }),
    );
    const r = await runInProcess(["api", "/api/v2/items", "--paginate"], {
      env: { GRC_BASE_URL: s.url, GRC_API_KEY: KEY },
    });
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout)).toEqual([{ id: "1" }]);
    expect(r.stderr).toBe(
      `grc: refusing to send credentials to http://elsewhere.example: it is not the base URL's origin http://127.0.0.1:${s.port} — links must stay on the platform's own host; check the base URL\n`,
    );
    expect(s.requests).toHaveLength(1);
  });

  it("--paginate stops on a links.next that repeats", async () => {
    const s = await server((_req, res) =>
      sendJson(res, 200, { data: [{ id: "1" }], links: { next: `${s.url}/api/v2/loop` } }),
    );
    const r = await runInProcess(["api", "/api/v2/loop", "--paginate"], {
      env: { GRC_BASE_URL: s.url, GRC_API_KEY: KEY },
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("pagination does not end");
  });

  it("rejects a bad header, a bad method and --paginate with a body (exit 2)", async () => {
    const env = { GRC_BASE_URL: "http://127.0.0.1:9", GRC_API_KEY: KEY };
    const header = await runInProcess(["api", "/x", "-H", "no colon"], { env });
    expect(header.code).toBe(2);
    expect(header.stderr).toBe(
      'grc: bad --header "no colon" — use "Name: value", e.g. -H "Accept: application/json"\n',
    );
    const method = await runInProcess(["api", "/x", "-X", "FETCH"], { env });
    expect(method.code).toBe(2);
    const paginate = await runInProcess(["api", "/x", "--paginate", "--data", "{}"], { env });
    expect(paginate.code).toBe(2);
    expect(paginate.stderr).toBe(
      "grc: --paginate works with GET requests only — drop -X/--data, or --paginate\n",
    );
  });
});
