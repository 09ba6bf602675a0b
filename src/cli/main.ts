import { ExitCode } from "../errors.js";
import { parseArgv } from "./argv.js";
import { type CommandSpec, commandOptions, type ProgramHandle } from "./command.js";
import { isTopLevelHelp, topLevelHelp } from "./help.js";
import { commandsFor, loadAllCommands, nounSummaries } from "./registry.js";
import { type CliDeps, runCommand } from "./run-command.js";
import { isTerminal } from "./terminal.js";

export { internalErrorLine } from "./internal-error.js";
export type { CliDeps } from "./run-command.js";

/**
 * Runs grc with argv (without "node grc"); returns the exit code. Never throws. The top-level
 * help is printed from here, a command whose argv the direct parser reads is run from here;
 * everything else loads the commander program (src/cli/program.ts).
 */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  if (isTopLevelHelp(argv)) {
    deps.io.stdout.write(topLevelHelp(deps.io.columns));
    return ExitCode.ok;
  }
  // The argv of most runs is read without commander (src/cli/argv.ts); the rest is commander's.
  const parsed = parseArgv(await commandsFor(argv), argv);
  if (parsed) {
    try {
      return await runCommand(parsed.spec, parsed.args, parsed.opts, deps, programHandle);
    } catch (err) {
      const { reportCommandError } = await import("./program.js");
      return reportCommandError(err, parsed.spec, deps, Boolean(parsed.opts.debug));
    }
  }
  const { runProgram } = await import("./program.js");
  return runProgram(argv, deps, programHandle);
}

/** The program as commands see it (completion describes it, the demo runs it). */
const programHandle: ProgramHandle = {
  commands: loadAllCommands,
  nounSummaries,
  options: commandOptions,
  run: (argv, deps) => runCli(argv, deps),
};

/** Signals that stop a run the way Ctrl-C does (CI runners cancel with SIGTERM; a closed terminal sends SIGHUP). */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** After a stop signal, in-flight work gets this long to finish before its requests are aborted. */
export const STOP_GRACE_MS = 10_000;

/** Entry point for bin/grc.js: wires the real process, stop signals, a closed stdout and the exit code. */
export async function main(proc: NodeJS.Process): Promise<number> {
  const argv = proc.argv.slice(2);
  if (isTopLevelHelp(argv)) {
    // No stream, colour or parser work: one write of text that does not depend on them.
    const { writeSync } = process.getBuiltinModule("node:fs");
    const columns = isTerminal(1, proc) ? proc.stdout.columns : 0;
    writeSync(1, topLevelHelp(columns || 80));
    return ExitCode.ok;
  }
  const { systemIO } = await import("./io.js");
  let current: CommandSpec<never> | undefined;
  let stdoutClosed = false;
  const io = await systemIO(proc, () => {
    if (stdoutClosed) return;
    stdoutClosed = true;
    if (current?.finishOnClosedStdout) {
      // Work that changes the server is finished, not dropped: results stop being printed.
      io.stderr.write(
        "grc: stdout was closed; finishing the run without printing more results (see the summary below)\n",
      );
      return;
    }
    // A reader that goes away (`grc alerts list | head -3`) is not an error: stop quietly.
    proc.exit(proc.exitCode ?? ExitCode.ok);
  });
  const stop = new AbortController();
  const abortRequests = new AbortController();
  let stopping = false;
  const onSignal = (name: NodeJS.Signals) => {
    swallowReRaise(proc, name);
    if (stopping) {
      io.stderr.write(`grc: ${name === "SIGINT" ? "interrupted" : name} again, quitting now\n`);
      proc.exit(ExitCode.interrupted);
    }
    stopping = true;
    const what = name === "SIGINT" ? "" : ` (${name})`;
    io.stderr.write(
      `\ngrc: stopping${what} — finishing in-flight work (Ctrl-C again to quit now)\n`,
    );
    stop.abort(new Error(name));
    // Work that cannot finish (a server that stopped answering) is aborted after the grace.
    setTimeout(() => abortRequests.abort(new Error(name)), STOP_GRACE_MS).unref();
  };
  for (const name of STOP_SIGNALS) proc.on(name, onSignal);
  const code = await runCli(argv, {
    io,
    env: proc.env,
    signal: stop.signal,
    requestSignal: abortRequests.signal,
    onCommand: (spec) => {
      current = spec;
    },
  });
  return code;
}

/**
 * conf's atomic writer (when-exit) listens for the same signals and, after its own cleanup,
 * re-raises the signal with process.kill to end the process. grc ends the process itself,
 * after the summary. The re-raise happens synchronously in the same emit as this listener,
 * so process.kill is wrapped until that emit is over and a kill of this process with this
 * signal is not sent: no echo arrives to be mistaken for the user's second Ctrl-C, which,
 * however soon it comes, quits at once.
 */
function swallowReRaise(proc: NodeJS.Process, name: NodeJS.Signals): void {
  const realKill = proc.kill;
  proc.kill = ((pid: number, signal?: string | number) => {
    if ((pid === proc.pid || pid === 0) && signal === name) return true;
    return realKill.call(proc, pid, signal);
  }) as typeof proc.kill;
  queueMicrotask(() => {
    proc.kill = realKill;
  });
}
