import { describe, expect, it } from "vitest";
import { resolveFromConfig } from "../../../../src/core/config/resolve.js";
import type { ConfigData } from "../../../../src/core/config/validate.js";
import { UsageError } from "../../../../src/errors.js";

const config: ConfigData = {
  active_profile: "work",
  profiles: {
    work: {
      platform: "sovereign",
      base_url: "https://grc.example.com",
      org_id: "org-stored",
      api_key: "sk-stored-key-0001",
    },
    evident: {
      platform: "evident",
      base_url: "https://esp.example.com",
      hmac_key_id: "abc",
      hmac_secret: "abc123",
      hmac_algorithm: "sha256",
    },
    lab: { base_url: "http://grc.lab.internal", insecure: true, session: "cookie-1" },
  },
};
const meta = { configPath: "/cfg/config.json" };

describe("resolveFromConfig precedence", () => {
  it("takes the active profile when nothing else is given", () => {
    const p = resolveFromConfig(config, {}, {}, meta);
    expect(p).toMatchObject({
      name: "work",
      platform: "sovereign",
      baseUrl: "https://grc.example.com",
      orgId: "org-stored",
      credential: { kind: "bearer", apiKey: "sk-stored-key-0001" },
      stored: true,
    });
    expect(p.sources).toEqual({
      profile: "profile",
      platform: "profile",
      base_url: "profile",
      org_id: "profile",
      credential: "profile",
    });
  });

  it("environment beats the profile and flags beat the environment", () => {
    const env = {
      GRC_BASE_URL: "https://env.example.com/",
      GRC_ORG_ID: "org-env",
      GRC_API_KEY: "sk-env-key-0002",
    };
    const p = resolveFromConfig(config, { org: "org-flag" }, env, meta);
    expect(p.baseUrl).toBe("https://env.example.com");
    expect(p.orgId).toBe("org-flag");
    expect(p.credential).toEqual({ kind: "bearer", apiKey: "sk-env-key-0002" });
    expect(p.sources).toMatchObject({ base_url: "env", org_id: "flag", credential: "env" });
    const q = resolveFromConfig(config, { baseUrl: "https://flag.example.com" }, env, meta);
    expect(q.baseUrl).toBe("https://flag.example.com");
    expect(q.sources.base_url).toBe("flag");
  });

  it("GRC_PROFILE picks the profile and --profile beats it", () => {
    expect(resolveFromConfig(config, {}, { GRC_PROFILE: "evident" }, meta)).toMatchObject({
      name: "evident",
      credential: { kind: "hmac", keyId: "abc", secret: "abc123", algorithm: "sha256" },
      sources: { profile: "env" },
    });
    expect(
      resolveFromConfig(config, { profile: "lab" }, { GRC_PROFILE: "evident" }, meta),
    ).toMatchObject({
      name: "lab",
      platform: "strata",
      insecure: true,
      credential: { kind: "session", cookie: "cookie-1" },
      sources: { profile: "flag", platform: "default", insecure: "profile" },
    });
  });

  it("an env credential of another kind replaces the stored one", () => {
    const p = resolveFromConfig(config, {}, { GRC_SESSION: "env-cookie" }, meta);
    expect(p.credential).toEqual({ kind: "session", cookie: "env-cookie" });
    expect(p.sources.credential).toBe("env");
    const h = resolveFromConfig(
      config,
      {},
      { GRC_HMAC_KEY_ID: "kid", GRC_HMAC_SECRET: "sec" },
      meta,
    );
    expect(h.credential).toEqual({ kind: "hmac", keyId: "kid", secret: "sec", algorithm: "sha1" });
  });

  it("picks the platform's own kind when the environment holds several credentials", () => {
    const env = { GRC_API_KEY: "sk-env-1", GRC_HMAC_KEY_ID: "k", GRC_HMAC_SECRET: "s" };
    expect(resolveFromConfig(config, { profile: "evident" }, env, meta).credential.kind).toBe(
      "hmac",
    );
    expect(resolveFromConfig(config, {}, env, meta).credential.kind).toBe("bearer");
    const empty: ConfigData = { active_profile: "default", profiles: {} };
    expect(() => resolveFromConfig(empty, {}, env, meta)).toThrow(
      "the environment holds more than one credential (GRC_API_KEY, GRC_HMAC_KEY_ID/GRC_HMAC_SECRET)",
    );
  });

  it("works from the environment alone with no config file", () => {
    const empty: ConfigData = { active_profile: "default", profiles: {} };
    const p = resolveFromConfig(
      empty,
      {},
      { GRC_BASE_URL: "http://127.0.0.1:9999", GRC_API_KEY: "sk-x-1234" },
      meta,
    );
    expect(p).toMatchObject({
      name: "default",
      stored: false,
      platform: "sovereign",
      baseUrl: "http://127.0.0.1:9999",
      sources: { profile: "default", platform: "default", base_url: "env", credential: "env" },
    });
  });

  it("treats empty environment variables as unset", () => {
    const p = resolveFromConfig(config, {}, { GRC_API_KEY: "", GRC_BASE_URL: "" }, meta);
    expect(p.sources).toMatchObject({ base_url: "profile", credential: "profile" });
  });
});

describe("resolveFromConfig validation", () => {
  const cases: [string, Parameters<typeof resolveFromConfig>[1], NodeJS.ProcessEnv, string][] = [
    [
      "a key without sk-",
      {},
      { GRC_API_KEY: "abc" },
      'GRC_API_KEY is not an API key: keys start with "sk-"',
    ],
    [
      "plain http to a remote host",
      { baseUrl: "http://grc.example.com" },
      {},
      "--base-url uses plain http to grc.example.com",
    ],
    [
      "a non-http URL",
      {},
      { GRC_BASE_URL: "ftp://x" },
      'GRC_BASE_URL must be an http(s) URL, got "ftp:"',
    ],
    ["an empty org", { org: " " }, {}, "--org is empty"],
    [
      "half an HMAC key",
      {},
      { GRC_HMAC_KEY_ID: "abc" },
      "GRC_HMAC_KEY_ID is set but GRC_HMAC_SECRET is not",
    ],
    [
      "a missing named profile",
      { profile: "nope" },
      {},
      'profile "nope" (from --profile) does not exist in /cfg/config.json; profiles: work, evident, lab',
    ],
    ["a bad profile name", {}, { GRC_PROFILE: "../x" }, 'GRC_PROFILE "../x" is not valid'],
  ];
  for (const [what, flags, env, message] of cases) {
    it(`refuses ${what} (exit 2)`, () => {
      let error: unknown;
      try {
        resolveFromConfig(config, flags, env, meta);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).message).toContain(message);
    });
  }

  it("allows plain http to loopback hosts and to any host with --insecure", () => {
    for (const url of [
      "http://127.0.0.1:8080",
      "http://localhost:1",
      "http://[::1]:8080",
      "http://127.9.9.9",
    ]) {
      expect(resolveFromConfig(config, { baseUrl: url }, {}, meta).baseUrl).toBe(url);
    }
    expect(
      resolveFromConfig(config, { baseUrl: "http://grc.example.com", insecure: true }, {}, meta)
        .baseUrl,
    ).toBe("http://grc.example.com");
  });
});
