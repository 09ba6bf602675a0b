import { Command, CommanderError, Option } from "commander";
import { ExitCode, GrcError, ISSUES_URL } from "../errors.js";
import { oneLine } from "../output/sanitize.js";
import {
  type CommandContext,
  type CommandSpec,
  commandOptions,
  type GlobalOptions,
  HELP_FLAG,
  type ProgramHandle,
} from "./command.js";
import { createContext } from "./context.js";
import { type IOStreams, systemIO } from "./io.js";
import { commandGroups, commandsFor, loadAllCommands, nounSummaries } from "./registry.js";
import { packageVersion } from "./version.js";

/** What runCli needs from the outside world; tests pass buffers and fakes. */
export interface CliDeps {
  io: IOStreams;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Aborts requests in flight (the grace after a signal ran out); the run's own deadline adds to it. */
  requestSignal?: AbortSignal;
  /** Told which command runs (main decides what a closed stdout means for it). */
  onCommand?: (spec: CommandSpec<never>) => void;
  /** Replace parts of the context (tests hand in fake clients). */
  context?: Partial<CommandContext>;
}

/** Builds the commander program from the registry; the only place that touches commander. */
function buildProgram(
  deps: CliDeps,
  commands: readonly CommandSpec<never>[],
  onRun: (spec: CommandSpec<never>, args: string[], opts: Record<string, unknown>) => Promise<void>,
): Command {
  const program = new Command("grc")
    .description("Move compliance evidence into GRC platforms and query security findings.")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption(HELP_FLAG.flags, HELP_FLAG.description)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.io.stdout.write(s),
      writeErr: (s) => deps.io.stderr.write(s),
      outputError: () => {},
    });
  program.addHelpText(
    "after",
    "\nEvery command takes --env-file FILE (GRC_* variables from a dotenv file) and --debug;\ncommands that print records take --query EXPR (JMESPath over the JSON output).\n\nExit codes: 0 ok, 1 some items failed, 2 usage or bad input, 3 authentication or permission,\n4 network, server or storage unavailable, 130 interrupted.\n",
  );

  const nouns = new Map<string, Command>();
  for (const spec of commands) {
    let parent = program;
    const words = [...spec.path];
    const leafName = words.pop()!;
    let prefix = "";
    for (const word of words) {
      prefix = prefix ? `${prefix} ${word}` : word;
      let group = nouns.get(prefix);
      if (!group) {
        group = parent
          .command(word)
          .description(nounSummaries[prefix] ?? "")
          .exitOverride()
          .configureOutput({
            writeOut: (s) => deps.io.stdout.write(s),
            writeErr: (s) => deps.io.stderr.write(s),
            outputError: () => {},
          });
        nouns.set(prefix, group);
      }
      parent = group;
    }
    const cmd = parent
      .command(spec.args ? `${leafName} ${spec.args}` : leafName)
      .description(spec.summary)
      .exitOverride((err) => {
        throw withUsageExitCode(err, spec.usageExitCode);
      })
      .allowExcessArguments(false)
      .configureOutput({
        writeOut: (s) => deps.io.stdout.write(s),
        writeErr: (s) => deps.io.stderr.write(s),
        outputError: () => {},
      });
    for (const o of commandOptions(spec)) {
      if (o === HELP_FLAG) continue; // commander's own (helpOption)
      const option = new Option(o.flags, o.description);
      if (o.choices) option.choices(o.choices);
      if (o.hidden) option.hideHelp();
      if (o.repeatable) {
        option.argParser((value: string, prev: unknown) => {
          const parsed = o.parse ? o.parse(value, prev) : value;
          return [...((prev as unknown[] | undefined) ?? []), parsed];
        });
      } else if (o.parse) {
        option.argParser(o.parse as (v: string, p: unknown) => unknown);
      }
      if (o.default !== undefined) option.default(o.default);
      cmd.addOption(option);
    }
    if (spec.help) cmd.addHelpText("after", `\n${spec.help}`);
    cmd.action(async (...actionArgs: unknown[]) => {
      const command = actionArgs.at(-1) as Command;
      const opts = command.opts();
      const positional = command.processedArgs.flatMap((a: unknown) =>
        a === undefined ? [] : Array.isArray(a) ? (a as string[]) : [String(a)],
      );
      await onRun(spec, positional, opts);
    });
  }
  // Nouns whose commands were not loaded still appear in `grc --help`.
  for (const noun of commandGroups.flatMap((g) => g.nouns)) {
    if (!commands.some((spec) => spec.path[0] === noun)) {
      program.command(noun).description(nounSummaries[noun] ?? "");
    }
  }
  return program;
}

/** The program as commands see it (completion describes it, the demo runs it). */
const programHandle: ProgramHandle = {
  commands: loadAllCommands,
  nounSummaries,
  options: commandOptions,
  run: (argv, deps) => runCli(argv, deps),
};

/** Runs grc with argv (without "node grc"); returns the exit code. Never throws. */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let debug = argv.includes("--debug");
  const outer = deps.signal ?? new AbortController().signal;
  const program = buildProgram(deps, await commandsFor(argv), async (spec, args, opts) => {
    debug = Boolean(opts.debug);
    deps.onCommand?.(spec);
    const globals: GlobalOptions = {
      debug,
      profile: opts.profile as string | undefined,
      baseUrl: opts.baseUrl as string | undefined,
      org: opts.org as string | undefined,
      insecure: opts.insecure as boolean | undefined,
      caCert: opts.caCert as string | undefined,
      retries: opts.retries as number | undefined,
      timeout: opts.timeout as number | undefined,
      envFile: opts.envFile as string | undefined,
      maxTime: opts.maxTime as number | undefined,
    };
    // --env-file: the file's variables under the real environment, for this command only.
    const env = globals.envFile
      ? (await import("../core/config/env-file.js")).mergeEnvFile(globals.envFile, deps.env)
      : deps.env;
    // --max-time: one budget for the whole run. When it runs out, no new work starts and
    // requests in flight are aborted, so the command still ends through its own summary.
    const deadline = new AbortController();
    const timer =
      globals.maxTime !== undefined
        ? setTimeout(() => deadline.abort(new Error("max-time")), globals.maxTime * 1000)
        : undefined;
    const signal = AbortSignal.any([outer, deadline.signal]);
    const requestSignal = AbortSignal.any([
      deadline.signal,
      ...(deps.requestSignal ? [deps.requestSignal] : []),
    ]);
    const ctx = createContext({
      io: deps.io,
      program: programHandle,
      env,
      globals,
      signal,
      requestSignal,
      overrides: deps.context,
    });
    try {
      exitCode =
        (opts.query !== undefined
          ? await (await import("../output/query.js")).runWithQuery(ctx, opts, (c, o) =>
              spec.run(c, args, o as never),
            )
          : await spec.run(ctx, args, opts as never)) ?? ExitCode.ok;
    } catch (err) {
      if (!deadline.signal.aborted) throw withUsageExitCode(err, spec.usageExitCode);
    } finally {
      clearTimeout(timer);
      await ctx.dispose();
    }
    if (deadline.signal.aborted && !outer.aborted) {
      deps.io.stderr.write(
        `grc: stopped after --max-time ${globals.maxTime}s — raise --max-time, or rerun: the state remembers what was done\n`,
      );
      exitCode = ExitCode.unavailable;
    } else if (signal.aborted && exitCode === ExitCode.ok && !spec.stopsOnSignal) {
      exitCode = ExitCode.interrupted;
    }
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (err) {
    exitCode = reportError(err, deps.io, debug);
  }
  return exitCode;
}

/** Marks a usage error of a command whose bad input has its own exit code (see CommandSpec). */
function withUsageExitCode(err: unknown, code: number | undefined): unknown {
  if (code !== undefined && err !== null && typeof err === "object") {
    Object.assign(err, { usageExitCode: code });
  }
  return err;
}

/** Prints one line for an error and returns its exit code. */
export function reportError(err: unknown, io: IOStreams, debug: boolean): number {
  const code = reportErrorLine(err, io, debug);
  const override = (err as { usageExitCode?: number } | null)?.usageExitCode;
  return code === ExitCode.usage && override !== undefined ? override : code;
}

function reportErrorLine(err: unknown, io: IOStreams, debug: boolean): number {
  if (err instanceof CommanderError) {
    if (
      err.code === "commander.helpDisplayed" ||
      err.code === "commander.version" ||
      err.code === "commander.help"
    ) {
      return ExitCode.ok;
    }
    if (err.code === "commander.executeSubCommandAsync") return ExitCode.usage;
    const text = err.message.replace(/^error: /, "");
    io.stderr.write(`grc: ${oneLine(text)} — run with --help for usage\n`);
    return ExitCode.usage;
  }
  if (err instanceof GrcError) {
    io.stderr.write(`grc: ${oneLine(err.line())}\n`);
    if (debug && err.stack) io.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  io.stderr.write(`${internalErrorLine(err)}\n`);
  if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return ExitCode.internal;
}

/** The one line for an exception grc did not expect: a bug, exit 70 (the stack only with --debug). */
export function internalErrorLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return `grc: internal error: ${oneLine(message)} — please report it at ${ISSUES_URL}; rerun with --debug for the stack`;
}

/** Signals that stop a run the way Ctrl-C does (CI runners cancel with SIGTERM; a closed terminal sends SIGHUP). */
const STOP_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

/** After a stop signal, in-flight work gets this long to finish before its requests are aborted. */
export const STOP_GRACE_MS = 10_000;

/** Entry point for bin/grc.js: wires the real process, stop signals, a closed stdout and the exit code. */
export async function main(proc: NodeJS.Process): Promise<number> {
  // A terminal that went away (SIGHUP) makes stderr writes fail: never let that crash the run.
  proc.stderr.on("error", () => {});
  let current: CommandSpec<never> | undefined;
  let stdoutClosed = false;
  const io = systemIO(proc, () => {
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
  const code = await runCli(proc.argv.slice(2), {
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
