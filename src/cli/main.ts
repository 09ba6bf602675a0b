import { Command, CommanderError, Option } from "commander";
import { ExitCode, GrcError, UsageError } from "../errors.js";
import { oneLine } from "../output/sanitize.js";
import {
  CONNECTION_FLAGS,
  type CommandContext,
  type CommandSpec,
  type GlobalOptions,
  OUTPUT_FLAGS,
} from "./command.js";
import { createContext } from "./context.js";
import { type IOStreams, systemIO } from "./io.js";
import { commandGroups, commandsFor, nounSummaries } from "./registry.js";
import { packageVersion } from "./version.js";

/** What runCli needs from the outside world; tests pass buffers and fakes. */
export interface CliDeps {
  io: IOStreams;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Replace parts of the context (tests hand in fake clients). */
  context?: Partial<CommandContext>;
}

function positiveInt(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) {
      throw new UsageError(`${name} must be a whole number of at least 1, got "${value}"`);
    }
    return n;
  };
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
    .helpOption("-h, --help", "show help")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => deps.io.stdout.write(s),
      writeErr: (s) => deps.io.stderr.write(s),
      outputError: () => {},
    });
  program.addHelpText(
    "after",
    "\nExit codes: 0 ok, 1 some items failed, 2 usage or bad input, 3 authentication or permission,\n4 network, server or storage unavailable, 130 interrupted.\n",
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
      .exitOverride()
      .allowExcessArguments(false)
      .configureOutput({
        writeOut: (s) => deps.io.stdout.write(s),
        writeErr: (s) => deps.io.stderr.write(s),
        outputError: () => {},
      });
    for (const o of spec.options ?? []) {
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
    const shared = [
      ...(spec.output ? OUTPUT_FLAGS : []),
      ...(spec.connection !== false ? CONNECTION_FLAGS : []),
    ];
    for (const o of shared) {
      const option = new Option(o.flags, o.description);
      if (o.choices) option.choices(o.choices);
      if (o.flags.startsWith("--retries")) option.argParser(positiveInt("--retries"));
      if (o.flags.startsWith("--timeout")) option.argParser(positiveInt("--timeout"));
      cmd.addOption(option);
    }
    cmd.option("--debug", "trace requests on stderr (secrets redacted) and show stack traces");
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

/** Runs grc with argv (without "node grc"); returns the exit code. Never throws. */
export async function runCli(argv: string[], deps: CliDeps): Promise<number> {
  let exitCode: number = ExitCode.ok;
  let debug = argv.includes("--debug");
  const signal = deps.signal ?? new AbortController().signal;
  const program = buildProgram(deps, await commandsFor(argv), async (spec, args, opts) => {
    debug = Boolean(opts.debug);
    const globals: GlobalOptions = {
      debug,
      profile: opts.profile as string | undefined,
      baseUrl: opts.baseUrl as string | undefined,
      org: opts.org as string | undefined,
      insecure: opts.insecure as boolean | undefined,
      caCert: opts.caCert as string | undefined,
      retries: opts.retries as number | undefined,
      timeout: opts.timeout as number | undefined,
    };
    const ctx = createContext({
      io: deps.io,
      env: deps.env,
      globals,
      signal,
      overrides: deps.context,
    });
    try {
      exitCode = (await spec.run(ctx, args, opts as never)) ?? ExitCode.ok;
    } finally {
      await ctx.dispose();
    }
    if (signal.aborted && exitCode === ExitCode.ok && !spec.stopsOnSignal) {
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

/** Prints one line for an error and returns its exit code. */
export function reportError(err: unknown, io: IOStreams, debug: boolean): number {
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
  const message = err instanceof Error ? err.message : String(err);
  io.stderr.write(
    `grc: unexpected error: ${oneLine(message)} — run again with --debug for details\n`,
  );
  if (debug && err instanceof Error && err.stack) io.stderr.write(`${err.stack}\n`);
  return ExitCode.someFailed;
}

/** Entry point for bin/grc.js: wires the real process, SIGINT and exit code. */
export async function main(proc: NodeJS.Process): Promise<number> {
  const io = systemIO(proc);
  // A reader that goes away (`grc alerts list | head -3`) is not an error: stop quietly.
  proc.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code === "EPIPE") proc.exit(proc.exitCode ?? ExitCode.ok);
    throw err;
  });
  const controller = new AbortController();
  let firstSignalAt = 0;
  const onSignal = (name: NodeJS.Signals) => {
    const now = Date.now();
    if (firstSignalAt !== 0) {
      // conf's atomic writer (when-exit) re-raises a signal it caught: a repeat within
      // half a second is that echo, not the user pressing Ctrl-C again.
      if (now - firstSignalAt < 500) return;
      io.stderr.write("grc: interrupted again, quitting now\n");
      proc.exit(ExitCode.interrupted);
    }
    firstSignalAt = now;
    if (name === "SIGINT") {
      io.stderr.write("\ngrc: stopping — finishing in-flight work (Ctrl-C again to quit now)\n");
    }
    controller.abort(new Error(name));
  };
  proc.on("SIGINT", onSignal);
  proc.on("SIGTERM", onSignal);
  const code = await runCli(proc.argv.slice(2), { io, env: proc.env, signal: controller.signal });
  return code;
}
