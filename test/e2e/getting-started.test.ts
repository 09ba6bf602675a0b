import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runGrc, tempConfigDir } from "../helpers/cli.js";

/** A folder with one evidence file. */
function evidenceDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "grc-first-"));
  writeFileSync(join(dir, "report.txt"), "evidence\n");
  return dir;
}

const NOT_SET_UP =
  'grc: profile "default" is not set up: no base URL, no organization ID and no credential — run `grc auth login` (it asks for each), or give --base-url URL (GRC_BASE_URL), --org ID (GRC_ORG_ID), GRC_API_KEY (or another credential variable)\n';

describe("a newcomer's first steps (the built CLI, nothing configured)", () => {
  it("push names everything missing in one run, with one exit code", async () => {
    const env = { GRC_CONFIG_DIR: tempConfigDir() };
    const push = await runGrc(["evidence", "push", evidenceDir(), "--control", "CC6.1"], { env });
    expect(push.code).toBe(3);
    expect(push.stderr).toBe(NOT_SET_UP);
    expect(push.stdout).toBe("");
    // The same for the other evidence commands, and the query commands name what they need.
    const list = await runGrc(["evidence", "list"], { env });
    expect(list.code).toBe(3);
    expect(list.stderr).toBe(NOT_SET_UP);
    const alerts = await runGrc(["alerts", "list"], { env });
    expect(alerts.code).toBe(3);
    expect(alerts.stderr).toBe(
      'grc: profile "default" is not set up: no base URL and no credential — run `grc auth login` (it asks for each), or give --base-url URL (GRC_BASE_URL), GRC_API_KEY (or another credential variable)\n',
    );
  });

  it("with only the organization missing, says that (exit 2)", async () => {
    const r = await runGrc(["evidence", "list"], {
      env: { GRC_BASE_URL: "http://127.0.0.1:9", GRC_API_KEY: "sk-test-0000000000000000" },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^grc: no organization ID configured — pass --org, set GRC_ORG_ID/);
  });

  it("grc --help starts a newcomer off: examples, commands, exit codes", async () => {
    for (const argv of [["--help"], ["-h"], ["help"], []]) {
      const r = await runGrc(argv);
      expect(r.code, argv.join(" ")).toBe(0);
      expect(r.stderr).toBe("");
      expect(r.stdout).toMatch(/^Usage: grc <command> \[options\]\n/);
      const start = r.stdout.split("Start here:\n")[1]!.split("\n\n")[0]!;
      const examples = start.split("\n").filter((l) => l.startsWith("  grc "));
      expect(examples).toEqual([
        "  grc demo",
        "  grc auth login",
        "  grc evidence push ./evidence --control CC6.1",
        "  grc alerts list --status fail --risk high",
      ]);
      expect(r.stdout).toMatch(/\n {2}evidence {4}Push evidence files and link them to controls\n/);
      expect(r.stdout.replace(/\s+/g, " ")).toContain("70 internal error (a bug in grc)");
    }
  });

  it("grc help <command...> shows that command's help", async () => {
    const r = await runGrc(["help", "evidence", "push"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: grc evidence push \[options\] \[paths\.\.\.\]\n/);
    expect(r.stdout).toContain("--control <id>");
    const noun = await runGrc(["help", "strata", "risks"]);
    expect(noun.stdout).toMatch(/^Usage: grc strata risks \[options\] \[command\]\n/);
  });

  it("an unknown subcommand names the command it was looked for in and its commands", async () => {
    const r = await runGrc(["strata", "risks", "get", "1"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "grc: unknown command 'get' for 'grc strata risks' — its commands: list, create, update, delete; run `grc strata risks --help`\n",
    );
    const typo = await runGrc(["strata", "risks", "lst"]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toBe(
      "grc: unknown command 'lst' for 'grc strata risks' (did you mean list?) — its commands: list, create, update, delete; run `grc strata risks --help`\n",
    );
    const noun = await runGrc(["atuh", "status"]);
    expect(noun.code).toBe(2);
    expect(noun.stderr).toMatch(
      /^grc: unknown command 'atuh' for 'grc' \(did you mean auth\?\) — its commands: auth, config, evidence, .+; run `grc --help`\n$/,
    );
  });

  it("grc evidence push with no arguments prints the problem and its usage line (exit 2)", async () => {
    const r = await runGrc(["evidence", "push"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "grc: name files, folders or globs to push, or pass --map FILE\nUsage: grc evidence push [options] [paths...]\n",
    );
    expect(r.stdout).toBe("");
  });

  it("a missing required argument prints the usage line too", async () => {
    const r = await runGrc(["strata", "risks", "delete"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      "grc: missing required argument 'id' — run with --help for usage\nUsage: grc strata risks delete [options] <id>\n",
    );
  });
});
