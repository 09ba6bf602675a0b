import { type Readable, Writable } from "node:stream";
import type { ColorSupportLevel } from "chalk";
import { loadColour } from "../output/paint.js";

/**
 * The standard streams a command writes to, and what it knows about them. Commands never
 * touch `process.stdout` directly, so tests hand in buffers and choose TTY on or off.
 */
export interface IOStreams {
  stdin: Readable;
  stdout: Writable;
  stderr: Writable;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Colour on stdout: a TTY, unless NO_COLOR; FORCE_COLOR forces it. */
  colorStdout: boolean;
  /** Colour on stderr, by the same rules. */
  colorStderr: boolean;
  /** Terminal width for tables (80 when unknown). */
  columns: number;
}

/**
 * Colour on a stream from chalk's detection for it (TTY, TERM=dumb, FORCE_COLOR, CI), plus
 * NO_COLOR (https://no-color.org), which chalk does not read: it wins unless FORCE_COLOR asks.
 */
export function colorEnabled(
  detected: { level: ColorSupportLevel } | false,
  env: NodeJS.ProcessEnv,
): boolean {
  const forced = env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== "";
  if (!forced && env.NO_COLOR !== undefined && env.NO_COLOR !== "") return false;
  return detected !== false && detected.level > 0;
}

/**
 * A stdout that survives its reader going away (`| head -1`, `grep -q`): after EPIPE every
 * write is dropped and `onClosed` is told once, so the command decides whether to finish
 * its work or stop, instead of the process dying mid-run.
 */
export function closableStdout(out: Writable, onClosed: () => void): Writable {
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    onClosed();
  };
  out.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE" || err.code === "ERR_STREAM_DESTROYED") close();
    else throw err;
  });
  return new Writable({
    write(chunk, encoding, done) {
      if (closed) return done();
      out.write(chunk, encoding, (err) => {
        if (err) close();
        done();
      });
    },
    final(done) {
      done();
    },
  });
}

/**
 * IOStreams over the real process streams; `onStdoutClosed` is told when stdout's reader goes
 * away. chalk's detection gives no colour to a stream that is not a terminal unless
 * FORCE_COLOR is set, so only then is chalk loaded (src/output/paint.ts). stdin is created on
 * first use (most commands never read it).
 */
export async function systemIO(
  proc: NodeJS.Process,
  onStdoutClosed?: () => void,
): Promise<IOStreams> {
  const stdoutIsTTY = Boolean(proc.stdout.isTTY);
  const stderrIsTTY = Boolean(proc.stderr.isTTY);
  const chalk =
    stdoutIsTTY || stderrIsTTY || proc.env.FORCE_COLOR !== undefined
      ? await loadColour()
      : undefined;
  return {
    get stdin() {
      return proc.stdin;
    },
    stdout: onStdoutClosed ? closableStdout(proc.stdout, onStdoutClosed) : proc.stdout,
    stderr: proc.stderr,
    get stdinIsTTY() {
      return Boolean(proc.stdin.isTTY);
    },
    stdoutIsTTY,
    stderrIsTTY,
    colorStdout: chalk ? colorEnabled(chalk.supportsColor, proc.env) : false,
    colorStderr: chalk ? colorEnabled(chalk.supportsColorStderr, proc.env) : false,
    columns: proc.stdout.columns || 80,
  };
}
