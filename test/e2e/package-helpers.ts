// Drives an installed grc (the packed tarball under some Node, or the single executable)
// through what a user does first: --version, `mock serve`, a push, a query.
import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import type { MockIdentityLine } from "../helpers/mock.js";

/** The version package.json declares (what `grc --version` must print). */
export const PACKAGE_VERSION = (
  JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` (argv[0] is the program) to the end with a clean environment. */
export function run(
  command: string[],
  env: NodeJS.ProcessEnv = {},
  timeoutMs = 60_000,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Starts `<grc> mock serve --json` and resolves with its identity line and the child. */
function serveMock(
  grc: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ identity: MockIdentityLine; child: ChildProcess }> {
  return new Promise((resolve, reject) => {
    const child = spawn(grc[0]!, [...grc.slice(1), "mock", "serve", "--json"], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`mock serve printed no identity in 30 s: ${stderr}`));
    }, 30_000);
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.stdout.on("data", (c) => {
      stdout += c;
      const nl = stdout.indexOf("\n");
      if (nl < 0) return;
      clearTimeout(timer);
      resolve({ identity: JSON.parse(stdout.slice(0, nl)) as MockIdentityLine, child });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      reject(new Error(`mock serve exited ${code} before it started: ${stderr}`));
    });
  });
}

/**
 * `grc --version`, then `grc mock serve`, a push of two files to CC6.1 and a signed
 * `alerts list --limit 1`, all through the given grc command line (e.g. ["node", ".../grc"]).
 */
export async function exerciseInstalledGrc(grc: string[]): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), "grc-installed-"));
  const env = { GRC_CONFIG_DIR: join(work, "config"), TMPDIR: tmpdir() };

  const version = await run([...grc, "--version"], env);
  expect(version, version.stderr).toMatchObject({ code: 0, stdout: `${PACKAGE_VERSION}\n` });

  const { identity, child } = await serveMock(grc, env);
  try {
    const evidence = join(work, "evidence");
    mkdirSync(evidence);
    const files = { "policy.txt": "MFA is required for every login.\n", "log.csv": "a,b\n1,2\n" };
    for (const [name, body] of Object.entries(files)) writeFileSync(join(evidence, name), body);
    const connection = {
      ...env,
      GRC_BASE_URL: identity.base_url,
      GRC_ORG_ID: identity.org_id,
      GRC_API_KEY: identity.api_key,
    };
    const push = await run(
      [...grc, "evidence", "push", evidence, "--control", "CC6.1", "--framework", "SOC2"],
      connection,
    );
    expect(push.code, push.stderr).toBe(0);
    const state = (await (await fetch(`${identity.base_url}/__mock/state`)).json()) as {
      objects: { sha256: string }[];
    };
    for (const body of Object.values(files)) {
      const sha256 = createHash("sha256").update(body).digest("hex");
      expect(state.objects.map((o) => o.sha256)).toContain(sha256);
    }

    const query = await run([...grc, "alerts", "list", "--limit", "1", "-o", "json"], {
      ...env,
      GRC_BASE_URL: identity.base_url,
      GRC_HMAC_KEY_ID: identity.hmac_key_id,
      GRC_HMAC_SECRET: identity.hmac_secret,
    });
    expect(query.code, query.stderr).toBe(0);
    const alerts = JSON.parse(query.stdout) as unknown[];
    expect(alerts).toHaveLength(1);
  } finally {
    const closed = new Promise((r) => child.on("close", r));
    child.kill("SIGTERM");
    await closed;
  }
}
