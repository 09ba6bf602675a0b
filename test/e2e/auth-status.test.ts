import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { runGrc, tempConfigDir } from "../helpers/cli.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

for (const dialect of DIALECTS) {
  describe(`grc auth status checks the credential against the mock (${dialect})`, () => {
    const mock = withMock({ dialect });
    const status = (env: NodeJS.ProcessEnv, ...flags: string[]) =>
      runGrc(["auth", "status", "--json", ...flags], {
        env: { GRC_CONFIG_DIR: tempConfigDir(), GRC_BASE_URL: mock.baseUrl, ...env },
      });
    const apiRequests = () =>
      mock
        .state()
        .requests.filter((r) => r.origin === "api" && !r.path.startsWith("/__mock"))
        .map((r) => `${r.method} ${r.path} ${r.status}`);

    it("Bearer (Sovereign): one GET, the key works and can read evidence", async () => {
      await mock.reset();
      const { orgId, apiKey } = mock.identity;
      const r = await status({ GRC_ORG_ID: orgId, GRC_API_KEY: apiKey });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout);
      expect(doc.api_key.value).toBe("sk-...cdef");
      expect(doc.check).toMatchObject({ ok: true, result: "ok", scopes_proven: ["read:evidence"] });
      expect(r.stdout).not.toContain(apiKey);
      expect(apiRequests()).toEqual([`GET /api/v1/orgs/${orgId}/evidence 200`]);
    });

    it("HMAC (Evident): the organization the key sees is named", async () => {
      const { hmacKeyId, hmacSecret } = mock.identity;
      const r = await status({
        GRC_PLATFORM: "evident",
        GRC_HMAC_KEY_ID: hmacKeyId,
        GRC_HMAC_SECRET: hmacSecret,
      });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout).check).toMatchObject({
        ok: true,
        result: "ok",
        organization: expect.stringMatching(/\S/),
      });
      expect(r.stdout).not.toContain(hmacSecret);
    });

    it("session (StrataGRC): the user and organization are named", async () => {
      const r = await status({ GRC_PLATFORM: "strata", GRC_SESSION: mock.identity.session });
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const check = JSON.parse(r.stdout).check;
      expect(check).toMatchObject({ ok: true, result: "ok" });
      expect(check.user).toMatch(/\S/);
      expect(check.organization).toMatch(/\S/);
      expect(r.stdout).not.toContain(mock.identity.session);
    });

    it("a wrong key: the status, then one line naming the fix, exit 3", async () => {
      const r = await runGrc(["auth", "status"], {
        env: {
          GRC_CONFIG_DIR: tempConfigDir(),
          GRC_BASE_URL: mock.baseUrl,
          GRC_ORG_ID: mock.identity.orgId,
          GRC_API_KEY: "sk-wrong-key-000000000000",
        },
      });
      expect(r.code).toBe(3);
      expect(r.stdout).toContain("api_key          sk-...0000");
      expect(r.stderr.split("\n")).toHaveLength(2);
      expect(r.stderr).toMatch(
        new RegExp(`^grc: ${mock.baseUrl} rejected the credential: .* — run \`grc auth login\``),
      );
      expect(r.stderr).not.toContain("sk-wrong-key");
    });

    it("a key of a user outside the org: exit 3 naming the org", async () => {
      const r = await status({
        GRC_ORG_ID: mock.identity.orgId,
        GRC_API_KEY: mock.identity.noOrgApiKey,
      });
      expect(r.code).toBe(3);
      expect(JSON.parse(r.stdout).check).toMatchObject({ ok: false, result: "rejected" });
      expect(r.stderr).toBe(
        `grc: the key's user is not a member of organization ${mock.identity.orgId} — check the org (\`grc config set org_id ...\`), or log in with a key of a member\n`,
      );
    });
  });
}

describe("grc auth status against an unreachable server", () => {
  it("prints the status, then one line, exit 4; --offline skips the request", async () => {
    const base = `http://127.0.0.1:${await closedPort()}`;
    const env = {
      GRC_CONFIG_DIR: tempConfigDir(),
      GRC_BASE_URL: base,
      GRC_ORG_ID: "org-1",
      GRC_API_KEY: "sk-some-key-1234567890",
    };
    const r = await runGrc(["auth", "status", "--json"], { env });
    expect(r.code).toBe(4);
    expect(JSON.parse(r.stdout).check).toMatchObject({ ok: false, result: "unreachable" });
    expect(r.stderr).toMatch(
      new RegExp(
        `^grc: cannot reach ${base}: .*ECONNREFUSED.* — is the server running and the base URL right\\? pass --offline to skip the check\\n$`,
      ),
    );
    const offline = await runGrc(["auth", "status", "--offline"], { env });
    expect(offline.code).toBe(0);
    expect(offline.stderr).toBe("");
    expect(offline.stdout).toContain("check            not checked (--offline)\n");
  });
});
