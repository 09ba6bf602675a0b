import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, expect, it } from "vitest";
import { type CliResult, runGrc } from "../helpers/cli.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

/**
 * `grc alerts list|get`, `grc list`, `grc get` against the mock (built CLI, spawned). The
 * expected results come from the fixture files the mock serves, evaluated here on their own,
 * so a wrong encoding or a wrong mock both show up as a difference.
 */

interface Fixture {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  relationships: Record<string, string | string[] | null>;
}
const fixtures = (type: string): Fixture[] =>
  JSON.parse(readFileSync(new URL(`../../fixtures/evident/${type}.json`, import.meta.url), "utf8"));
const alerts = fixtures("alerts");
const signatures = fixtures("signatures");
const regions = fixtures("regions");
const suppressions = fixtures("suppressions");
const users = fixtures("users");
const accounts = fixtures("external_accounts");
const teams = fixtures("teams");
const subOrgs = fixtures("sub_organizations");
const orgs = fixtures("organizations");
const byId = (list: Fixture[], id: unknown) => list.find((r) => r.id === id)!;

describe.each(DIALECTS)("%s dialect", (dialect) => {
  const mock = withMock({ dialect, platforms: ["evident", "sovereign"] });

  type ProfileName = "bearer" | "apiauth";
  const PROFILES: ProfileName[] = ["bearer", "apiauth"];
  const envFor = (profile: ProfileName): NodeJS.ProcessEnv =>
    profile === "bearer"
      ? { GRC_BASE_URL: mock.baseUrl, GRC_API_KEY: mock.identity.apiKey }
      : {
          GRC_BASE_URL: mock.baseUrl,
          GRC_HMAC_KEY_ID: mock.identity.hmacKeyId,
          GRC_HMAC_SECRET: mock.identity.hmacSecret,
        };

  function grc(profile: ProfileName, args: string[], baseUrl?: string): Promise<CliResult> {
    const env = envFor(profile);
    if (baseUrl) env.GRC_BASE_URL = baseUrl;
    return runGrc(args, { env });
  }

  /** Every resource id the query returns (--all, NDJSON), in output order. */
  async function ids(profile: ProfileName, args: string[]): Promise<string[]> {
    const r = await grc(profile, [...args, "--all", "--output", "ndjson"]);
    expect(r.stderr.replace(/^no \w+ matched\n$/, "")).toBe("");
    expect(r.code).toBe(0);
    return r.stdout === ""
      ? []
      : r.stdout
          .trimEnd()
          .split("\n")
          .map((l) => JSON.parse(l).id);
  }

  const numeric = (list: string[]) => [...list].sort((a, b) => Number(a) - Number(b));
  const where = (list: Fixture[], test: (a: Record<string, unknown>, r: Fixture) => boolean) =>
    list.filter((r) => test(r.attributes, r)).map((r) => r.id);
  const text = (v: unknown) => String(v ?? "").toLowerCase();
  const T = alerts[249]!.attributes.created_at as string;
  const blank = (v: unknown) => v === null || (typeof v === "string" && v.trim() === "");

  // Each predicate of the seed with its opposite: [collection, filter, expected ids].
  const predicatePairs: [string, string, string[], string, string[]][] = [
    [
      "alerts",
      "status_eq=fail",
      where(alerts, (a) => a.status === "fail"),
      "status_not_eq=fail",
      where(alerts, (a) => a.status !== "fail"),
    ],
    [
      "alerts",
      `created_at_lt=${T}`,
      where(alerts, (a) => (a.created_at as string) < T),
      `created_at_gteq=${T}`,
      where(alerts, (a) => (a.created_at as string) >= T),
    ],
    [
      "alerts",
      `created_at_gt=${T}`,
      where(alerts, (a) => (a.created_at as string) > T),
      `created_at_lteq=${T}`,
      where(alerts, (a) => (a.created_at as string) <= T),
    ],
    [
      "regions",
      "id_in=1,2,3",
      ["1", "2", "3"],
      "id_not_in=1,2,3",
      where(regions, (_a, r) => !["1", "2", "3"].includes(r.id)),
    ],
    [
      "alerts",
      "ended_at_null=1",
      where(alerts, (a) => a.ended_at === null),
      "ended_at_not_null",
      where(alerts, (a) => a.ended_at !== null),
    ],
    [
      "alerts",
      "resource_present=1",
      where(alerts, (a) => !blank(a.resource)),
      "resource_blank=1",
      where(alerts, (a) => blank(a.resource)),
    ],
    [
      "signatures",
      "name_cont=ssh",
      where(signatures, (a) => text(a.name).includes("ssh")),
      "name_not_cont=ssh",
      where(signatures, (a) => !text(a.name).includes("ssh")),
    ],
    [
      "signatures",
      "name_cont_any=IAM,EC2",
      where(signatures, (a) => /iam|ec2/.test(text(a.name))),
      "name_not_cont_any=IAM,EC2",
      where(signatures, (a) => !/iam|ec2/.test(text(a.name))),
    ],
    [
      "signatures",
      "identifier_start=AWS:EC2",
      where(signatures, (a) => text(a.identifier).startsWith("aws:ec2")),
      "identifier_not_start=AWS:EC2",
      where(signatures, (a) => !text(a.identifier).startsWith("aws:ec2")),
    ],
    [
      "signatures",
      "name_end=internet",
      where(signatures, (a) => text(a.name).endsWith("internet")),
      "name_not_end=internet",
      where(signatures, (a) => !text(a.name).endsWith("internet")),
    ],
  ];

  describe("predicates and their opposites", () => {
    it.each(predicatePairs.map((p, i) => ({ profile: PROFILES[i % 2]!, pair: p })))(
      "$profile: $pair.0 $pair.1 and $pair.3",
      async ({ profile, pair: [collection, filter, expected, opposite, expectedOpposite] }) => {
        expect(expected.length).toBeGreaterThan(0);
        expect(expectedOpposite.length).toBeGreaterThan(0);
        const [got, gotOpposite] = await Promise.all([
          ids(profile, ["list", collection, "--filter", filter]),
          ids(profile, ["list", collection, "--filter", opposite]),
        ]);
        expect(numeric(got)).toEqual(numeric(expected));
        expect(numeric(gotOpposite)).toEqual(numeric(expectedOpposite));
      },
    );
  });

  describe.each(PROFILES)("with a %s profile", (profile) => {
    it("relationship conditions, AND by default and OR with --any", async () => {
      const bob = users.find((u) => u.attributes.email === "bob@mycompany.com")!;
      const usRegions = regions
        .filter((r) => text(r.attributes.code).startsWith("us"))
        .map((r) => r.id);
      const byBob = (s: Fixture) => s.relationships.created_by === bob.id;
      const inUs = (s: Fixture) =>
        (s.relationships.regions as string[]).some((id) => usRegions.includes(id));
      const args = [
        "list",
        "suppressions",
        "--filter",
        "created_by_email_eq=bob@mycompany.com",
        "--filter",
        "regions_code_start=us",
      ];
      const [all, any] = await Promise.all([ids(profile, args), ids(profile, [...args, "--any"])]);
      expect(numeric(all)).toEqual(where(suppressions, (_a, s) => byBob(s) && inUs(s)));
      expect(numeric(any)).toEqual(where(suppressions, (_a, s) => byBob(s) || inUs(s)));
      expect(any.length).toBeGreaterThan(all.length);
    });

    it("quick filters map to status_eq, risk_level_eq, created_at_gteq and external_account_name_eq", async () => {
      const since = "2026-03-01";
      const got = await ids(profile, [
        "alerts",
        "list",
        "--status",
        "fail",
        "--risk",
        "high",
        "--since",
        since,
        "--account",
        "Dev",
      ]);
      const dev = accounts.find((a) => a.attributes.name === "Dev")!.id;
      const expected = where(
        alerts,
        (a, r) =>
          a.status === "fail" &&
          a.risk_level === "high" &&
          (a.created_at as string) >= "2026-03-01T00:00:00.000Z" &&
          r.relationships.external_account === dev,
      );
      expect(expected.length).toBeGreaterThan(0);
      expect(numeric(got)).toEqual(expected);
    });

    it("one sort, then several sorts in order", async () => {
      const desc = await ids(profile, [
        "list",
        "alerts",
        "--sort",
        "created_at:desc",
        "--limit",
        "300",
      ]);
      const createdAt = (id: string) => byId(alerts, id).attributes.created_at as string;
      expect(desc).toHaveLength(300);
      expect(desc.map(createdAt)).toEqual([...desc.map(createdAt)].sort().reverse());

      const multi = await ids(profile, [
        "list",
        "signatures",
        "--sort",
        "risk_level:desc",
        "--sort",
        "created_at",
      ]);
      const rank = ["low", "medium", "high"];
      const key = (id: string) => {
        const a = byId(signatures, id).attributes;
        return [rank.indexOf(a.risk_level as string), a.created_at as string] as const;
      };
      const expected = [...signatures.map((s) => s.id)].sort((x, y) => {
        const [rx, cx] = key(x);
        const [ry, cy] = key(y);
        return ry - rx || (cx < cy ? -1 : cx > cy ? 1 : 0);
      });
      expect(multi).toEqual(expected);
    });

    it("nested includes are resolved inline in JSON output", async () => {
      const r = await grc(profile, [
        "alerts",
        "get",
        "1",
        "--include",
        "external_account.team.sub_organization.organization,tags",
        "--output",
        "json",
      ]);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const alert = JSON.parse(r.stdout);
      const account = byId(accounts, byId(alerts, "1").relationships.external_account);
      const team = byId(teams, account.relationships.team);
      const sub = byId(subOrgs, team.relationships.sub_organization);
      const org = byId(orgs, sub.relationships.organization);
      expect(alert).toMatchObject({
        id: "1",
        type: "alerts",
        ...byId(alerts, "1").attributes,
        region: byId(alerts, "1").relationships.region,
        external_account: {
          id: account.id,
          name: account.attributes.name,
          team: {
            id: team.id,
            name: team.attributes.name,
            sub_organization: {
              id: sub.id,
              name: sub.attributes.name,
              organization: { id: org.id, name: org.attributes.name },
            },
          },
        },
      });
      // A relationship that was not asked for stays an id.
      expect(typeof alert.external_account.organization).toBe("string");

      const list = await grc(profile, [
        "list",
        "alerts",
        "--limit",
        "3",
        "--include",
        "external_account.team",
        "--json",
      ]);
      expect(list.stderr).toBe("");
      expect(list.code).toBe(0);
      const rows = JSON.parse(list.stdout);
      expect(
        rows.map(
          (a: { external_account: { team: { type: string } } }) => a.external_account.team.type,
        ),
      ).toEqual(["teams", "teams", "teams"]);
    });
  });

  describe("output formats", () => {
    it("piped table: tab-separated rows, per-type columns, exact values", async () => {
      const r = await grc("bearer", ["alerts", "list", "--limit", "2"]);
      expect(r.code).toBe(0);
      // Signature, account and region by name (the table includes them), from the fixtures.
      const row = (a: Fixture) =>
        [
          a.id,
          a.attributes.status,
          a.attributes.risk_level,
          byId(signatures, a.relationships.signature).attributes.name,
          byId(accounts, a.relationships.external_account).attributes.name,
          byId(regions, a.relationships.region).attributes.code,
          a.attributes.resource,
          a.attributes.created_at,
        ].join("\t");
      expect(r.stdout).toBe(`${row(alerts[0]!)}\n${row(alerts[1]!)}\n`);
      // --columns: the ids, as the alert carries them.
      const ids = await grc("bearer", [
        "alerts",
        "list",
        "--limit",
        "2",
        "--columns",
        "id,signature,external_account,region",
      ]);
      const idRow = (a: Fixture) =>
        [
          a.id,
          a.relationships.signature,
          a.relationships.external_account,
          a.relationships.region,
        ].join("\t");
      expect(ids.stdout).toBe(`${idRow(alerts[0]!)}\n${idRow(alerts[1]!)}\n`);
    });

    it("--columns, csv with a header row, json array, ndjson lines, --raw documents", async () => {
      const [csv, json, ndjson, raw] = await Promise.all([
        grc("apiauth", [
          "list",
          "external_accounts",
          "--limit",
          "2",
          "--columns",
          "id,name,team.name",
          "--include",
          "team",
          "--output",
          "csv",
        ]),
        grc("apiauth", ["list", "regions", "--page-size", "2", "--json"]),
        grc("apiauth", ["list", "regions", "--page-size", "2", "--output", "ndjson"]),
        grc("apiauth", ["list", "regions", "--page-size", "5", "--all", "--raw"]),
      ]);
      const team = (a: Fixture) => byId(teams, a.relationships.team).attributes.name;
      expect(csv.stdout).toBe(
        `id,name,team.name\r\n1,${accounts[0]!.attributes.name},${team(accounts[0]!)}\r\n2,${accounts[1]!.attributes.name},${team(accounts[1]!)}\r\n`,
      );
      const flat = (r: Fixture) => ({ id: r.id, type: r.type, ...r.attributes });
      // The minimal server adds an attribute no document names (grc passes it through) and
      // sends attributes in another order: compare the documented ones, as objects.
      const listed = (o: Record<string, unknown>) => {
        const { mock_unlisted_attribute: _extra, ...rest } = o;
        return dialect === "full" ? o : rest;
      };
      expect(JSON.parse(json.stdout).map(listed)).toEqual([flat(regions[0]!), flat(regions[1]!)]);
      if (dialect === "full") {
        expect(ndjson.stdout).toBe(
          `${JSON.stringify(flat(regions[0]!))}\n${JSON.stringify(flat(regions[1]!))}\n`,
        );
      } else {
        const lines = ndjson.stdout.trimEnd().split("\n");
        expect(lines.map((l) => listed(JSON.parse(l)))).toEqual([
          flat(regions[0]!),
          flat(regions[1]!),
        ]);
      }
      const docs = raw.stdout
        .trimEnd()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(docs).toHaveLength(Math.ceil(regions.length / 5));
      expect(docs.flatMap((d) => d.data.map((r: { id: string }) => r.id))).toEqual(
        regions.map((r) => r.id),
      );
      expect(docs[0].links.next).toContain("page%5Bnumber%5D=2");
    });

    it("an empty result says so on stderr and prints [] for JSON", async () => {
      const r = await grc("bearer", [
        "alerts",
        "list",
        "--filter",
        "resource_eq=nonexistent",
        "--json",
      ]);
      expect(r).toEqual({ code: 0, stdout: "[]\n", stderr: "no alerts matched\n" });
      // A status no alert can have is refused before a request, not an empty result.
      const before = await requestCount();
      const bad = await grc("bearer", ["alerts", "list", "--status", "nonexistent", "--json"]);
      expect(bad).toEqual({
        code: 2,
        stdout: "",
        stderr:
          'grc: --status "nonexistent" is not a status value of alerts — use one of: pass, fail, warn, error, info\n',
      });
      expect(await requestsSince(before)).toHaveLength(0);
    });
  });

  interface LoggedRequest {
    origin: string;
    method: string;
    path: string;
    query: string;
    status: number;
  }
  async function requestsSince(count: number): Promise<LoggedRequest[]> {
    const state = (await mock.state()) as unknown as { requests: LoggedRequest[] };
    return state.requests.slice(count).filter((r) => r.origin === "api");
  }
  async function requestCount(): Promise<number> {
    return ((await mock.state()) as unknown as { requests: unknown[] }).requests.length;
  }

  describe("walking pages", () => {
    it.each([
      ["bearer", "1"],
      ["apiauth", "4"],
    ] as const)(
      "--all with %s and --concurrency %s prints every alert once, in order, asking each page once",
      async (profile, concurrency) => {
        const before = await requestCount();
        const got = await ids(profile, [
          "list",
          "alerts",
          "--page-size",
          "50",
          "--concurrency",
          concurrency,
        ]);
        expect(got).toEqual(alerts.map((a) => a.id));
        const pages = (await requestsSince(before)).filter((r) =>
          r.path.startsWith("/api/v2/alerts"),
        );
        expect(pages.every((r) => r.status === 200)).toBe(true);
        const numbers = pages.map((r) => new URLSearchParams(r.query).get("page[number]") ?? "1");
        expect(numeric(numbers)).toEqual(Array.from({ length: 10 }, (_, i) => String(i + 1)));
      },
    );

    it("--page and --page-size pick one page", async () => {
      const r = await grc("apiauth", [
        "list",
        "alerts",
        "--page",
        "3",
        "--page-size",
        "10",
        "--json",
      ]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).map((a: { id: string }) => a.id)).toEqual(
        alerts.slice(20, 30).map((a) => a.id),
      );
    });

    it("--limit stops after N resources and asks for no more pages than needed", async () => {
      const before = await requestCount();
      const r = await grc("bearer", ["list", "alerts", "--limit", "150", "--output", "ndjson"]);
      expect(
        r.stdout
          .trimEnd()
          .split("\n")
          .map((l) => JSON.parse(l).id),
      ).toEqual(alerts.slice(0, 150).map((a) => a.id));
      expect(await requestsSince(before)).toHaveLength(2);
    });

    it("a query past 2,000 characters goes as a PUT search with a form body; --search-method forces it", async () => {
      const wanted = alerts
        .slice(0, 420)
        .filter((_a, i) => i % 2 === 0)
        .map((a) => a.id);
      const before = await requestCount();
      const got = await ids("apiauth", ["list", "alerts", "--filter", `id_in=${wanted.join(",")}`]);
      expect(got).toEqual(wanted);
      const sent = await requestsSince(before);
      expect(sent.map((r) => [r.method, r.path])).toEqual([
        ["PUT", "/api/v2/alerts"],
        ["PUT", "/api/v2/alerts"],
        ["PUT", "/api/v2/alerts"],
      ]);
      const forced = await ids("bearer", [
        "list",
        "signatures",
        "--filter",
        "name_cont=ec2",
        "--search-method",
        "put",
      ]);
      expect(numeric(forced)).toEqual(where(signatures, (a) => text(a.name).includes("ec2")));
    });
  });

  describe("the Sovereign evidence collection", () => {
    it("lists and gets evidence with its lineage resolved inline", async () => {
      // Seed one evidence object through the Sovereign flow (upload-url, PUT, link).
      const { baseUrl, identity } = mock;
      const api = `${baseUrl}/api/v1/orgs/${identity.orgId}/evidence`;
      const auth = { authorization: `Bearer ${identity.apiKey}` };
      const bytes = Buffer.from("query e2e evidence\n");
      const sha = createHash("sha256").update(bytes).digest("hex");
      const slot = (await (
        await fetch(`${api}/upload-url`, {
          method: "POST",
          headers: { ...auth, "content-type": "application/json" },
          body: JSON.stringify({
            filename: "query-e2e.txt",
            content_type: "text/plain",
            control_id: "AC-2",
          }),
        })
      ).json()) as { upload_url: string; object_key: string };
      const put = await fetch(slot.upload_url, {
        method: "PUT",
        headers: { "content-type": "text/plain" },
        body: bytes,
      });
      expect(put.status).toBe(200);
      const link = await fetch(`${api}/${sha}/link-to-control`, {
        method: "POST",
        headers: { ...auth, "content-type": "application/json" },
        body: JSON.stringify({ control_id: "AC-2", object_key: slot.object_key }),
      });
      expect(link.status).toBe(200);

      const env = {
        GRC_BASE_URL: baseUrl,
        GRC_API_KEY: identity.apiKey,
        GRC_ORG_ID: identity.orgId,
      };
      const list = await runGrc(
        [
          "list",
          "evidence",
          "--filter",
          "filename_cont=query-e2e",
          "--output",
          "csv",
          "--columns",
          "id,filename,size",
        ],
        { env },
      );
      expect(list).toEqual({
        code: 0,
        stdout: `id,filename,size\r\n${sha},query-e2e.txt,${bytes.length}\r\n`,
        stderr: "",
      });
      const one = await runGrc(["get", "evidence", sha, "--include", "lineage", "--json"], { env });
      expect(one.code).toBe(0);
      expect(JSON.parse(one.stdout)).toMatchObject({
        id: sha,
        type: "evidence",
        filename: "query-e2e.txt",
        lineage: [{ type: "evidence_lineages", control_id: "AC-2", object_key: slot.object_key }],
      });
    });
  });

  describe("errors", () => {
    it("422: the server's titles, exit 2", async () => {
      const r = await grc("apiauth", [
        "list",
        "suppressions",
        "--filter",
        "bad_attribute_eq=something",
      ]);
      expect(r).toEqual({
        code: 2,
        stdout: "",
        stderr:
          "grc: Invalid search term bad_attribute_eq\n" +
          "grc: searchable fields of suppressions: id, status, reason, resource, created_at, updated_at, created_by_<field>, regions_<field>, external_accounts_<field>, signatures_<field>\n",
      });
      const near = await grc("apiauth", ["alerts", "list", "--filter", "stauts_eq=fail"]);
      expect(near.code).toBe(2);
      expect(near.stderr).toMatch(
        /^grc: Invalid search term stauts_eq\ngrc: did you mean status_eq\? searchable fields of alerts: id, status, /,
      );
    });

    it("an unknown predicate exits 2 without a request", async () => {
      const before = await requestCount();
      const r = await grc("bearer", ["alerts", "list", "--filter", "status_is=fail"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(
        'grc: unknown predicate in --filter "status_is=fail" — did you mean status_in=fail? write attribute_predicate=value with one of: eq, not_eq, lt, gt',
      );
      expect(await requestsSince(before)).toHaveLength(0);
    });

    it("406: explains the Accept header (a server that refuses grc's media type)", async () => {
      // The mock accepts what grc sends, so a stand-in answers 406 the way the seed documents it.
      const seen: (string | undefined)[] = [];
      const server = createServer((req, res) => {
        seen.push(req.headers.accept);
        res.writeHead(406, { "content-type": "application/vnd.api+json" });
        res.end(JSON.stringify({ errors: [{ status: "406", title: "Not Acceptable" }] }));
      });
      await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
      try {
        const { port } = server.address() as AddressInfo;
        const r = await grc("apiauth", ["alerts", "list"], `http://127.0.0.1:${port}`);
        expect(r.code).toBe(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toBe(
          "grc: the server refused the request's media type (406 Not Acceptable) — the API only speaks application/vnd.api+json in Accept and Content-Type, which grc sends; check --base-url points at the JSON:API endpoint and no proxy rewrites these headers\n",
        );
        expect(seen).toEqual(["application/vnd.api+json"]);
      } finally {
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it("404 for an unknown id names it", async () => {
      const r = await grc("bearer", ["get", "teams", "9999"]);
      expect(r).toEqual({
        code: 2,
        stdout: "",
        stderr: "grc: team 9999 not found (404) — list them with `grc list teams`\n",
      });
      const alert = await grc("bearer", ["alerts", "get", "99999"]);
      expect(alert).toEqual({
        code: 2,
        stdout: "",
        stderr: "grc: alert 99999 not found (404) — list them with `grc alerts list`\n",
      });
    });

    it("a StrataGRC session cannot query alerts: one line, exit 3, nothing sent", async () => {
      const before = await requestCount();
      const r = await runGrc(["alerts", "list"], {
        env: { GRC_BASE_URL: mock.baseUrl, GRC_SESSION: mock.identity.session },
      });
      expect(r).toEqual({
        code: 3,
        stdout: "",
        stderr:
          'grc: profile "default" holds a StrataGRC session, which cannot query Evident alerts — log in with `grc auth login --platform evident` (an HMAC key or an API key) or pick such a profile with --profile; StrataGRC records are under `grc strata`\n',
      });
      expect(r.stderr).not.toContain("REDACTED");
      expect(await requestsSince(before)).toHaveLength(0);
    });
  });

  describe("rate limits", () => {
    // Three requests per 2 s: the first page plus four concurrent pages overrun the window.
    const limited = withMock({
      dialect,
      platforms: ["evident"],
      rateLimit: { limit: 3, windowMs: 2000 },
    });

    it("a 429 mid-walk waits for X-RateLimit-Reset, says so, and resumes from the same page", async () => {
      const r = await grc(
        "apiauth",
        [
          "list",
          "alerts",
          "--all",
          "--page-size",
          "100",
          "--concurrency",
          "4",
          "--output",
          "ndjson",
        ],
        limited.baseUrl,
      );
      expect(r.code).toBe(0);
      expect(
        r.stdout
          .trimEnd()
          .split("\n")
          .map((l) => JSON.parse(l).id),
      ).toEqual(alerts.map((a) => a.id));
      expect(r.stderr).toMatch(
        /^rate limited by 127\.0\.0\.1:\d+; waiting \d+s until \S+Z \(X-RateLimit-Reset\)$/m,
      );
      const state = (await limited.state()) as unknown as { requests: LoggedRequest[] };
      const statuses = state.requests.filter((q) => q.origin === "api").map((q) => q.status);
      expect(statuses).toContain(429);
      expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    });
  });
});
