import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { afterAll, beforeAll, expect } from "vitest";
import {
  type MockServer,
  type MockStateSnapshot,
  type StartMockOptions,
  startMockServer,
} from "../../src/mock/server.js";
import type { MockDialect, MockIdentity } from "../../src/mock/types.js";
import { GRC_BIN, tempConfigDir } from "./cli.js";

export type { MockServer, MockStateSnapshot, StartMockOptions };

/**
 * The dialects every end-to-end suite runs against: iterate with
 * `describe.each(DIALECTS)("... (%s dialect)", (dialect) => { const mock = withMock({ dialect }); ... })`.
 */
export const DIALECTS = ["full", "minimal"] as const satisfies readonly MockDialect[];

/**
 * Starts the mock in beforeAll and closes it in afterAll. The returned object is filled in
 * once the server runs: read its fields inside tests, not at collection time.
 */
export function withMock(options: StartMockOptions = {}): MockServer & {
  /** Environment for the CLI and the seed samples: GRC_BASE_URL, GRC_ORG_ID, GRC_API_KEY. */
  env(): NodeJS.ProcessEnv;
  /** POST /__mock/reset. */
  reset(): Promise<void>;
} {
  let server: MockServer | undefined;
  const need = () => {
    if (!server) throw new Error("withMock: the mock is not running (use it inside tests)");
    return server;
  };
  beforeAll(async () => {
    server = await startMockServer(options);
  });
  afterAll(async () => {
    await server?.close();
    server = undefined;
  });
  return {
    get baseUrl() {
      return need().baseUrl;
    },
    get storageUrl() {
      return need().storageUrl;
    },
    get identity() {
      return need().identity;
    },
    get faultSeed() {
      return need().faultSeed;
    },
    get platforms() {
      return need().platforms;
    },
    state: () => need().state(),
    close: () => need().close(),
    env: () => mockEnv(need()),
    async reset() {
      const res = await fetch(`${need().baseUrl}/__mock/reset`, { method: "POST" });
      if (res.status !== 200) throw new Error(`reset answered ${res.status}`);
    },
  };
}

/** GRC_* variables that point a CLI run or a seed sample at a mock. */
export function mockEnv(mock: { baseUrl: string; identity: MockIdentity }): NodeJS.ProcessEnv {
  return {
    GRC_BASE_URL: mock.baseUrl,
    GRC_ORG_ID: mock.identity.orgId,
    GRC_API_KEY: mock.identity.apiKey,
  };
}

/** The mock's answer to POST .../evidence/upload-url (seed step 1). */
export interface UploadTicket {
  upload_url: string;
  object_key: string;
  expires_in: number;
  max_size: number;
}

/**
 * Seed step 1 with plain fetch, as the demo API key: asks a mock for a presigned upload URL
 * (the file defaults to the seed's access_logs_2024.csv for CC6.1) and expects a 200.
 */
export async function requestUploadUrl(
  mock: { baseUrl: string; identity: Pick<MockIdentity, "orgId" | "apiKey"> },
  file: { filename?: string; content_type?: string; control_id?: string } = {},
): Promise<UploadTicket> {
  const res = await fetch(
    `${mock.baseUrl}/api/v1/orgs/${mock.identity.orgId}/evidence/upload-url`,
    {
      method: "POST",
      headers: {
        Authorization: `Bearer ${mock.identity.apiKey}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify({
        filename: "access_logs_2024.csv",
        content_type: "text/csv",
        control_id: "CC6.1",
        ...file,
      }),
    },
  );
  expect(res.status).toBe(200);
  return (await res.json()) as UploadTicket;
}

/** The identity line `grc mock serve --json` prints. */
export interface MockIdentityLine {
  base_url: string;
  storage_url: string;
  org_id: string;
  api_key: string;
  read_only_api_key: string;
  no_org_api_key: string;
  hmac_key_id: string;
  hmac_secret: string;
  session: string;
  fault_seed: number;
}

/** A `grc mock serve` child process. */
export interface SpawnedMock {
  identity: MockIdentityLine;
  child: ChildProcessWithoutNullStreams;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  /** Sends a signal (default SIGTERM) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs the built `node bin/grc.js mock serve --json --port 0 ...args` (any free ports) and waits for its identity line. */
export function spawnMock(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<SpawnedMock> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [GRC_BIN, "mock", "serve", "--json", "--port", "0", ...args],
      {
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          TMPDIR: process.env.TMPDIR,
          NO_COLOR: "1",
          GRC_CONFIG_DIR: tempConfigDir(),
          ...env,
        },
        stdio: ["pipe", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    let settled = false;
    const exited = new Promise<number | null>((r) => child.on("close", (code) => r(code)));
    const timer = setTimeout(() => {
      if (settled) return;
      settled = true;
      child.kill("SIGKILL");
      reject(new Error(`grc mock serve printed no identity within 15 s; stderr: ${stderr}`));
    }, 15_000);
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.stdout.on("data", (c) => {
      stdout += c;
      const nl = stdout.indexOf("\n");
      if (nl < 0 || settled) return;
      settled = true;
      clearTimeout(timer);
      try {
        const identity = JSON.parse(stdout.slice(0, nl)) as MockIdentityLine;
        resolve({
          identity,
          child,
          stderr: () => stderr,
          stop(signal: NodeJS.Signals = "SIGTERM") {
            if (child.exitCode === null && child.signalCode === null) child.kill(signal);
            return exited;
          },
        });
      } catch (err) {
        child.kill("SIGKILL");
        reject(new Error(`grc mock serve printed no JSON identity: ${stdout} ${String(err)}`));
      }
    });
    child.on("error", (err) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(err);
      }
    });
    child.on("close", (code) => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        reject(new Error(`grc mock serve exited with ${code} before starting: ${stderr}`));
      }
    });
  });
}

/**
 * Seed steps 1 and 2 with plain fetch: stores `body` through a presigned PUT (both answers
 * must be 200) and returns the object key. Linking is left to the test.
 */
export async function storeObject(
  mock: { baseUrl: string; identity: Pick<MockIdentity, "orgId" | "apiKey"> },
  body: string | Uint8Array,
  file: { filename: string; content_type: string; control_id?: string },
): Promise<string> {
  const up = await requestUploadUrl(mock, file);
  const put = await fetch(up.upload_url, {
    method: "PUT",
    headers: { "content-type": file.content_type },
    body,
  });
  expect(put.status).toBe(200);
  return up.object_key;
}

/** Seed step 4 with plain fetch: links stored content to a control (expects 200). */
export async function linkObject(
  mock: { baseUrl: string; identity: Pick<MockIdentity, "orgId" | "apiKey"> },
  link: { sha256: string; object_key: string; control_id: string; framework_id?: string },
): Promise<void> {
  const { sha256, ...body } = link;
  const res = await fetch(
    `${mock.baseUrl}/api/v1/orgs/${mock.identity.orgId}/evidence/${sha256}/link-to-control`,
    {
      method: "POST",
      headers: {
        Authorization: `Bearer ${mock.identity.apiKey}`,
        "Content-Type": "application/json",
      },
      body: JSON.stringify(body),
    },
  );
  expect(res.status).toBe(200);
}
