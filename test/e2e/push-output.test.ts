import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { runGrc } from "../helpers/cli.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

/**
 * What `grc evidence push` prints and records (issue 14): totals by default, rows with
 * --verbose, a rerun's receipt that lists what it skipped, a receipt never replaced unasked,
 * one size format, and an error said once.
 */

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-e2e-push-output-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function tree(name: string, files: Record<string, string | Buffer>): string {
  const dir = join(root, name);
  for (const [rel, content] of Object.entries(files)) {
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), content);
  }
  return dir;
}

const lines = (file: string) =>
  readFileSync(file, "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe.each(DIALECTS)("%s dialect", (dialect) => {
  const mock = withMock({ dialect, platforms: ["sovereign"] });
  let config: string;
  beforeEach(async () => {
    await mock.reset();
    config = mkdtempSync(join(root, "cfg-"));
  });
  const env = () => ({ ...mock.env(), GRC_CONFIG_DIR: config });

  it("prints totals only by default; --verbose and -o table give one row per file", async () => {
    const big = Buffer.alloc(3 * 1024 * 1024 + 7, 3);
    const dir = tree(`verbose-${dialect}`, { "a.csv": "abc", "deep/big.bin": big });
    const args = ["evidence", "push", ".", "--control", "C1", "--no-state"];
    const plain = await runGrc(args, { env: env(), cwd: dir });
    expect(plain.code, plain.stderr).toBe(0);
    expect(plain.stdout).toBe("");
    expect(plain.stderr).toMatch(/^2 files: 2 linked · 3\.0 MiB in \S+ \(\S+ \S+\/s\)\n$/);
    const lineages = (mock.state().lineage as { evidence_id: string; lineage_id: string }[]).map(
      (l) => [l.evidence_id, l.lineage_id],
    );
    const lineageOf = Object.fromEntries(lineages);
    for (const extra of [["--verbose"], ["-o", "table"]]) {
      const r = await runGrc([...args, ...extra], { env: env(), cwd: dir });
      expect(r.code, r.stderr).toBe(0);
      // Piped: tab-separated, sizes in bytes, whole hashes and lineage ids (for scripts).
      expect(r.stdout).toBe(
        `linked\ta.csv\t3\tC1\t${sha("abc")}\t${lineageOf[sha("abc")]}\n` +
          `linked\tdeep/big.bin\t${big.length}\tC1\t${sha(big)}\t${lineageOf[sha(big)]}\n`,
      );
      expect(r.stderr).toMatch(/^2 files: 2 linked \(2 already linked\) · 3\.0 MiB in /);
    }
  });

  it("dry run: one size format with push (bytes in piped rows, KiB/MiB in the totals)", async () => {
    const dir = tree(`dry-${dialect}`, { "a.csv": "abc", "big.bin": Buffer.alloc(1536, 1) });
    const r = await runGrc(["evidence", "push", ".", "--control", "C1", "--dry-run"], {
      env: env(),
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `dry-run\ta.csv\t3\t${sha("abc")}\ttext/csv\tC1\n` +
        `dry-run\tbig.bin\t1536\t${sha(Buffer.alloc(1536, 1))}\tapplication/octet-stream\tC1\n`,
    );
    expect(r.stderr).toBe("dry run: 2 files (1.5 KiB) would be pushed; nothing was sent\n");
  });

  it("a rerun's receipt lists the skipped files as the state knows them, and verifies", async () => {
    const dir = tree(`rerun-${dialect}`, { "a.csv": "1", "b/c.txt": "22" });
    const args = ["evidence", "push", ".", "--control", "C1"];
    const first = await runGrc([...args, "--receipt", `../first-${dialect}.ndjson`], {
      env: env(),
      cwd: dir,
    });
    expect(first.code, first.stderr).toBe(0);
    const linked = lines(join(dir, "..", `first-${dialect}.ndjson`)).filter(
      (l) => l.type === "evidence",
    );
    await mock.reset();
    const again = await runGrc([...args, "--receipt", `../again-${dialect}.ndjson`], {
      env: env(),
      cwd: dir,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/^2 files: 0 linked, 2 skipped \(unchanged\) · 0 B in /);
    expect(mock.state().requests).toEqual([]);
    const file = join(dir, "..", `again-${dialect}.ndjson`);
    const text = readFileSync(file, "utf8");
    const rerun = lines(file);
    expect(rerun.map((l) => l.type)).toEqual(["skipped", "skipped", "summary"]);
    for (const before of linked) {
      const skipped = rerun.find((l) => l.path === before.path);
      expect(skipped).toEqual({
        type: "skipped",
        path: before.path,
        abs_path: before.abs_path,
        size: before.size,
        sha256: before.sha256,
        object_key: before.object_key,
        evidence_id: before.evidence_id,
        lineage_id: before.lineage_id,
        control_id: "C1",
        framework_id: null,
        assessment_id: null,
        reason: "unchanged",
        base_url: mock.baseUrl,
        org_id: mock.identity.orgId,
        linked_at: (before.times as { linked_at: string }).linked_at,
      });
    }
    expect(rerun.at(-1)).toMatchObject({
      type: "summary",
      version: 3,
      lines: 2,
      bytes: 0,
      linked: 0,
      skipped: 2,
      failed: 0,
    });
    // The seal an auditor checks without grc: SHA-256 of every byte before the 64 hex digits.
    expect(sha(text.slice(0, -67))).toBe(rerun.at(-1)!.sha256);
    const ok = await runGrc(["evidence", "receipt", "verify", file, "--files"], { cwd: dir });
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(
      /is intact: 0 files \(0 B\) linked on .*; 2 unchanged files already linked; 2 files re-hashed\n$/,
    );
    writeFileSync(file, text.replace('"reason":"unchanged"', '"reason":"unchanged" '));
    const bad = await runGrc(["evidence", "receipt", "verify", file], { cwd: dir });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("the receipt was altered");
  });

  it("refuses to replace an existing receipt (exit 2, nothing sent) unless asked", async () => {
    const dir = tree(`overwrite-${dialect}`, { "a.csv": "1" });
    const receipt = join(dir, "..", `kept-${dialect}.ndjson`);
    writeFileSync(receipt, "an earlier receipt\n");
    const args = ["evidence", "push", "a.csv", "--control", "C1", "--receipt", receipt];
    const refused = await runGrc(args, { env: env(), cwd: dir });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toBe(
      `grc: receipt ${receipt} already exists — pass --overwrite-receipt to replace it, or choose another --receipt path\n`,
    );
    expect(readFileSync(receipt, "utf8")).toBe("an earlier receipt\n");
    expect(mock.state().requests).toEqual([]);
    const replaced = await runGrc([...args, "--overwrite-receipt"], { env: env(), cwd: dir });
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(lines(receipt).map((l) => l.type)).toEqual(["evidence", "summary"]);
    // An empty file (mktemp) holds nothing to lose: it is written without the flag.
    const empty = join(dir, "..", `empty-${dialect}.ndjson`);
    writeFileSync(empty, "");
    const r = await runGrc(
      ["evidence", "push", "a.csv", "--control", "C1", "--receipt", empty, "--force"],
      { env: env(), cwd: dir },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(lines(empty).map((l) => l.type)).toEqual(["evidence", "summary"]);
  });
});

describe("against a closed port", () => {
  it("prints the error once, whole", async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const dir = tree("closed", { "a.csv": "1", "b.csv": "2", "c.csv": "3" });
    const r = await runGrc(
      ["evidence", "push", ".", "--control", "C1", "--no-state", "--retries", "1"],
      {
        env: {
          GRC_BASE_URL: `http://127.0.0.1:${port}`,
          GRC_ORG_ID: "00000000-0000-0000-0000-000000000001",
          GRC_API_KEY: "sk-demo-write-0123456789abcdef",
        },
        cwd: dir,
      },
    );
    expect(r.code).toBe(4);
    expect(r.stdout).toBe("");
    const errors = r.stderr.split("\n").filter((l) => l.startsWith("grc: "));
    expect(errors, r.stderr).toHaveLength(1);
    expect(errors[0]).toMatch(/ECONNREFUSED|refused|cannot connect/i);
  });
});
