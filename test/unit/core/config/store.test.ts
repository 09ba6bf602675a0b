import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configDir, configFilePath, stateFilePath } from "../../../../src/core/config/paths.js";
import { openConfigStore } from "../../../../src/core/config/store.js";
import { ConfigError } from "../../../../src/errors.js";
import { tempConfigDir } from "../../../helpers/cli.js";

const mode = (path: string) => statSync(path).mode & 0o777;

describe("configDir", () => {
  it("uses GRC_CONFIG_DIR when set", () => {
    expect(configDir({ GRC_CONFIG_DIR: "/x/y" })).toBe("/x/y");
    expect(configFilePath({ GRC_CONFIG_DIR: "/x/y" })).toBe("/x/y/config.json");
    expect(stateFilePath({ GRC_CONFIG_DIR: "/x/y" }, "ci")).toBe("/x/y/state/ci.json");
  });
  it.runIf(process.platform === "linux")("falls back to XDG_CONFIG_HOME, then ~/.config", () => {
    expect(configDir({ XDG_CONFIG_HOME: "/xdg", HOME: "/home/u" })).toBe("/xdg/grc");
    expect(configDir({ HOME: "/home/u" })).toBe("/home/u/.config/grc");
  });
});

describe("config store", () => {
  it("writes the file 0600 in a 0700 directory it creates", async () => {
    const dir = join(tempConfigDir(), "nested", "grc");
    const store = openConfigStore({ GRC_CONFIG_DIR: dir });
    expect(store.exists()).toBe(false);
    await store.update((d) => {
      d.profiles.default = { base_url: "https://grc.example.com", api_key: "sk-abc" };
    });
    expect(mode(dir)).toBe(0o700);
    expect(mode(store.path)).toBe(0o600);
    expect(JSON.parse(readFileSync(store.path, "utf8"))).toEqual({
      active_profile: "default",
      profiles: { default: { base_url: "https://grc.example.com", api_key: "sk-abc" } },
    });
    expect(openConfigStore({ GRC_CONFIG_DIR: dir }).warnings).toEqual([]);
  });

  it("tightens an existing looser directory and file when it writes", async () => {
    const dir = tempConfigDir();
    chmodSync(dir, 0o755);
    writeFileSync(join(dir, "config.json"), "{}", { mode: 0o644 });
    chmodSync(join(dir, "config.json"), 0o644);
    const store = openConfigStore({ GRC_CONFIG_DIR: dir });
    expect(store.warnings).toEqual([
      `warning: config file ${dir}/config.json is accessible by other users (mode 644); run \`chmod 600 ${dir}/config.json\``,
      `warning: config directory ${dir} is accessible by other users (mode 755); run \`chmod 700 ${dir}\``,
    ]);
    await store.update((d) => {
      d.active_profile = "work";
    });
    expect(mode(dir)).toBe(0o700);
    expect(mode(store.path)).toBe(0o600);
    expect(openConfigStore({ GRC_CONFIG_DIR: dir }).warnings).toEqual([]);
  });

  it("does not warn about a directory when there is no file yet", () => {
    const dir = tempConfigDir();
    chmodSync(dir, 0o755);
    expect(openConfigStore({ GRC_CONFIG_DIR: dir }).warnings).toEqual([]);
  });

  const broken: [string, string, string][] = [
    ["bad JSON", "{ not json", "is not valid JSON ("],
    ["a top-level array", "[]", "is invalid: the top level is an array, not an object"],
    ["an unknown top-level key", '{"profile": {}}', 'is invalid: unknown key "profile"'],
    [
      "a wrong type",
      '{"profiles": {"default": {"insecure": "yes"}}}',
      'is invalid: "profiles.default.insecure" is a string, not a boolean',
    ],
    [
      "an unknown profile key",
      '{"profiles": {"default": {"apikey": "sk-x"}}}',
      'is invalid: unknown key "profiles.default.apikey"',
    ],
    [
      "an unknown platform",
      '{"profiles": {"p": {"platform": "jira"}}}',
      'is invalid: "profiles.p.platform" is "jira", not one of sovereign, evident, strata',
    ],
    [
      "two credentials",
      '{"profiles": {"p": {"api_key": "sk-1", "session": "s"}}}',
      'is invalid: "profiles.p" holds more than one credential',
    ],
    [
      "half an HMAC key",
      '{"profiles": {"p": {"hmac_key_id": "abc"}}}',
      'is invalid: "profiles.p" has only one of hmac_key_id and hmac_secret',
    ],
    [
      "an unknown module path",
      '{"profiles": {"p": {"paths": {"widgets": "/w"}}}}',
      'is invalid: unknown key "profiles.p.paths.widgets"',
    ],
  ];
  for (const [what, text, problem] of broken) {
    it(`refuses ${what} with one line naming the file and the fix`, () => {
      const dir = tempConfigDir();
      const file = join(dir, "config.json");
      writeFileSync(file, text, { mode: 0o600 });
      const store = openConfigStore({ GRC_CONFIG_DIR: dir });
      let error: unknown;
      try {
        store.read();
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(ConfigError);
      const line = (error as ConfigError).line();
      expect(line).toContain(`config file ${file} ${problem}`);
      expect(line).toContain(`\`grc config reset --yes\` (or rm ${file})`);
      expect(line).not.toContain("\n");
      expect((error as ConfigError).exitCode).toBe(2);
      // The broken file can still be removed.
      expect(store.remove()).toBe(true);
      expect(store.exists()).toBe(false);
    });
  }

  it("treats an empty file as an empty config", () => {
    const dir = tempConfigDir();
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "config.json"), "", { mode: 0o600 });
    expect(openConfigStore({ GRC_CONFIG_DIR: dir }).read()).toEqual({
      active_profile: "default",
      profiles: {},
    });
  });
});
