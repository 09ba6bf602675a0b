import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { loadAllCommands } from "../../../../src/cli/registry.js";
import { commandFlags } from "../../../../src/commands/completion/model.js";
import { runInProcess, tempConfigDir } from "../../../helpers/cli.js";

const commands = await loadAllCommands();

const has = (shell: string) => spawnSync(shell, ["-c", "exit 0"]).status === 0;

async function script(shell: string): Promise<string> {
  const r = await runInProcess(["completion", shell]);
  expect(r.code).toBe(0);
  expect(r.stderr).toBe("");
  const file = join(tempConfigDir(), `grc.${shell}`);
  writeFileSync(file, r.stdout);
  return file;
}

/** Runs bash completion for a command line ending in the word being completed. */
function bashComplete(file: string, words: string[]): string[] {
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(" ");
  const r = spawnSync(
    "bash",
    [
      "-c",
      `cd /nonexistent-dir-for-grc 2>/dev/null; source '${file}'; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _grc; printf '%s\\n' "\${COMPREPLY[@]}"`,
    ],
    { encoding: "utf8" },
  );
  expect(r.stderr).toBe("");
  return r.stdout.split("\n").filter(Boolean);
}

describe("grc completion", () => {
  it("knows exactly the flags each command's --help lists", async () => {
    for (const spec of commands) {
      const help = await runInProcess([...spec.path, "--help"]);
      expect(help.code).toBe(0);
      // Only the Options section: help text after it may quote flags in examples.
      const options = help.stdout.split("Options:\n")[1]!.split("\n\n")[0]!;
      const fromHelp = [...options.matchAll(/^ {2}(?:-\w, )?(--[\w-]+)/gm)].map((m) => m[1]).sort();
      const fromModel = commandFlags(spec)
        .map((f) => f.long)
        .sort();
      expect({ command: spec.path.join(" "), flags: fromModel }).toEqual({
        command: spec.path.join(" "),
        flags: fromHelp,
      });
    }
  });

  it("bash completes nouns, verbs, flags and flag values", async () => {
    const file = await script("bash");
    expect(spawnSync("bash", ["-n", file]).status).toBe(0);
    expect(bashComplete(file, ["grc", "au"])).toEqual(["auth"]);
    expect(bashComplete(file, ["grc", "auth", ""])).toEqual(["login", "status", "list", "logout"]);
    expect(bashComplete(file, ["grc", "auth", "login", "--pla"])).toEqual(["--platform"]);
    expect(bashComplete(file, ["grc", "auth", "login", "--platform", ""])).toEqual([
      "sovereign",
      "evident",
      "strata",
    ]);
    // A flag's value is skipped when finding the command path.
    expect(bashComplete(file, ["grc", "config", "get", "--profile", "auth", "paths.ri"])).toEqual([
      "paths.risks",
    ]);
    expect(bashComplete(file, ["grc", "completion", "f"])).toEqual(["fish"]);
    expect(bashComplete(file, ["grc", "-"])).toEqual(["-V", "--version", "-h", "--help"]);
    expect(bashComplete(file, ["grc", "auth", "list", "-o", "nd"])).toEqual(["ndjson"]);
  });

  it.runIf(has("zsh"))("zsh script parses and defines its completion function", async () => {
    const file = await script("zsh");
    expect(spawnSync("zsh", ["-n", file]).status).toBe(0);
    const r = spawnSync(
      "zsh",
      [
        "-c",
        `compdef() { print "compdef $*"; }; source '${file}'; _grc_names 'auth'; _grc_value_flag 'auth login' --platform`,
      ],
      { encoding: "utf8" },
    );
    expect(r.stdout).toBe(
      "compdef _grc grc\nlogin status list logout\nchoices:sovereign evident strata\n",
    );
  });

  it.runIf(has("fish"))("fish completes nouns, verbs, flags and values", async () => {
    const file = await script("fish");
    const complete = (line: string) => {
      const r = spawnSync(
        "fish",
        ["--no-config", "-c", `source '${file}'; complete -C '${line}'`],
        {
          encoding: "utf8",
        },
      );
      expect(r.stderr).toBe("");
      return r.stdout.split("\n").filter(Boolean);
    };
    expect(complete("grc au")).toEqual(["auth\tLog in, show and manage credentials"]);
    expect(complete("grc auth login --pla")).toEqual(["--platform\tplatform the profile speaks"]);
    expect(complete("grc auth login --platform s").map((l) => l.split("\t")[0])).toEqual([
      "sovereign",
      "strata",
    ]);
    // The value of --profile is not mistaken for a noun.
    expect(complete("grc --profile auth auth lo").map((l) => l.split("\t")[0])).toEqual([
      "login",
      "logout",
    ]);
  });

  it("refuses an unknown shell with exit 2", async () => {
    const r = await runInProcess(["completion", "tcsh"]);
    expect(r).toEqual({
      code: 2,
      stdout: "",
      stderr: 'grc: unknown shell "tcsh" — pick one of bash, zsh, fish\n',
    });
  });
});
