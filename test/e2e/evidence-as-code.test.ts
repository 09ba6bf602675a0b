import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  appendFileSync,
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type CliResult, GRC_BIN, runGrc, tempConfigDir } from "../helpers/cli.js";
import { writeFiles } from "../helpers/files.js";
import { DIALECTS, type MockStateSnapshot, withMock } from "../helpers/mock.js";

/**
 * `grc evidence plan|apply` end to end: the built CLI against the mock, asserting exit codes,
 * the plan's lines and what the server stored and linked.
 */

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");
const root = mkdtempSync(join(tmpdir(), "grc-e2e-eac-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
/** A fresh project folder with files and a grc.yaml, and a fresh config dir. */
function project(files: Record<string, string>, yaml: string): { dir: string; config: string } {
  n += 1;
  const dir = join(root, `p${n}`);
  mkdirSync(dir, { recursive: true });
  writeFiles(dir, files);
  writeFileSync(join(dir, "grc.yaml"), yaml);
  return { dir, config: tempConfigDir() };
}

/** Runs the built CLI as user nobody (setpriv): root reads any file, nobody does not. */
function runAsNobody(
  args: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string },
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      "setpriv",
      [
        "--reuid",
        "nobody",
        "--regid",
        "nogroup",
        "--clear-groups",
        process.execPath,
        GRC_BIN,
        ...args,
      ],
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

type Lineage = { evidence_id: string; control_id: string; framework_id?: string | null };
const links = (state: MockStateSnapshot) =>
  (state.lineage as Lineage[])
    .map((l) => `${l.evidence_id.slice(0, 12)} ${l.control_id} ${l.framework_id ?? "-"}`)
    .sort();

const YAML = [
  "# yaml-language-server: $schema=https://grc.dev/schema/grc.schema.json",
  "rules:",
  "  - paths: [evidence]",
  "    controls:",
  "      - { control: CC6.1, framework: SOC2 }",
  "      - { control: A.9.2, framework: ISO27001 }",
  "",
].join("\n");

describe.each(DIALECTS)("grc evidence plan and apply (%s dialect)", (dialect) => {
  const mock = withMock({ dialect });
  const grc = (args: string[], p: { dir: string; config: string }) =>
    runGrc(args, { cwd: p.dir, env: { ...mock.env(), GRC_CONFIG_DIR: p.config } });

  it("plan exits 2 with one line per file and control, apply pushes it, the next plan exits 0", async () => {
    await mock.reset();
    const p = project(
      { "evidence/access.csv": "user,time\nalice,1\n", "evidence/mfa.json": '{"mfa":true}' },
      YAML,
    );
    const a = sha("user,time\nalice,1\n");
    const m = sha('{"mfa":true}');

    const plan = await grc(["evidence", "plan"], p);
    expect(plan.stderr).toBe("");
    expect(plan.code).toBe(2);
    expect(plan.stdout).toBe(
      [
        `new        evidence/access.csv  CC6.1 SOC2  (${a.slice(0, 12)})`,
        `new        evidence/mfa.json    CC6.1 SOC2  (${m.slice(0, 12)})`,
        `new        evidence/access.csv  A.9.2 ISO27001  (${a.slice(0, 12)})`,
        `new        evidence/mfa.json    A.9.2 ISO27001  (${m.slice(0, 12)})`,
        "Plan: 4 new, 0 changed, 0 unchanged, 0 missing.",
        "",
      ].join("\n"),
    );
    // A plan sends nothing.
    expect(mock.state().requests.filter((r) => r.path.includes("/evidence"))).toEqual([]);

    const apply = await grc(["evidence", "apply", "--receipt", "receipt.ndjson"], p);
    expect(apply.code, apply.stderr).toBe(0);
    expect(links(mock.state())).toEqual(
      [
        `${a.slice(0, 12)} CC6.1 SOC2`,
        `${a.slice(0, 12)} A.9.2 ISO27001`,
        `${m.slice(0, 12)} CC6.1 SOC2`,
        `${m.slice(0, 12)} A.9.2 ISO27001`,
      ].sort(),
    );
    const receipt = readFileSync(join(p.dir, "receipt.ndjson"), "utf8").trim().split("\n");
    expect(receipt).toHaveLength(5);
    expect(JSON.parse(receipt[4]!)).toMatchObject({ type: "summary", linked: 4 });

    const again = await grc(["evidence", "plan", "--json"], p);
    expect(again.code, again.stderr).toBe(0);
    const doc = JSON.parse(again.stdout);
    expect(doc.counts).toEqual({ new: 0, changed: 0, unchanged: 4, missing: 0, error: 0 });
    expect(doc.items.map((i: { sha256: string }) => i.sha256)).toEqual([a, m, a, m]);
  });

  it("changed, renamed and deleted files: changed is pushed, renamed is recognised, deleted is missing", async () => {
    await mock.reset();
    const p = project(
      { "evidence/a.csv": "a\n", "evidence/b.csv": "b\n", "evidence/c.csv": "c\n" },
      "rules:\n  - paths: [evidence]\n    control: CC6.1\n",
    );
    expect((await grc(["evidence", "apply"], p)).code).toBe(0);
    const objects = mock.state().objects.length;
    appendFileSync(join(p.dir, "evidence/a.csv"), "more\n");
    writeFileSync(join(p.dir, "evidence/b-renamed.csv"), "b\n");
    rmSync(join(p.dir, "evidence/b.csv"));
    rmSync(join(p.dir, "evidence/c.csv"));

    const plan = await grc(["evidence", "plan"], p);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout.split("\n")).toEqual([
      `changed    evidence/a.csv          CC6.1  (was ${sha("a\n").slice(0, 12)}, now ${sha("a\nmore\n").slice(0, 12)})`,
      "unchanged  evidence/b-renamed.csv  CC6.1  (same content as linked evidence/b.csv)",
      `missing    evidence/c.csv          CC6.1  (linked ${sha("c\n").slice(0, 12)}, file gone)`,
      "Plan: 0 new, 1 changed, 1 unchanged, 1 missing.",
      "",
    ]);
    const apply = await grc(["evidence", "apply", "--output", "json"], p);
    expect(apply.code, apply.stderr).toBe(0);
    // Only the changed file was sent.
    expect(
      JSON.parse(apply.stdout).map((r: { path: string; status: string }) => [r.path, r.status]),
    ).toEqual([["evidence/a.csv", "linked"]]);
    expect(mock.state().objects.length).toBe(objects + 1);
    // Missing alone is not a change: nothing would be sent.
    const after = await grc(["evidence", "plan"], p);
    expect(after.code).toBe(0);
    expect(after.stdout).toContain("Plan: 0 new, 0 changed, 2 unchanged, 1 missing.");
  });

  it("a file changed after a saved plan: apply refuses with one line and sends nothing", async () => {
    await mock.reset();
    const p = project(
      { "evidence/a.csv": "a\n", "evidence/b.csv": "b\n" },
      "rules:\n  - paths: [evidence]\n    control: CC6.1\n",
    );
    const plan = await grc(["evidence", "plan", "--out", "plan.json"], p);
    expect(plan.code).toBe(2);
    const saved = JSON.parse(readFileSync(join(p.dir, "plan.json"), "utf8"));
    expect(saved.items.map((i: { path: string; sha256: string }) => [i.path, i.sha256])).toEqual([
      ["evidence/a.csv", sha("a\n")],
      ["evidence/b.csv", sha("b\n")],
    ]);
    writeFileSync(join(p.dir, "evidence/b.csv"), "tampered\n");
    const apply = await grc(["evidence", "apply", "--plan", "plan.json"], p);
    expect(apply).toEqual({
      code: 2,
      stdout: "",
      stderr: `grc: evidence/b.csv changed since the plan plan.json (SHA-256 ${sha("tampered\n").slice(0, 12)}, planned ${sha("b\n").slice(0, 12)}); nothing was sent — run \`grc evidence plan\` again\n`,
    });
    expect(mock.state().lineage).toEqual([]);
    expect(mock.state().objects).toEqual([]);

    // Put back, the saved plan applies; applied again it sends nothing (resumable, same state).
    writeFileSync(join(p.dir, "evidence/b.csv"), "b\n");
    expect((await grc(["evidence", "apply", "--plan", "plan.json"], p)).code).toBe(0);
    expect(mock.state().lineage).toHaveLength(2);
    const twice = await grc(["evidence", "apply", "--plan", "plan.json", "--output", "json"], p);
    expect(twice.code, twice.stderr).toBe(0);
    expect(JSON.parse(twice.stdout).map((r: { status: string }) => r.status)).toEqual([
      "skipped",
      "skipped",
    ]);
    expect(mock.state().objects).toHaveLength(2);
  });

  it("errors never exit 0 or 2: a bad grc.yaml, a bad flag, no config exit 1 with one line", async () => {
    const p = project(
      { "evidence/a.csv": "a\n" },
      "rules:\n  - paths: [evidence]\n    controls:\n      - { control: CC6.1, framework: 2 }\n",
    );
    const bad = await grc(["evidence", "plan"], p);
    expect(bad).toEqual({
      code: 1,
      stdout: "",
      stderr:
        "grc: map file grc.yaml rule 1 controls[1] framework must be quoted text (YAML read it as the number 2) — each rule needs paths (or globs) and control (or controls); see docs/evidence-as-code.md\n",
    });
    const flag = await grc(["evidence", "plan", "--detailed"], p);
    expect(flag.code).toBe(1);
    expect(flag.stderr).toBe("grc: unknown option '--detailed' — run with --help for usage\n");
    const none = await grc(["evidence", "plan", "--config", "nope.yaml"], p);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/^grc: map file not found: nope\.yaml — /);
    // apply keeps grc's usual 2 for bad input.
    expect((await grc(["evidence", "apply", "--config", "nope.yaml"], p)).code).toBe(2);
  });

  it("a linked file that became unreadable is an error (exit 1), never unchanged", async ({
    skip,
  }) => {
    await mock.reset();
    const p = project(
      { "evidence/locked.csv": "secret\n", "evidence/open.csv": "fine\n" },
      "rules:\n  - paths: [evidence]\n    control: CC6.1\n",
    );
    expect((await grc(["evidence", "apply"], p)).code).toBe(0);
    chmodSync(join(p.dir, "evidence/locked.csv"), 0o000);
    let r: CliResult;
    if (process.getuid?.() === 0) {
      for (const d of [root, p.dir, join(p.dir, "evidence")]) chmodSync(d, 0o755);
      // The state belongs to the user who runs grc (grc refuses another user's state file,
      // and takes a lock beside it).
      for (const f of [p.config, join(p.config, "state"), join(p.config, "state", "default.json")])
        chownSync(f, 65534, 65534);
      const probe = await runAsNobody(["--version"], { env: {}, cwd: p.dir });
      if (probe.code !== 0) {
        process.stderr.write(
          "SKIPPED unreadable-file plan test: user nobody cannot run this checkout's bin/grc.js\n",
        );
        skip("user nobody cannot run this checkout's bin/grc.js");
      }
      r = await runAsNobody(["evidence", "plan"], {
        env: { ...mock.env(), GRC_CONFIG_DIR: p.config },
        cwd: p.dir,
      });
    } else {
      r = await grc(["evidence", "plan"], p);
    }
    expect(r.stdout).toBe(
      [
        "error      evidence/locked.csv  CC6.1  (cannot read the file: permission denied (EACCES))",
        `unchanged  evidence/open.csv    CC6.1  (${sha("fine\n").slice(0, 12)})`,
        "Plan: 0 new, 0 changed, 1 unchanged, 0 missing, 1 unreadable.",
        "",
      ].join("\n"),
    );
    expect(r.stderr).toBe(
      "grc: 1 file(s) could not be read, so the plan is incomplete (evidence/locked.csv: cannot read the file: permission denied (EACCES)) — fix the files and plan again\n",
    );
    expect(r.code).toBe(1);
  });

  it("snapshots in grc.yaml are planned and applied like files; an unchanged result stays linked", async () => {
    await mock.reset();
    const p = project(
      {},
      [
        "snapshots:",
        "  - name: failing-alerts",
        "    query: { collection: alerts, filters: [status_eq=fail, risk_level_eq=high], sort: [id] }",
        "    controls: [{ control: CC7.1, framework: SOC2 }]",
        "",
      ].join("\n"),
    );
    const plan = await grc(["evidence", "plan", "--snapshot-dir", "snaps"], p);
    expect(plan.code, plan.stderr).toBe(2);
    expect(plan.stdout).toMatch(
      /^new {8}snaps\/failing-alerts\.json {2}CC7\.1 SOC2 \[snapshot failing-alerts\] {2}\([0-9a-f]{12}\)\n/,
    );
    const snapshot = readFileSync(join(p.dir, "snaps/failing-alerts.json"));
    const doc = JSON.parse(snapshot.toString());
    expect(doc.requests[0].url).toBe(
      `${mock.baseUrl}/api/v2/alerts?filter[status_eq]=fail&filter[risk_level_eq]=high&filter[sorts]=id&page[size]=100`,
    );
    expect(doc.count).toBe(doc.records.length);
    expect(
      doc.records.every(
        (r: { status: string; risk_level: string }) =>
          r.status === "fail" && r.risk_level === "high",
      ),
    ).toBe(true);

    expect((await grc(["evidence", "apply", "--snapshot-dir", "snaps"], p)).code).toBe(0);
    expect(links(mock.state())).toEqual([`${sha(snapshot).slice(0, 12)} CC7.1 SOC2`]);
    const again = await grc(["evidence", "plan", "--snapshot-dir", "snaps"], p);
    expect(again.code, again.stderr).toBe(0);
    expect(readFileSync(join(p.dir, "snaps/failing-alerts.json"))).toEqual(snapshot);
  });
});

describe("grc evidence plan and apply --shard", () => {
  const mock = withMock();
  const grc = (args: string[], p: { dir: string; config: string }) =>
    runGrc(args, { cwd: p.dir, env: { ...mock.env(), GRC_CONFIG_DIR: p.config } });

  it("two shards plan disjoint halves whose union is every file; each applies its own", async () => {
    await mock.reset();
    const files: Record<string, string> = {};
    for (let i = 0; i < 12; i++) files[`evidence/f${i}.txt`] = `file ${i}\n`;
    const p = project(files, "rules:\n  - paths: [evidence]\n    control: CC6.1\n");
    const planned: string[][] = [];
    for (const shard of ["1/2", "2/2"]) {
      const plan = await grc(["evidence", "plan", "--shard", shard, "--json"], p);
      expect(plan.stderr).toBe("");
      expect(plan.code).toBe(2);
      const doc = JSON.parse(plan.stdout) as { shard: string; items: { path: string }[] };
      expect(doc.shard).toBe(shard);
      planned.push(doc.items.map((i) => i.path));
    }
    const [one, two] = planned as [string[], string[]];
    expect(one.length).toBeGreaterThan(0);
    expect(two.length).toBeGreaterThan(0);
    expect(one.filter((path) => two.includes(path))).toEqual([]);
    expect([...one, ...two].sort()).toEqual(Object.keys(files).sort());

    for (const shard of ["1/2", "2/2"]) {
      const apply = await grc(["evidence", "apply", "--shard", shard, "--quiet"], p);
      expect(apply.stderr).toBe("");
      expect(apply.code).toBe(0);
    }
    // Every file linked exactly once, and each shard's next plan has nothing to do.
    expect(links(mock.state())).toEqual(
      Object.values(files)
        .map((c) => `${sha(c).slice(0, 12)} CC6.1 -`)
        .sort(),
    );
    for (const shard of ["1/2", "2/2"]) {
      expect((await grc(["evidence", "plan", "--shard", shard], p)).code).toBe(0);
    }

    const refused = await grc(["evidence", "apply", "--plan", "plan.json", "--shard", "1/2"], p);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/^grc: --shard goes with the plan, not with apply --plan — /);
  });
});
