import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";

/**
 * Runs the repository's composite action (action.yml) the way a GitHub runner does: each
 * `run:` step in bash (`--noprofile --norc -eo pipefail`) with the step's `env:` evaluated
 * from the inputs, GITHUB_ACTION_PATH, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY set, then the
 * action's outputs evaluated from the step outputs. Only the expressions action.yml uses
 * (`${{ inputs.x }}`, `${{ steps.x.outputs.y }}`) are understood; anything else fails.
 */

/** The repository root (where action.yml lives). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));

interface ActionStep {
  id?: string;
  name?: string;
  shell?: string;
  run?: string;
  uses?: string;
  env?: Record<string, string>;
}
interface ActionFile {
  inputs: Record<string, { default?: string; required?: boolean }>;
  outputs: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

/** action.yml, parsed. */
export function readAction(): ActionFile {
  return parseYaml(readFileSync(join(REPO_ROOT, "action.yml"), "utf8")) as ActionFile;
}

export interface ActionRun {
  code: number;
  stdout: string;
  stderr: string;
  /** The action's outputs, as a workflow would read them (steps.<id>.outputs.<name>). */
  outputs: Record<string, string>;
  /** What the steps appended to $GITHUB_STEP_SUMMARY. */
  summary: string;
}

/** Parses $GITHUB_OUTPUT: `name=value` lines and `name<<DELIM` blocks. */
export function parseOutputFile(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const block = /^([^=<]+)<<(.+)$/.exec(line);
    if (block) {
      const end = lines.indexOf(block[2]!, i + 1);
      if (end < 0) throw new Error(`unterminated output ${block[1]}`);
      out[block[1]!] = lines.slice(i + 1, end).join("\n");
      i = end;
    } else if (line.includes("=")) {
      out[line.slice(0, line.indexOf("="))] = line.slice(line.indexOf("=") + 1);
    }
  }
  return out;
}

function evaluate(text: string, scope: (path: string) => string): string {
  return text.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expr: string) => scope(expr));
}

function bash(
  script: string,
  opts: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs: number },
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", script], {
      cwd: opts.cwd,
      env: opts.env,
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
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
}

/**
 * Runs the action with `inputs` (`with:`) in `cwd` (the workspace) and `env` (the step's
 * `env:`, e.g. GRC_API_KEY from secrets). Steps stop at the first failing one, as on GitHub.
 */
export async function runAction(
  inputs: Record<string, string>,
  opts: { env: NodeJS.ProcessEnv; cwd: string; timeoutMs?: number },
): Promise<ActionRun> {
  const action = readAction();
  if (action.runs.using !== "composite") throw new Error("action.yml is not a composite action");
  for (const name of Object.keys(inputs)) {
    if (!(name in action.inputs)) throw new Error(`action.yml has no input ${name}`);
  }
  const dir = mkdtempSync(join(tmpdir(), "grc-gha-"));
  const summaryFile = join(dir, "step_summary.md");
  writeFileSync(summaryFile, "");
  const stepOutputs: Record<string, Record<string, string>> = {};
  const scope = (expr: string): string => {
    const inp = /^inputs\.([\w-]+)$/.exec(expr);
    if (inp) return inputs[inp[1]!] ?? action.inputs[inp[1]!]?.default ?? "";
    const step = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
    if (step) return stepOutputs[step[1]!]?.[step[2]!] ?? "";
    throw new Error(`unsupported expression in action.yml: ${expr}`);
  };
  let stdout = "";
  let stderr = "";
  let code = 0;
  for (const [i, step] of action.runs.steps.entries()) {
    if (step.uses || !step.run) throw new Error(`step ${i + 1} is not a run: step`);
    if (step.shell !== "bash") throw new Error(`step ${i + 1} does not run in bash`);
    const outputFile = join(dir, `output_${i}`);
    writeFileSync(outputFile, "");
    const stepEnv = Object.fromEntries(
      Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), scope)]),
    );
    const r = await bash(evaluate(step.run, scope), {
      cwd: opts.cwd,
      timeoutMs: opts.timeoutMs ?? 120_000,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        CI: "true",
        GITHUB_ACTIONS: "true",
        GITHUB_ACTION_PATH: REPO_ROOT.replace(/\/$/, ""),
        GITHUB_WORKSPACE: opts.cwd,
        GITHUB_OUTPUT: outputFile,
        GITHUB_STEP_SUMMARY: summaryFile,
        RUNNER_TEMP: dir,
        NO_COLOR: "1",
        ...opts.env,
        ...stepEnv,
      },
    });
    stdout += r.stdout;
    stderr += r.stderr;
    if (step.id) stepOutputs[step.id] = parseOutputFile(readFileSync(outputFile, "utf8"));
    code = r.code;
    if (code !== 0) break;
  }
  const outputs = Object.fromEntries(
    Object.entries(action.outputs).map(([name, o]) => [name, evaluate(o.value, scope)]),
  );
  return { code, stdout, stderr, outputs, summary: readFileSync(summaryFile, "utf8") };
}
