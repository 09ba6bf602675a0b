import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { GRC_BIN, runGrc, tempConfigDir } from "../helpers/cli.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

/**
 * Credentials without plain-text files, spawned against the mock: helper commands
 * (`api_key_command` ...), `--env-file`, and `grc auth login --keyring` with a real Secret
 * Service (gnome-keyring under dbus-run-session), read back with libsecret's `secret-tool`.
 */

function configFile(dir: string): Record<string, unknown> {
  return JSON.parse(readFileSync(join(dir, "config.json"), "utf8"));
}

describe.each(DIALECTS)("credential helpers (%s dialect)", (dialect) => {
  const mock = withMock({ dialect });

  /** A profile whose only credential is a helper command; base URL and org in the file. */
  async function profileWithHelper(argv: string): Promise<string> {
    const dir = tempConfigDir();
    const env = { GRC_CONFIG_DIR: dir };
    for (const [k, v] of [
      ["base_url", mock.baseUrl],
      ["org_id", mock.identity.orgId],
      ["api_key_command", argv],
    ] as const) {
      const r = await runGrc(["config", "set", k, v], { env });
      expect(r.code, r.stderr).toBe(0);
    }
    return dir;
  }

  it("api_key_command: the key comes from the helper's stdout, never the file", async () => {
    // A path with spaces proves the JSON form keeps one argument per element (no shell).
    const secrets = join(tempConfigDir(), "vault dir");
    mkdirSync(secrets);
    writeFileSync(join(secrets, "key"), `${mock.identity.apiKey}\n`);
    const dir = await profileWithHelper(JSON.stringify(["cat", join(secrets, "key")]));
    const stored = configFile(dir) as { profiles: { default: Record<string, unknown> } };
    expect(stored.profiles.default.api_key_command).toEqual(["cat", join(secrets, "key")]);
    expect(readFileSync(join(dir, "config.json"), "utf8")).not.toContain(mock.identity.apiKey);

    const list = await runGrc(["evidence", "list", "--json"], { env: { GRC_CONFIG_DIR: dir } });
    expect(list.stderr).toBe("");
    expect(list.code).toBe(0);
    expect(JSON.parse(list.stdout)).toBeInstanceOf(Array);

    const status = await runGrc(["auth", "status", "--json"], { env: { GRC_CONFIG_DIR: dir } });
    expect(status.code).toBe(0);
    const doc = JSON.parse(status.stdout);
    expect(doc.secret_location).toEqual({ value: "command", source: "profile" });
    expect(doc.credential_command).toEqual({ value: "cat", source: "profile" });
    expect(status.stdout).not.toContain(mock.identity.apiKey);
  });

  it("a failing helper is one line naming the profile and program, never its stdout", async () => {
    const leaked = "sk-leaked-from-stdout-0123456789";
    const dir = await profileWithHelper(
      JSON.stringify(["sh", "-c", `echo ${leaked}; echo 'vault: permission denied' >&2; exit 7`]),
    );
    const r = await runGrc(["evidence", "list"], { env: { GRC_CONFIG_DIR: dir } });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      'grc: api_key_command of profile "default" (sh) exited with status 7: vault: permission denied — check it with `grc config get api_key_command --profile default` and run it by hand\n',
    );
    expect(r.stderr).not.toContain(leaked);
  });

  it("a missing program and a helper past its timeout are one line each", async () => {
    const missing = await profileWithHelper("no-such-helper-program --get");
    const r = await runGrc(["evidence", "list"], { env: { GRC_CONFIG_DIR: missing } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(
      /^grc: api_key_command of profile "default" \(no-such-helper-program\) could not start: program not found — .+\n$/,
    );
    const slow = await profileWithHelper("sleep 30");
    const started = Date.now();
    const t = await runGrc(["evidence", "list"], {
      env: { GRC_CONFIG_DIR: slow, GRC_CREDENTIAL_TIMEOUT: "1" },
    });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(t.code).toBe(3);
    expect(t.stderr).toMatch(
      /^grc: api_key_command of profile "default" \(sleep\) did not finish within 1 s \(GRC_CREDENTIAL_TIMEOUT changes the limit\) — .+\n$/,
    );
  });

  it("setting a helper replaces a secret stored in the file, and says so", async () => {
    const dir = tempConfigDir();
    const login = await runGrc(
      [
        "auth",
        "login",
        "--base-url",
        mock.baseUrl,
        "--org",
        mock.identity.orgId,
        "--api-key-stdin",
        "--no-verify",
      ],
      { env: { GRC_CONFIG_DIR: dir }, stdin: mock.identity.apiKey },
    );
    expect(login.code, login.stderr).toBe(0);
    const set = await runGrc(["config", "set", "api_key_command", "pass show grc"], {
      env: { GRC_CONFIG_DIR: dir },
    });
    expect(set.code).toBe(0);
    expect(set.stderr).toBe(
      'Set api_key_command in profile "default"\nReplaced the api_key stored in the file\n',
    );
    const stored = configFile(dir) as { profiles: { default: Record<string, unknown> } };
    expect(stored.profiles.default.api_key).toBeUndefined();
    expect(stored.profiles.default.api_key_command).toEqual(["pass", "show", "grc"]);
  });

  it("--env-file supplies GRC_* variables; the real environment wins; values never print", async () => {
    const dir = tempConfigDir();
    const file = join(dir, "ci.env");
    writeFileSync(
      file,
      `# handed over by CI\nGRC_BASE_URL=${mock.baseUrl}\nGRC_API_KEY="${mock.identity.apiKey}"\nGRC_ORG_ID=wrong-org\n`,
    );
    const r = await runGrc(["auth", "status", "--json", "--env-file", file], {
      env: { GRC_ORG_ID: mock.identity.orgId },
    });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.base_url).toEqual({ value: mock.baseUrl, source: "env" });
    expect(doc.org_id.value).toBe(mock.identity.orgId);
    expect(doc.secret_location.value).toBe("env");
    expect(r.stdout + r.stderr).not.toContain(mock.identity.apiKey);
    const list = await runGrc([
      "evidence",
      "list",
      "--env-file",
      file,
      "--org",
      mock.identity.orgId,
    ]);
    expect(list.code, list.stderr).toBe(0);
  });

  it("--env-file with a missing file is one line and a usage exit", async () => {
    const r = await runGrc(["evidence", "list", "--env-file", "/nonexistent/ci.env"]);
    expect(r.stdout).toBe("");
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    // Node 20-26 checks any `--env-file` on its command line itself before grc starts
    // (nodejs/node#54232): "node: FILE: not found", exit 9. grc's own check says exit 2.
    if (r.code === 9) {
      expect(r.stderr).toMatch(/^\S*node: \/nonexistent\/ci\.env: not found\n$/);
    } else {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(
        /^grc: cannot read --env-file \/nonexistent\/ci.env \(no such file\)/,
      );
    }
  });
});

/** argv and environment that run `script` beside a throwaway Secret Service (gnome-keyring) in its own D-Bus session. */
function keyringSession(script: string, env: NodeJS.ProcessEnv) {
  const home = tempConfigDir();
  return {
    args: [
      "--",
      "sh",
      "-c",
      `printf %s test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1 || exit 90\n${script}`,
    ],
    env: {
      PATH: process.env.PATH,
      HOME: home,
      XDG_DATA_HOME: join(home, "data"),
      XDG_RUNTIME_DIR: home,
      NO_COLOR: "1",
      ...env,
    },
  };
}

/** Runs `script` in a keyring session without blocking (the mock answers from this process). */
function inKeyringSession(
  script: string,
  env: NodeJS.ProcessEnv,
): Promise<{ status: number | null; stderr: string }> {
  const { args, env: fullEnv } = keyringSession(script, env);
  return new Promise((resolve, reject) => {
    const child = spawn("dbus-run-session", args, {
      env: fullEnv,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stderr });
    });
  });
}

function keyringSkipReason(): string | undefined {
  for (const tool of ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"]) {
    if (spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0) {
      return `${tool} is not installed (apt-get install dbus gnome-keyring libsecret-tools)`;
    }
  }
  const { args, env } = keyringSession(
    "secret-tool store --label=probe grc-probe x </dev/null",
    {},
  );
  const probe = spawnSync("dbus-run-session", args, { env, timeout: 30_000 });
  if (probe.status !== 0) return `no Secret Service could start (exit ${probe.status})`;
  return undefined;
}

const skip = process.platform === "linux" ? keyringSkipReason() : "Linux only";
if (skip) console.warn(`skipping the OS keyring e2e test: ${skip}`);

describe.skipIf(Boolean(skip))("grc auth login --keyring (Secret Service)", () => {
  const mock = withMock();

  it("stores the secret in the keyring, not the file; commands read it back", async () => {
    const dir = tempConfigDir();
    const grc = `"${process.execPath}" "${GRC_BIN}"`;
    const r = await inKeyringSession(
      [
        `printf %s "$KEY" | ${grc} auth login --keyring --base-url "$BASE" --org "$ORG" --api-key-stdin 2>"$OUT/login.err" || exit 91`,
        `${grc} auth status --json >"$OUT/status.json" || exit 92`,
        `${grc} evidence list --json >"$OUT/list.json" 2>"$OUT/list.err" || exit 93`,
        `secret-tool lookup service grc username default/api_key >"$OUT/secret.txt" || exit 94`,
      ].join("\n"),
      {
        GRC_CONFIG_DIR: dir,
        KEY: mock.identity.apiKey,
        BASE: mock.baseUrl,
        ORG: mock.identity.orgId,
        OUT: dir,
      },
    );
    expect(r.status, `${r.stderr}`).toBe(0);
    expect(readFileSync(join(dir, "login.err"), "utf8")).toMatch(/saved to the OS keyring/);
    const file = readFileSync(join(dir, "config.json"), "utf8");
    expect(file).not.toContain(mock.identity.apiKey);
    expect(JSON.parse(file).profiles.default.keyring).toBe("api_key");
    const status = JSON.parse(readFileSync(join(dir, "status.json"), "utf8"));
    expect(status.secret_location.value).toBe("keyring");
    expect(JSON.parse(readFileSync(join(dir, "list.json"), "utf8"))).toBeInstanceOf(Array);
    // libsecret's own client reads what grc stored.
    expect(readFileSync(join(dir, "secret.txt"), "utf8")).toBe(mock.identity.apiKey);
  });

  it("falls back to the 0600 file with one warning where no keyring service runs", async () => {
    const dir = tempConfigDir();
    const r = await runGrc(
      [
        "auth",
        "login",
        "--keyring",
        "--base-url",
        mock.baseUrl,
        "--org",
        mock.identity.orgId,
        "--api-key-stdin",
      ],
      // No D-Bus session: the Secret Service cannot be reached.
      { env: { GRC_CONFIG_DIR: dir, DBUS_SESSION_BUS_ADDRESS: "" }, stdin: mock.identity.apiKey },
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.split("\n").filter(Boolean);
    expect(lines[0]).toMatch(
      /^warning: no OS keyring is available \(.+\); the secret goes to .+config\.json \(mode 0600\) instead$/,
    );
    expect(lines).toHaveLength(2);
    const profile = configFile(dir) as { profiles: { default: Record<string, unknown> } };
    expect(profile.profiles.default.api_key).toBe(mock.identity.apiKey);
    expect(profile.profiles.default.keyring).toBeUndefined();
  });
});
