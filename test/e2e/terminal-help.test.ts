import { afterEach, describe, expect, it } from "vitest";
import { tempConfigDir } from "../helpers/cli.js";
import { HAS_TMUX, NO_TMUX, runWithoutTty, SIZES, TmuxTerminal } from "../helpers/terminal.js";

if (!HAS_TMUX) console.warn(NO_TMUX);

/** Lines longer than the terminal: tmux would wrap them mid-word. */
const tooLong = (text: string, columns: number) =>
  text.split("\n").filter((line) => line.length > columns);

/** The example commands under "Start here:". */
const examples = (text: string) =>
  text
    .split("Start here:\n")[1]!
    .split("\n\n")[0]!
    .split("\n")
    .filter((l) => l.startsWith("  grc "));

const START_HERE = [
  "  grc demo",
  "  grc auth login",
  "  grc evidence push ./evidence --control CC6.1",
  "  grc alerts list --status fail --risk high",
];

describe.runIf(HAS_TMUX)("grc --help and first mistakes in a real terminal (tmux)", () => {
  let term: TmuxTerminal | undefined;
  afterEach(() => term?.kill());

  for (const size of SIZES) {
    it(`at ${size.columns} columns: the help wraps to the terminal, examples stay whole`, async () => {
      term = new TmuxTerminal(["--help"], { ...size, env: { GRC_CONFIG_DIR: tempConfigDir() } });
      term.start();
      const end = await term.exited();
      expect(end.code).toBe(0);
      // history(): the whole help, tmux's own wrapping undone, so a line the CLI did not
      // wrap itself shows up longer than the terminal.
      const seen = term.history();
      expect(tooLong(seen, size.columns)).toEqual([]);
      expect(seen).toContain("Usage: grc <command> [options]");
      expect(examples(seen)).toEqual(START_HERE);
      // Each example has its explanation as a comment above it, wrapped as comments.
      const start = seen.split("Start here:\n")[1]!.split("\n\n")[0]!;
      for (const line of start.split("\n")) expect(line).toMatch(/^ {2}(# |grc )/);
      // Command summaries line up in one column and wrap under it, never under the names.
      const commands = seen.split("Commands:\n")[1]!.split("\n\n")[0]!.split("\n");
      expect(commands[0]).toMatch(/^ {2}auth {8}Log in, show and manage credentials$/);
      for (const line of commands) expect(line).toMatch(/^ {2}([a-z]+ +| {12})\S/);
      if (size.columns >= 160) {
        expect(seen).toContain(
          "  # Try it against the embedded mock: push sample evidence, list alerts (nothing leaves this machine)\n",
        );
      } else {
        expect(seen).toContain("  # Try it against the embedded mock: push sample evidence,\n");
      }
    });

    it(`at ${size.columns} columns: grc evidence push with no arguments shows the usage line`, async () => {
      term = new TmuxTerminal(["evidence", "push"], {
        ...size,
        env: { GRC_CONFIG_DIR: tempConfigDir() },
      });
      term.start();
      const end = await term.exited();
      expect(end.code).toBe(2);
      const seen = term.history();
      expect(seen).toContain(
        "grc: name files, folders or globs to push, or pass --map FILE\nUsage: grc evidence push [options] [paths...]\n",
      );
    });
  }
});

describe("grc --help with the TTY off", () => {
  it("wraps to 80 columns (a pipe has no width) with the same examples", async () => {
    for (const columns of [60, 160]) {
      const r = await runWithoutTty(["--help"], { columns });
      expect(r.code).toBe(0);
      expect(r.stderr).toBe("");
      expect(tooLong(r.stdout, 80)).toEqual([]);
      expect(examples(r.stdout)).toEqual(START_HERE);
      expect(r.stdout).not.toMatch(/\u001b\[/); // no escape codes into a pipe
    }
  });

  it("prints the usage line of grc evidence push on stderr, nothing on stdout", async () => {
    const r = await runWithoutTty(["evidence", "push"], { columns: 60 });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      "grc: name files, folders or globs to push, or pass --map FILE\nUsage: grc evidence push [options] [paths...]\n",
    );
  });
});
