import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGrc, runInProcess } from "../helpers/cli.js";
import { sha256 } from "./lib/push-run.js";
import { answerEvidenceFlow, type Captured, reply, withServer } from "./lib/servers.js";

/**
 * Issue 7, malicious server input: a platform that hands out upload URLs with other schemes,
 * embedded credentials or path traversal onto its own API, object keys that walk up, and
 * resource attributes full of terminal escape sequences. The file's bytes never go anywhere
 * they should not, nothing is linked, the user gets one line, and the terminal stays intact.
 */

const ORG = "00000000-0000-0000-0000-000000000001";
const KEY = "sk-hostile-test-0123456789abcdef";
const CONTENT = "confidential evidence bytes\n";

let root: string;
let work: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-reliability-hostile-"));
  work = join(root, "work");
  mkdirSync(work);
  writeFileSync(join(work, "evidence.txt"), CONTENT);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Storage that would accept anything: it must never see a byte in these tests. */
const capture = withServer((_q, res) => {
  res.writeHead(200, { ETag: '"x"', "Content-Length": 0 }).end();
});

/** A Sovereign API whose upload-url (or download-url) answer the test chooses. */
const api = withServer();
let slot: { upload_url: string; object_key: string } = { upload_url: "", object_key: "" };
beforeAll(() => {
  api.handle((req, res) => {
    const slotUrl = () => ({ url: slot.upload_url, object_key: slot.object_key });
    if (answerEvidenceFlow(req, res, { content: CONTENT, maxSize: 1 << 30, slot: slotUrl })) {
      return;
    }
    reply(res, 404, "application/json", '{"detail":"Not Found"}');
  });
});

const env = () => ({ GRC_BASE_URL: api.url, GRC_ORG_ID: ORG, GRC_API_KEY: KEY });
const since = (list: Captured[], n: number) => list.slice(n);

describe("upload URLs the client must refuse", () => {
  const cases: [string, () => string, RegExp][] = [
    [
      "file: scheme",
      () => "file:///etc/passwd",
      /unsafe upload URL \(scheme file is not http\(s\)\)/,
    ],
    [
      "ftp: scheme",
      () => `ftp://${new URL(capture.url).host}/grc-evidence/x`,
      /scheme ftp is not http\(s\)/,
    ],
    ["data: URL", () => "data:text/plain,hello", /scheme data is not http\(s\)/],
    ["javascript: URL", () => "javascript:alert(1)", /scheme javascript is not http\(s\)/],
    [
      "the API's own origin with ../ onto link-to-control",
      () =>
        `${api.url}/storage/../../api/v1/orgs/${ORG}/evidence/${"a".repeat(64)}/link-to-control`,
      /walks out of its folder on the API's own origin/,
    ],
    [
      "the API's own origin with %2e%2e",
      () => `${api.url}/storage/%2e%2e/%2E%2E/api/v1/orgs/${ORG}/evidence/upload-url`,
      /walks out of its folder on the API's own origin/,
    ],
    [
      "storage with ..%2f",
      () => `${capture.url}/grc-evidence/..%2f..%2fadmin?X-Amz-Signature=abc`,
      /walks out of its folder/,
    ],
    [
      "embedded credentials",
      () => `http://user:pass@${new URL(capture.url).host}/grc-evidence/k`,
      /embeds credentials/,
    ],
    [
      "plain http to a non-loopback host",
      () => "http://192.0.2.10/grc-evidence/k",
      /plain http|refusing/,
    ],
    ["not a URL at all", () => "::::", /not a valid URL/],
  ];
  for (const [name, url, why] of cases) {
    it(`${name}: the file fails with one line, nothing is sent or linked`, async () => {
      slot = { upload_url: url(), object_key: `orgs/${ORG}/evidence/u1/evidence.txt` };
      const apiBefore = api.requests.length;
      const storeBefore = capture.requests.length;
      const r = await runInProcess(
        ["evidence", "push", "evidence.txt", "--control", "C1", "--no-state"],
        {
          env: env(),
        },
      );
      expect(r.code).not.toBe(0);
      expect([1, 4]).toContain(r.code);
      expect(r.stderr).toMatch(why);
      // The signed URL itself is never echoed.
      expect(r.stderr).not.toContain(slot.upload_url);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(since(capture.requests, storeBefore)).toEqual([]);
      const apiCalls = since(api.requests, apiBefore).map(
        (q) => `${q.method} ${q.url.split("?")[0]}`,
      );
      expect(apiCalls).toEqual([`POST /api/v1/orgs/${ORG}/evidence/upload-url`]);
      // The file's bytes reached no server at all.
      for (const q of [...api.requests, ...capture.requests])
        expect(q.body.toString()).not.toContain(CONTENT);
    });
  }
});

// runInProcess uses process.cwd(): the push commands resolve "evidence.txt" against it.
const startDir = process.cwd();
beforeAll(() => {
  process.chdir(work);
});
afterAll(() => {
  process.chdir(startDir);
});

describe("object keys that walk up", () => {
  for (const key of [
    "../../etc/passwd",
    `orgs/${ORG}/evidence/../../x`,
    "/etc/passwd",
    "orgs/o/evidence/u/a\u001b[2J.txt",
    "C:\\\\x",
  ]) {
    it(`${JSON.stringify(key)}: never linked, one failure line, exit non-zero`, async () => {
      slot = {
        upload_url: `${capture.url}/grc-evidence/orgs/${ORG}/evidence/u2/evidence.txt`,
        object_key: key,
      };
      const apiBefore = api.requests.length;
      const r = await runInProcess(
        ["evidence", "push", "evidence.txt", "--control", "C1", "--no-state"],
        { env: env() },
      );
      expect([1, 4]).toContain(r.code);
      expect(r.stderr).toMatch(/unsafe object key/);
      expect(r.stderr).not.toMatch(/\u001b/);
      const calls = since(api.requests, apiBefore).map((q) => q.url.split("?")[0]!);
      expect(calls.some((c) => c.endsWith("/link-to-control"))).toBe(false);
    });
  }

  it("download: an unsafe key or URL writes no file anywhere", async () => {
    const dir = mkdtempSync(join(root, "dl-"));
    for (const [url, key] of [
      [`${capture.url}/grc-evidence/k`, "../escaped.txt"],
      [`${capture.url}/grc-evidence/k`, "/tmp/escaped.txt"],
      ["file:///etc/passwd", `orgs/${ORG}/evidence/u/passwd`],
    ] as const) {
      slot = { upload_url: url, object_key: key };
      const r = await runGrc(["evidence", "download", sha256(CONTENT)], { env: env(), cwd: dir });
      expect(r.code).toBe(4);
      expect(r.stderr).toMatch(/^grc: the server returned an unsafe (object key|download URL)/);
      expect(readdirSync(dir)).toEqual([]);
      expect(readdirSync(root).filter((f) => f.startsWith("escaped"))).toEqual([]);
    }
  }, 30_000);
});

describe("terminal escape sequences in resource attributes", () => {
  const evil = {
    status: "fail\u001b[2J\u001b[H",
    resource: "\u001b]0;owned\u0007sg-1\u001b[8mhidden\u001b[0m",
    risk_level: "high\u009b31m",
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    started_at: "2026-01-01T00:00:00.000Z",
    ended_at: null,
  };
  const evident = withServer((_q, res) =>
    reply(
      res,
      200,
      "application/vnd.api+json",
      JSON.stringify({
        data: [{ id: "1\u001b[31m", type: "alerts", attributes: evil, relationships: {} }],
        links: {},
      }),
    ),
  );
  const envE = () => ({
    GRC_BASE_URL: evident.url,
    GRC_HMAC_KEY_ID: "abc",
    GRC_HMAC_SECRET: "s3cret-hostile",
  });
  const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/;

  it("a TTY table shows the text without any escape or control character", async () => {
    const r = await runInProcess(["alerts", "list"], { env: envE(), tty: true });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("sg-1");
    expect(r.stdout).not.toMatch(CONTROLS);
  });

  it("piped plain rows and `get` strip them too", async () => {
    for (const args of [
      ["alerts", "list"],
      ["alerts", "get", "1"],
    ]) {
      for (const tty of [false, true]) {
        const r = await runInProcess(args, { env: envE(), tty });
        expect(r.code, args.join(" ")).toBe(0);
        expect(r.stdout, `${args.join(" ")} tty=${tty}`).not.toMatch(CONTROLS);
      }
    }
  });

  // Regression test for CSV-TTY-ESCAPES (fixed in eacb48f).
  it("-o csv, json and ndjson on a terminal carry no raw control characters", async () => {
    for (const format of ["csv", "json", "ndjson"]) {
      const r = await runInProcess(["alerts", "list", "-o", format], { env: envE(), tty: true });
      expect(r.code).toBe(0);
      expect(r.stdout, format).not.toMatch(CONTROLS);
    }
  });

  it("piped JSON keeps the data exactly, with C0 controls escaped", async () => {
    const r = await runInProcess(["alerts", "list", "-o", "json"], { env: envE() });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f]/);
    const [row] = JSON.parse(r.stdout) as Record<string, string>[];
    expect(row).toMatchObject({ id: "1\u001b[31m", status: evil.status, resource: evil.resource });
  });
});

describe("pagination links that never end", () => {
  const page = (next: string) =>
    JSON.stringify({
      data: [1, 2].map((i) => ({ id: String(i), type: "alerts", attributes: { status: "fail" } })),
      links: { self: next, next },
    });
  /** Ignores page[number] and always offers a next page: the same two alerts forever. */
  const endless = withServer((_q, res) =>
    reply(
      res,
      200,
      "application/vnd.api+json",
      page(`${endless.url}/api/v2/alerts?page[number]=1`),
    ),
  );

  // Regression test for WALK-NO-END (fixed in 4fc2339): the walker followed links.next while
  // it existed, so a server repeating its page kept `--all` requesting it forever.
  it("--all stops when the server repeats a page instead of looping forever", async () => {
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 5000);
    const before = endless.requests.length;
    const r = await runInProcess(["alerts", "list", "--all", "-o", "ndjson"], {
      env: { GRC_BASE_URL: endless.url, GRC_HMAC_KEY_ID: "abc", GRC_HMAC_SECRET: "s3cret-endless" },
      signal: ac.signal,
    });
    clearTimeout(timer);
    expect(r.code, "still walking after 5 s").not.toBe(130);
    expect(endless.requests.length - before).toBeLessThan(10);
    expect(r.stdout.trimEnd().split("\n")).toHaveLength(2);
  }, 15_000);
});
