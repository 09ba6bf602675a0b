import { describe, expect, it } from "vitest";
import {
  getSetting,
  parseCommandValue,
  setSetting,
  unsetSetting,
} from "../../../../src/core/config/keys.js";
import { resolveFromConfig } from "../../../../src/core/config/resolve.js";
import type { StoredProfile } from "../../../../src/core/config/types.js";
import { checkConfigShape } from "../../../../src/core/config/validate.js";

describe("credential helper keys", () => {
  it("parse plain words or a JSON array, never shell syntax", () => {
    expect(parseCommandValue("op read op://Private/grc/key", "k")).toEqual([
      "op",
      "read",
      "op://Private/grc/key",
    ]);
    expect(parseCommandValue('["vault", "kv get", "$HOME"]', "k")).toEqual([
      "vault",
      "kv get",
      "$HOME",
    ]);
    expect(() => parseCommandValue("[oops", "k")).toThrow(/not valid JSON/);
    expect(() => parseCommandValue("  ", "k")).toThrow(/must name a program/);
    expect(() => parseCommandValue('["", "x"]', "k")).toThrow(/must name a program/);
  });

  it("setting one replaces the file's secret; the config stays valid", () => {
    const profile: StoredProfile = { base_url: "https://x.example.com", api_key: "sk-0123456789" };
    const note = setSetting(profile, "api_key_command", "pass show grc");
    expect(note).toBe("Replaced the api_key stored in the file");
    expect(profile).toEqual({
      base_url: "https://x.example.com",
      api_key_command: ["pass", "show", "grc"],
    });
    expect(getSetting(profile, "api_key_command")).toBe('["pass","show","grc"]');
    expect(checkConfigShape({ profiles: { default: profile } }).ok).toBe(true);
  });

  it("hmac_secret_command keeps the key id and needs one", () => {
    expect(() => setSetting({}, "hmac_secret_command", "x")).toThrow(
      /needs the profile's HMAC key id/,
    );
    const profile: StoredProfile = { hmac_key_id: "abc", hmac_secret: "s3cret" };
    setSetting(profile, "hmac_secret_command", "get-secret");
    expect(profile).toEqual({ hmac_key_id: "abc", hmac_secret_command: ["get-secret"] });
    expect(checkConfigShape({ profiles: { p: profile } }).ok).toBe(true);
    unsetSetting(profile, "hmac_secret_command");
    expect(profile).toEqual({});
  });
});

describe("config shape with helpers and the keyring", () => {
  it.each([
    [{ api_key_command: "op read x" }, "must be a non-empty array of strings"],
    [{ api_key_command: [] }, "must be a non-empty array of strings"],
    [{ api_key: "sk-1234567", api_key_command: ["x"] }, "holds the api_key in more than one place"],
    [{ keyring: "api_key", session_command: ["x"] }, "holds more than one credential"],
    [{ keyring: "password" }, "not api_key, hmac_secret or session"],
    [{ hmac_secret_command: ["x"] }, "has only one of hmac_key_id and hmac_secret"],
  ])("%j is refused: %s", (profile, problem) => {
    const r = checkConfigShape({ profiles: { p: profile } });
    expect(r.ok).toBe(false);
    expect(!r.ok && r.problem).toContain(problem);
  });
});

describe("resolveFromConfig with a secret outside the file", () => {
  it("leaves the secret pending and says where it lives; the environment still wins", () => {
    const data = {
      active_profile: "p",
      profiles: { p: { base_url: "https://x.example.com", session_command: ["get-cookie"] } },
    };
    const p = resolveFromConfig(data, {}, {});
    expect(p.credential.kind).toBe("none");
    expect(p.pendingSecret).toMatchObject({
      kind: "session",
      from: "command",
      argv: ["get-cookie"],
    });
    expect(p).toMatchObject({
      secretLocation: "command",
      secretCommand: "get-cookie",
      platform: "strata",
    });
    const e = resolveFromConfig(data, {}, { GRC_SESSION: "cookie-from-env" });
    expect(e.pendingSecret).toBeUndefined();
    expect(e.secretLocation).toBe("env");
    const k = resolveFromConfig(
      { active_profile: "p", profiles: { p: { hmac_key_id: "abc", keyring: "hmac_secret" } } },
      {},
      {},
    );
    expect(k.pendingSecret).toMatchObject({ kind: "hmac", from: "keyring", keyId: "abc" });
    expect(k.secretLocation).toBe("keyring");
  });
});
