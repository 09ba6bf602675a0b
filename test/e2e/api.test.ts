import { writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGrc, tempConfigDir } from "../helpers/cli.js";
import { withMock } from "../helpers/mock.js";

/**
 * `grc api` end to end: the built CLI against the mock server (Sovereign + Evident) and a
 * tiny local server that answers whatever a test needs and records what reached it.
 */

const mock = withMock({ platforms: ["sovereign", "evident"] });

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
}
let tiny: Server;
let tinyUrl = "";
const seen: Seen[] = [];
type Reply = { status: number; body?: string; headers?: Record<string, string> };
let replies: Reply[] = [];

beforeAll(async () => {
  tiny = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", headers: req.headers, body });
      const reply = replies.shift() ?? { status: 200, body: '{"ok":true}' };
      res.writeHead(reply.status, { "content-type": "application/json", ...reply.headers });
      res.end(reply.body ?? "");
    });
  });
  await new Promise<void>((r) => tiny.listen(0, "127.0.0.1", r));
  tinyUrl = `http://127.0.0.1:${(tiny.address() as AddressInfo).port}`;
});
afterAll(async () => {
  tiny.closeAllConnections();
  await new Promise<void>((r) => tiny.close(() => r()));
});

const KEY = "sk-e2e-secret-key-0042";
function tinyEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { GRC_BASE_URL: tinyUrl, GRC_API_KEY: KEY, ...extra };
}
function reset(r: Reply[] = []) {
  seen.length = 0;
  replies = r;
}

describe("grc api against the mock", () => {
  it("GETs a Sovereign collection with the profile's Bearer key", async () => {
    const env = mock.env();
    const r = await runGrc(["api", `/api/v1/orgs/${env.GRC_ORG_ID}/evidence`], { env });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(Array.isArray(doc.data)).toBe(true);
  });

  it("a wrong key exits 3 with the decoded one-line error", async () => {
    const env: NodeJS.ProcessEnv = { ...mock.env(), GRC_API_KEY: "sk-not-a-real-key-0000" };
    const r = await runGrc(["api", `/api/v1/orgs/${env.GRC_ORG_ID}/evidence`], { env });
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('{"detail":"invalid or missing API key"}');
    expect(r.stderr).toBe(
      `grc: invalid or missing API key (HTTP 401 from GET /api/v1/orgs/${env.GRC_ORG_ID}/evidence) — check the API key: run \`grc auth login\` or set GRC_API_KEY\n`,
    );
  });

  it("--paginate follows Evident links.next and prints one JSON array", async () => {
    const env = mock.env();
    const one = await runGrc(["api", "/api/v2/alerts.json?page%5Bsize%5D=100"], { env });
    expect(one.code).toBe(0);
    const first = JSON.parse(one.stdout);
    const lastPage = Number(/page%5Bnumber%5D=(\d+)/.exec(first.links.last)?.[1]);
    expect(lastPage).toBeGreaterThan(1);
    const r = await runGrc(
      ["api", "/api/v2/alerts.json?page%5Bsize%5D=100", "--paginate", "--debug"],
      {
        env,
      },
    );
    expect(r.code).toBe(0);
    const all = JSON.parse(r.stdout) as { id: string }[];
    const ids = all.map((a) => a.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids.slice(0, 100)).toEqual(first.data.map((a: { id: string }) => a.id));
    expect(ids.length).toBeGreaterThan((lastPage - 1) * 100);
    expect(ids.length).toBeLessThanOrEqual(lastPage * 100);
    const gets = r.stderr.split("\n").filter((l) => l.startsWith("[debug] > GET"));
    expect(gets).toHaveLength(lastPage);
    expect(r.stderr).not.toContain(env.GRC_API_KEY!);
  });
});

describe("grc api with APIAuth against the mock", () => {
  function hmacEnv(): NodeJS.ProcessEnv {
    const { GRC_API_KEY: _key, ...env } = mock.env();
    return {
      ...env,
      GRC_HMAC_KEY_ID: mock.identity.hmacKeyId,
      GRC_HMAC_SECRET: mock.identity.hmacSecret,
    };
  }

  it("signs with HMAC-SHA1 APIAuth and the mock's verifier accepts it", async () => {
    const r = await runGrc(["api", "/api/v2/alerts.json?page%5Bsize%5D=2&page%5Bnumber%5D=3"], {
      env: hmacEnv(),
    });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).data).toHaveLength(2);
  });

  it("a machine clock 17 minutes off is named as the problem (exit 3)", async () => {
    const shift = await fetch(`${mock.baseUrl}/__mock/clock?offset_ms=${17 * 60_000}`, {
      method: "POST",
    });
    expect(shift.status).toBe(200);
    try {
      const r = await runGrc(["api", "/api/v2/alerts.json", "--retries", "1"], { env: hmacEnv() });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(
        /^grc: the server says this machine.s clock is 17 minutes off.* — .*fix the system time \(NTP\) and retry\n$/,
      );
    } finally {
      await fetch(`${mock.baseUrl}/__mock/clock?offset_ms=0`, { method: "POST" });
    }
  });
});

describe("grc api against a tiny server", () => {
  it("sends -X, --data @file, -H and prints the body as received", async () => {
    reset([{ status: 201, body: '{"created":true}' }]);
    const dir = tempConfigDir();
    const file = join(dir, "body.json");
    writeFileSync(file, '{"control_id":"AC-2"}');
    const r = await runGrc(
      ["api", "-X", "put", "/things/1?x=1", "--data", `@${file}`, "-H", "X-Trace: abc"],
      {
        env: tinyEnv(),
      },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"created":true}');
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: "PUT",
      url: "/things/1?x=1",
      body: '{"control_id":"AC-2"}',
    });
    expect(seen[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(seen[0]!.headers["x-trace"]).toBe("abc");
    expect(seen[0]!.headers["content-type"]).toBe("application/json");
  });

  it("--data - reads stdin and defaults the method to POST (not retried on 503)", async () => {
    reset([{ status: 503, body: '{"detail":"busy"}' }]);
    const r = await runGrc(["api", "/x", "--data", "-"], { env: tinyEnv(), stdin: '{"a":1}' });
    expect(r.code).toBe(4);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: "POST", body: '{"a":1}' });
    expect(r.stderr).toBe(
      "grc: busy (HTTP 503 from POST /x) — the server failed; try again later\n",
    );
  });

  it("invalid JSON in --data is a usage error before anything is sent", async () => {
    reset();
    const r = await runGrc(["api", "/x", "--data", "{nope"], { env: tinyEnv() });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^grc: --data is not valid JSON: .* — pass JSON, @file or - for stdin/,
    );
    expect(seen).toHaveLength(0);
  });

  it("retries a GET on 503 honouring Retry-After, then succeeds", async () => {
    reset([
      { status: 503, body: "{}", headers: { "retry-after": "1" } },
      { status: 200, body: '{"ok":1}' },
    ]);
    const r = await runGrc(["api", "/flaky"], { env: tinyEnv() });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('{"ok":1}');
    expect(seen).toHaveLength(2);
    expect(r.stderr).toMatch(
      /^127\.0\.0\.1:\d+ answered 503; waiting 1s until .*Z \(Retry-After\)\n$/,
    );
  });

  it("exit codes follow the status: 404 -> 2, 403 -> 3, 500 -> 4 (after --retries)", async () => {
    reset([{ status: 404, body: '{"detail":"object not found"}' }]);
    expect((await runGrc(["api", "/missing"], { env: tinyEnv() })).code).toBe(2);
    reset([
      {
        status: 403,
        body: '{"detail":"missing required scope: write:evidence","required_scope":"write:evidence"}',
      },
    ]);
    const denied = await runGrc(["api", "/denied"], { env: tinyEnv() });
    expect(denied.code).toBe(3);
    expect(denied.stderr).toContain("widen its scopes on the API Keys page");
    reset([{ status: 500 }, { status: 500 }]);
    const failed = await runGrc(["api", "/boom", "--retries", "2"], { env: tinyEnv() });
    expect(failed.code).toBe(4);
    expect(seen).toHaveLength(2);
    expect(failed.stderr).toBe(
      "grc: HTTP 500 Internal Server Error from GET /boom — the server failed; try again later\n",
    );
  });

  it("--debug traces requests with the key masked, never the key itself", async () => {
    reset([{ status: 200, body: "{}", headers: { "set-cookie": "session=server-secret-cookie" } }]);
    const r = await runGrc(["api", "/trace", "--debug", "-i"], { env: tinyEnv() });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("[debug] > GET");
    expect(r.stderr).toContain("Bearer sk-...0042");
    expect(r.stderr + r.stdout).not.toContain(KEY);
    expect(r.stderr + r.stdout).not.toContain("server-secret-cookie");
    expect(r.stdout).toMatch(/^HTTP 200\n/);
  });

  it("a server that is down: one line naming host and cause, exit 4", async () => {
    const r = await runGrc(["api", "/x", "--retries", "1"], {
      env: { GRC_BASE_URL: "http://127.0.0.1:9", GRC_API_KEY: KEY },
    });
    expect(r.code).toBe(4);
    expect(r.stderr).toBe(
      "grc: cannot connect to http://127.0.0.1:9: connection refused (ECONNREFUSED) — is the server running? start it (`grc mock serve` for the mock) or check the base URL (--base-url)\n",
    );
  });
});
