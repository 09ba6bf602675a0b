import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGrc, runInProcess } from "../helpers/cli.js";
import { withMock } from "../helpers/mock.js";
import { findSecretsIn } from "../helpers/secrets.js";
import { sha256 } from "./lib/push-run.js";
import { describeBroadSecretScan } from "./lib/secret-scan.js";
import { answerEvidenceFlow, type Captured, reply, withServer } from "./lib/servers.js";

/**
 * Issue 7, secrets: a broad set of commands (push with receipts, state and --debug, queries
 * with APIAuth, auth login/status, StrataGRC with a session, `grc api --debug`, failures)
 * runs with recognizable secrets, and every byte they write is scanned: no Bearer key, HMAC
 * secret, APIAuth signature, session cookie or presigned signature appears. Storage never
 * sees a platform credential, not even after a redirect. The config file is 0600 in a 0700
 * folder and looser modes are reported. No secret is taken from argv.
 */

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-reliability-secrets-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const WRONG_KEY = "sk-wrong-canary-key-0123456789abcdef";

describeBroadSecretScan(false);

describe("storage requests carry no platform credentials, even after a redirect", () => {
  const ORG = "00000000-0000-0000-0000-000000000001";
  const KEY = "sk-redirect-canary-0123456789abcdef";
  const CONTENT = "redirected evidence\n";
  /** The final storage: stores the PUT, serves the GET; records the headers it saw. */
  const finalStore = withServer((req, res) => {
    if (req.method === "PUT")
      return void res.writeHead(200, { ETag: '"e"', "Content-Length": 0 }).end();
    reply(res, 200, "application/octet-stream", CONTENT);
  });
  /** The first storage hop: redirects every request to the final store, same path and query. */
  const hop = withServer((req, res) => {
    res.writeHead(307, { Location: `${finalStore.url}${req.url}`, "Content-Length": 0 }).end();
  });
  const api = withServer((req, res) => {
    const path = req.url.split("?")[0]!;
    const signed = (p: string) =>
      `${hop.url}/grc-evidence/${p}?X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-Signature=${"f".repeat(64)}`;
    const key = `orgs/${ORG}/evidence/u/e.txt`;
    const slot = () => ({ url: signed(key), object_key: key });
    if (answerEvidenceFlow(req, res, { content: CONTENT, maxSize: 1 << 20, slot })) return;
    if (path === "/elsewhere") {
      // A cross-origin redirect of an API GET: followed, but without credentials.
      return void res
        .writeHead(302, { Location: `${finalStore.url}/landing`, "Content-Length": 0 })
        .end();
    }
    reply(res, 404, "application/json", '{"detail":"Not Found"}');
  });

  const CREDENTIAL_HEADERS = [
    "authorization",
    "cookie",
    "x-organization-id",
    "x-api-key",
    "proxy-authorization",
  ];
  const credentialsIn = (list: Captured[]) =>
    list.flatMap((q) =>
      CREDENTIAL_HEADERS.filter((h) => q.headers[h] !== undefined).map(
        (h) => `${q.method} ${q.url.split("?")[0]} ${h}`,
      ),
    );

  it("push and download through a 307 hop: neither hop sees Authorization, Cookie or the org header", async () => {
    const dir = mkdtempSync(join(root, "redirect-"));
    writeFileSync(join(dir, "e.txt"), CONTENT);
    const env = { GRC_BASE_URL: api.url, GRC_ORG_ID: ORG, GRC_API_KEY: KEY };
    const push = await runGrc(
      ["evidence", "push", "e.txt", "--control", "C1", "--no-state", "--debug"],
      { env, cwd: dir },
    );
    expect(push.stderr, push.stderr).toMatch(/1 files?: 1 linked/);
    expect(push.code).toBe(0);
    const dl = await runGrc(
      ["evidence", "download", sha256(CONTENT), "-o", "back.txt", "--debug"],
      {
        env,
        cwd: dir,
      },
    );
    expect(dl.code, dl.stderr).toBe(0);
    expect(readFileSync(join(dir, "back.txt"), "utf8")).toBe(CONTENT);
    // Both hops were used, for the PUT and the GET.
    expect(hop.requests.map((q) => q.method).sort()).toEqual(["GET", "PUT"]);
    expect(finalStore.requests.map((q) => q.method).sort()).toEqual(["GET", "PUT"]);
    expect(finalStore.requests.find((q) => q.method === "PUT")!.body.toString()).toBe(CONTENT);
    expect(credentialsIn([...hop.requests, ...finalStore.requests])).toEqual([]);
    // The API itself did get the key (the capture is not blind).
    expect(api.requests.every((q) => q.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(
      findSecretsIn(
        { push: push.stdout + push.stderr, dl: dl.stdout + dl.stderr },
        { apiKeys: [KEY] },
      ),
    ).toEqual([]);
  }, 30_000);

  it("an API GET redirected to another origin arrives there without credentials (Bearer, APIAuth, session)", async () => {
    const envs = [
      { GRC_API_KEY: KEY },
      { GRC_HMAC_KEY_ID: "abc", GRC_HMAC_SECRET: "hmac-redirect-canary" },
      { GRC_SESSION: "session-redirect-canary-0123456789", GRC_ORG_ID: ORG },
    ];
    for (const e of envs) {
      const before = finalStore.requests.length;
      const r = await runInProcess(["api", "/elsewhere"], { env: { GRC_BASE_URL: api.url, ...e } });
      const landed = finalStore.requests.slice(before);
      expect(landed.map((q) => q.url)).toEqual(["/landing"]);
      expect(credentialsIn(landed)).toEqual([]);
      expect(r.code).toBe(0);
    }
  }, 30_000);
});

describe("the config file and argv", () => {
  const mock = withMock({ platforms: ["sovereign"] });

  it("auth login writes config.json 0600 in a 0700 folder; looser modes draw a warning", async () => {
    const cfg = join(mkdtempSync(join(root, "modes-")), "grc");
    const env = { GRC_CONFIG_DIR: cfg };
    const r = await runGrc(
      [
        "auth",
        "login",
        "--base-url",
        mock.baseUrl,
        "--org",
        mock.identity.orgId,
        "--api-key-stdin",
      ],
      { env, stdin: mock.identity.apiKey },
    );
    expect(r.code).toBe(0);
    expect(statSync(cfg).mode & 0o777).toBe(0o700);
    expect(statSync(join(cfg, "config.json")).mode & 0o777).toBe(0o600);
    const clean = await runGrc(["auth", "status"], { env });
    expect(clean.stderr).toBe("");

    chmodSync(join(cfg, "config.json"), 0o644);
    const file = await runGrc(["auth", "status"], { env });
    expect(file.code).toBe(0);
    expect(file.stderr).toMatch(/config\.json.*(0644|readable by others|permissions|mode)/i);
    chmodSync(join(cfg, "config.json"), 0o600);
    chmodSync(cfg, 0o755);
    const folder = await runGrc(["auth", "status"], { env });
    expect(folder.stderr).toMatch(/(0755|readable by others|permissions|mode)/i);
    chmodSync(cfg, 0o700);
    expect(
      findSecretsIn(
        { a: r.stdout + r.stderr, b: file.stdout + file.stderr, c: folder.stderr },
        { apiKeys: [mock.identity.apiKey] },
      ),
    ).toEqual([]);
  }, 30_000);

  it("no command takes a secret as an argument: auth login has only *-stdin flags, config set refuses secrets", async () => {
    const help = await runGrc(["auth", "login", "--help"]);
    expect(help.code).toBe(0);
    const flags = [...help.stdout.matchAll(/^\s+(?:-\w, )?(--[\w-]+)(?: <(\w+)>)?/gm)].map((m) => ({
      flag: m[1]!,
      arg: m[2],
    }));
    expect(flags.length).toBeGreaterThan(5);
    const secretish = /key$|secret|token|session|password|cookie/i;
    // A flag that names a secret either reads stdin (no argument) or is the key *ID*.
    const takesSecret = flags.filter(
      (f) => f.arg && secretish.test(f.flag) && f.flag !== "--hmac-key-id",
    );
    expect(takesSecret).toEqual([]);
    expect(flags.map((f) => f.flag)).toEqual(
      expect.arrayContaining(["--api-key-stdin", "--hmac-secret-stdin", "--session-stdin"]),
    );
    for (const flag of ["--api-key", "--token", "--hmac-secret", "--session", "--password"]) {
      const r = await runGrc(["auth", "login", "--base-url", mock.baseUrl, flag, WRONG_KEY]);
      expect(r.code, flag).toBe(2);
      expect(r.stderr).not.toContain(WRONG_KEY);
    }
    for (const key of ["api_key", "hmac_secret", "session"]) {
      const r = await runGrc(["config", "set", key, WRONG_KEY]);
      expect(r.code, key).toBe(2);
      expect(r.stderr).not.toContain(WRONG_KEY);
      expect(r.stderr).toMatch(/stdin|auth login/);
    }
  }, 30_000);
});

describe("a server that echoes the credential back", () => {
  const KEY = "sk-echoed-canary-0123456789abcdef";
  const SECRET = "echoed-hmac-secret-canary";
  const SESSION = "echoed-session-canary-0123456789abcdef";
  /** Answers 401 with the Authorization or Cookie header it received inside the error text. */
  const echo = withServer((q, res) => {
    const got = String(q.headers.authorization ?? q.headers.cookie ?? "");
    if (q.url.startsWith("/api/v2")) {
      return reply(
        res,
        401,
        "application/vnd.api+json",
        JSON.stringify({ errors: [{ status: "401", title: `bad signature ${got}` }] }),
      );
    }
    if (q.url.startsWith("/strata")) {
      return reply(
        res,
        401,
        "application/json",
        JSON.stringify({ success: false, error: { code: "AUTH_REQUIRED", message: `bad ${got}` } }),
      );
    }
    reply(
      res,
      401,
      "application/json",
      JSON.stringify({ detail: `invalid or missing API key: ${got}` }),
    );
  });
  const headerEcho = withServer((_q, res) => {
    const body = '{"success":true,"data":{"user":{"username":"u"}}}';
    res.writeHead(200, {
      "Content-Type": "application/json",
      "Set-Cookie": `session=${SESSION}; HttpOnly`,
      Location: `http://elsewhere/?X-Amz-Signature=${"ab".repeat(32)}`,
      "Content-Length": Buffer.byteLength(body),
    });
    res.end(body);
  });

  it("response headers that carry secrets are redacted by `grc api -i` and --debug", async () => {
    for (const args of [
      ["api", "-i", "/strata/api/auth/status"],
      ["api", "-i", "--debug", "/strata/api/auth/status"],
      ["strata", "status", "--debug"],
    ]) {
      const r = await runInProcess(args, {
        env: { GRC_BASE_URL: headerEcho.url, GRC_SESSION: "sent-session-canary-0123456789" },
      });
      expect(r.code, args.join(" ")).toBe(0);
      expect(
        findSecretsIn(
          { [args.join(" ")]: r.stdout + r.stderr },
          { sessions: [SESSION, "sent-session-canary-0123456789"] },
        ),
      ).toEqual([]);
    }
  });

  // Regression test for ERROR-ECHOES-SECRET (fixed in 0727b68): an error body quoting the
  // request's Authorization or Cookie header was printed as is on stderr.
  it("the error line never repeats the key, signature or session the server echoed", async () => {
    const cases: [string[], Record<string, string>][] = [
      [
        ["evidence", "list"],
        { GRC_API_KEY: KEY, GRC_ORG_ID: "00000000-0000-0000-0000-000000000001" },
      ],
      [["alerts", "list"], { GRC_HMAC_KEY_ID: "abc", GRC_HMAC_SECRET: SECRET }],
      [["strata", "status"], { GRC_SESSION: SESSION }],
      [["api", "/api/v1/x"], { GRC_API_KEY: KEY }],
    ];
    for (const [args, env] of cases) {
      const r = await runInProcess(args, { env: { GRC_BASE_URL: echo.url, ...env } });
      expect(r.code, args.join(" ")).toBe(3);
      const canaries = { apiKeys: [KEY], hmacSecrets: [SECRET], sessions: [SESSION] };
      expect(findSecretsIn({ [`${args.join(" ")} stderr`]: r.stderr }, canaries)).toEqual([]);
    }
  });
});

describe("a storage error that quotes the presigned URL", () => {
  const ORG = "00000000-0000-0000-0000-000000000001";
  const SIGNATURE = "ab".repeat(32);
  /** S3-style 403 whose Message repeats the request line, query and signature included. */
  const store = withServer((q, res) =>
    reply(
      res,
      403,
      "application/xml",
      `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match ${q.url}</Message><StringToSign>PUT\n${q.url}</StringToSign><SignatureProvided>${SIGNATURE}</SignatureProvided></Error>`,
    ),
  );
  const api = withServer((q, res) => {
    if (!q.url.split("?")[0]!.endsWith("/upload-url"))
      return reply(res, 404, "application/json", "{}");
    const key = `orgs/${ORG}/evidence/u/a.txt`;
    const query = `X-Amz-Date=20260101T000000Z&X-Amz-Expires=900&X-Amz-SignedHeaders=content-type&X-Amz-Signature=${SIGNATURE}`;
    reply(
      res,
      200,
      "application/json",
      JSON.stringify({
        upload_url: `${store.url}/grc-evidence/${key}?${query}`,
        object_key: key,
        expires_in: 900,
        max_size: 1 << 20,
      }),
    );
  });

  // Regression test for ERROR-ECHOES-SECRET, storage side (fixed in 0727b68): a <Message>
  // quoting the presigned query printed its X-Amz-Signature.
  it("the failure line and the NDJSON row carry no presigned signature", async () => {
    const dir = mkdtempSync(join(root, "echo-"));
    writeFileSync(join(dir, "a.txt"), "evidence\n");
    const r = await runGrc(
      ["evidence", "push", "a.txt", "--control", "C1", "--no-state", "-o", "ndjson"],
      {
        env: {
          GRC_BASE_URL: api.url,
          GRC_ORG_ID: ORG,
          GRC_API_KEY: "sk-storage-echo-0123456789abcdef",
        },
        cwd: dir,
      },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^grc: failed a\.txt: upload: /m);
    expect(findSecretsIn({ stdout: r.stdout, stderr: r.stderr }, { other: [SIGNATURE] })).toEqual(
      [],
    );
  }, 30_000);
});
