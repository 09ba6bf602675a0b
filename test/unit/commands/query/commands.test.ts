import { describe, expect, it } from "vitest";
import type { ApiClient, ApiRequest } from "../../../../src/http/types.js";
import { runInProcess } from "../../../helpers/cli.js";
import { alertPage, type FakeReply, fakeApi, pageOf } from "../../core/query/fake-api.js";

const BASE = "http://127.0.0.1:9";

function run(argv: string[], route: (req: ApiRequest) => FakeReply, opts: { tty?: boolean } = {}) {
  const api = fakeApi(route, BASE);
  const result = runInProcess(argv, {
    ...(opts.tty ? { tty: true } : {}),
    env: { GRC_BASE_URL: BASE, GRC_API_KEY: "sk-test", GRC_ORG_ID: "org-1" },
    context: { api: async () => api as ApiClient },
  });
  return { api, result };
}

const pages = (count: number) => (req: ApiRequest) => {
  const { number, size } = pageOf(req);
  return { body: alertPage(BASE, count, number, size) };
};

const recent = new Date(Date.now() - 3 * 3_600_000).toISOString();
const oneAlert = {
  data: [
    {
      id: "1",
      type: "alerts",
      attributes: {
        status: "fail",
        risk_level: "high",
        resource: "sg-1\u001b]0;pwned\u0007",
        created_at: recent,
      },
      relationships: {
        external_account: { data: { id: "1", type: "external_accounts" } },
        region: { links: { related: "x" } },
      },
    },
  ],
  included: [
    {
      id: "1",
      type: "external_accounts",
      attributes: { name: "Dev" },
      relationships: { team: { data: { id: "4", type: "teams" } } },
    },
  ],
  links: {},
};

describe("grc alerts list output", () => {
  it("piped: tab-separated rows, exact values, no header; related resources by name", async () => {
    const { result, api } = run(["alerts", "list"], () => ({ body: oneAlert }));
    const { code, stdout, stderr } = await result;
    expect(code).toBe(0);
    expect(stderr).toBe("");
    expect(stdout).toBe(`1\tfail\thigh\tDev\tsg-1\t${recent}\n`);
    // The default columns' relationships are included, so the table names them.
    expect(api.seen[0]).toMatchObject({
      method: "GET",
      path: "/api/v2/alerts?include=signature,external_account,region",
    });
    expect(api.seen[0]!.headers).toEqual({
      accept: "application/vnd.api+json",
      "content-type": "application/vnd.api+json",
    });
  });

  it("--columns shows ids: nothing is included that was not asked for", async () => {
    const { result, api } = run(["alerts", "list", "--columns", "id,external_account"], () => ({
      body: oneAlert,
    }));
    const { code, stdout } = await result;
    expect(code).toBe(0);
    expect(stdout).toBe("1\t1\n");
    expect(api.seen[0]!.path).toBe("/api/v2/alerts");
  });

  it("JSON keeps relationships as ids unless --include'd (scripts see no change)", async () => {
    const { result, api } = run(["alerts", "list", "-o", "json"], () => ({ body: oneAlert }));
    expect(JSON.parse((await result).stdout)[0].external_account).toBe("1");
    expect(api.seen[0]!.path).toBe("/api/v2/alerts");
  });

  it("TTY: header, relative time, included name, escape sequences stripped", async () => {
    const { result } = run(
      ["alerts", "list", "--include", "external_account"],
      () => ({ body: oneAlert }),
      {
        tty: true,
      },
    );
    const { code, stdout } = await result;
    expect(code).toBe(0);
    expect(stdout).toBe(
      "ID  STATUS  RISK  ACCOUNT  RESOURCE  CREATED\n 1  fail    high  Dev      sg-1      3h ago\n",
    );
  });

  it("--output json: flattened resources, included resolved inline", async () => {
    const { result, api } = run(
      ["alerts", "list", "--include", "external_account", "-o", "json"],
      () => ({
        body: oneAlert,
      }),
    );
    const { stdout } = await result;
    expect(JSON.parse(stdout)).toEqual([
      {
        id: "1",
        type: "alerts",
        status: "fail",
        risk_level: "high",
        resource: "sg-1\u001b]0;pwned\u0007",
        created_at: recent,
        external_account: { id: "1", type: "external_accounts", name: "Dev", team: "4" },
      },
    ]);
    expect(api.seen[0]!.path).toBe("/api/v2/alerts?include=external_account");
  });

  it("--columns picks fields, dotted paths reach included resources; csv has a header", async () => {
    const { result } = run(
      [
        "alerts",
        "list",
        "--include",
        "external_account",
        "-o",
        "csv",
        "--columns",
        "id,external_account.name,status",
      ],
      () => ({ body: oneAlert }),
    );
    expect((await result).stdout).toBe("id,external_account.name,status\r\n1,Dev,fail\r\n");
  });

  it("--all --output ndjson streams every resource once, in order", async () => {
    const { result, api } = run(["list", "alerts", "--all", "-o", "ndjson"], pages(250));
    const { code, stdout } = await result;
    expect(code).toBe(0);
    const lines = stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { id: string });
    expect(lines.map((l) => l.id)).toEqual(Array.from({ length: 250 }, (_, i) => String(i + 1)));
    expect(api.seen[0]!.path).toBe("/api/v2/alerts?page[size]=100");
    expect(api.seen).toHaveLength(3);
  });

  it("--limit asks for just enough", async () => {
    const { result, api } = run(["alerts", "list", "--limit", "5", "-o", "json"], pages(50));
    expect(JSON.parse((await result).stdout)).toHaveLength(5);
    expect(api.seen.map((r) => r.path)).toEqual(["/api/v2/alerts?page[size]=5"]);
  });

  it("--raw prints each document exactly as received", async () => {
    const { result } = run(["list", "alerts", "--all", "--raw", "--page-size", "2"], pages(3));
    const lines = (await result).stdout.trimEnd().split("\n");
    expect(lines).toEqual([
      JSON.stringify(alertPage(BASE, 3, 1, 2)),
      JSON.stringify(alertPage(BASE, 3, 2, 2)),
    ]);
  });

  it("an empty result says so on stderr and prints [] for JSON", async () => {
    const { result } = run(["alerts", "list", "--status", "fail", "--json"], () => ({
      body: { data: [], links: {} },
    }));
    const { code, stdout, stderr } = await result;
    expect(code).toBe(0);
    expect(stdout).toBe("[]\n");
    expect(stderr).toBe("no alerts matched\n");
  });
});

describe("errors", () => {
  it("422 prints every errors[].title and exits 2", async () => {
    const { result } = run(
      ["list", "suppressions", "--filter", "bad_attribute_eq=something"],
      () => ({
        status: 422,
        body: {
          errors: [
            { status: "422", title: "Invalid search term bad_attribute_eq" },
            { status: "422", title: "Second \u001b[31mproblem" },
          ],
        },
      }),
    );
    const { code, stdout, stderr } = await result;
    expect(code).toBe(2);
    expect(stdout).toBe("");
    // Then the searchable fields of the collection, so the next try can pick one.
    expect(stderr).toBe(
      "grc: Invalid search term bad_attribute_eq\ngrc: Second problem\n" +
        "grc: searchable fields of suppressions: id, status, reason, resource, created_at, updated_at, created_by_<field>, regions_<field>, external_accounts_<field>, signatures_<field>\n",
    );
  });

  it("--status and --risk take only the values the platform documents, before any request", async () => {
    for (const [args, line] of [
      [
        ["--status", "failed"],
        'grc: --status "failed" is not a status value of alerts (did you mean fail?) — use one of: pass, fail, warn, error, info\n',
      ],
      [
        ["--risk", "critical"],
        'grc: --risk "critical" is not a risk value of alerts — use one of: low, medium, high\n',
      ],
      [
        ["--status", "fail,warnn"],
        'grc: --status "warnn" is not a status value of alerts (did you mean warn?) — use one of: pass, fail, warn, error, info\n',
      ],
    ] as const) {
      const { result, api } = run(["alerts", "list", ...args], pages(1));
      const { code, stderr } = await result;
      expect(code, args.join(" ")).toBe(2);
      expect(stderr).toBe(line);
      expect(api.seen).toHaveLength(0);
    }
  });

  it("--filter status=fail asks: did you mean status_eq?", async () => {
    const { result, api } = run(["alerts", "list", "--filter", "status=fail"], pages(1));
    const { code, stderr } = await result;
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^grc: unknown predicate in --filter "status=fail" — did you mean status_eq=fail\? write attribute_predicate=value with one of: eq, not_eq/,
    );
    expect(api.seen).toHaveLength(0);
  });

  it("406 explains the Accept header", async () => {
    const { result } = run(["alerts", "list"], () => ({
      status: 406,
      body: { errors: [{ status: "406", title: "Not Acceptable" }] },
    }));
    const { code, stderr } = await result;
    expect(code).toBe(2);
    expect(stderr).toBe(
      "grc: the server refused the request's media type (406 Not Acceptable) — the API only speaks application/vnd.api+json in Accept and Content-Type, which grc sends; check --base-url points at the JSON:API endpoint and no proxy rewrites these headers\n",
    );
  });

  it("an unknown predicate exits 2 before any request", async () => {
    const { result, api } = run(["alerts", "list", "--filter", "status_is=fail"], pages(1));
    const { code, stderr } = await result;
    expect(code).toBe(2);
    expect(stderr).toMatch(
      /^grc: unknown predicate in --filter "status_is=fail" — did you mean status_in=fail\? write attribute_predicate=value with one of: eq, not_eq/,
    );
    expect(api.seen).toHaveLength(0);
  });

  it("--page-size out of range exits 2", async () => {
    const { result } = run(["alerts", "list", "--page-size", "0"], pages(1));
    const { code, stderr } = await result;
    expect(code).toBe(2);
    expect(stderr).toBe('grc: --page-size must be a whole number from 1 to 100, got "0"\n');
  });
});

describe("interrupts", () => {
  it("Ctrl-C during --all stops the walk: no more requests, exit 130", async () => {
    const controller = new AbortController();
    const api = fakeApi((req) => {
      const { number, size } = pageOf(req);
      if (number === 3) setTimeout(() => controller.abort(new Error("SIGINT")), 5);
      return { body: alertPage(BASE, 1000, number, size), delayMs: 20 };
    }, BASE);
    const { code, stderr } = await runInProcess(
      ["list", "alerts", "--all", "--page-size", "10", "--concurrency", "1", "-o", "ndjson"],
      {
        env: { GRC_BASE_URL: BASE, GRC_API_KEY: "sk-test" },
        context: { api: async () => api as ApiClient },
        signal: controller.signal,
      },
    );
    expect(code).toBe(130);
    expect(stderr).toBe("grc: Interrupted\n");
    expect(api.seen).toHaveLength(3);
  });
});

describe("grc get", () => {
  it("--raw prints the document as received; a terminal gets it without escape sequences", async () => {
    // Raw control bytes inside a JSON string: a sloppy or hostile server.
    const rawBody =
      '{"data":{"id":"1","type":"alerts","attributes":{"resource":"a\u001b]0;pwned\u0007b"}}}';
    const piped = run(["get", "alerts", "1", "--raw"], () => ({ body: null, rawBody }));
    expect((await piped.result).stdout).toBe(`${rawBody}\n`);
    const tty = run(["get", "alerts", "1", "--raw"], () => ({ body: null, rawBody }), {
      tty: true,
    });
    expect((await tty.result).stdout).toBe(
      '{"data":{"id":"1","type":"alerts","attributes":{"resource":"ab"}}}\n',
    );
  });

  it("on a TTY the fields line up and times read relative", async () => {
    const { result } = run(
      [
        "alerts",
        "get",
        "1",
        "--columns",
        "id,status,external_account.name,created_at",
        "--include",
        "external_account",
      ],
      () => ({ body: { data: oneAlert.data[0], included: oneAlert.included } }),
      { tty: true },
    );
    expect((await result).stdout).toBe(
      "id                     1\nstatus                 fail\nexternal_account.name  Dev\ncreated_at             3h ago\n",
    );
  });

  it("404 names the id", async () => {
    const { result } = run(["get", "teams", "99"], () => ({
      status: 404,
      body: { errors: [{ status: "404", title: "Not Found" }] },
    }));
    const { code, stderr } = await result;
    expect(code).toBe(2);
    expect(stderr).toBe("grc: team 99 not found (404) — list them with `grc list teams`\n");
  });
});
