import { Command, CommanderError, Option } from "commander";
import { ExitCode, GrcError, MissingInputError } from "../errors.js";
import { oneLine } from "../output/sanitize.js";
import { type CommandSpec, commandOptions, HELP_FLAG, type ProgramHandle } from "./command.js";
import { isTopLevelHelp, topLevelHelp } from "./help.js";
import { internalErrorLine } from "./internal-error.js";
import type { IOStreams } from "./io.js";
import { commandGroups, commandsFor, nounSummaries } from "./registry.js";
import { type CliDeps, runCommand, withUsageExitCode } from "./run-command.js";
import { packageVersion } from "./version.js";

/**
 * The commander program: built from the registry, it parses argv, runs the command and turns
 * what it throws into one line and an exit code. Loaded by src/cli/main.ts for the argv the
 * direct parser (src/cli/argv.ts) leaves to it (a command's help, errors, unusual flag
 * forms) and to report what a command it ran threw: `grc --help` and most runs never load
 * commander.
 */

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

/** Runs grc with argv (without "node grc") through commander; returns the exit code. Never throws. */
export async function runProgram(
  argv: string[],
  deps: CliDeps,
  program: ProgramHandle,
): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let debug = argv.includes("--debug");
  // `grc help evidence push` is `grc evidence push --help` (commander's help command only
  // looks one word deep).
  if (argv[0] === "help" && argv.length > 1) argv = [...argv.slice(1), "--help"];
  if (isTopLevelHelp(argv)) {
    deps.io.stdout.write(topLevelHelp(deps.io.columns));
    return ExitCode.ok;
  }
  const commander = buildProgram(deps, await commandsFor(argv), async (spec, args, opts) => {
    debug = Boolean(opts.debug);
    exitCode = await runCommand(spec, args, opts, deps, program);
  });
  try {
    await commander.parseAsync(argv, { from: "user" });
  } catch (err) {
    exitCode = reportError(err, deps.io, debug);
  }
  return exitCode;
}

/**
 * What commander makes of argv without running the command: the command and the arguments
 * and options its action would get, or what commander throws (help shown, a bad flag). The
 * direct parser's test (test/unit/cli/argv.test.ts) holds the parser to it.
 */
export async function commanderReading(
  argv: string[],
  commands: readonly CommandSpec<never>[],
  deps: CliDeps,
): Promise<
  { spec: CommandSpec<never>; args: string[]; opts: Record<string, unknown> } | { error: unknown }
> {
  let read: { spec: CommandSpec<never>; args: string[]; opts: Record<string, unknown> } | undefined;
  const program = buildProgram(deps, commands, async (spec, args, opts) => {
    read = { spec, args, opts };
  });
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (error) {
    return { error };
  }
  return read ?? { error: new Error("commander ran no command") };
}

/**
 * Reports what a command the direct parser ran (src/cli/main.ts) threw, as if commander had
 * run it: the error is noted with the command's words and commander's usage line.
 */
export function reportCommandError(
  err: unknown,
  spec: CommandSpec<never>,
  deps: CliDeps,
  debug: boolean,
): number {
  let cmd = buildProgram(deps, [spec], async () => {});
  for (const word of spec.path) {
    const next = cmd.commands.find((c) => c.name() === word);
    if (!next) break;
    cmd = next;
  }
  return reportError(inCommand(err, cmd, `grc ${spec.path.join(" ")}`), deps.io, debug);
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
