import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runGrc } from "../helpers/cli.js";
import { writeFiles } from "../helpers/files.js";
import { readAction, runAction } from "../helpers/github-actions.js";
import { DIALECTS, withMock } from "../helpers/mock.js";

/**
 * The GitHub Action (action.yml + bin/grc-action.mjs) run as a runner runs it: its bash steps
 * with INPUT_* from `with:`, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, credentials in the
 * environment, against the mock. Asserts outputs, the summary table, the receipt and exit codes.
 */

const sha = (data: string | Buffer) => createHash("sha256").update(data).digest("hex");

let root: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), "grc-e2e-action-"));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

function workspace(name: string, files: Record<string, string | Buffer>): string {
  return writeFiles(join(root, name), files);
}

describe("action.yml", () => {
  it("passes every input to the script through the environment, never in the command", () => {
    const action = readAction();
    const push = action.runs.steps.find((s) => s.id === "push")!;
    expect(push.run).not.toContain("${{");
    for (const name of Object.keys(action.inputs)) {
      const key = `INPUT_${name.toUpperCase().replaceAll("-", "_")}`;
      expect(push.env?.[key], name).toBe(`\${{ inputs.${name} }}`);
    }
    expect(Object.keys(action.outputs).sort()).toEqual(
      ["already-linked", "exit-code", "failed", "linked", "receipt", "skipped"].sort(),
    );
  });
});

describe.each(DIALECTS)("the GitHub Action (e2e, %s dialect)", (dialect) => {
  const mock = withMock({ platforms: ["sovereign"], dialect, maxSize: 4096 });

  it("pushes paths, sets the outputs, writes the summary table and a receipt that verifies", async () => {
    await mock.reset();
    const files = {
      "evidence/access.csv": "user,time\nalice,1\n",
      "evidence/policies/mfa.json": '{"mfa":true}',
      "evidence/odd|name<b>.txt": "escaped in the table",
      "reports/q3.pdf": "%PDF q3",
    };
    const dir = workspace(`ok-${dialect}`, files);
    const config = mkdtempSync(join(root, "cfg-"));
    const env = { ...mock.env(), GRC_CONFIG_DIR: config };
    const inputs = {
      paths: "evidence\nreports/q3.pdf\n",
      control: "CC6.1",
      framework: "SOC2",
      concurrency: "2",
    };
    const r = await runAction(inputs, { env, cwd: dir });
    expect(r.stderr).toMatch(/^4 files: 4 linked · /);
    expect(r.code, r.stderr).toBe(0);
    expect(r.outputs).toEqual({
      linked: "4",
      "already-linked": "0",
      skipped: "0",
      failed: "0",
      receipt: "grc-receipt.ndjson",
      "exit-code": "0",
    });
    // The key is masked before anything else, and appears nowhere but in that command.
    const key = mock.identity.apiKey;
    expect(r.stdout.split("\n")[0]).toBe(`::add-mask::${key}`);
    expect(r.stdout.replace(`::add-mask::${key}`, "")).not.toContain(key);
    expect(r.stderr + r.summary).not.toContain(key);
    // grc runs with workflow commands paused.
    expect(r.stdout).toMatch(/^::stop-commands::([0-9a-f]{32})\n::\1::$/m);

    const lines = r.summary.split("\n");
    expect(lines.slice(0, 5)).toEqual([
      "### grc evidence push: all files linked or skipped",
      "",
      "| Linked | Already linked | Skipped | Failed | Uploaded |",
      "| ---: | ---: | ---: | ---: | ---: |",
      `| 4 | 0 | 0 | 0 | ${Object.values(files).join("").length} B |`,
    ]);
    expect(r.summary).toContain("Receipt: grc-receipt.ndjson");
    expect(r.summary).toContain("<summary>Linked files (4)</summary>");
    expect(r.summary).toContain(
      `| evidence/odd&#124;name&lt;b&gt;.txt | CC6.1 / SOC2 | ${sha("escaped in the table")} |`,
    );
    expect(r.summary).not.toContain("Failed files");

    // What reached the server, and the receipt the output names.
    const linked = (mock.state().lineage as { evidence_id: string; control_id: string }[])
      .map((l) => `${l.control_id} ${l.evidence_id}`)
      .sort();
    expect(linked).toEqual(
      Object.values(files)
        .map((c) => `CC6.1 ${sha(c)}`)
        .sort(),
    );
    const verify = await runGrc(["evidence", "receipt", "verify", r.outputs.receipt!, "--files"], {
      cwd: dir,
      env,
    });
    expect(verify.code, verify.stderr).toBe(0);

    // A second run on the same runner (same state) skips everything.
    const again = await runAction(inputs, { env, cwd: dir });
    expect(again.code).toBe(0);
    expect(again.outputs).toMatchObject({ linked: "0", skipped: "4", failed: "0" });
    expect(again.summary).toContain("| 0 | 0 | 4 | 0 | 0 B |");
  });

  it("a file that fails makes the step fail (exit 1) with the failure in outputs and summary", async () => {
    await mock.reset();
    const dir = workspace(`fail-${dialect}`, {
      "m/map.yaml": "rules:\n  - paths: [small.csv, big.bin]\n    control: CC7.2\n",
      "m/small.csv": "a,b\n",
      "m/big.bin": Buffer.alloc(5000, 7),
    });
    const r = await runAction(
      { map: "m/map.yaml", receipt: "out/receipt.ndjson", state: "false" },
      { env: { ...mock.env(), GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")) }, cwd: dir },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("grc: failed m/big.bin: the file is 4.9 KiB, larger than");
    expect(r.outputs).toMatchObject({ linked: "1", failed: "1", "exit-code": "1" });
    expect(r.summary.split("\n")[0]).toBe("### grc evidence push: some files failed");
    expect(r.summary).toContain("| 1 | 0 | 0 | 1 | 4 B |");
    expect(r.summary).toMatch(
      /<details open><summary>Failed files \(1\)<\/summary>\n\n\| File \| Control \| Error \|\n\| --- \| --- \| --- \|\n\| m\/big\.bin \| CC7\.2 \| the file is 4\.9 KiB, larger than/,
    );
    expect(r.outputs.receipt).toBe("out/receipt.ndjson");
    const receipt = readFileSync(join(dir, "out/receipt.ndjson"), "utf8").trim().split("\n");
    expect(receipt.map((l) => JSON.parse(l).type)).toEqual(["evidence", "summary"]);
  });

  it("bad inputs end the step with exit 2 and one line, and no receipt output", async () => {
    const dir = workspace(`bad-${dialect}`, { "a.csv": "x" });
    const env = { ...mock.env(), GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")) };
    const none = await runAction({}, { env, cwd: dir });
    expect(none.code).toBe(2);
    expect(none.stderr).toBe("grc-action: set the paths input (one per line) or the map input\n");
    const noControl = await runAction({ paths: "a.csv" }, { env, cwd: dir });
    expect(noControl.code).toBe(2);
    expect(noControl.stderr).toMatch(/^grc: missing --control: /);
    expect(noControl.outputs).toMatchObject({ receipt: "", "exit-code": "2", linked: "0" });
    expect(noControl.summary).toContain("stopped with exit code 2");
    const badShard = await runAction(
      { paths: "a.csv", control: "CC1", shard: "0/2" },
      { env, cwd: dir },
    );
    expect(badShard.code).toBe(2);
    expect(badShard.stderr).toMatch(/^grc: --shard "0\/2": the shard number must be from 1 to 2/);
  });

  it("a wrong key is exit 3 with the platform's answer, and the key never printed", async () => {
    const dir = workspace(`auth-${dialect}`, { "a.csv": "x" });
    const wrong = "sk-wrongwrongwrongwrongwrong123";
    const r = await runAction(
      { paths: "a.csv", control: "CC1" },
      {
        env: { ...mock.env(), GRC_API_KEY: wrong, GRC_CONFIG_DIR: mkdtempSync(join(root, "cfg-")) },
        cwd: dir,
      },
    );
    expect(r.code).toBe(3);
    expect(r.outputs["exit-code"]).toBe("3");
    expect(r.stdout.replace(`::add-mask::${wrong}`, "") + r.stderr + r.summary).not.toContain(
      wrong,
    );
    expect(readFileSync(join(dir, "grc-receipt.ndjson"), "utf8")).toMatch(/"type":"summary"/);
  });
});
