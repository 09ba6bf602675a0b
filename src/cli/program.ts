import { Command, CommanderError, Option } from "commander";
import { ExitCode, GrcError, MissingInputError } from "../errors.js";
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
import { isTopLevelHelp, topLevelHelp } from "./help.js";
import { internalErrorLine } from "./internal-error.js";
import type { IOStreams } from "./io.js";
import { commandGroups, commandsFor, loadAllCommands, nounSummaries } from "./registry.js";
import { packageVersion } from "./version.js";

/**
 * The commander program: built from the registry, it parses argv, runs the command and turns
 * what it throws into one line and an exit code. Loaded by src/cli/main.ts for everything but
 * the top-level help, so `grc --help` never loads commander.
 */

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
  const output = {
    writeOut: (s: string) => deps.io.stdout.write(s),
    writeErr: (s: string) => deps.io.stderr.write(s),
    outputError: () => {},
    getOutHelpWidth: () => deps.io.columns,
    getErrHelpWidth: () => deps.io.columns,
  };
  const program = new Command("grc")
    .description("Move compliance evidence into GRC platforms and query security findings.")
    .version(packageVersion(), "-V, --version", "print the version")
    .helpOption(HELP_FLAG.flags, HELP_FLAG.description)
    .showSuggestionAfterError(true)
    .exitOverride((err) => {
      throw inCommand(err, program, "grc");
    })
    .configureOutput(output);
  // The same top-level help as `grc --help` prints without loading commander (src/cli/help.ts).
  program.helpInformation = () => topLevelHelp(deps.io.columns);

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
        const nounPath = `grc ${prefix}`;
        const noun: Command = parent
          .command(word)
          .description(nounSummaries[prefix] ?? "")
          .exitOverride((err) => {
            throw inCommand(err, noun, nounPath);
          })
          .configureOutput(output);
        group = noun;
        nouns.set(prefix, group);
      }
      parent = group;
    }
    const cmd = parent
      .command(spec.args ? `${leafName} ${spec.args}` : leafName)
      .description(spec.summary)
      .exitOverride((err) => {
        throw withUsageExitCode(
          inCommand(err, cmd, `grc ${spec.path.join(" ")}`),
          spec.usageExitCode,
        );
      })
      .allowExcessArguments(false)
      .configureOutput(output);
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
      try {
        await onRun(spec, positional, opts);
      } catch (err) {
        throw inCommand(err, command, `grc ${spec.path.join(" ")}`);
      }
    });
  }
  // Nouns whose commands were not loaded still appear in `grc --help`.
  for (const noun of commandGroups.flatMap((g) => g.nouns)) {
    if (!commands.some((spec) => spec.path[0] === noun)) {
      program.command(noun).description(nounSummaries[noun] ?? "");
    }
  }
  program.helpCommand(false); // `grc help <command...>` is rewritten to `<command...> --help`
  return program;
}

/** The program as commands see it (completion describes it, the demo runs it). */
const programHandle: ProgramHandle = {
  commands: loadAllCommands,
  nounSummaries,
  options: commandOptions,
  run: (argv, deps) => runProgram(argv, deps),
};

/** Runs grc with argv (without "node grc") through commander; returns the exit code. Never throws. */
export async function runProgram(argv: string[], deps: CliDeps): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let debug = argv.includes("--debug");
  const outer = deps.signal ?? new AbortController().signal;
  // `grc help evidence push` is `grc evidence push --help` (commander's help command only
  // looks one word deep).
  if (argv[0] === "help" && argv.length > 1) argv = [...argv.slice(1), "--help"];
  if (isTopLevelHelp(argv)) {
    deps.io.stdout.write(topLevelHelp(deps.io.columns));
    return ExitCode.ok;
  }
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

/** Where a parse error or a command's error arose: the command's words, usage line and subcommands. */
interface CommandOrigin {
  /** "grc strata risks" */
  commandPath: string;
  /** "grc evidence push [options] [paths...]" */
  usageLine: string;
  /** The subcommands of a noun ("list", "create", ...). */
  subcommands: string[];
}

/** Notes on an error the command it arose in (the innermost one wins). */
function inCommand(err: unknown, cmd: Command, commandPath: string): unknown {
  if (err !== null && typeof err === "object" && !("commandPath" in err)) {
    const origin: CommandOrigin = {
      commandPath,
      usageLine: `${commandPath} ${cmd.usage()}`,
      subcommands: cmd.commands.map((c) => c.name()),
    };
    Object.assign(err, origin);
  }
  return err;
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
    const origin = err as Partial<CommandOrigin>;
    const text = err.message.replace(/^error: /, "");
    if (err.code === "commander.unknownCommand" && origin.commandPath) {
      io.stderr.write(`${unknownCommandLine(text, origin as CommandOrigin)}\n`);
      return ExitCode.usage;
    }
    io.stderr.write(`grc: ${oneLine(text)} — run with --help for usage\n`);
    if (err.code === "commander.missingArgument" && origin.usageLine) {
      io.stderr.write(`Usage: ${origin.usageLine}\n`);
    }
    return ExitCode.usage;
  }
  if (err instanceof GrcError) {
    io.stderr.write(`grc: ${oneLine(err.line())}\n`);
    const usageLine = (err as Partial<CommandOrigin>).usageLine;
    if (err instanceof MissingInputError && usageLine) io.stderr.write(`Usage: ${usageLine}\n`);
    if (debug && err.stack) io.stderr.write(`${err.stack}\n`);
    return err.exitCode;
  }
  io.stderr.write(`${internalErrorLine(err)}\n`);
  if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return ExitCode.internal;
}

/**
 * "grc: unknown command 'get' for 'grc strata risks' (did you mean list?) — its commands: list,
 * create, update, delete; run `grc strata risks --help`".
 */
function unknownCommandLine(text: string, origin: CommandOrigin): string {
  const name = /unknown command '([^']*)'/.exec(text)?.[1] ?? "";
  const suggestion = /Did you mean ([^?]+)\?/.exec(text)?.[1];
  const didYouMean = suggestion ? ` (did you mean ${suggestion}?)` : "";
  const list = origin.subcommands.filter((c) => c !== "help");
  const available = list.length > 0 ? ` — its commands: ${list.join(", ")};` : " —";
  return oneLine(
    `grc: unknown command '${name}' for '${origin.commandPath}'${didYouMean}${available} run \`${origin.commandPath} --help\``,
  );
}
