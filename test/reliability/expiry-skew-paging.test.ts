import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGrc } from "../helpers/cli.js";
import { type MockStateSnapshot, withMock } from "../helpers/mock.js";
import { makeFolder, putFileName } from "./lib/push-run.js";

/**
 * Issue 7, time and paging: presigned URLs whose lifetime runs out before storage handles the
 * PUT, a server clock far from ours under APIAuth, a 429 in the middle of `--all`, and
 * `--all` through API faults: each handled the way the client's design says.
 */

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-reliability-time-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));
const cfg = () => mkdtempSync(join(root, "cfg-"));

const hmacEnv = (mock: {
  baseUrl: string;
  identity: { hmacKeyId: string; hmacSecret: string };
}) => ({
  GRC_BASE_URL: mock.baseUrl,
  GRC_HMAC_KEY_ID: mock.identity.hmacKeyId,
  GRC_HMAC_SECRET: mock.identity.hmacSecret,
  GRC_CONFIG_DIR: cfg(),
});

const ndjsonIds = (stdout: string) =>
  stdout
    .trimEnd()
    .split("\n")
    .map((l) => (JSON.parse(l) as { id: string }).id);

describe("presigned URLs that expire before storage handles the PUT", () => {
  // A 1 s lifetime and storage that stalls 1.5 s before looking at a third of the PUTs: those
  // URLs are genuinely expired when checked (no synthetic `expire` fault).
  const mock = withMock({
    platforms: ["sovereign"],
    uploadUrlTtlSeconds: 1,
    slowMs: 1500,
    faults: "slow=0.34",
    faultSeed: 9,
  });

  it("gets one fresh URL after 'Request has expired'; a file whose second URL expires too fails alone", async () => {
    const n = 8;
    const { dir } = makeFolder(root, "expiring", n);
    const r = await runGrc(
      [
        "evidence",
        "push",
        ".",
        "--control",
        "C1",
        "--no-state",
        "--concurrency",
        "8",
        "-o",
        "ndjson",
      ],
      { env: { ...mock.env(), GRC_CONFIG_DIR: cfg() }, cwd: dir },
    );
    const state = mock.state();
    const puts = state.requests.filter((q) => q.origin === "storage" && q.method === "PUT");
    const expired = puts.filter((q) => q.status === 403);
    expect(expired.length).toBeGreaterThan(0);
    // At most one fresh URL per file: at most two PUTs each, between n and 2n mints.
    const mints = state.requests.filter((q) => q.path.endsWith("/upload-url"));
    const putsOf = (name: string) => puts.filter((q) => putFileName(q.path) === name);
    const names = [...new Set(puts.map((q) => putFileName(q.path)))];
    expect(Math.max(...names.map((f) => putsOf(f).length))).toBeLessThanOrEqual(2);
    const refreshedAtStorage = names.filter((f) => putsOf(f).length === 2).length;
    expect(mints.length).toBeGreaterThanOrEqual(n + refreshedAtStorage);
    expect(mints.length).toBeLessThanOrEqual(2 * n);
    const rows = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { path: string; status: string; error: string | null });
    const failed = rows.filter((x) => x.status === "failed");
    // A file fails only when its last URL expired too, and then with storage's own words; a
    // file with a PUT that storage accepted is linked.
    for (const f of failed) {
      expect(putsOf(f.path).every((q) => q.status === 403)).toBe(true);
      expect(f.error).toMatch(
        /^upload: Request has expired \(AccessDenied\) \(HTTP 403 from PUT \/grc-evidence\/[^?]+\) — /,
      );
    }
    const accepted = names.filter((f) => putsOf(f).some((q) => q.status === 200));
    expect(
      rows
        .filter((x) => x.status === "linked")
        .map((x) => x.path)
        .sort(),
    ).toEqual(accepted.sort());
    expect(rows.filter((x) => x.status === "linked")).toHaveLength(n - failed.length);
    expect(r.code).toBe(failed.length > 0 ? 1 : 0);
    // No presigned query (signature) appears anywhere in what the user sees.
    expect(`${r.stdout}${r.stderr}`).not.toMatch(/X-Amz-Signature|X-Amz-Date=/);
  }, 60_000);
});

describe("APIAuth with the server clock 20 minutes ahead of this machine", () => {
  const mock = withMock({ platforms: ["evident", "sovereign"] });

  it("fails once with exit 3 and a line that names this machine's clock; no retry storm", async () => {
    const shift = await fetch(`${mock.baseUrl}/__mock/clock?offset_ms=${20 * 60 * 1000}`, {
      method: "POST",
    });
    expect(shift.status).toBe(200);
    try {
      const r = await runGrc(["alerts", "list"], { env: hmacEnv(mock) });
      expect(r.code).toBe(3);
      expect(r.stdout).toBe("");
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        /^grc: .*(this machine's clock|the server says this machine's clock).*NTP/,
      );
      expect(r.stderr).not.toMatch(/\n\s+at /);
      // A 401 is not retried: one request reached the server.
      const api = mock.state().requests.filter((q) => q.path.startsWith("/api/v2/"));
      expect(api).toHaveLength(1);
      // A Bearer key does not depend on the clock: the Sovereign read side still answers.
      const bearer = await runGrc(["evidence", "list"], {
        env: { ...mock.env(), GRC_CONFIG_DIR: cfg() },
      });
      expect(bearer.code).toBe(0);
    } finally {
      await fetch(`${mock.baseUrl}/__mock/clock?offset_ms=0`, { method: "POST" });
    }
  }, 30_000);
});

/** page[number] of each alerts request, in the order the mock answered them, with status. */
function pagesOf(state: MockStateSnapshot): { page: number; status: number }[] {
  return state.requests
    .filter((q) => q.origin === "api" && q.path === "/api/v2/alerts")
    .map((q) => ({
      page: Number(new URLSearchParams(q.query).get("page[number]") ?? "1"),
      status: q.status,
    }));
}

describe("a 429 in the middle of --all", () => {
  // Two requests per 1.5 s: the third page is refused and must be asked for again.
  const limited = withMock({ platforms: ["evident"], rateLimit: { limit: 2, windowMs: 1500 } });
  const plain = withMock({ platforms: ["evident"] });

  it("waits for the reset and resumes from the same page: every alert once, in order", async () => {
    const args = ["alerts", "list", "--all", "--page-size", "100", "-o", "ndjson"];
    const expected = await runGrc(args, { env: hmacEnv(plain) });
    expect(expected.code).toBe(0);
    const r = await runGrc(args, { env: hmacEnv(limited) });
    expect(r.code).toBe(0);
    expect(ndjsonIds(r.stdout)).toEqual(ndjsonIds(expected.stdout));
    expect(r.stdout).toBe(expected.stdout);
    const pages = pagesOf(limited.state());
    const refused = pages.findIndex((p) => p.status === 429);
    expect(refused).toBeGreaterThan(0);
    // Every refused page is asked for again later and served; each page is served once.
    pages.forEach((p, i) => {
      if (p.status !== 429) return;
      expect(pages.slice(i + 1)).toContainEqual({ page: p.page, status: 200 });
    });
    const served = pages.filter((p) => p.status === 200).map((p) => p.page);
    const last = Math.max(...served);
    expect([...served].sort((x, y) => x - y)).toEqual(
      Array.from({ length: last }, (_, i) => i + 1),
    );
    expect(r.stderr).toMatch(
      /^rate limited by 127\.0\.0\.1:\d+; waiting \d+s until \S+Z \(X-RateLimit-Reset\)$/m,
    );
  }, 60_000);
});

describe("--all with faults on the API", () => {
  const faulty = withMock({
    platforms: ["evident"],
    alerts: 1000,
    faults: "429=0.1,500=0.05,503=0.02,reset=0.02,slow=0.05",
    faultSeed: 31,
    slowMs: 100,
  });
  const plain = withMock({ platforms: ["evident"], alerts: 1000 });
  let expected: string | undefined;

  for (const concurrency of ["4"]) {
    it(`--concurrency ${concurrency}: each of 1,000 alerts printed exactly once, in order`, async () => {
      const args = ["alerts", "list", "--all", "--page-size", "50", "-o", "ndjson"];
      args.push("--concurrency", concurrency, "--retries", "10");
      // Order does not depend on --concurrency: one fault-free walk is the reference for both.
      expected ??= (await runGrc(args, { env: hmacEnv(plain) })).stdout;
      const r = await runGrc(args, { env: hmacEnv(faulty), timeoutMs: 90_000 });
      expect(r.code).toBe(0);
      const ids = ndjsonIds(r.stdout);
      expect(ids).toHaveLength(1000);
      expect(new Set(ids).size).toBe(1000);
      expect(r.stdout).toBe(expected);
      const faults = faulty.state().requests.filter((q) => q.fault && q.fault !== "slow");
      expect(faults.length).toBeGreaterThan(0);
    }, 120_000);
  }
});
