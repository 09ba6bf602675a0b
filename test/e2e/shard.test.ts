import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runGrc } from "../helpers/cli.js";
import { DIALECTS, type MockStateSnapshot, spawnMock, withMock } from "../helpers/mock.js";

/**
 * End to end, `--shard i/n`: four processes at once over one corpus (as a Kubernetes Indexed
 * Job or a CI matrix would run them) push disjoint sets that together are everything, each
 * file linked exactly once; their receipts merge into one that verifies; and under a low
 * shared rate limit every shard backs off instead of failing files.
 */

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-e2e-shard-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Corpus {
  dir: string;
  /** "control sha256" of every file the map sends somewhere. */
  links: string[];
  /** Paths relative to the corpus folder. */
  paths: string[];
}

/**
 * A corpus of distinct files under two rules of a map file: logs/ (a folder, CC6.1) and
 * policies/**\/*.pdf (a glob, CC1.1); the map sits in the corpus folder.
 */
function corpus(name: string, logs: number, pdfs: number): Corpus {
  const dir = join(root, name);
  const links: string[] = [];
  const paths: string[] = [];
  const add = (rel: string, control: string, content: string) => {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), content);
    links.push(`${control} ${sha(content)}`);
    paths.push(rel);
  };
  for (let i = 0; i < logs; i++) {
    add(`logs/${i % 3}/access-${i}.csv`, "CC6.1", `${name},log,${i}\n`.repeat(20));
  }
  for (let i = 0; i < pdfs; i++) {
    add(`policies/p${i % 2}/policy-${i}.pdf`, "CC1.1", `%PDF ${name} ${i}\n`.repeat(10));
  }
  writeFileSync(
    join(dir, "map.yaml"),
    [
      "rules:",
      "  - paths: [logs]",
      "    control: CC6.1",
      "    framework: SOC2",
      '  - globs: "policies/**/*.pdf"',
      "    control: CC1.1",
      "",
    ].join("\n"),
  );
  return { dir, links: links.sort(), paths: paths.sort() };
}

type Lineage = { evidence_id: string; control_id: string };
const linkRequests = (s: MockStateSnapshot) =>
  s.requests.filter((q) => q.path.endsWith("/link-to-control") && q.status === 200);

interface ReceiptLine {
  type: string;
  path: string;
  sha256: string;
  control_id: string;
}
function receiptLines(file: string): ReceiptLine[] {
  return readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l) as ReceiptLine);
}

/** Runs n shards of one push at once, all with one config dir (as pods sharing a volume). */
async function runShards(
  c: Corpus,
  n: number,
  env: NodeJS.ProcessEnv,
  extra: string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }[]> {
  return Promise.all(
    Array.from({ length: n }, (_, k) =>
      runGrc(
        [
          "evidence",
          "push",
          "--map",
          "map.yaml",
          "--shard",
          `${k + 1}/${n}`,
          "--receipt",
          `receipt-${k + 1}.ndjson`,
          ...extra,
        ],
        { env, cwd: c.dir, timeoutMs: 120_000 },
      ),
    ),
  );
}

describe.each(DIALECTS)("grc evidence push --shard (e2e, %s dialect)", (dialect) => {
  const mock = withMock({ platforms: ["sovereign"], dialect });
  let config: string;
  beforeEach(async () => {
    await mock.reset();
    config = mkdtempSync(join(root, "cfg-"));
  });
  const env = () => ({ ...mock.env(), GRC_CONFIG_DIR: config });

  it("4 shards at once link every file exactly once; their receipts merge into one that verifies", async () => {
    const c = corpus(`four-${dialect}`, 45, 15);
    const runs = await runShards(c, 4, env());
    for (const r of runs) expect(r.code, r.stderr).toBe(0);

    // The server: every (control, file) linked once, by one link request; none twice.
    const state = mock.state();
    const lineage = (state.lineage as Lineage[]).map((l) => `${l.control_id} ${l.evidence_id}`);
    expect(lineage.sort()).toEqual(c.links);
    expect(linkRequests(state)).toHaveLength(c.links.length);
    expect(state.objects).toHaveLength(c.links.length);

    // The shards: disjoint, none empty, together everything; each kept its own state file.
    const perShard = [1, 2, 3, 4].map((k) =>
      receiptLines(join(c.dir, `receipt-${k}.ndjson`))
        .filter((l) => l.type === "evidence")
        .map((l) => l.path),
    );
    for (const part of perShard) expect(part.length).toBeGreaterThan(0);
    expect(perShard.flat().sort()).toEqual(c.paths);
    for (const r of runs) expect(r.stderr).toMatch(/^\d+ files?: \d+ linked/);
    for (let k = 1; k <= 4; k++) {
      expect(existsSync(join(config, "state", `default.shard-${k}-of-4.json`))).toBe(true);
    }
    expect(existsSync(join(config, "state", "default.json"))).toBe(false);

    // One receipt from four: it verifies (and its files still match) and lists each file once.
    const merge = await runGrc(
      [
        "evidence",
        "receipt",
        "merge",
        ...[1, 2, 3, 4].map((k) => `receipt-${k}.ndjson`),
        "-o",
        "merged.ndjson",
      ],
      { env: env(), cwd: c.dir },
    );
    expect(merge.stderr).toBe("");
    expect(merge.stdout).toMatch(/^merged 4 receipts into merged\.ndjson: 60 files \(/);
    expect(merge.code).toBe(0);
    const verify = await runGrc(["evidence", "receipt", "verify", "merged.ndjson", "--files"], {
      env: env(),
      cwd: c.dir,
    });
    expect(verify.stdout).toMatch(
      /^receipt merged\.ndjson is intact: 60 files .*60 files re-hashed\n$/,
    );
    expect(verify.code, verify.stderr).toBe(0);
    const merged = receiptLines(join(c.dir, "merged.ndjson"));
    const entries = merged.filter((l) => l.type === "evidence");
    expect(entries.map((l) => l.path).sort()).toEqual(c.paths);
    expect(entries.map((l) => `${l.control_id} ${l.sha256}`).sort()).toEqual(c.links);
    expect(merged.at(-1)).toMatchObject({ type: "summary", lines: 60, linked: 60, failed: 0 });

    // A rerun of every shard skips everything from its own state: no request at all.
    await mock.reset();
    // Four shards name one receipt path here: the later ones replace the earlier (asked for).
    const again = await runShards(c, 4, env(), [
      "--receipt",
      "rerun.ndjson",
      "--overwrite-receipt",
    ]);
    for (const r of again) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/\d+ skipped/);
    }
    expect(mock.state().requests).toHaveLength(0);
  });

  it("receipt merge refuses a receipt that does not verify, and one named twice, writing nothing", async () => {
    const c = corpus(`merge-bad-${dialect}`, 6, 2);
    const runs = await runShards(c, 2, env());
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    const twice = await runGrc(
      ["evidence", "receipt", "merge", "receipt-1.ndjson", "receipt-1.ndjson", "-o", "m.ndjson"],
      { env: env(), cwd: c.dir },
    );
    expect(twice.code).toBe(2);
    expect(twice.stderr).toBe(
      "grc: receipt receipt-1.ndjson is the same receipt as receipt-1.ndjson — name each shard's receipt once\n",
    );
    const file = join(c.dir, "receipt-2.ndjson");
    writeFileSync(file, readFileSync(file, "utf8").replace(/"size":\d+/, '"size":1'));
    const altered = await runGrc(
      ["evidence", "receipt", "merge", "receipt-1.ndjson", "receipt-2.ndjson", "-o", "m.ndjson"],
      { env: env(), cwd: c.dir },
    );
    expect(altered.code).toBe(2);
    expect(altered.stderr).toMatch(
      /^grc: receipt receipt-2\.ndjson does not verify \(line \d+: the summary's SHA-256 does not match .*\) — merge only intact receipts/,
    );
    expect(existsSync(join(c.dir, "m.ndjson"))).toBe(false);
  }, 60_000);

  it("a bad --shard is one line and exit 2 before anything is sent", async () => {
    const c = corpus(`bad-${dialect}`, 2, 0);
    const r = await runGrc(["evidence", "push", "logs", "--control", "CC6.1", "--shard", "5/4"], {
      env: env(),
      cwd: c.dir,
    });
    expect(r.stderr).toBe(
      'grc: --shard "5/4": the shard number must be from 1 to 4 (shards count from 1) — use --shard i/n with 1 <= i <= n (e.g. --shard 2/4), or --shard auto in GitLab parallel: jobs\n',
    );
    expect(r.code).toBe(2);
    expect(mock.state().requests).toHaveLength(0);
  }, 180_000);
});

describe.each(DIALECTS)("--shard under one shared rate limit (e2e, %s dialect)", (dialect) => {
  // 4 requests per API key per second, shared by the four shards (one key): far fewer than
  // the 4 x 8 files they keep in flight.
  const LIMIT = 4;
  const IN_FLIGHT = 4 * 8;
  const mock = withMock({
    platforms: ["sovereign"],
    dialect,
    rateLimit: { limit: LIMIT, windowMs: 1000 },
  });

  it("4 shards back off on 429 / X-RateLimit-Remaining: 0 and link every file, none failed", async () => {
    const config = mkdtempSync(join(root, "cfg-"));
    const c = corpus(`limited-${dialect}`, 16, 4);
    const runs = await runShards(c, 4, { ...mock.env(), GRC_CONFIG_DIR: config });
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).not.toMatch(/failed/);
    }
    const state = mock.state();
    const lineage = (state.lineage as Lineage[]).map((l) => `${l.control_id} ${l.evidence_id}`);
    expect(lineage.sort()).toEqual(c.links);
    expect(linkRequests(state)).toHaveLength(c.links.length);

    // Three API requests per file succeeded, and the limit held: a calendar second overlaps
    // at most two windows of LIMIT.
    const api = state.requests.filter((q) => q.origin === "api");
    const ok = api.filter((q) => q.status === 200);
    expect(ok).toHaveLength(3 * c.links.length);
    const bySecond = (list: typeof api) => {
      const m = new Map<string, number>();
      for (const q of list) m.set(q.time.slice(0, 19), (m.get(q.time.slice(0, 19)) ?? 0) + 1);
      return [...m.values()];
    };
    expect(Math.max(...bySecond(ok))).toBeLessThanOrEqual(2 * LIMIT);
    // Every shard backs off until the reset: in any second the server sees at most the
    // allowed requests plus what the shards had in flight when they were told to wait, not
    // a busy loop of retries. The total is bounded the same way.
    expect(Math.max(...bySecond(api))).toBeLessThanOrEqual(2 * (LIMIT + IN_FLIGHT));
    const seconds = bySecond(api).length;
    expect(api.length).toBeLessThanOrEqual(3 * c.links.length + seconds * IN_FLIGHT);
  }, 180_000);
});

describe("grc mock serve --rate-limit", () => {
  it("N/window limits the Sovereign endpoints per key: X-RateLimit-* on every answer, then 429", async () => {
    const bad = await runGrc(["mock", "serve", "--rate-limit", "2/fortnight"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe(
      'grc: --rate-limit "2/fortnight" is not N or N/WINDOW — e.g. --rate-limit 100 (per 60 s) or --rate-limit 20/1s\n',
    );
    const mock = await spawnMock(["--rate-limit", "2/1m"]);
    try {
      const { base_url, org_id, api_key, read_only_api_key } = mock.identity;
      const call = (key: string) =>
        fetch(`${base_url}/api/v1/orgs/${org_id}/evidence/upload-url`, {
          method: "POST",
          headers: { Authorization: `Bearer ${key}`, "Content-Type": "application/json" },
          body: JSON.stringify({
            filename: "a.csv",
            content_type: "text/csv",
            control_id: "CC6.1",
          }),
        });
      const answers = [await call(api_key), await call(api_key), await call(api_key)];
      expect(answers.map((a) => a.status)).toEqual([200, 200, 429]);
      expect(answers.map((a) => a.headers.get("x-ratelimit-remaining"))).toEqual(["1", "0", "0"]);
      const reset = Date.parse(answers[2]!.headers.get("x-ratelimit-reset")!);
      expect(answers[2]!.headers.get("x-ratelimit-limit")).toBe("2");
      const retryAfter = Number(answers[2]!.headers.get("retry-after"));
      expect(retryAfter).toBeGreaterThanOrEqual(59);
      expect(retryAfter).toBeLessThanOrEqual(61);
      expect(reset - Date.now()).toBeGreaterThan(58_000);
      expect(await answers[2]!.json()).toEqual({
        detail: "Request limit exceeded. Please try again later.",
      });
      // Another key has its own window.
      expect((await call(read_only_api_key)).headers.get("x-ratelimit-remaining")).toBe("1");
    } finally {
      await mock.stop();
    }
  });
});
