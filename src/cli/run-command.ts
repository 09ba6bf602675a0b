import { ExitCode } from "../errors.js";
import type { CommandContext, CommandSpec, GlobalOptions, ProgramHandle } from "./command.js";
import { createContext } from "./context.js";
import type { IOStreams } from "./io.js";

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

/**
 * Runs one command whose argv was parsed (by commander, src/cli/program.ts, or by the direct
 * parser, src/cli/argv.ts): the global flags, --env-file, --max-time, the context, --query.
 * `program` is the program as commands see it (src/cli/main.ts hands it in). Returns the exit
 * code; throws what the command throws, marked with its usage exit code.
 */
export async function runCommand(
  spec: CommandSpec<never>,
  args: string[],
  opts: Record<string, unknown>,
  deps: CliDeps,
  program: ProgramHandle,
): Promise<number> {
  const outer = deps.signal ?? new AbortController().signal;
  deps.onCommand?.(spec);
  const globals: GlobalOptions = {
    debug: Boolean(opts.debug),
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
    program,
    env,
    globals,
    signal,
    requestSignal,
    overrides: deps.context,
  });
  let exitCode: number = ExitCode.ok;
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
    return ExitCode.unavailable;
  }
  if (signal.aborted && exitCode === ExitCode.ok && !spec.stopsOnSignal) {
    return ExitCode.interrupted;
  }
  return exitCode;
}

/** Marks a usage error of a command whose bad input has its own exit code (see CommandSpec). */
export function withUsageExitCode(err: unknown, code: number | undefined): unknown {
  if (code !== undefined && err !== null && typeof err === "object") {
    Object.assign(err, { usageExitCode: code });
  }
  return err;
}
