import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGrc, tempConfigDir } from "../helpers/cli.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

/**
 * `grc evidence push` and `grc strata cases evidence upload` are one pipeline: the same
 * `-c, --concurrency` (default 8, 1-256) and `--dry-run`, on both dialects of the mock.
 */

const sha = (b: Buffer | string) => createHash("sha256").update(b).digest("hex");

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-upload-flags-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function folder(name: string): { dir: string; files: Record<string, string> } {
  const dir = mkdtempSync(join(root, `${name}-`));
  const files = { "a.txt": "alpha\n", "b.csv": "x,y\n1,2\n" };
  for (const [f, c] of Object.entries(files)) writeFileSync(join(dir, f), c);
  return { dir, files };
}

describe.each(DIALECTS)("upload flags shared by push and case upload (%s dialect)", (dialect) => {
  const mock = withMock({ dialect, platforms: ["sovereign", "strata"] });
  const sovereignEnv = () => ({ ...mock.env(), GRC_CONFIG_DIR: tempConfigDir() });
  const strataEnv = () => ({
    GRC_BASE_URL: mock.baseUrl,
    GRC_SESSION: mock.identity.session,
    GRC_CONFIG_DIR: tempConfigDir(),
  });
  const caseUploads = () =>
    mock.state().requests.filter((r) => r.path === "/strata/api/cases/evidence").length;

  it("case upload --dry-run hashes and lists the files, sends nothing, exit 0", async () => {
    const { dir, files } = folder("case-dry");
    const before = caseUploads();
    const res = await runGrc(
      ["strata", "cases", "evidence", "upload", "6", dir, "--dry-run", "--output", "ndjson"],
      { env: strataEnv() },
    );
    expect(res.code, res.stderr).toBe(0);
    const rows = res.stdout
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as { status: string; sha256: string; filename: string });
    expect(rows.map((r) => [r.filename, r.status, r.sha256]).sort()).toEqual(
      [
        ["a.txt", "dry-run", sha(files["a.txt"]!)],
        ["b.csv", "dry-run", sha(files["b.csv"]!)],
      ].sort(),
    );
    expect(res.stderr).toBe(
      "dry run: 2 files (14 B) would be uploaded to case 6; nothing was sent\n",
    );
    expect(caseUploads()).toBe(before);
  });

  it("case upload -c 1 and -c 256 upload every file; the mock stores each with its SHA-256", async () => {
    for (const c of ["1", "256"]) {
      const { dir, files } = folder(`case-c${c}`);
      const res = await runGrc(
        ["strata", "cases", "evidence", "upload", "6", dir, "-c", c, "--no-state"],
        { env: strataEnv() },
      );
      expect(res.code, res.stderr).toBe(0);
      expect(res.stderr).toMatch(
        /^2 files to case 6: 2 uploaded( \(2 already on the case\))? · 14 B in \S+.*\n$/,
      );
      const stored = (
        mock.state().strata as { evidence: { filename: string; sha256: string }[] }
      ).evidence.map((e) => e.sha256);
      expect(stored).toEqual(expect.arrayContaining([sha(files["a.txt"]!), sha(files["b.csv"]!)]));
    }
  });

  it("case upload prints push's totals by default, one row per file with --verbose", async () => {
    const { dir, files } = folder("case-verbose");
    const env = strataEnv();
    const quiet = await runGrc(["strata", "cases", "evidence", "upload", "6", dir, "--no-state"], {
      env,
    });
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toBe("");
    expect(quiet.stderr).toMatch(/^2 files to case 6: 2 uploaded/);
    const verbose = await runGrc(
      ["strata", "cases", "evidence", "upload", "6", dir, "--no-state", "--verbose"],
      { env },
    );
    expect(verbose.code, verbose.stderr).toBe(0);
    // Piped: tab-separated rows (status, path, bytes, whole SHA-256, evidence id).
    const rows = verbose.stdout
      .trimEnd()
      .split("\n")
      .map((l) => l.split("\t"));
    expect(rows.map((r) => [r[0], r[1], r[2], r[3]]).sort()).toEqual(
      [
        ["uploaded", join(dir, "a.txt"), "6", sha(files["a.txt"]!)],
        ["uploaded", join(dir, "b.csv"), "8", sha(files["b.csv"]!)],
      ].sort(),
    );
    for (const r of rows) expect(r[4]).toMatch(/^\d+$/);
    // -q, as on push: nothing but errors.
    const silent = await runGrc(
      ["strata", "cases", "evidence", "upload", "6", dir, "--no-state", "-q"],
      { env },
    );
    expect(silent.code, silent.stderr).toBe(0);
    expect(silent.stdout).toBe("");
    expect(silent.stderr).toBe("");
  });

  it("push -c 2 links every file; push --dry-run sends nothing", async () => {
    const { dir } = folder("push-c");
    const env = sovereignEnv();
    const dry = await runGrc(["evidence", "push", dir, "--control", "CC6.1", "--dry-run"], {
      env,
    });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stderr).toMatch(/^dry run: 2 files .* would be pushed; nothing was sent\n$/);
    const res = await runGrc(["evidence", "push", dir, "--control", "CC6.1", "-c", "2"], {
      env,
    });
    expect(res.code, res.stderr).toBe(0);
    expect(res.stderr).toMatch(/^2 files: 2 linked/);
  });

  it("a receipt that cannot be opened leaves the state closed and unlocked (case upload)", async () => {
    const { dir } = folder("case-receipt");
    const env = strataEnv();
    const before = caseUploads();
    // A folder where the receipt file should be: opening it fails after the state was loaded.
    const res = await runGrc(
      ["strata", "cases", "evidence", "upload", "6", dir, "--receipt", dir],
      { env },
    );
    expect(res.code).not.toBe(0);
    expect(res.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(caseUploads()).toBe(before);
    const lock = join(env.GRC_CONFIG_DIR, "state", "default.json.lock");
    expect(existsSync(lock)).toBe(false);
    // The next run is not kept waiting by a lock: it uploads at once.
    const again = await runGrc(["strata", "cases", "evidence", "upload", "6", dir], { env });
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(
      /^2 files to case 6: 2 uploaded( \(2 already on the case\))? · 14 B in \S+.*\n$/,
    );
  });

  it.each([["0"], ["257"], ["1e1"]])(
    "refuses -c %s alike on both commands (exit 2, one line, nothing sent)",
    async (c) => {
      const { dir } = folder("bad-c");
      const push = await runGrc(["evidence", "push", dir, "--control", "CC6.1", "-c", c], {
        env: sovereignEnv(),
      });
      const up = await runGrc(["strata", "cases", "evidence", "upload", "6", dir, "-c", c], {
        env: strataEnv(),
      });
      for (const r of [push, up]) {
        expect(r.code).toBe(2);
        expect(r.stderr.split("\n")[0]).toContain(
          `--concurrency must be a whole number from 1 to 256, got "${c}"`,
        );
        expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      }
    },
  );
});
