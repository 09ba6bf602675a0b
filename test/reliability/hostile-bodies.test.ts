import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GRC_BIN, runGrc, tempConfigDir } from "../helpers/cli.js";
import {
  answerEvidenceFlow,
  type Captured,
  hasStackTrace,
  reply,
  withServer,
} from "./lib/servers.js";

/**
 * Issue 11, hangs and runaway resources: storage that answers and then trickles its body
 * (200 or 403), storage that never answers, an API answer that never ends. grc ends in
 * bounded time and memory, obeys SIGTERM, and says what happened in one line.
 */

const ORG = "00000000-0000-0000-0000-000000000001";
const KEY = "sk-hostile-test-0123456789abcdef";
const CONTENT = "evidence that meets a hostile storage\n";

let root: string;
let work: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-bodies-"));
  work = join(root, "work");
  mkdirSync(work);
  writeFileSync(join(work, "evidence.txt"), CONTENT);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Writes a byte every 100 ms until the client goes away: idle timeouts never fire. */
function trickle(res: ServerResponse, status: number, contentType: string, first: string): void {
  res.writeHead(status, { "Content-Type": contentType });
  res.write(first);
  const timer = setInterval(() => res.write(" "), 100);
  res.on("close", () => clearInterval(timer));
}

/** Sends an endless body fast (a 10 GB answer, as far as the client can tell). */
function flood(res: ServerResponse, status: number, contentType: string, first: string): void {
  res.writeHead(status, { "Content-Type": contentType });
  res.write(first);
  const chunk = Buffer.alloc(256 * 1024, 0x61);
  const pump = () => {
    while (!res.destroyed && res.write(chunk)) {
      /* keep writing until the socket pushes back */
    }
  };
  res.on("drain", pump);
  pump();
}

let storageHandler: (req: Captured, res: ServerResponse) => void = (_q, res) =>
  res.writeHead(200).end();
const storage = withServer((req, res) => storageHandler(req, res));
let uploadUrlHandler: ((res: ServerResponse) => void) | undefined;
let slotQuery = "X-Amz-Signature=abc";
const api = withServer();
beforeAll(() => {
  api.handle((req, res) => {
    if (uploadUrlHandler && req.url.split("?")[0]!.endsWith("/upload-url")) {
      return uploadUrlHandler(res);
    }
    const slot = () => ({
      url: `${storage.url}/bucket/orgs/${ORG}/evidence/e1/evidence.txt?${slotQuery}`,
      object_key: `orgs/${ORG}/evidence/e1/evidence.txt`,
    });
    if (answerEvidenceFlow(req, res, { content: CONTENT, maxSize: 1 << 20, slot })) return;
    reply(res, 404, "application/json", '{"detail":"Not Found"}');
  });
});
beforeEach(() => {
  uploadUrlHandler = undefined;
  slotQuery = "X-Amz-Signature=abc";
  storage.requests.length = 0;
  api.requests.length = 0;
});

const env = () => ({
  GRC_BASE_URL: api.url,
  GRC_ORG_ID: ORG,
  GRC_API_KEY: KEY,
  GRC_CONFIG_DIR: tempConfigDir(),
});
const push = ["evidence", "push", "evidence.txt", "--control", "C1", "--no-state"];
const linked = () => api.requests.filter((q) => q.url.includes("/link-to-control")).length;

describe("storage that answers and then trickles its body", () => {
  it("200 then a body that never ends: the file is linked and grc exits 0 at once", async () => {
    storageHandler = (_q, res) => trickle(res, 200, "text/plain", "");
    const started = performance.now();
    const r = await runGrc(push, { env: env(), cwd: work, timeoutMs: 25_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(linked()).toBe(1);
    expect(performance.now() - started).toBeLessThan(15_000);
  }, 30_000);

  it("403 then an error body that never ends: the file fails in bounded time, one line", async () => {
    storageHandler = (_q, res) =>
      trickle(res, 403, "application/xml", "<Error><Code>AccessDenied</Code>");
    const started = performance.now();
    const r = await runGrc(push, { env: env(), cwd: work, timeoutMs: 40_000 });
    expect([1, 3, 4]).toContain(r.code);
    expect(r.stderr).toMatch(/^grc: failed evidence\.txt: upload: /m);
    expect(linked()).toBe(0);
    expect(performance.now() - started).toBeLessThan(30_000);
  }, 45_000);

  it("an endless storage error body (500) is cut, not held in memory", async () => {
    storageHandler = (_q, res) => flood(res, 500, "application/xml", "<Error><Code>X</Code>");
    const r = await runGrc([...push, "--retries", "1"], {
      env: env(),
      cwd: work,
      timeoutMs: 40_000,
    });
    expect([1, 4]).toContain(r.code);
    expect(linked()).toBe(0);
  }, 45_000);
});

describe("storage that never answers", () => {
  it("is not sent the file ten times: at most two PUTs per file with --timeout 1", async () => {
    storageHandler = () => {
      /* never answers */
    };
    const r = await runGrc([...push, "--timeout", "1"], {
      env: env(),
      cwd: work,
      timeoutMs: 40_000,
    });
    expect([1, 4]).toContain(r.code);
    const puts = storage.requests.filter((q) => q.method === "PUT").length;
    expect(puts).toBeGreaterThanOrEqual(1);
    expect(puts).toBeLessThanOrEqual(2);
  }, 45_000);

  it("SIGTERM while a PUT waits for an answer ends the run promptly with the summary (exit 130)", async () => {
    storageHandler = () => {
      /* never answers */
    };
    const started = performance.now();
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [GRC_BIN, ...push], {
        cwd: work,
        env: { PATH: process.env.PATH, HOME: process.env.HOME, NO_COLOR: "1", ...env() },
        stdio: ["ignore", "ignore", "pipe"],
      });
      let stderr = "";
      child.stderr.on("data", (c) => {
        stderr += c;
      });
      const poll = setInterval(() => {
        if (storage.requests.length > 0) {
          clearInterval(poll);
          child.kill("SIGTERM");
        }
      }, 20);
      const guard = setTimeout(() => child.kill("SIGKILL"), 40_000);
      child.on("close", (code) => {
        clearInterval(poll);
        clearTimeout(guard);
        resolve({ code, stderr });
      });
    });
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/interrupted: 1 file: /);
    expect(performance.now() - started).toBeLessThan(25_000);
  }, 45_000);

  it("--max-time ends the whole run with exit 4 and one line naming the flag", async () => {
    storageHandler = () => {
      /* never answers */
    };
    const r = await runGrc([...push, "--max-time", "2"], {
      env: env(),
      cwd: work,
      timeoutMs: 30_000,
    });
    expect(r.code, r.stderr).toBe(4);
    expect(r.stderr).toMatch(/^grc: stopped after --max-time 2s/m);
  }, 35_000);
});

describe("an API answer that never ends", () => {
  it("upload-url answering an endless JSON body fails with one line, not 19 GB of RSS", async () => {
    uploadUrlHandler = (res) => flood(res, 200, "application/json", '{"upload_url":"');
    const r = await runGrc(push, { env: env(), cwd: work, timeoutMs: 40_000 });
    expect([1, 4]).toContain(r.code);
    expect(r.stderr).toMatch(
      /^grc: failed evidence\.txt: upload-url: the answer to POST \S+ is larger than grc accepts \(33554432 bytes\)/m,
    );
    expect(hasStackTrace(r.stderr)).toBe(false);
    expect(r.stderr).not.toMatch(/unexpected error|internal error/);
  }, 45_000);
});

describe("a presigned URL whose credential sits in a query parameter grc does not know", () => {
  // Backblaze B2 style: the credential is the value of ?Authorization=...
  const B2 = "4_0021b2secretvalue0123456789abcdefABCDEF";
  it("is never printed, --debug included, whatever storage answers", async () => {
    slotQuery = `Authorization=${B2}&b2ContentDisposition=inline&X-Custom-Cred=cred-${B2.slice(2, 20)}`;
    for (const answer of [500, 403, 404]) {
      storageHandler = (_q, res) =>
        reply(
          res,
          answer,
          "application/xml",
          `<Error><Code>E${answer}</Code><Message>bad request to /bucket/x?Authorization=${B2}</Message></Error>`,
        );
      const r = await runGrc([...push, "--debug", "--retries", "2", "-o", "json"], {
        env: env(),
        cwd: work,
        timeoutMs: 30_000,
      });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/\[debug\] > PUT /);
      const out = r.stdout + r.stderr;
      expect(out).not.toContain(B2.slice(2, 20));
    }
  }, 60_000);
});
