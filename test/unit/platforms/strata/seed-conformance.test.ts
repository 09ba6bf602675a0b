import { describe, expect, it } from "vitest";
import { runInProcess, tempConfigDir } from "../../../helpers/cli.js";
import { json, type Reply, useFakeServer } from "../../../helpers/fake-server.js";

/**
 * Issue 10: StrataGRC on its own paths (set through the profile's path overrides), answering
 * in shapes seed 001 allows — it shows no response body at all: a bare JSON array, `{"data":
 * [...]}`, a bare status object; errors carrying the seed's codes. Nothing here comes from our
 * mock. The fake server fails the test on any request it was not told to expect.
 */

const server = useFakeServer();
const SESSION = "strata-session-0123456789";

async function strata(argv: string[], paths: Record<string, string>) {
  const env = { GRC_CONFIG_DIR: tempConfigDir() };
  for (const [k, v] of Object.entries(paths)) {
    const set = await runInProcess(["config", "set", `paths.${k}`, v], { env });
    expect(set.code).toBe(0);
  }
  return runInProcess(argv, {
    env: { ...env, GRC_BASE_URL: server().url, GRC_SESSION: SESSION },
  });
}

const charset = (status: number, body: unknown): Reply => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8" },
  body: JSON.stringify(body, null, 2),
});

describe("StrataGRC answers without the {success, data} envelope", () => {
  it("strata status: a bare {authenticated, user, organization}", async () => {
    server().get(
      "/api/auth/status",
      charset(200, {
        organization: { name: "Acme", id: 9 },
        user: { email: "ana@example.com", username: "ana", id: 3 },
        authenticated: true,
        csrf: "ignored",
      }),
    );
    const r = await strata(["strata", "status"], { authStatus: "/api/auth/status" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `Logged in to StrataGRC at ${server().url} as ana (<ana@example.com>)\nOrganization: Acme (9)\n`,
    );
    expect(server().requests[0]?.headers.cookie).toBe(`session=${SESSION}`);
  });

  it("strata status: authenticated false is an expired session (exit 3)", async () => {
    server().get("/api/auth/status", json(200, { authenticated: false }));
    const r = await strata(["strata", "status"], { authStatus: "/api/auth/status" });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^grc: session expired: log in to the StrataGRC web app/);
  });

  it("risks list: a bare JSON array on the profile's own path", async () => {
    server().get(
      "/grc/risks",
      charset(200, [
        { title: "Vendor lock-in", id: 1, category: "Strategic", status: "Open", extra: 1 },
        { id: 2, title: "Phishing", category: "Security", status: "Open" },
      ]),
    );
    const r = await strata(["strata", "risks", "list", "--json"], { risks: "/grc/risks" });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { id: number }[]).map((x) => x.id)).toEqual([1, 2]);
    expect(server().requests[0]?.query.get("action")).toBe("list");
  });

  it("controls list: {data: [...]} without success", async () => {
    server().get(
      "/grc/controls",
      json(200, { data: [{ id: 5, code: "CC6.1", title: "Logical access", status: "Active" }] }),
    );
    const r = await strata(["strata", "controls", "list", "--json"], { controls: "/grc/controls" });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject([{ id: 5, code: "CC6.1" }]);
  });

  it("risks list --all: a bare array from a server that ignores page ends at the repeat", async () => {
    server().get("/grc/risks", json(200, [{ id: 1, title: "x" }]));
    const r = await strata(["strata", "risks", "list", "--all", "--json"], { risks: "/grc/risks" });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
    // Without pagination in the answer, one more page is asked for; it brings nothing new.
    expect(server().requests.map((q) => q.query.get("page"))).toEqual(["1", "2"]);
  });

  it("risks list --all: bare arrays from a server that pages silently are read to the empty page", async () => {
    server().get("/grc/risks", (req) => {
      const page = Number(req.query.get("page"));
      return json(200, page === 1 ? [{ id: 1 }, { id: 2 }] : page === 2 ? [{ id: 3 }] : []);
    });
    const r = await strata(["strata", "risks", "list", "--all", "--json"], { risks: "/grc/risks" });
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { id: number }[]).map((x) => x.id)).toEqual([1, 2, 3]);
    expect(server().requests).toHaveLength(3);
  });

  it("risks list --all: pagination claiming more pages that repeat the same records ends", async () => {
    server().get(
      "/grc/risks",
      json(200, {
        success: true,
        data: [{ id: 1, title: "x" }],
        pagination: { page: "1", total_pages: "1000000000" },
      }),
      { times: 2 },
    );
    const r = await strata(["strata", "risks", "list", "--all", "--json"], { risks: "/grc/risks" });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toHaveLength(1);
  });

  // Seed 001's error codes, wherever the body carries them, whatever the status.
  const errors: [string, Reply, number, RegExp][] = [
    [
      "200 {success: false, error: {code: PERMISSION_DENIED}}",
      json(200, { success: false, error: { code: "PERMISSION_DENIED", message: "No access" } }),
      3,
      /^grc: No access \(PERMISSION_DENIED\) — Request required permissions from admin\n$/,
    ],
    [
      '404 {"error": "NOT_FOUND", "message"}',
      json(404, { error: "NOT_FOUND", message: "Risk not found" }),
      2,
      /^grc: Risk not found \(NOT_FOUND\).* — Check the resource ID\n$/,
    ],
    [
      '400 {"code": "VALIDATION_ERROR"}',
      json(400, { code: "VALIDATION_ERROR", message: "bad id" }),
      2,
      /^grc: bad id \(VALIDATION_ERROR\).* — Review request parameters\n$/,
    ],
  ];
  for (const [name, reply, code, line] of errors) {
    it(`controls get: ${name} -> exit ${code}`, async () => {
      server().get("/grc/controls", reply);
      const r = await strata(["strata", "controls", "get", "7"], { controls: "/grc/controls" });
      expect(r.code).toBe(code);
      expect(r.stderr).toMatch(line);
    });
  }
});
