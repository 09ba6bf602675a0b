import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { runInProcess, tempConfigDir } from "../../../helpers/cli.js";

let dir = "";
beforeEach(() => {
  dir = tempConfigDir();
});
const run = (argv: string[], env: NodeJS.ProcessEnv = {}) =>
  runInProcess(argv, { env: { GRC_CONFIG_DIR: dir, ...env } });
const stored = () => JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
const VALID_KEYS =
  "base_url, org_id, platform, insecure, ca_cert, hmac_algorithm, api_key_command, hmac_secret_command, session_command, paths.authStatus, paths.dashboard, paths.chart, paths.risks, paths.controls, paths.engagements, paths.findings, paths.cases, paths.kpis";

describe("grc config", () => {
  it("path prints the file path without creating it", async () => {
    const r = await run(["config", "path"]);
    expect(r).toEqual({ code: 0, stdout: `${dir}/config.json\n`, stderr: "" });
    expect(existsSync(join(dir, "config.json"))).toBe(false);
  });

  it("set, get, list and unset work on the active profile and write 0600", async () => {
    expect((await run(["config", "set", "base_url", "https://grc.example.com/"])).stderr).toBe(
      'Set base_url in profile "default"\n',
    );
    await run(["config", "set", "org_id", "org-1"]);
    await run(["config", "set", "paths.risks", "/api/risks"]);
    await run(["config", "set", "insecure", "yes"]);
    expect(statSync(join(dir, "config.json")).mode & 0o777).toBe(0o600);
    expect(stored()).toEqual({
      active_profile: "default",
      profiles: {
        default: {
          base_url: "https://grc.example.com",
          org_id: "org-1",
          paths: { risks: "/api/risks" },
          insecure: true,
        },
      },
    });
    expect(await run(["config", "get", "base_url"])).toEqual({
      code: 0,
      stdout: "https://grc.example.com\n",
      stderr: "",
    });
    expect((await run(["config", "list"])).stdout).toBe(
      "base_url\thttps://grc.example.com\norg_id\torg-1\ninsecure\ttrue\npaths.risks\t/api/risks\n",
    );
    expect(JSON.parse((await run(["config", "list", "--json"])).stdout)).toEqual([
      { key: "base_url", value: "https://grc.example.com" },
      { key: "org_id", value: "org-1" },
      { key: "insecure", value: "true" },
      { key: "paths.risks", value: "/api/risks" },
    ]);
    expect((await run(["config", "unset", "paths.risks"])).stderr).toBe(
      'Removed paths.risks from profile "default"\n',
    );
    expect(stored().profiles.default.paths).toBeUndefined();
    const missing = await run(["config", "get", "paths.risks"]);
    expect(missing).toEqual({
      code: 1,
      stdout: "",
      stderr: 'grc: paths.risks is not set in profile "default"\n',
    });
  });

  it("--profile and GRC_PROFILE pick the profile; use switches the active one", async () => {
    await run(["config", "set", "--profile", "lab", "platform", "strata"]);
    await run(["config", "set", "org_id", "o-env"], { GRC_PROFILE: "lab" });
    expect(stored().profiles.lab).toEqual({ platform: "strata", org_id: "o-env" });
    expect((await run(["config", "use", "lab"])).stderr).toBe('Active profile is now "lab"\n');
    expect(stored().active_profile).toBe("lab");
    expect((await run(["config", "get", "org_id"])).stdout).toBe("o-env\n");
    const nope = await run(["config", "use", "nope"]);
    expect(nope.code).toBe(2);
    expect(nope.stderr).toBe(
      'grc: profile "nope" does not exist; profiles: lab — create it with `grc auth login --profile nope`\n',
    );
  });

  it("refuses secrets on argv and points to auth login", async () => {
    for (const [key, flag] of [
      ["api_key", "--api-key-stdin"],
      ["hmac_secret", "--hmac-key-id ID --hmac-secret-stdin"],
      ["session", "--session-stdin"],
    ]) {
      const r = await run(["config", "set", key!, "sk-secret-value"]);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `grc: ${key} is a credential and is never taken on the command line — store it with \`grc auth login ${flag}\` (the secret comes from stdin or a prompt)\n`,
      );
    }
    expect(existsSync(join(dir, "config.json"))).toBe(false);
  });

  it("rejects an unknown key with exit 2 listing the valid keys", async () => {
    for (const argv of [
      ["config", "get", "nope"],
      ["config", "set", "nope", "1"],
      ["config", "unset", "nope"],
    ]) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`grc: unknown config key "nope" — valid keys: ${VALID_KEYS}\n`);
    }
  });

  const badValues: [string, string, string][] = [
    ["base_url", "http://grc.example.com", "grc: base_url uses plain http to grc.example.com"],
    ["base_url", "ftp://x", 'grc: base_url must be an http(s) URL, got "ftp:"'],
    ["platform", "jira", 'grc: platform must be one of sovereign, evident, strata, got "jira"'],
    ["insecure", "maybe", 'grc: insecure must be true or false, got "maybe"'],
    ["hmac_algorithm", "md5", 'grc: hmac_algorithm must be sha1 or sha256, got "md5"'],
    [
      "paths.risks",
      "risks",
      'grc: paths.risks must be an absolute path like /strata/api/risks, got "risks"',
    ],
  ];
  for (const [key, value, message] of badValues) {
    it(`refuses ${key}=${value}`, async () => {
      const r = await run(["config", "set", key, value]);
      expect(r.code).toBe(2);
      expect(r.stderr.startsWith(message)).toBe(true);
      expect(existsSync(join(dir, "config.json"))).toBe(false);
    });
  }

  it("keeps plain http to a remote host only while insecure is on", async () => {
    await run(["config", "set", "insecure", "true"]);
    expect((await run(["config", "set", "base_url", "http://grc.lab"])).code).toBe(0);
    const off = await run(["config", "set", "insecure", "false"]);
    expect(off.code).toBe(2);
    expect(off.stderr).toContain("grc: the stored base_url uses plain http to grc.lab");
  });

  it("reset needs --yes and removes even a broken file", async () => {
    writeFileSync(join(dir, "config.json"), "{ broken", { mode: 0o600 });
    const refused = await run(["config", "reset"]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `grc: this deletes ${dir}/config.json with every profile and credential — run again with --yes to confirm\n`,
    );
    expect(existsSync(join(dir, "config.json"))).toBe(true);
    const done = await run(["config", "reset", "--yes"]);
    expect(done).toEqual({ code: 0, stdout: "", stderr: `Removed ${dir}/config.json\n` });
    expect(existsSync(join(dir, "config.json"))).toBe(false);
  });

  it("reports a broken file in one line on every command that reads it", async () => {
    writeFileSync(join(dir, "config.json"), '{"active_profile": 3}', { mode: 0o600 });
    for (const argv of [
      ["config", "list"],
      ["config", "get", "org_id"],
      ["config", "set", "org_id", "x"],
      ["auth", "list"],
    ]) {
      const r = await run(argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(
        `grc: config file ${dir}/config.json is invalid: "active_profile" is a number, not a string — fix the JSON by hand, or remove it with \`grc config reset --yes\` (or rm ${dir}/config.json) and log in again\n`,
      );
    }
  });
});
