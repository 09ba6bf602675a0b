import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { runGrc } from "../helpers/cli.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

/**
 * `--query EXPR` (JMESPath over the JSON output) on commands that print records, spawned
 * against the mock. Expected values are computed from the fixtures the mock serves.
 */

interface Fixture {
  id: string;
  attributes: Record<string, unknown>;
}
const alerts: Fixture[] = JSON.parse(
  readFileSync(new URL("../../fixtures/evident/alerts.json", import.meta.url), "utf8"),
);
const controls: Record<string, unknown>[] = JSON.parse(
  readFileSync(new URL("../../fixtures/strata/controls.json", import.meta.url), "utf8"),
);
const highIds = alerts.filter((a) => a.attributes.risk_level === "high").map((a) => a.id);

describe.each(DIALECTS)("--query (%s dialect)", (dialect) => {
  const mock = withMock({ dialect });
  const env = () => ({ GRC_BASE_URL: mock.baseUrl, GRC_API_KEY: mock.identity.apiKey });

  it("the issue's example: ids of high alerts as a JSON array", async () => {
    const r = await runGrc(["alerts", "list", "--all", "--query", "[?risk_level=='high'].id"], {
      env: env(),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(highIds);
    // JSON for scripts: indented like --output json.
    expect(r.stdout.startsWith('[\n  "')).toBe(true);
  });

  it("legacy backtick literals work as in aws-cli", async () => {
    const r = await runGrc(
      ["alerts", "list", "--all", "--query", "length([?risk_level==`high`])"],
      { env: env() },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${highIds.length}\n`);
  });

  it("-o table prints a list of scalars one per line, unquoted", async () => {
    const r = await runGrc(
      ["alerts", "list", "--all", "--query", "[?risk_level=='high'].id", "-o", "table"],
      { env: env() },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(highIds.map((id) => `${id}\n`).join(""));
  });

  it("-o csv and ndjson reshape a list of objects", async () => {
    const q = "[?risk_level=='high'].{id: id, risk: risk_level} | [:2]";
    const csv = await runGrc(["alerts", "list", "--all", "--query", q, "-o", "csv"], {
      env: env(),
    });
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe(`id,risk\r\n${highIds[0]},high\r\n${highIds[1]},high\r\n`);
    const nd = await runGrc(["alerts", "list", "--all", "--query", q, "-o", "ndjson"], {
      env: env(),
    });
    expect(nd.stdout).toBe(
      `{"id":"${highIds[0]}","risk":"high"}\n{"id":"${highIds[1]}","risk":"high"}\n`,
    );
  });

  it("works on get commands and other nouns (grc get, strata)", async () => {
    const one = await runGrc(["get", "alerts", alerts[0]!.id, "--query", "risk_level"], {
      env: env(),
    });
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout)).toBe(alerts[0]!.attributes.risk_level);
    const strata = await runGrc(["strata", "controls", "list", "--all", "--query", "length(@)"], {
      env: { GRC_BASE_URL: mock.baseUrl, GRC_SESSION: mock.identity.session },
    });
    expect(strata.stderr).toBe("");
    expect(strata.stdout).toBe(`${controls.length}\n`);
  });

  it("a bad expression is one line, exit 2, before any request", async () => {
    const r = await runGrc(["alerts", "list", "--query", "[?risk_level=="], {
      env: { GRC_BASE_URL: "http://127.0.0.1:9", GRC_API_KEY: mock.identity.apiKey },
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^grc: --query "\[\?risk_level==": .+ — check the JMESPath syntax/);
    expect(r.stderr.split("\n")).toHaveLength(2);
    const fn = await runGrc(["alerts", "list", "--query", "nosuch(@)"], { env: env() });
    expect(fn.code).toBe(2);
    expect(fn.stderr).toMatch(/^grc: --query "nosuch\(@\)": Unknown function: nosuch\(\)/);
  });

  it("appears in the help of record commands only", async () => {
    const list = await runGrc(["alerts", "list", "--help"]);
    expect(list.stdout).toContain("--query <expr>");
    const login = await runGrc(["auth", "login", "--help"]);
    expect(login.stdout).not.toContain("--query");
  });
});
