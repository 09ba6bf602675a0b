import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { GRC_BIN } from "../helpers/cli.js";
import { REPO_ROOT, runAction } from "../helpers/github-actions.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

/**
 * Every example of docs/ci.md run against the mock: the commands are read out of the doc's
 * code blocks (found by the file name on their first line), so the doc and this test cannot
 * drift. Paths the examples name on a real machine (/var/lib/grc-evidence, /etc/grc/grc.env,
 * volume mounts) are mapped to temporary folders; `npm install --global @grc-cli/grc` is
 * replaced by the built grc on PATH; the platform's URL, org and key are the mock's.
 */

const DOC = readFileSync(join(REPO_ROOT, "docs/ci.md"), "utf8");
const INSTALL = "npm install --global @grc-cli/grc";
const sha = (data: string) => createHash("sha256").update(data).digest("hex");

/** The code block whose first line is `# <name>`, without that line. */
function block(name: string): string {
  for (const m of DOC.matchAll(/```\w*\n([\s\S]*?)```/g)) {
    const [first, ...rest] = m[1]!.split("\n");
    if (first === `# ${name}`) return rest.join("\n");
  }
  throw new Error(`docs/ci.md has no code block starting with "# ${name}"`);
}

let root: string;
let shimDir: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-e2e-ci-docs-"));
  // `grc` on PATH is the built CLI, as `npm install --global` would provide it.
  shimDir = join(root, "bin");
  mkdirSync(shimDir);
  writeFileSync(join(shimDir, "grc"), `#!/bin/sh\nexec "${process.execPath}" "${GRC_BIN}" "$@"\n`);
  chmodSync(join(shimDir, "grc"), 0o755);
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function run(
  argv: string[],
  opts: { env: NodeJS.ProcessEnv; cwd: string },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd,
      env: {
        PATH: `${shimDir}:${process.env.PATH}`,
        NO_COLOR: "1",
        ...opts.env,
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/** A corpus with the evidence-map.yaml the examples name; returns "control sha" of each file. */
function corpus(dir: string, n = 12): string[] {
  const links: string[] = [];
  for (let i = 0; i < n; i++) {
    const rel = i % 3 === 0 ? `policies/p-${i}.pdf` : `logs/${i % 2}/a-${i}.csv`;
    const content = `${dir} ${i}\n`;
    mkdirSync(join(dir, rel, ".."), { recursive: true });
    writeFileSync(join(dir, rel), content);
    links.push(`${i % 3 === 0 ? "CC1.1" : "CC6.1"} ${sha(content)}`);
  }
  writeFileSync(
    join(dir, "evidence-map.yaml"),
    'rules:\n  - paths: [logs]\n    control: CC6.1\n  - globs: "policies/*.pdf"\n    control: CC1.1\n',
  );
  return links.sort();
}

/** Replaces the machine paths an example names with test folders. */
function mapPaths(text: string, mapping: Record<string, string>): string {
  let out = text;
  for (const [from, to] of Object.entries(mapping)) out = out.split(from).join(to);
  return out;
}

/** Drops the install command an example runs before grc (grc is on PATH already). */
function withoutInstall(command: string): string {
  expect(command.startsWith(`${INSTALL} && `), command).toBe(true);
  return command.slice(INSTALL.length + 4);
}

describe.each(DIALECTS)("docs/ci.md examples (e2e, %s dialect)", (dialect) => {
  const mock = withMock({ platforms: ["sovereign"], dialect });
  beforeEach(() => mock.reset());
  const platform = () => mock.env() as Record<string, string>;
  const linked = () =>
    (mock.state().lineage as { evidence_id: string; control_id: string }[])
      .map((l) => `${l.control_id} ${l.evidence_id}`)
      .sort();
  /** Workflow expressions the examples use, answered for the mock. */
  const expression = (matrix: Record<string, string>, total: number) => (expr: string) => {
    const [, scope, name] = /^(vars|secrets|matrix|strategy)\.([\w-]+)$/.exec(expr) ?? [];
    if (scope === "vars" || scope === "secrets") return platform()[name!] ?? "";
    if (scope === "matrix") return matrix[name!] ?? "";
    if (scope === "strategy" && name === "job-total") return String(total);
    throw new Error(`unsupported expression ${expr}`);
  };
  const evaluate = (value: unknown, scope: (e: string) => string) =>
    String(value).replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, e: string) => scope(e));

  type Step = {
    id?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, string>;
  };
  type Workflow = {
    jobs: Record<
      string,
      { steps: Step[]; strategy?: { matrix: Record<string, unknown[]> }; needs?: string }
    >;
  };

  /** Runs a workflow job's grc action step with the given matrix values; checks the upload step. */
  async function actionJob(
    job: Workflow["jobs"][string],
    cwd: string,
    matrix: Record<string, string>,
    total: number,
  ) {
    const step = job.steps.find((s) => s.uses?.startsWith("grc-cli/grc@"))!;
    expect(step, "a step uses grc-cli/grc").toBeDefined();
    const scope = expression(matrix, total);
    const inputs = Object.fromEntries(
      Object.entries(step.with ?? {}).map(([k, v]) => [k, evaluate(v, scope)]),
    );
    const env = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(v, scope)]),
    );
    expect(Object.keys(env).sort()).toEqual(["GRC_API_KEY", "GRC_BASE_URL", "GRC_ORG_ID"]);
    expect(step.env?.GRC_API_KEY).toBe(`\${{ secrets.GRC_API_KEY }}`);
    const result = await runAction(inputs, {
      cwd,
      env: { ...env, GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")) },
    });
    // The receipt is uploaded whatever happened, from the path the action says it wrote.
    const upload = job.steps.find((s) => s.uses?.startsWith("actions/upload-artifact@"))!;
    expect(upload.if).toMatch(/^always\(\)/);
    expect(upload.with?.path).toBe(`\${{ steps.${step.id}.outputs.receipt }}`);
    expect(existsSync(join(cwd, result.outputs.receipt!))).toBe(true);
    return result;
  }

  it("GitHub Actions: the workflow pushes its paths through the action and keeps the receipt", async () => {
    const wf = parseYaml(block(".github/workflows/evidence.yml")) as Workflow;
    const cwd = mkdtempSync(join(root, "gha-"));
    const step = wf.jobs.push!.steps.find((s) => s.uses?.startsWith("grc-cli/grc@"))!;
    const expected: string[] = [];
    for (const dir of String(step.with?.paths).split("\n").filter(Boolean)) {
      for (const name of ["a.csv", "b.pdf"]) {
        mkdirSync(join(cwd, dir), { recursive: true });
        writeFileSync(join(cwd, dir, name), `${dir}/${name}`);
        expected.push(`${step.with?.control} ${sha(`${dir}/${name}`)}`);
      }
    }
    const r = await actionJob(wf.jobs.push!, cwd, {}, 1);
    expect(r.code, r.stderr).toBe(0);
    expect(r.outputs).toMatchObject({ linked: "4", failed: "0" });
    expect(linked()).toEqual(expected.sort());
  });

  it("GitHub Actions matrix: 4 shards link each file once; the receipt job merges and verifies", async () => {
    const wf = parseYaml(block(".github/workflows/evidence-sharded.yml")) as Workflow;
    const cwd = mkdtempSync(join(root, "gha-matrix-"));
    const links = corpus(cwd, 16);
    const shards = wf.jobs.push!.strategy!.matrix.shard!.map(String);
    expect(shards).toEqual(["1", "2", "3", "4"]);
    const runs = await Promise.all(
      shards.map((shard) => actionJob(wf.jobs.push!, cwd, { shard }, shards.length)),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(runs.reduce((n, r) => n + Number(r.outputs.linked), 0)).toBe(links.length);
    expect(linked()).toEqual(links);
    // The receipt job: download-artifact (merge-multiple) leaves the receipts side by side.
    const receiptJob = wf.jobs.receipt!;
    expect(receiptJob.needs).toBe("push");
    const commands = receiptJob.steps.filter((s) => s.run).map((s) => s.run!.trim());
    expect(commands[0]).toBe(INSTALL);
    for (const command of commands.slice(1)) {
      const r = await run(["bash", "-eo", "pipefail", "-c", command], { env: {}, cwd });
      expect(r.code, `${command}: ${r.stderr}`).toBe(0);
    }
    const merged = readFileSync(join(cwd, "receipt.ndjson"), "utf8").trim().split("\n");
    expect(merged).toHaveLength(links.length + 1);
  });

  type GitlabJob = {
    parallel?: number;
    variables?: Record<string, string>;
    before_script?: string[];
    script: string[];
    artifacts?: { paths: string[] };
  };
  /** Runs a GitLab job's script lines as the runner does (bash, stop at the first failure). */
  async function gitlabJob(job: GitlabJob, cwd: string, extra: NodeJS.ProcessEnv = {}) {
    expect(job.before_script).toEqual([INSTALL]);
    const env = {
      ...job.variables,
      // The doc's placeholders give way to the mock; the key is a CI/CD variable.
      ...platform(),
      GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")),
      ...extra,
    };
    if (job.script.some((l) => l.includes("evidence push"))) {
      for (const key of ["GRC_BASE_URL", "GRC_ORG_ID"]) expect(job.variables).toHaveProperty(key);
    }
    for (const line of job.script) {
      const r = await run(["bash", "-eo", "pipefail", "-c", line], { env, cwd });
      if (r.code !== 0) return { ...r, line };
    }
    return { code: 0, stdout: "", stderr: "", line: "" };
  }

  it("GitLab CI: the template pushes with the map, verifies its receipt, keeps it", async () => {
    const jobs = parseYaml(block(".gitlab-ci.yml")) as Record<string, GitlabJob>;
    const cwd = mkdtempSync(join(root, "gitlab-"));
    const links = corpus(cwd);
    const r = await gitlabJob(jobs["grc-evidence"]!, cwd);
    expect(r.code, `${r.line}: ${r.stderr}`).toBe(0);
    expect(linked()).toEqual(links);
    for (const path of jobs["grc-evidence"]!.artifacts!.paths) {
      expect(existsSync(join(cwd, path))).toBe(true);
    }
  });

  it("GitLab parallel: CI_NODE_INDEX/CI_NODE_TOTAL shard the push; the next job merges", async () => {
    const jobs = parseYaml(block(".gitlab-ci.yml (sharded)")) as Record<string, GitlabJob>;
    const cwd = mkdtempSync(join(root, "gitlab-parallel-"));
    const links = corpus(cwd, 16);
    const job = jobs["grc-evidence"]!;
    const n = job.parallel!;
    expect(n).toBe(4);
    const runs = await Promise.all(
      Array.from({ length: n }, (_, k) =>
        gitlabJob(job, cwd, { CI_NODE_INDEX: String(k + 1), CI_NODE_TOTAL: String(n) }),
      ),
    );
    for (const r of runs) expect(r.code, `${r.line}: ${r.stderr}`).toBe(0);
    expect(linked()).toEqual(links);
    expect(readdirSync(cwd).filter((f) => /^receipt-\d\.ndjson$/.test(f))).toHaveLength(4);
    const merge = await gitlabJob(jobs["grc-receipt"]!, cwd);
    expect(merge.code, `${merge.line}: ${merge.stderr}`).toBe(0);
    expect(readFileSync(join(cwd, "receipt.ndjson"), "utf8").trim().split("\n")).toHaveLength(
      links.length + 1,
    );
  });

  /** /etc/grc/grc.env as the doc writes it, with the mock's values. */
  function envFile(dir: string): string {
    const keys = block("/etc/grc/grc.env")
      .split("\n")
      .filter((l) => /^\w+=/.test(l))
      .map((l) => l.slice(0, l.indexOf("=")));
    expect(keys.sort()).toEqual(["GRC_API_KEY", "GRC_BASE_URL", "GRC_ORG_ID"]);
    const file = join(dir, "grc.env");
    writeFileSync(file, keys.map((k) => `${k}=${platform()[k]}\n`).join(""), { mode: 0o600 });
    return file;
  }

  it("cron: the /etc/cron.d line pushes, dates its receipt, and a second run skips", async () => {
    const line = block("/etc/cron.d/grc-evidence").trim();
    const m = /^(\S+ \S+ \S+ \S+ \S+) (\S+) (.+)$/.exec(line)!;
    expect(m[1]).toBe("17 3 * * *");
    expect(m[2]).toBe("grc-evidence");
    const dir = mkdtempSync(join(root, "cron-"));
    const work = join(dir, "work");
    mkdirSync(work);
    const links = corpus(work);
    // cron turns an unescaped % into a newline; \% is a literal %.
    const command = mapPaths(m[3]!.replaceAll("\\%", "%"), {
      "/var/lib/grc-evidence": work,
      "/etc/grc/grc.env": envFile(dir),
    });
    // cron's environment: HOME of the user (the state lives under it), a minimal PATH.
    const env = { HOME: join(dir, "home"), SHELL: "/bin/sh" };
    const first = await run(["sh", "-c", command], { env, cwd: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(linked()).toEqual(links);
    // Each run keeps its own receipt, dated to the second (an existing receipt is never replaced).
    const today = new Date().toISOString().slice(0, 10);
    const receipts = () => readdirSync(join(work, "receipts"));
    expect(receipts()).toEqual([expect.stringMatching(new RegExp(`^${today}-\\d{6}\\.ndjson$`))]);
    await new Promise((r) => setTimeout(r, 1100));
    const second = await run(["sh", "-c", command], { env, cwd: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(receipts()).toHaveLength(2);
    expect(mock.state().requests.filter((q) => q.path.endsWith("/link-to-control"))).toHaveLength(
      links.length,
    );
  });

  it("systemd: the service's ExecStart, environment and working directory push the corpus", async () => {
    const unit = block("/etc/systemd/system/grc-evidence.service");
    const timer = block("/etc/systemd/system/grc-evidence.timer");
    expect(timer).toMatch(/^\[Timer\]\nOnCalendar=\*-\*-\* 03:17:00$/m);
    expect(timer).toMatch(/^\[Install\]\nWantedBy=timers\.target$/m);
    const settings = (key: string) =>
      unit
        .split("\n")
        .filter((l) => l.startsWith(`${key}=`))
        .map((l) => l.slice(key.length + 1));
    expect(settings("Type")).toEqual(["oneshot"]);
    const dir = mkdtempSync(join(root, "systemd-"));
    const work = join(dir, "work");
    mkdirSync(work);
    const links = corpus(work);
    const mapping = { "/var/lib/grc-evidence": work, "/etc/grc/grc.env": envFile(dir) };
    const cwd = mapPaths(settings("WorkingDirectory")[0]!, mapping);
    const env: NodeJS.ProcessEnv = { HOME: join(dir, "home") };
    for (const file of settings("EnvironmentFile")) {
      for (const l of readFileSync(mapPaths(file, mapping), "utf8").split("\n")) {
        if (/^\w+=/.test(l)) env[l.slice(0, l.indexOf("="))] = l.slice(l.indexOf("=") + 1);
      }
    }
    for (const e of settings("Environment")) {
      env[e.slice(0, e.indexOf("="))] = mapPaths(e.slice(e.indexOf("=") + 1), mapping);
    }
    // systemd splits ExecStart on spaces outside single quotes; %% is a literal %.
    const exec = settings("ExecStart")[0]!.replaceAll("%%", "%");
    const argv = [...exec.matchAll(/'([^']*)'|(\S+)/g)].map((x) => x[1] ?? x[2]!);
    expect(argv.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
    const r = await run(argv, { env, cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(linked()).toEqual(links);
    expect(readdirSync(join(work, "receipts"))).toHaveLength(1);
    // The state went where Environment= put it.
    expect(existsSync(join(work, ".grc", "state", "default.json"))).toBe(true);
  });

  type Container = {
    workingDir: string;
    command: string[];
    args: string[];
    env: {
      name: string;
      value?: string;
      valueFrom?: { secretKeyRef: { name: string; key: string } };
    }[];
    volumeMounts: { name: string; mountPath: string }[];
  };
  /** Runs a pod's container with its volumes as folders; returns the folders by mount path. */
  function pod(container: Container, dir: string) {
    const mapping: Record<string, string> = {};
    for (const v of container.volumeMounts) {
      mapping[v.mountPath] = join(dir, v.name);
      mkdirSync(mapping[v.mountPath]!, { recursive: true });
    }
    const env: NodeJS.ProcessEnv = { HOME: join(dir, "home") };
    for (const e of container.env) {
      if (e.valueFrom) {
        expect(e.valueFrom.secretKeyRef).toEqual({ name: "grc", key: "api-key" });
        env[e.name] = platform().GRC_API_KEY;
      } else if (e.name === "GRC_BASE_URL" || e.name === "GRC_ORG_ID") {
        env[e.name] = platform()[e.name];
      } else {
        env[e.name] = mapPaths(e.value!, mapping);
      }
    }
    expect(container.command).toEqual(["sh", "-c"]);
    expect(container.args).toHaveLength(1);
    const script = mapPaths(withoutInstall(container.args[0]!), mapping);
    return {
      mapping,
      start: (extra: NodeJS.ProcessEnv = {}) =>
        run(["sh", "-c", script], {
          env: { ...env, ...extra },
          cwd: mapPaths(container.workingDir, mapping),
        }),
    };
  }

  it("Kubernetes CronJob: the container's command pushes the mounted evidence", async () => {
    const cron = parseYaml(block("grc-evidence-cronjob.yaml")) as {
      kind: string;
      spec: {
        schedule: string;
        jobTemplate: { spec: { template: { spec: { containers: Container[] } } } };
      };
    };
    expect(cron.kind).toBe("CronJob");
    const container = cron.spec.jobTemplate.spec.template.spec.containers[0]!;
    const dir = mkdtempSync(join(root, "k8s-cron-"));
    const p = pod(container, dir);
    const links = corpus(p.mapping["/evidence"]!);
    const r = await p.start();
    expect(r.code, r.stderr).toBe(0);
    expect(linked()).toEqual(links);
    expect(readdirSync(p.mapping["/receipts"]!)).toHaveLength(1);
    expect(readdirSync(join(p.mapping["/state"]!, "state"))).toEqual(["default.json"]);
  });

  it("Kubernetes Indexed Job: JOB_COMPLETION_INDEX shards the push; the receipts merge", async () => {
    const job = parseYaml(block("grc-evidence-indexed-job.yaml")) as {
      spec: {
        completionMode: string;
        completions: number;
        parallelism: number;
        template: { spec: { containers: Container[] } };
      };
    };
    expect(job.spec.completionMode).toBe("Indexed");
    const n = job.spec.completions;
    const container = job.spec.template.spec.containers[0]!;
    expect(container.args[0]).toContain(`--shard auto/${n}`);
    const dir = mkdtempSync(join(root, "k8s-indexed-"));
    const p = pod(container, dir);
    const links = corpus(p.mapping["/evidence"]!, 16);
    const runs = await Promise.all(
      Array.from({ length: n }, (_, k) => p.start({ JOB_COMPLETION_INDEX: String(k) })),
    );
    for (const r of runs) expect(r.code, r.stderr).toBe(0);
    expect(linked()).toEqual(links);
    expect(readdirSync(join(p.mapping["/state"]!, "state")).sort()).toEqual(
      Array.from({ length: n }, (_, k) => `default.shard-${k + 1}-of-${n}.json`),
    );
    const merge = /`(grc evidence receipt merge \/receipts\/[^`]+)`/.exec(DOC)![1]!;
    const r = await run(["sh", "-c", mapPaths(merge, p.mapping)], { env: {}, cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    const merged = readFileSync(join(p.mapping["/receipts"]!, "receipt.ndjson"), "utf8");
    expect(merged.trim().split("\n")).toHaveLength(links.length + 1);
  });

  it("the shard one-liner in the doc names the shard grc put the file in", async () => {
    const oneLiner = /`(h=\$\(printf %s logs\/a\.csv[^`]+)`/.exec(DOC)![1]!;
    const cwd = mkdtempSync(join(root, "one-liner-"));
    mkdirSync(join(cwd, "logs"));
    for (const f of ["a.csv", "b.csv", "c.csv", "d.csv", "e.csv"])
      writeFileSync(join(cwd, "logs", f), f);
    const expected = Number((await run(["bash", "-c", oneLiner], { env: {}, cwd })).stdout.trim());
    for (let k = 1; k <= 4; k++) {
      const r = await run(
        [
          "grc",
          "evidence",
          "push",
          "logs",
          "--control",
          "CC6.1",
          "--shard",
          `${k}/4`,
          "--dry-run",
          "--output",
          "ndjson",
        ],
        { env: { ...platform(), GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")) }, cwd },
      );
      expect(r.code, r.stderr).toBe(0);
      const paths = r.stdout
        .trim()
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l).path);
      expect(paths.includes("logs/a.csv")).toBe(k === expected);
    }
  });
});
