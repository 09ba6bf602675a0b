import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import type { CommandContext } from "../../src/cli/command.js";
import type { IOStreams } from "../../src/cli/io.js";
import { runCli } from "../../src/cli/main.js";

/** Absolute path of the built executable the end-to-end tests spawn. */
export const GRC_BIN = fileURLToPath(new URL("../../bin/grc.js", import.meta.url));

/** A fresh config directory so no test touches the real home. */
export function tempConfigDir(): string {
  return mkdtempSync(join(tmpdir(), "grc-test-"));
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * IOStreams over in-memory buffers, 120 columns and no colour; `tty` turns stdin, stdout and
 * stderr TTY on. stdout() and stderr() read what was written so far.
 */
export function bufferIO(opts: { tty?: boolean; stdin?: string } = {}): {
  io: IOStreams;
  stdout(): string;
  stderr(): string;
} {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => {
    out += c;
  });
  stderr.on("data", (c) => {
    err += c;
  });
  stdin.end(opts.stdin ?? "");
  const tty = Boolean(opts.tty);
  return {
    io: {
      stdin,
      stdout,
      stderr,
      stdinIsTTY: tty,
      stdoutIsTTY: tty,
      stderrIsTTY: tty,
      colorStdout: false,
      colorStderr: false,
      columns: 120,
    },
    stdout: () => out,
    stderr: () => err,
  };
}

/** Runs the CLI in-process with buffer streams; `tty` turns stdout/stderr/stdin TTY on. */
export async function runInProcess(
  argv: string[],
  opts: {
    env?: NodeJS.ProcessEnv;
    tty?: boolean;
    stdin?: string;
    context?: Partial<CommandContext>;
    signal?: AbortSignal;
  } = {},
): Promise<CliResult> {
  const buffers = bufferIO({ tty: opts.tty, stdin: opts.stdin });
  const env = { GRC_CONFIG_DIR: tempConfigDir(), NO_COLOR: "1", ...opts.env };
  const code = await runCli(argv, {
    io: buffers.io,
    env,
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.context ? { context: opts.context } : {}),
  });
  return { code, stdout: buffers.stdout(), stderr: buffers.stderr() };
}

/**
 * Spawns the built CLI (bin/grc.js) as a child process, with a clean environment: only
 * PATH/HOME/TMPDIR from the parent, plus `env`. Resolves with exit code and output.
 */
export function runGrc(
  argv: string[],
  opts: { env?: NodeJS.ProcessEnv; stdin?: string; cwd?: string; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [GRC_BIN, ...argv], {
      cwd: opts.cwd,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        TMPDIR: process.env.TMPDIR,
        NO_COLOR: "1",
        GRC_CONFIG_DIR: opts.env?.GRC_CONFIG_DIR ?? tempConfigDir(),
        ...opts.env,
      },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => {
      stdout += c;
    });
    child.stderr.on("data", (c) => {
      stderr += c;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 60_000);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(opts.stdin ?? "");
  });
}
