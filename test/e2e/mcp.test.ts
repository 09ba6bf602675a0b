import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GRC_BIN, runGrc, tempConfigDir } from "../helpers/cli.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

/**
 * `grc mcp serve` driven by the SDK's own client over stdio: the built CLI is spawned, tools
 * are listed and called against the mock, and expected values come from the fixtures the
 * mock serves (read here on their own).
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
const highIds = new Set(alerts.filter((a) => a.attributes.risk_level === "high").map((a) => a.id));

interface Session {
  client: Client;
  stderr: () => string;
  close(): Promise<void>;
}

async function connect(env: NodeJS.ProcessEnv, args: string[] = []): Promise<Session> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [GRC_BIN, "mcp", "serve", ...args],
    env: {
      PATH: process.env.PATH ?? "",
      HOME: process.env.HOME ?? "",
      GRC_CONFIG_DIR: tempConfigDir(),
      NO_COLOR: "1",
      ...(env as Record<string, string>),
    },
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (c) => {
    stderr += c;
  });
  const client = new Client({ name: "grc-e2e", version: "1.0.0" });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() };
}

type CallResult = { isError?: boolean; content: { type: string; text: string }[] };
async function call(s: Session, name: string, args: Record<string, unknown>) {
  const r = (await s.client.callTool({ name, arguments: args })) as CallResult;
  const text = r.content[0]?.text ?? "";
  return { isError: Boolean(r.isError), text, json: () => JSON.parse(text) };
}

describe.each(DIALECTS)("grc mcp serve (%s dialect)", (dialect) => {
  const mock = withMock({ dialect });

  describe("Sovereign + Evident profile (Bearer key)", () => {
    let s: Session;
    let sha = "";
    beforeAll(async () => {
      // One evidence to read back, pushed by the CLI.
      const dir = tempConfigDir();
      const body = "user,action\nalice,login\n";
      writeFileSync(join(dir, "access.csv"), body);
      sha = createHash("sha256").update(body).digest("hex");
      const pushed = await runGrc(["evidence", "push", "access.csv", "--control", "CC6.1"], {
        env: mock.env(),
        cwd: dir,
      });
      expect(pushed.code, pushed.stderr).toBe(0);
      s = await connect(mock.env());
    });
    afterAll(async () => {
      await s?.close();
    });

    it("lists only read tools with JSON Schemas, for what a Bearer key can reach", async () => {
      const { tools } = await s.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(
        [
          "alerts_list",
          "collection_list",
          "evidence_get",
          "evidence_list",
          "receipt_verify",
          "resource_get",
        ].sort(),
      );
      for (const t of tools) {
        expect(t.inputSchema.type).toBe("object");
        expect(t.annotations?.readOnlyHint).toBe(true);
        expect(t.annotations?.destructiveHint).toBe(false);
      }
    });

    it("alerts_list pages with the same predicates as grc list", async () => {
      const p1 = await call(s, "alerts_list", { risk: "high", page_size: 3 });
      expect(p1.isError, p1.text).toBe(false);
      const doc = p1.json();
      expect(doc.page).toBe(1);
      expect(doc.next_page).toBe(2);
      expect(doc.last_page).toBe(Math.ceil(highIds.size / 3));
      expect(doc.items).toHaveLength(3);
      for (const item of doc.items) expect(highIds.has(item.id)).toBe(true);
      const p2 = (await call(s, "alerts_list", { risk: "high", page_size: 3, page: 2 })).json();
      expect(p2.page).toBe(2);
      const ids1 = doc.items.map((i: { id: string }) => i.id);
      for (const item of p2.items) expect(ids1).not.toContain(item.id);
    });

    it("collection_list takes filters, sorting and includes", async () => {
      const r = await call(s, "collection_list", {
        type: "alerts",
        filter: ["risk_level_eq=high"],
        sort: ["id:desc"],
        include: ["external_account"],
        page_size: 5,
      });
      expect(r.isError, r.text).toBe(false);
      const doc = r.json();
      const ids = doc.items.map((i: { id: string }) => Number(i.id));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const expected = [...highIds]
        .map(Number)
        .sort((a, b) => b - a)
        .slice(0, 5);
      expect(ids).toEqual(expected);
      // The include resolves the relationship inline (an object, not an id).
      expect(typeof doc.items[0].external_account).toBe("object");
    });

    it("resource_get returns one flattened resource", async () => {
      const r = await call(s, "resource_get", { type: "alerts", id: alerts[0]!.id });
      expect(r.isError, r.text).toBe(false);
      expect(r.json()).toMatchObject({ id: alerts[0]!.id, type: "alerts" });
    });

    it("evidence_list and evidence_get show the pushed file and its lineage, no URL", async () => {
      const list = await call(s, "evidence_list", { control: "CC6.1" });
      expect(list.isError, list.text).toBe(false);
      expect(list.json().items.map((i: { id: string }) => i.id)).toContain(sha);
      const one = await call(s, "evidence_get", { id: sha });
      expect(one.isError, one.text).toBe(false);
      const doc = one.json();
      expect(doc.id).toBe(sha);
      expect(doc.lineage.map((l: { control_id: string }) => l.control_id)).toContain("CC6.1");
      expect(one.text).not.toMatch(/https?:\/\//);
      expect(one.text).not.toContain(mock.identity.apiKey);
    });

    it("receipt_verify checks a receipt written by grc evidence push", async () => {
      const dir = tempConfigDir();
      writeFileSync(join(dir, "r.csv"), "a,b\n1,2\n");
      const pushed = await runGrc(
        ["evidence", "push", "r.csv", "--control", "CC7.2", "--receipt", "receipt.ndjson"],
        {
          env: mock.env(),
          cwd: dir,
        },
      );
      expect(pushed.code, pushed.stderr).toBe(0);
      const r = await call(s, "receipt_verify", { path: join(dir, "receipt.ndjson") });
      expect(r.isError, r.text).toBe(false);
      expect(r.json()).toMatchObject({ ok: true, entries: 1, problems_total: 0 });
    });

    it("a bad input is a tool error with one line, and no request", async () => {
      const big = await call(s, "alerts_list", { page_size: 500 });
      expect(big.isError).toBe(true);
      expect(big.text).toBe(
        'grc: alerts_list: "page_size" must be at most 100, got 500 — see the tool\'s input schema (tools/list)',
      );
      const unknown = await call(s, "alerts_list", { colour: "red" });
      expect(unknown.isError).toBe(true);
      expect(unknown.text).toMatch(/^grc: alerts_list: unknown argument "colour"/);
      const predicate = await call(s, "alerts_list", { filter: ["risk_level_bogus=1"] });
      expect(predicate.isError).toBe(true);
      expect(predicate.text.split("\n")).toHaveLength(1);
      expect(predicate.text).toMatch(/^grc: /);
      const sha = await call(s, "evidence_get", { id: "nope" });
      expect(sha.isError).toBe(true);
      expect(sha.text).toMatch(/^grc: evidence_get: "id" does not match/);
      const missing = await call(s, "receipt_verify", { path: "/nonexistent/receipt" });
      expect(missing.text).toBe(
        "grc: receipt not found: /nonexistent/receipt — name a receipt written by `grc evidence push --receipt`",
      );
      const tool = await call(s, "strata_dashboard", {});
      expect(tool.isError).toBe(true);
      expect(tool.text).toMatch(/^grc: unknown tool "strata_dashboard"/);
    });

    it("writes nothing but protocol to stdout (the client parsed every message)", () => {
      expect(s.stderr()).not.toContain(mock.identity.apiKey);
    });
  });

  describe("StrataGRC profile (session)", () => {
    let s: Session;
    beforeAll(async () => {
      s = await connect({ GRC_BASE_URL: mock.baseUrl, GRC_SESSION: mock.identity.session });
    });
    afterAll(async () => {
      await s?.close();
    });

    it("offers the StrataGRC tools and receipt_verify", async () => {
      const { tools } = await s.client.listTools();
      expect(tools.map((t) => t.name).sort()).toEqual(
        ["receipt_verify", "strata_dashboard", "strata_get", "strata_list"].sort(),
      );
    });

    it("strata_list pages controls; strata_get reads one; the dashboard answers", async () => {
      const page = await call(s, "strata_list", { module: "controls", per_page: 10 });
      expect(page.isError, page.text).toBe(false);
      const doc = page.json();
      expect(doc.total).toBe(controls.length);
      expect(doc.items).toHaveLength(10);
      expect(doc.next_page).toBe(2);
      const one = await call(s, "strata_get", { module: "controls", id: controls[0]!.id });
      expect(one.json()).toMatchObject({ id: controls[0]!.id, code: controls[0]!.code });
      const dash = await call(s, "strata_dashboard", {});
      expect(dash.isError, dash.text).toBe(false);
      expect(typeof dash.json()).toBe("object");
      for (const module of ["risks", "engagements", "findings", "cases", "kpis"]) {
        const r = await call(s, "strata_list", { module, per_page: 2 });
        expect(r.isError, `${module}: ${r.text}`).toBe(false);
        expect(r.json().items.length).toBeLessThanOrEqual(2);
      }
    });

    it("a bad module is a tool error", async () => {
      const r = await call(s, "strata_list", { module: "invoices" });
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/^grc: strata_list: "module" must be one of risks, controls/);
    });
  });
});

describe("grc mcp serve against a failing server", () => {
  let server: Server;
  let url = "";
  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: [{ title: "database on fire" }] }));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("a 500 is a tool error with the CLI's one line, and the server keeps serving", async () => {
    const s = await connect({ GRC_BASE_URL: url, GRC_API_KEY: "sk-test-0123456789abcdef" }, [
      "--retries",
      "1",
    ]);
    try {
      // The same request (page[size]=20, JSON: nothing included) from the CLI prints the line
      // the tool answers.
      const cli = await runGrc(
        ["alerts", "list", "--page-size", "20", "-o", "json", "--retries", "1"],
        {
          env: { GRC_BASE_URL: url, GRC_API_KEY: "sk-test-0123456789abcdef" },
        },
      );
      const r = await call(s, "alerts_list", {});
      expect(r.isError).toBe(true);
      expect(r.text.split("\n")).toHaveLength(1);
      expect(cli.code).toBe(4);
      expect(`${r.text}\n`).toBe(cli.stderr);
      const again = await call(s, "alerts_list", {});
      expect(again.text).toBe(r.text);
    } finally {
      await s.close();
    }
  });

  it("without a credential the server does not start: one line, exit 3", async () => {
    const r = await runGrc(["mcp", "serve"], { env: { GRC_BASE_URL: url } });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^grc: no credentials for profile "default" — .+\n$/);
  });
});
