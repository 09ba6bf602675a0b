import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runGrc, tempConfigDir } from "../helpers/cli.js";
import { withMock } from "../helpers/mock.js";

const mock = withMock();

let dir = "";
beforeEach(() => {
  dir = tempConfigDir();
});
const grc = (argv: string[], stdin = "", env: NodeJS.ProcessEnv = {}) =>
  runGrc(argv, { stdin, env: { GRC_CONFIG_DIR: dir, ...env } });
const stored = () => JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
/** `grc auth login` to the mock's Sovereign org with an API key on stdin. */
const loginWithKey = (stdin: string, ...flags: string[]) =>
  grc(
    [
      "auth",
      "login",
      "--base-url",
      mock.baseUrl,
      "--org",
      mock.identity.orgId,
      "--api-key-stdin",
      ...flags,
    ],
    stdin,
  );
/** API requests the mock logged (path without query; the unit tests check the exact query). */
const probes = () =>
  mock
    .state()
    .requests.filter((r) => r.origin === "api" && !r.path.startsWith("/__mock"))
    .map((r) => `${r.method} ${r.path} ${r.status}`);

describe("grc auth against the mock (built CLI)", () => {
  beforeEach(() => mock.reset());

  it("logs in with the demo API key, then status and list show it masked", async () => {
    const { apiKey, orgId } = mock.identity;
    const login = await loginWithKey(`${apiKey}\n`);
    expect(login.stderr).toBe(
      `Logged in to sovereign at ${mock.baseUrl} as profile "default" with API key sk-...cdef; saved to ${dir}/config.json\n`,
    );
    expect(login.code).toBe(0);
    expect(probes()).toEqual([`GET /api/v1/orgs/${orgId}/evidence 200`]);
    expect(statSync(join(dir, "config.json")).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);

    const status = await grc(["auth", "status", "--json"]);
    expect(status.code).toBe(0);
    const doc = JSON.parse(status.stdout);
    expect(doc.api_key).toEqual({ value: "sk-...cdef", source: "profile" });
    expect(doc.base_url).toEqual({ value: mock.baseUrl, source: "profile" });
    expect(status.stdout).not.toContain(apiKey);

    const list = await grc(["auth", "list"]);
    expect(list.stdout).toBe(`*\tdefault\tsovereign\t${mock.baseUrl}\t${orgId}\tbearer\n`);
  });

  it("a wrong key fails with exit 3 and saves nothing", async () => {
    const r = await loginWithKey("sk-not-a-real-key-000000");
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^grc: login failed: the server rejected the credential .* nothing was saved\n$/,
    );
    expect(r.stderr).not.toContain("sk-not-a-real-key");
    expect(() => stored()).toThrow();
  });

  it("a key whose user is not a member of the org fails with exit 3", async () => {
    const r = await loginWithKey(mock.identity.noOrgApiKey);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(
      `grc: login failed: the key's user is not a member of organization ${mock.identity.orgId}`,
    );
  });

  it("logs in to Evident with the document's HMAC key and to StrataGRC with a session", async () => {
    const { hmacKeyId, hmacSecret, session } = mock.identity;
    const evident = await grc(
      [
        "auth",
        "login",
        "--profile",
        "esp",
        "--base-url",
        mock.baseUrl,
        "--hmac-key-id",
        hmacKeyId,
        "--hmac-secret-stdin",
      ],
      hmacSecret,
    );
    expect(evident.stderr).toContain("Logged in to evident at");
    expect(evident.code).toBe(0);
    const strata = await grc(
      ["auth", "login", "--profile", "strata", "--base-url", mock.baseUrl, "--session-stdin"],
      session,
    );
    expect(strata.stderr).toContain("Logged in to strata at");
    expect(strata.code).toBe(0);
    expect(probes()).toEqual(["GET /api/v2/organizations 200", "GET /strata/api/auth/status 200"]);
    const bad = await grc(
      ["auth", "login", "--profile", "s2", "--base-url", mock.baseUrl, "--session-stdin"],
      "expired",
    );
    expect(bad.code).toBe(3);
    expect(Object.keys(stored().profiles).sort()).toEqual(["esp", "strata"]);
  });

  it("environment beats the stored profile and flags beat the environment", async () => {
    await loginWithKey(mock.identity.apiKey, "--no-verify");
    const r = await grc(["auth", "status", "--json", "--org", "flag-org"], "", {
      GRC_API_KEY: mock.identity.readOnlyApiKey,
      GRC_ORG_ID: "env-org",
    });
    const doc = JSON.parse(r.stdout);
    expect(doc.org_id).toEqual({ value: "flag-org", source: "flag" });
    expect(doc.api_key).toEqual({
      value: `sk-...${mock.identity.readOnlyApiKey.slice(-4)}`,
      source: "env",
    });
    expect(doc.credential).toEqual({ value: "bearer", source: "env" });
  });
});
