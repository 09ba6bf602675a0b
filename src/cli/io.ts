import { writeSync } from "node:fs";
import { type Readable, Writable } from "node:stream";
import type { ColorSupportLevel } from "chalk";
import { loadColour } from "../output/paint.js";
import { isTerminal } from "./terminal.js";

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
 * How many bytes a stdout that is not a terminal takes straight to its descriptor before
 * node's stream takes over (see directStdout). A pipe holds 64 KiB (Linux, macOS): a write this
 * size does not wait for the reader unless the pipe was nearly full already or made smaller.
 */
export const DIRECT_STDOUT_BYTES = 16 * 1024;

/**
 * stdout when it is a pipe or a file: the first DIRECT_STDOUT_BYTES go straight to the
 * descriptor (fs.writeSync), so a command that prints a little never creates node's stream
 * for it (for a pipe a net.Socket: node:net and its streams, ~5% of the start of `grc auth
 * status`, docs/performance.md). Past that, or when the descriptor answers EAGAIN (someone
 * made it non-blocking and it is full) or anything but EPIPE, every later write goes through
 * `stream()`, which waits for a slow reader without stopping the event loop (requests in
 * flight, timers). EPIPE is the reader going away, as closableStdout tells it.
 */
export function directStdout(
  fd: number,
  stream: () => Writable,
  onClosed: () => void,
  writeSync: (fd: number, buffer: Buffer, offset: number) => number = fsWriteSync,
): Writable {
  let written = 0;
  let closed = false;
  let fallback: Writable | undefined;
  const close = () => {
    if (closed) return;
    closed = true;
    onClosed();
  };
  return new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (closed) return done();
      let offset = 0;
      if (!fallback && written + chunk.length <= DIRECT_STDOUT_BYTES) {
        try {
          while (offset < chunk.length) offset += writeSync(fd, chunk, offset);
          written += chunk.length;
          return done();
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === "EPIPE") {
            close();
            return done();
          }
        }
      }
      fallback ??= closableStdout(stream(), close);
      fallback.write(chunk.subarray(offset), () => done());
    },
    final(done) {
      done();
    },
  });
}

function fsWriteSync(fd: number, buffer: Buffer, offset: number): number {
  return writeSync(fd, buffer, offset);
}

/**
 * IOStreams over the real process streams; `onStdoutClosed` is told when stdout's reader goes
 * away. chalk's detection gives no colour to a stream that is not a terminal unless
 * FORCE_COLOR is set, so only then is chalk loaded (src/output/paint.ts). stdin and stderr are
 * created on first use (most commands never read stdin, and write nothing to stderr), stdout
 * only when it is a terminal or a command prints more than DIRECT_STDOUT_BYTES.
 */
export async function systemIO(
  proc: NodeJS.Process,
  onStdoutClosed: () => void = () => {},
): Promise<IOStreams> {
  const stdoutIsTTY = isTerminal(1, proc);
  const stderrIsTTY = isTerminal(2, proc);
  const chalk =
    stdoutIsTTY || stderrIsTTY || proc.env.FORCE_COLOR !== undefined
      ? await loadColour()
      : undefined;
  let stderr: Writable | undefined;
  return {
    get stdin() {
      return proc.stdin;
    },
    stdout: stdoutIsTTY
      ? closableStdout(proc.stdout, onStdoutClosed)
      : directStdout(1, () => proc.stdout, onStdoutClosed),
    get stderr() {
      if (!stderr) {
        stderr = proc.stderr;
        // A terminal that went away (SIGHUP) makes stderr writes fail: never let that crash the run.
        stderr.on("error", () => {});
      }
      return stderr;
    },
    get stdinIsTTY() {
      return Boolean(proc.stdin.isTTY);
    },
    stdoutIsTTY,
    stderrIsTTY,
    colorStdout: chalk ? colorEnabled(chalk.supportsColor, proc.env) : false,
    colorStderr: chalk ? colorEnabled(chalk.supportsColorStderr, proc.env) : false,
    columns: (stdoutIsTTY && proc.stdout.columns) || 80,
  };
}
