import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CliResult, GRC_BIN, runGrc } from "./cli.js";

/** True where tmux runs; terminal tests skip with a one-line message elsewhere. */
export const HAS_TMUX = spawnSync("tmux", ["-V"]).status === 0;
/** The reason printed when terminal tests are skipped. */
export const NO_TMUX = "tmux is not installed: skipping the real-terminal tests";

/** The two terminal sizes issue 14 was filed at. */
export const SIZES = [
  { columns: 60, rows: 20 },
  { columns: 160, rows: 45 },
] as const;

/** Quotes one argument for the POSIX shell tmux starts the command with. */
const shellQuote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

export interface TerminalOptions {
  columns: number;
  rows: number;
  /** The environment of the CLI; PATH, HOME, TMPDIR, TERM and NO_COLOR are added. */
  env?: NodeJS.ProcessEnv;
}

/**
 * `bin/grc.js` running in a real pseudo-terminal: a detached tmux session on its own server
 * (`tmux -L <unique socket>`), so it never touches a user's tmux. The pane stays open after
 * the CLI exits so its last screen and exit status can be read. `kill()` stops the tmux
 * server; call it in afterEach.
 */
export class TmuxTerminal {
  readonly socket = `grc-test-${process.pid}-${randomBytes(4).toString("hex")}`;
  private readonly statusFile = join(tmpdir(), `${this.socket}.status`);
  private started = false;

  constructor(
    private readonly args: string[],
    private readonly opts: TerminalOptions,
  ) {}

  private tmux(...args: string[]): string {
    const r = spawnSync("tmux", ["-L", this.socket, "-f", "/dev/null", ...args], {
      encoding: "utf8",
    });
    if (r.status !== 0) throw new Error(`tmux ${args[0]} failed: ${r.stderr}`);
    return r.stdout;
  }

  /** Starts the CLI in a detached session of the given size. */
  start(): this {
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      TMPDIR: process.env.TMPDIR ?? "/tmp",
      TERM: "xterm-256color",
      NO_COLOR: "1",
      ...this.opts.env,
    };
    const exports = Object.entries(env)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => `${k}=${String(v)}`);
    // `env -i`: the CLI sees only `env`, not the tmux server's environment.
    const argv = ["env", "-i", ...exports, process.execPath, GRC_BIN, ...this.args];
    // After the CLI exits the shell records its status and waits, so the pane keeps the
    // CLI's last screen (tmux's remain-on-exit would scroll it for a "Pane is dead" line).
    // Ctrl-C reaches the shell too (same process group): a trap keeps it alive; the CLI
    // still gets SIGINT with its default disposition, as in an interactive shell.
    const script = `trap : INT; ${argv.map(shellQuote).join(" ")}; echo $? > ${shellQuote(this.statusFile)}; exec sleep 600`;
    this.tmux(
      "new-session",
      "-d",
      "-x",
      String(this.opts.columns),
      "-y",
      String(this.opts.rows),
      "-s",
      "grc",
      `sh -c ${shellQuote(script)}`,
    );
    this.started = true;
    return this;
  }

  /** Sends tmux key names (`Enter`, `C-c`, `Down`) or, with `literal`, text as typed. */
  send(keys: string, opts: { literal?: boolean } = {}): void {
    this.tmux("send-keys", "-t", "grc", ...(opts.literal ? ["-l"] : []), keys);
  }

  /** What a person sees now: the visible screen, trailing blank lines trimmed. */
  screen(): string {
    return this.tmux("capture-pane", "-p", "-t", "grc").replace(/\n+$/, "\n");
  }

  /** The screen plus the lines scrolled off its top (tmux history), wrapped lines joined. */
  history(): string {
    return this.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", "grc").replace(/\n+$/, "\n");
  }

  /** The CLI's exit status once it has exited, else undefined. */
  exitStatus(): number | undefined {
    if (!existsSync(this.statusFile)) return undefined;
    const text = readFileSync(this.statusFile, "utf8").trim();
    return text === "" ? undefined : Number(text);
  }

  /** Waits until the screen shows `text` (or matches it), then returns the screen. */
  async waitFor(text: string | RegExp, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const screen = this.screen();
      if (typeof text === "string" ? screen.includes(text) : text.test(screen)) return screen;
      if (Date.now() > deadline) {
        throw new Error(`the terminal never showed ${String(text)}; screen:\n${screen}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Waits for the CLI to exit and returns its status and last screen. */
  async exited(timeoutMs = 10_000): Promise<{ code: number; screen: string }> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const code = this.exitStatus();
      if (code !== undefined) return { code, screen: this.screen() };
      if (Date.now() > deadline) {
        throw new Error(`the CLI did not exit; screen:\n${this.screen()}`);
      }
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Stops this test's tmux server (and the CLI in it). Safe to call twice. */
  kill(): void {
    if (!this.started) return;
    this.started = false;
    spawnSync("tmux", ["-L", this.socket, "kill-server"]);
    rmSync(this.statusFile, { force: true });
  }
}

/**
 * Runs the same command with the TTY off (pipes for stdin, stdout and stderr) and the given
 * `COLUMNS`, to compare with what the terminal showed.
 */
export function runWithoutTty(
  args: string[],
  opts: { columns?: number; env?: NodeJS.ProcessEnv; stdin?: string } = {},
): Promise<CliResult> {
  return runGrc(args, {
    env: { ...(opts.columns ? { COLUMNS: String(opts.columns) } : {}), ...opts.env },
    ...(opts.stdin !== undefined ? { stdin: opts.stdin } : {}),
  });
}
