import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runInProcess, tempConfigDir } from "../../../helpers/cli.js";
import {
  json,
  type RecordedRequest,
  startFakeServer,
  useFakeServer,
} from "../../../helpers/fake-server.js";

/** A loopback server that answers each request with the scripted reply and records what it got. */
const fake = useFakeServer();
let seen: RecordedRequest[] = [];
let reply: { status: number; body: unknown } = { status: 200, body: {} };
let baseUrl = "";

let dir = "";
beforeEach(() => {
  const s = fake();
  // Most commands here never reach the server; the ones that do assert what it saw.
  s.any(() => json(reply.status, reply.body), { optional: true });
  seen = s.requests;
  baseUrl = s.url;
  reply = { status: 200, body: { data: [] } };
  dir = tempConfigDir();
});
const KEY = "sk-test-0123456789abcdef";
const run = (argv: string[], stdin = "", env: NodeJS.ProcessEnv = {}) =>
  runInProcess(argv, { stdin, env: { GRC_CONFIG_DIR: dir, ...env } });
const stored = () => JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));

describe("grc auth login (non-interactive)", () => {
  it("checks an API key with one GET and stores the profile 0600", async () => {
    const r = await run(
      ["auth", "login", "--base-url", baseUrl, "--org", "org-1", "--api-key-stdin"],
      `${KEY}\n`,
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `Logged in to sovereign at ${baseUrl} as profile "default" with API key sk-...cdef; saved to ${dir}/config.json\n`,
    );
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: "GET",
      url: "/api/v1/orgs/org-1/evidence?page%5Bsize%5D=1",
    });
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(stored()).toEqual({
      active_profile: "default",
      profiles: {
        default: { platform: "sovereign", base_url: baseUrl, org_id: "org-1", api_key: KEY },
      },
    });
    expect(statSync(join(dir, "config.json")).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
  });

  it("fails on 401 with exit 3 and saves nothing", async () => {
    reply = { status: 401, body: { detail: "invalid or missing API key" } };
    const r = await run(
      ["auth", "login", "--base-url", baseUrl, "--org", "org-1", "--api-key-stdin"],
      KEY,
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^grc: login failed: the server rejected the credential \(.*invalid or missing API key.*\) — check the key or secret and try again; nothing was saved\n$/,
    );
    expect(r.stderr).not.toContain(KEY);
    expect(existsSync(join(dir, "config.json"))).toBe(false);
    expect(seen).toHaveLength(1);
  });

  it("saves and warns with the scope on 403 missing required scope", async () => {
    reply = {
      status: 403,
      body: { detail: "missing required scope: read:evidence", required_scope: "read:evidence" },
    };
    const r = await run(
      ["auth", "login", "--base-url", baseUrl, "--org", "org-1", "--api-key-stdin"],
      KEY,
    );
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n")[0]).toBe(
      "warning: the key works but lacks the read:evidence scope, so some commands will get 403; widen its scopes on the API Keys page",
    );
    expect(stored().profiles.default.api_key).toBe(KEY);
  });

  it("fails when the key's user is not a member of the organization", async () => {
    reply = { status: 403, body: { detail: "not a member of this organization" } };
    const r = await run(
      ["auth", "login", "--base-url", baseUrl, "--org", "org-x", "--api-key-stdin"],
      KEY,
    );
    expect(r.code).toBe(3);
    expect(r.stderr).toBe(
      "grc: login failed: the key's user is not a member of organization org-x — check --org, or use a key of a member of that organization; nothing was saved\n",
    );
    expect(existsSync(join(dir, "config.json"))).toBe(false);
  });

  it("signs the Evident probe with APIAuth for an HMAC key", async () => {
    const r = await run(
      [
        "auth",
        "login",
        "--profile",
        "esp",
        "--base-url",
        baseUrl,
        "--hmac-key-id",
        "abc",
        "--hmac-secret-stdin",
      ],
      "abc123\n",
    );
    expect(r.code).toBe(0);
    expect(seen[0]).toMatchObject({ method: "GET", url: "/api/v2/organizations?page%5Bsize%5D=1" });
    expect(seen[0]!.headers.authorization).toMatch(/^APIAuth abc:[A-Za-z0-9+/]+=*$/);
    expect(seen[0]!.headers.accept).toBe("application/vnd.api+json");
    expect(stored().profiles.esp).toEqual({
      platform: "evident",
      base_url: baseUrl,
      hmac_key_id: "abc",
      hmac_secret: "abc123",
    });
    // The first profile becomes the active one.
    expect(stored().active_profile).toBe("esp");
  });

  it("stores hmac_algorithm sha256 with --hmac-sha256", async () => {
    const r = await run(
      [
        "auth",
        "login",
        "--base-url",
        baseUrl,
        "--hmac-key-id",
        "abc",
        "--hmac-secret-stdin",
        "--hmac-sha256",
      ],
      "abc123",
    );
    expect(r.code).toBe(0);
    expect(seen[0]!.headers.authorization).toMatch(/^APIAuth-HMAC-SHA256 abc:/);
    expect(stored().profiles.default.hmac_algorithm).toBe("sha256");
  });

  it("checks a StrataGRC session with the auth status call and the org header", async () => {
    reply = { status: 200, body: { success: true, data: { authenticated: true } } };
    const r = await run(
      ["auth", "login", "--base-url", baseUrl, "--org", "7", "--session-stdin"],
      "cookie-value-123",
    );
    expect(r.code).toBe(0);
    expect(seen[0]).toMatchObject({ method: "GET", url: "/strata/api/auth/status" });
    expect(seen[0]!.headers.cookie).toBe("session=cookie-value-123");
    expect(seen[0]!.headers["x-organization-id"]).toBe("7");
    expect(stored().profiles.default).toMatchObject({
      platform: "strata",
      session: "cookie-value-123",
    });
  });

  it("fails a StrataGRC session the server reports as expired", async () => {
    reply = {
      status: 401,
      body: { success: false, error: { code: "AUTH_REQUIRED", message: "Session expired" } },
    };
    const r = await run(["auth", "login", "--base-url", baseUrl, "--session-stdin"], "old-cookie");
    expect(r.code).toBe(3);
    expect(r.stderr).toContain("grc: login failed: the server rejected the credential");
    expect(r.stderr).not.toContain("old-cookie");
  });

  it("--no-verify saves without any request; a second login replaces the credential kind", async () => {
    const first = await run(
      [
        "auth",
        "login",
        "--base-url",
        "https://grc.example.com",
        "--org",
        "o",
        "--api-key-stdin",
        "--no-verify",
      ],
      KEY,
    );
    expect(first.code).toBe(0);
    expect(first.stderr).toContain("(not verified: --no-verify)");
    const second = await run(
      [
        "auth",
        "login",
        "--platform",
        "evident",
        "--hmac-key-id",
        "k1",
        "--hmac-secret-stdin",
        "--no-verify",
      ],
      "s3cret",
    );
    expect(second.code).toBe(0);
    expect(seen).toHaveLength(0);
    expect(stored().profiles.default).toEqual({
      platform: "evident",
      base_url: "https://grc.example.com",
      org_id: "o",
      hmac_key_id: "k1",
      hmac_secret: "s3cret",
    });
  });

  const usage: [string, string[], string, string][] = [
    [
      "no credential flag",
      ["--base-url", "https://x.example"],
      "",
      "grc: no credential given — pass --api-key-stdin, --hmac-key-id ID --hmac-secret-stdin, or --session-stdin (stdin is not a terminal, so grc cannot prompt)\n",
    ],
    [
      "no base URL",
      ["--org", "o", "--api-key-stdin"],
      KEY,
      "grc: missing --base-url — stdin is not a terminal, so grc cannot prompt for it\n",
    ],
    [
      "no org for Sovereign",
      ["--base-url", "https://x.example", "--api-key-stdin"],
      KEY,
      "grc: missing --org — stdin is not a terminal, so grc cannot prompt for it\n",
    ],
    [
      "a key without sk-",
      ["--base-url", "https://x.example", "--org", "o", "--api-key-stdin"],
      "abc",
      'grc: the API key on stdin is not an API key: keys start with "sk-" — copy the key from the API Keys page (it is shown once)\n',
    ],
    [
      "an empty stdin",
      ["--base-url", "https://x.example", "--org", "o", "--api-key-stdin"],
      "\n",
      "grc: the API key on stdin is empty",
    ],
    [
      "plain http to a remote host",
      ["--base-url", "http://grc.example.com", "--org", "o", "--api-key-stdin"],
      KEY,
      "grc: --base-url uses plain http to grc.example.com",
    ],
    [
      "two stdin secrets",
      ["--base-url", "https://x.example", "--api-key-stdin", "--session-stdin"],
      KEY,
      "grc: --api-key-stdin and --session-stdin cannot be combined",
    ],
    [
      "a key for the wrong platform",
      ["--platform", "strata", "--base-url", "https://x.example", "--api-key-stdin"],
      KEY,
      "grc: --platform strata does not take --api-key-stdin — log in to strata with --session-stdin\n",
    ],
    [
      "a secret on argv",
      ["--base-url", "https://x.example", "--api-key", KEY],
      "",
      "grc: unknown option '--api-key'",
    ],
  ];
  for (const [what, args, stdin, message] of usage) {
    it(`refuses ${what} with exit 2`, async () => {
      const r = await run(["auth", "login", ...args], stdin);
      expect(r.code).toBe(2);
      if (message.endsWith("\n")) expect(r.stderr).toBe(message);
      else expect(r.stderr.startsWith(message)).toBe(true);
      expect(existsSync(join(dir, "config.json"))).toBe(false);
      expect(seen).toHaveLength(0);
    });
  }

  it("says when the new profile is not active and when the environment overrides it", async () => {
    await run(
      ["auth", "login", "--base-url", baseUrl, "--org", "o", "--api-key-stdin", "--no-verify"],
      KEY,
    );
    const r = await run(
      [
        "auth",
        "login",
        "--profile",
        "two",
        "--base-url",
        baseUrl,
        "--session-stdin",
        "--no-verify",
      ],
      "cookie-0001",
      { GRC_API_KEY: "sk-from-env-0000" },
    );
    expect(r.code).toBe(0);
    expect(r.stderr.split("\n").slice(1)).toEqual([
      'Profile "two" is not the active profile; use it with --profile two or make it active with `grc config use two`',
      "note: GRC_API_KEY set in this environment override the stored credential",
      "",
    ]);
    expect(stored().active_profile).toBe("default");
  });

  it("fails with exit 4 and saves nothing when the server cannot be reached", async () => {
    const closed = await startFakeServer();
    const port = closed.port;
    await closed.close();
    const r = await run(
      ["auth", "login", "--base-url", `http://127.0.0.1:${port}`, "--org", "o", "--api-key-stdin"],
      KEY,
    );
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(
      /^grc: login failed: .*127\.0\.0\.1.* nothing was saved \(pass --no-verify to save without checking\)\n$/,
    );
    expect(existsSync(join(dir, "config.json"))).toBe(false);
  });

  it("fails with exit 3 when StrataGRC denies the session", async () => {
    reply = {
      status: 403,
      body: {
        success: false,
        error: { code: "PERMISSION_DENIED", message: "Insufficient permissions" },
      },
    };
    const r = await run(["auth", "login", "--base-url", baseUrl, "--session-stdin"], "cookie-2");
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^grc: login failed: .*Insufficient permissions.*nothing was saved/);
    expect(existsSync(join(dir, "config.json"))).toBe(false);
  });

  it("allows plain http to a remote host with --insecure and remembers it", async () => {
    const r = await run(
      [
        "auth",
        "login",
        "--base-url",
        "http://grc.example.com",
        "--org",
        "o",
        "--api-key-stdin",
        "--insecure",
        "--no-verify",
      ],
      KEY,
    );
    expect(r.code).toBe(0);
    expect(stored().profiles.default).toMatchObject({
      base_url: "http://grc.example.com",
      insecure: true,
    });
  });
});

function writeConfig(data: unknown, mode = 0o600): string {
  const file = join(dir, "config.json");
  writeFileSync(file, JSON.stringify(data), { mode });
  chmodSync(file, mode);
  return file;
}

describe("grc auth status", () => {
  const config = {
    active_profile: "work",
    profiles: {
      work: {
        platform: "sovereign",
        base_url: "https://grc.example.com",
        org_id: "org-stored",
        api_key: "sk-stored-key-aaaa1111",
      },
      esp: {
        platform: "evident",
        base_url: "https://esp.example.com",
        hmac_key_id: "abc",
        hmac_secret: "a-long-hmac-secret-9876",
      },
    },
  };

  it("--json shows each value with its source, secrets masked", async () => {
    writeConfig(config);
    const r = await run(["auth", "status", "--offline", "--json", "--org", "org-flag"], "", {
      GRC_BASE_URL: "http://127.0.0.1:8080",
      GRC_API_KEY: "sk-env-key-bbbb2222",
    });
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({
      profile: { value: "work", source: "profile" },
      config_file: `${dir}/config.json`,
      platform: { value: "sovereign", source: "profile" },
      base_url: { value: "http://127.0.0.1:8080", source: "env" },
      org_id: { value: "org-flag", source: "flag" },
      credential: { value: "bearer", source: "env" },
      secret_location: { value: "env", source: "env" },
      api_key: { value: "sk-...2222", source: "env" },
      insecure: { value: false, source: "default" },
      ca_cert: { value: null, source: null },
      check: { ok: null, result: "skipped", summary: "not checked (--offline)" },
    });
    expect(r.stdout).not.toContain("sk-env-key");
    expect(r.stdout).not.toContain("sk-stored");
  });

  it("masks an HMAC secret fully but for its last 4 and names the sources in text", async () => {
    writeConfig(config);
    const r = await run(["auth", "status", "--offline"], "", { GRC_PROFILE: "esp" });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toContain("a-long-hmac-secret");
    expect(r.stdout.split("\n")).toEqual([
      "profile          esp                      (env GRC_PROFILE)",
      `config_file      ${dir}/config.json`,
      "platform         evident                  (profile)",
      "base_url         https://esp.example.com  (profile)",
      "org_id           (not set)",
      "credential       hmac                     (profile)",
      "secret_location  file                     (profile)",
      "hmac_key_id      abc                      (profile)",
      "hmac_secret      ****9876                 (profile)",
      "hmac_algorithm   sha1                     (profile)",
      "insecure         false                    (default)",
      "ca_cert          (not set)",
      "check            not checked (--offline)",
      "",
    ]);
  });

  it("exits 3 when there is no credential", async () => {
    const r = await run(["auth", "status", "--json"]);
    expect(r.code).toBe(3);
    expect(JSON.parse(r.stdout).credential).toEqual({ value: null, source: null });
    expect(r.stderr).toBe(
      'grc: no credentials for profile "default" — run `grc auth login`, or set GRC_API_KEY (or GRC_HMAC_KEY_ID/GRC_HMAC_SECRET, GRC_SESSION)\n',
    );
  });

  it("warns once per loose mode and still works", async () => {
    const file = writeConfig(config, 0o644);
    const r = await run(["auth", "status", "--offline", "--json"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      `warning: config file ${file} is accessible by other users (mode 644); run \`chmod 600 ${file}\`\n`,
    );
  });

  /** A Sovereign profile pointing at the scripted loopback server. */
  const live = () =>
    writeConfig({
      active_profile: "work",
      profiles: {
        work: { platform: "sovereign", base_url: baseUrl, org_id: "org-1", api_key: KEY },
      },
    });

  it("checks the credential with the login probe by default", async () => {
    live();
    const r = await run(["auth", "status"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: "GET",
      url: "/api/v1/orgs/org-1/evidence?page%5Bsize%5D=1",
    });
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(r.stdout.split("\n").at(-2)).toBe(
      "check            ok: the key works in organization org-1 and can read evidence (Sovereign does not name a key's user or list its scopes)",
    );
  });

  it("--offline sends nothing", async () => {
    live();
    const r = await run(["auth", "status", "--offline"]);
    expect(r.code).toBe(0);
    expect(seen).toHaveLength(0);
  });

  it("a 403 naming a missing scope: the key works, the scope is named, exit 0", async () => {
    live();
    reply = { status: 403, body: { detail: "missing required scope: read:evidence" } };
    const r = await run(["auth", "status", "--json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).check).toEqual({
      ok: true,
      result: "missing_scope",
      http_status: 403,
      missing_scope: "read:evidence",
      summary:
        "the key works but lacks the read:evidence scope (commands that need it get 403; widen its scopes on the API Keys page)",
    });
  });

  it("a rejected key: the status is printed, then one line, exit 3", async () => {
    live();
    reply = { status: 401, body: { detail: "invalid or missing API key" } };
    const r = await run(["auth", "status"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("api_key          sk-...cdef");
    expect(r.stdout).not.toContain("check ");
    expect(r.stderr.split("\n")).toHaveLength(2);
    expect(r.stderr).toMatch(
      new RegExp(
        `^grc: ${baseUrl} rejected the credential: .*invalid or missing API key.* — run \`grc auth login\` with a working credential\n$`,
      ),
    );
    expect(r.stderr).not.toContain(KEY);
  });

  it("a StrataGRC 200 with authenticated:false is a rejected session, exit 3", async () => {
    writeConfig({
      profiles: { default: { platform: "strata", base_url: baseUrl, session: "cookie-value-1" } },
    });
    reply = { status: 200, body: { data: { authenticated: false } } };
    const r = await run(["auth", "status", "--json"]);
    expect(r.code).toBe(3);
    expect(seen[0]!.url).toBe("/strata/api/auth/status");
    expect(JSON.parse(r.stdout).check).toMatchObject({ ok: false, result: "rejected" });
    expect(r.stderr).toBe(
      `grc: ${baseUrl} says the session is not authenticated — log in to StrataGRC in the browser and store a fresh cookie with \`grc auth login --session-stdin\`\n`,
    );
  });

  for (const [what, text] of [
    ["bad JSON", '{"profiles": {'],
    ["a wrong type", '{"profiles": {"work": {"org_id": 7}}}'],
    ["an unknown key", '{"profiles": {"work": {"token": "x"}}}'],
  ]) {
    it(`reports a config with ${what} in one line, exit 2`, async () => {
      writeFileSync(join(dir, "config.json"), text!, { mode: 0o600 });
      const r = await run(["auth", "status"]);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe("");
      expect(r.stderr.split("\n")).toHaveLength(2);
      expect(r.stderr).toMatch(
        new RegExp(
          `^grc: config file ${dir}/config.json (is not valid JSON|is invalid: ).* — fix the JSON by hand, or remove it with \`grc config reset --yes\``,
        ),
      );
    });
  }
});

describe("grc auth list and logout", () => {
  it("lists profiles with the active one marked, never a secret", async () => {
    writeConfig({
      active_profile: "b",
      profiles: {
        b: { platform: "strata", base_url: "https://s.example.com", session: "secret-cookie" },
        a: { platform: "sovereign", base_url: "https://g.example.com", org_id: "o", api_key: KEY },
      },
    });
    const table = await run(["auth", "list"]);
    expect(table.stdout).toBe(
      "\ta\tsovereign\thttps://g.example.com\to\tbearer\n*\tb\tstrata\thttps://s.example.com\t\tsession\n",
    );
    const json = await run(["auth", "list", "--json"]);
    expect(JSON.parse(json.stdout)).toEqual([
      {
        active: false,
        name: "a",
        platform: "sovereign",
        base_url: "https://g.example.com",
        org_id: "o",
        credential: "bearer",
      },
      {
        active: true,
        name: "b",
        platform: "strata",
        base_url: "https://s.example.com",
        org_id: null,
        credential: "session",
      },
    ]);
    expect(json.stdout + table.stdout).not.toContain("secret-cookie");
    expect(json.stdout + table.stdout).not.toContain(KEY);
  });

  it("logout removes only the credential", async () => {
    writeConfig({
      active_profile: "a",
      profiles: {
        a: {
          platform: "sovereign",
          base_url: "https://g.example.com",
          org_id: "o",
          api_key: KEY,
          paths: {},
        },
      },
    });
    const r = await run(["auth", "logout"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(
      'Logged out of profile "a": removed its API key; base URL, org and settings are kept\n',
    );
    expect(stored().profiles.a).toEqual({
      platform: "sovereign",
      base_url: "https://g.example.com",
      org_id: "o",
      paths: {},
    });
    const again = await run(["auth", "logout", "--profile", "a"]);
    expect(again.stderr).toBe('Profile "a" had no stored credential; nothing to remove\n');
    const missing = await run(["auth", "logout", "--profile", "zz"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `grc: profile "zz" does not exist in ${dir}/config.json; profiles: a — see \`grc auth list\`\n`,
    );
  });
});
