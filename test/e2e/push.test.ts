import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { GRC_BIN, runGrc } from "../helpers/cli.js";
import { writeFiles } from "../helpers/files.js";
import { DIALECTS, type MockStateSnapshot, withMock } from "../helpers/mock.js";

/** End to end: the built CLI against the mock, asserting what the server stored and linked. */

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-e2e-push-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Creates files under a fresh folder; returns the folder. */
function tree(name: string, files: Record<string, string | Buffer>): string {
  return writeFiles(join(root, name), files);
}

/** runGrc, or the same as another user through setpriv (root ignores file permissions). */
function runAs(
  user: string | undefined,
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  if (!user) return runGrc(args, opts);
  return new Promise((resolve, reject) => {
    const child = spawn(
      "setpriv",
      ["--reuid", user, "--regid", "nogroup", "--clear-groups", process.execPath, GRC_BIN, ...args],
      {
        cwd: opts.cwd,
        env: { PATH: process.env.PATH, HOME: "/tmp", NO_COLOR: "1", ...opts.env },
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

function linkedShas(state: MockStateSnapshot, control: string): string[] {
  return (state.lineage as { evidence_id: string; control_id: string }[])
    .filter((l) => l.control_id === control)
    .map((l) => l.evidence_id)
    .sort();
}

const mixed = {
  "access_logs_2024.csv": "user,time\nalice,2024-01-01\n",
  "policies/password.pdf": Buffer.alloc(50_000, 1),
  "policies/nested/config.json": '{"mfa":true}',
  "screens/shot.png": Buffer.alloc(3_000, 2),
  "notes.unknownext": "plain",
  ".secret-hidden.txt": "hidden",
  "empty.txt": "",
};

describe.each(DIALECTS)("%s dialect", (dialect) => {
  describe("grc evidence push (e2e)", () => {
    const mock = withMock({ dialect, platforms: ["sovereign"] });
    let config: string;
    beforeEach(async () => {
      await mock.reset();
      config = mkdtempSync(join(root, "cfg-"));
    });
    const env = () => ({ ...mock.env(), GRC_CONFIG_DIR: config });

    it("pushes a folder of mixed files: stored bytes, signed types and one link each", async () => {
      const dir = tree("mixed", mixed);
      const r = await runGrc(
        ["evidence", "push", ".", "--control", "CC6.1", "--framework", "SOC2"],
        {
          env: env(),
          cwd: dir,
        },
      );
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(
        /^6 files: 6 linked · 51\.8 KiB in [\d.]+m?s \([\d.]+ [KM]iB\/s\)\n$/,
      );
      expect(r.code, r.stderr).toBe(0);
      const state = mock.state();
      const visible = Object.entries(mixed).filter(([p]) => !p.startsWith("."));
      expect(linkedShas(state, "CC6.1")).toEqual(visible.map(([, c]) => sha(c)).sort());
      const types = Object.fromEntries(
        state.objects.map((o) => [o.object_key.split("/").pop(), o.content_type]),
      );
      expect(types).toEqual({
        "access_logs_2024.csv": "text/csv",
        "password.pdf": "application/pdf",
        "config.json": "application/json",
        "shot.png": "image/png",
        "notes.unknownext": "application/octet-stream",
        "empty.txt": "text/plain",
      });
      // Every PUT sent a Content-Length (never chunked) and no platform credential.
      const puts = state.requests.filter((q) => q.origin === "storage");
      expect(puts).toHaveLength(6);
      for (const put of puts) {
        expect(put).toMatchObject({
          method: "PUT",
          status: 200,
          authorization: false,
          cookie: false,
        });
        expect(put.content_length).not.toBeNull();
      }
    });

    it("selects with globs, --include and --exclude, and --hidden", async () => {
      const dir = tree("globs", {
        "a/one.csv": "1",
        "a/skip/two.csv": "2",
        "a/three.txt": "3",
        "b/four.csv": "4",
        "b/.five.csv": "5",
      });
      const r = await runGrc(
        [
          "evidence",
          "push",
          "a/**/*.csv",
          "b",
          "--include",
          "*.csv",
          "--exclude",
          "**/skip/**",
          "--hidden",
          "--control",
          "C1",
        ],
        { env: env(), cwd: dir },
      );
      expect(r.code, r.stderr).toBe(0);
      expect(linkedShas(mock.state(), "C1")).toEqual([sha("1"), sha("4"), sha("5")].sort());
    });

    it("pushes many folders to many controls with a map file", async () => {
      const dir = tree("mapped", {
        "iam/users.csv": "users",
        "iam/roles.csv": "roles",
        "logs/app.log": "log",
        "map.yaml": [
          "rules:",
          "  - paths: [iam]",
          "    control: CC6.1",
          "    framework: SOC2",
          "  - globs: 'logs/*.log'",
          "    control: CC7.2",
          "    assessment: 2024-Q3",
        ].join("\n"),
      });
      // Run from elsewhere: map paths resolve against the map file's folder.
      const r = await runGrc(["evidence", "push", "--map", join(dir, "map.yaml"), "-o", "ndjson"], {
        env: env(),
        cwd: root,
      });
      expect(r.code, r.stderr).toBe(0);
      const rows = r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(
        rows.map((x) => [x.control_id, x.framework_id, x.assessment_id, x.status]).sort(),
      ).toEqual([
        ["CC6.1", "SOC2", null, "linked"],
        ["CC6.1", "SOC2", null, "linked"],
        ["CC7.2", null, "2024-Q3", "linked"],
      ]);
      const state = mock.state();
      expect(linkedShas(state, "CC6.1")).toEqual([sha("users"), sha("roles")].sort());
      expect(linkedShas(state, "CC7.2")).toEqual([sha("log")]);
    });

    it("prints one JSON result per file with every documented field", async () => {
      const dir = tree("json", { "a.csv": "a,b\n" });
      const r = await runGrc(["evidence", "push", "a.csv", "--control", "CC6.1", "--json"], {
        env: env(),
        cwd: dir,
      });
      expect(r.code, r.stderr).toBe(0);
      const [row] = JSON.parse(r.stdout);
      expect(row).toEqual({
        path: "a.csv",
        size: 4,
        sha256: sha("a,b\n"),
        content_type: "text/csv",
        object_key: expect.stringMatching(
          /^orgs\/00000000-0000-0000-0000-000000000001\/evidence\/[0-9a-f-]+\/a\.csv$/,
        ),
        evidence_id: sha("a,b\n"),
        lineage_id: expect.any(String),
        control_id: "CC6.1",
        framework_id: null,
        assessment_id: null,
        created: true,
        verified: true,
        status: "linked",
        error: null,
      });
      expect(mock.state().lineage).toEqual([
        expect.objectContaining({ lineage_id: row.lineage_id }),
      ]);
    });

    it("sends exactly the Content-Type the URL was signed for (--content-type overrides)", async () => {
      const dir = tree("ctype", { "data.csv": "x" });
      const r = await runGrc(
        [
          "evidence",
          "push",
          "data.csv",
          "--control",
          "C1",
          "--content-type",
          "text/plain; charset=utf-8",
        ],
        { env: env(), cwd: dir },
      );
      expect(r.code, r.stderr).toBe(0);
      const state = mock.state();
      expect(state.objects[0]!.content_type).toBe("text/plain; charset=utf-8");
      expect(state.requests.find((q) => q.origin === "storage")!.content_type).toBe(
        "text/plain; charset=utf-8",
      );
    });

    it("reruns with state: unchanged files are skipped with no network write; --force pushes again", async () => {
      const dir = tree("rerun", { "a.txt": "a", "b.txt": "b" });
      const args = ["evidence", "push", ".", "--control", "C1"];
      const first = await runGrc(args, { env: env(), cwd: dir });
      expect(first.code, first.stderr).toBe(0);
      await mock.reset();
      const again = await runGrc(args, { env: env(), cwd: dir });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stderr).toMatch(/^2 files: 0 linked, 2 skipped \(unchanged\) · 0 B in /);
      expect(mock.state().requests).toEqual([]);
      writeFileSync(join(dir, "b.txt"), "b2");
      const changed = await runGrc([...args, "-o", "ndjson"], { env: env(), cwd: dir });
      expect(
        changed.stdout
          .trim()
          .split("\n")
          .map((l) => JSON.parse(l).status)
          .sort(),
      ).toEqual(["linked", "skipped"]);
      const forced = await runGrc([...args, "--force", "--json"], { env: env(), cwd: dir });
      // a.txt was linked before the reset (so anew now); b2 was linked by the previous run.
      expect(JSON.parse(forced.stdout).map((x: { created: boolean }) => x.created)).toEqual([
        true,
        false,
      ]);
      expect(mock.state().requests.filter((q) => q.origin === "storage")).toHaveLength(3);
    });

    it("writes a receipt that `receipt verify` accepts, and rejects once it is altered", async () => {
      const dir = tree("receipt", { "a.csv": "1", "b.csv": "22" });
      const receipt = join(dir, "..", `${dialect}-receipt.ndjson`);
      const r = await runGrc(["evidence", "push", ".", "--control", "C1", "--receipt", receipt], {
        env: env(),
        cwd: dir,
      });
      expect(r.code, r.stderr).toBe(0);
      const text = readFileSync(receipt, "utf8");
      expect(text).not.toMatch(/X-Amz-Signature|sk-demo|Bearer/);
      const lines = text
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
      expect(lines.map((l) => l.type)).toEqual(["evidence", "evidence", "summary"]);
      expect(lines[0]).toMatchObject({
        base_url: mock.baseUrl,
        org_id: mock.identity.orgId,
        control_id: "C1",
      });
      const ok = await runGrc(["evidence", "receipt", "verify", receipt, "--files"], { cwd: dir });
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout).toMatch(
        /^receipt .*receipt\.ndjson is intact: 2 files \(3 B\) linked on http:\/\/127\.0\.0\.1:\d+ org 00000000-0000-0000-0000-000000000001 at \S+; 2 files re-hashed\n$/,
      );
      writeFileSync(receipt, text.replace('"size":1,', '"size":9,'));
      const bad = await runGrc(["evidence", "receipt", "verify", receipt], { cwd: dir });
      expect(bad.code, bad.stderr).toBe(1);
      expect(bad.stderr).toContain(
        "the summary's SHA-256 does not match the lines before it: the receipt was altered",
      );
    });

    it("dry run lists sizes and hashes and sends nothing", async () => {
      const dir = tree("dry", { "a.csv": "abc" });
      const r = await runGrc(["evidence", "push", ".", "--control", "C1", "--dry-run"], {
        env: env(),
        cwd: dir,
      });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe(`dry-run\ta.csv\t3\t${sha("abc")}\ttext/csv\tC1\n`);
      expect(r.stderr).toBe("dry run: 1 file (3 B) would be pushed; nothing was sent\n");
      expect(mock.state().requests).toEqual([]);
    });

    describe("bad input: one line, the documented exit code, nothing linked", () => {
      it.each([
        [
          ["missing.csv", "--control", "C1"],
          2,
          "grc: path not found: missing.csv — check the path; quote glob patterns so the shell does not expand them\n",
        ],
        [
          ["emptydir", "--control", "C1"],
          2,
          "grc: no files to push in folder emptydir — hidden files are skipped unless --hidden; symlinked folders unless --follow-symlinks\n",
        ],
        [
          ["a.csv"],
          2,
          "grc: missing --control: which control should these files be linked to? — pass --control <id> (e.g. --control CC6.1), or use --map for per-folder controls\n",
        ],
        [
          ["--map", "broken.yaml"],
          2,
          "grc: map file broken.yaml does not parse: Block collections are not allowed within flow collections at line 2, column 3 — fix the YAML/JSON syntax\n",
        ],
        [
          ["--map", "broken.yaml", "--control", "C1"],
          2,
          "grc: --control, --framework and --assessment apply to paths named on the command line — the map file's rules name their own control, framework and assessment\n",
        ],
        [
          ["a.csv", "--control", "C1", "--concurrency", "0"],
          2,
          'grc: --concurrency must be a whole number from 1 to 256, got "0"\n',
        ],
      ])("%j", async (args, code, stderr) => {
        const dir = tree("bad", {
          "a.csv": "a",
          "emptydir/.hidden": "h",
          "broken.yaml": "rules: [\n  - x",
        });
        const r = await runGrc(["evidence", "push", ...(args as string[])], {
          env: env(),
          cwd: dir,
        });
        expect(r.stderr).toBe(stderr);
        expect(r.code, r.stderr).toBe(code);
        expect(r.stdout).toBe("");
        expect(mock.state().requests).toEqual([]);
      });

      // As root, permissions only bite through setpriv (util-linux); without it the case is skipped.
      const canDropRoot =
        process.getuid?.() !== 0 || ["/usr/bin/setpriv", "/bin/setpriv"].some((p) => existsSync(p));
      it.skipIf(!canDropRoot)(
        "reports an unreadable file and links the others (exit 1)",
        async ({ skip }) => {
          const dir = tree("unreadable", { "locked.csv": "secret", "open.csv": "fine" });
          chmodSync(join(dir, "locked.csv"), 0o000);
          // Root reads anything: run the CLI as nobody then (setpriv), so permissions apply.
          const asRoot = process.getuid?.() === 0;
          if (asRoot) {
            for (const d of [root, dir]) chmodSync(d, 0o755);
            // A checkout under a private folder (mktemp -d is 0700) is out of nobody's reach.
            const probe = await runAs("nobody", ["--version"], { env: {}, cwd: dir });
            if (probe.code !== 0) {
              process.stderr.write(
                "SKIPPED unreadable-file test: user nobody cannot run this checkout's bin/grc.js\n",
              );
              skip("user nobody cannot run this checkout's bin/grc.js");
            }
          }
          const cfg = mkdtempSync(join(root, "cfg-"));
          chmodSync(cfg, 0o777);
          const r = await runAs(
            asRoot ? "nobody" : undefined,
            ["evidence", "push", ".", "--control", "C1"],
            {
              env: { ...env(), GRC_CONFIG_DIR: cfg },
              cwd: dir,
            },
          );
          expect(r.stderr.split("\n")[0]).toBe(
            "grc: failed locked.csv: cannot read the file: permission denied (EACCES) — check the file and its permissions",
          );
          expect(r.code, r.stderr).toBe(1);
          expect(linkedShas(mock.state(), "C1")).toEqual([sha("fine")]);
          expect(mock.state().requests.filter((q) => q.path.endsWith("/upload-url"))).toHaveLength(
            1,
          );
        },
      );

      it("names the missing scope and the API Keys page (exit 3)", async () => {
        const dir = tree("scope", { "a.csv": "a" });
        const r = await runGrc(["evidence", "push", "a.csv", "--control", "C1"], {
          env: { ...env(), GRC_API_KEY: mock.identity.readOnlyApiKey },
          cwd: dir,
        });
        expect(r.code, r.stderr).toBe(3);
        expect(r.stderr.trim().split("\n").at(-1)).toBe(
          "grc: the API key lacks the write:evidence scope (403 missing required scope) — widen the key's scopes on the API Keys page (write:evidence or write:*)",
        );
        expect(mock.state().lineage).toEqual([]);
      });

      it("says when the key's user is not a member of the organization (exit 3)", async () => {
        const dir = tree("member", { "a.csv": "a" });
        const r = await runGrc(["evidence", "push", "a.csv", "--control", "C1"], {
          env: { ...env(), GRC_API_KEY: mock.identity.noOrgApiKey },
          cwd: dir,
        });
        expect(r.code, r.stderr).toBe(3);
        expect(r.stderr).toMatch(/grc: not a member of this organization/);
        expect(r.stderr).not.toContain("sk-demo");
      });
    });
  });

  describe("grc evidence push against a limited server (e2e)", () => {
    const mock = withMock({ dialect, platforms: ["sovereign"], maxSize: 1024 });
    beforeEach(() => mock.reset());

    it("fails a file over max_size before sending a byte; the others are linked (exit 1)", async () => {
      const dir = tree("maxsize", { "big.bin": Buffer.alloc(4096, 1), "small.txt": "s" });
      const r = await runGrc(["evidence", "push", ".", "--control", "C1"], {
        env: { ...mock.env(), GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")) },
        cwd: dir,
      });
      expect(r.code, r.stderr).toBe(1);
      const lines = r.stderr.split("\n");
      expect(lines[0]).toBe(
        "grc: failed big.bin: the file is 4.0 KiB, larger than the 1.0 KiB the server accepts (max_size 1024 bytes); nothing was sent — split the file or ask the platform operator to raise the limit",
      );
      expect(lines[1]).toMatch(/^2 files: 1 linked, 1 failed · 1 B in /);
      expect(lines).toHaveLength(3);
      const state = mock.state();
      expect(state.requests.filter((q) => q.origin === "storage")).toHaveLength(1);
      expect(linkedShas(state, "C1")).toEqual([sha("s")]);
    });
  });

  describe("grc evidence push without object storage (e2e)", () => {
    const mock = withMock({ dialect, platforms: ["sovereign"], storage: false });

    it("stops with the 503 in one line (exit 4)", async () => {
      const dir = tree("nostorage", { "a.csv": "a" });
      const r = await runGrc(["evidence", "push", "a.csv", "--control", "C1"], {
        env: { ...mock.env(), GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")) },
        cwd: dir,
      });
      expect(r.code, r.stderr).toBe(4);
      expect(r.stderr.trim().split("\n").at(-1)).toBe(
        "grc: object storage is not configured on the server (503); nothing was uploaded — ask the platform operator to configure object storage (R2_* / CF_ACCOUNT_ID)",
      );
    });
  });
});
