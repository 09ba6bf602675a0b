import type { ProfileFlags, ResolvedProfile } from "../core/config/types.js";
import type { ApiClient, StorageClient } from "../http/types.js";
import type { EvidentPlatform } from "../platforms/evident/index.js";
import type { SovereignPlatform } from "../platforms/sovereign/index.js";
import type { StrataPlatform } from "../platforms/strata/index.js";
import type { IOStreams } from "./io.js";
import { wholeNumber } from "./parse.js";

/** One option of a command, in commander's flag syntax ("--control <id>", "--no-verify"). */
export interface OptionSpec {
  flags: string;
  description: string;
  default?: unknown;
  /** Allowed values, checked by the parser (exit 2 otherwise). */
  choices?: readonly string[];
  /** Collect a repeatable option into an array. */
  repeatable?: boolean;
  /** Parse/validate the value; throw UsageError for bad input. */
  parse?: (value: string, previous: unknown) => unknown;
  hidden?: boolean;
}

/** Options every command gets (flags win over environment and profile). */
export interface GlobalOptions extends ProfileFlags {
  debug: boolean;
  /** --env-file: its variables were merged into the command's env (values never printed). */
  envFile?: string;
  /** Total attempts per request (--retries). */
  retries?: number;
  /** Request timeout in seconds (--timeout). */
  timeout?: number;
  /** Total time budget of the run in seconds (--max-time): in-flight requests are aborted then. */
  maxTime?: number;
}

/** Lazy dependencies a command handler uses; tests hand in fakes and buffers. */
/**
 * The program itself, for the commands that describe or run it (`grc completion`, `grc demo`):
 * handed in by src/cli/main.ts, so no command imports the program that imports the commands.
 */
export interface ProgramHandle {
  /** Every command, in help order. */
  commands(): Promise<readonly CommandSpec<never>[]>;
  nounSummaries: Readonly<Record<string, string>>;
  /** Every flag a command accepts, as the parser reads them (src/cli/command.ts commandOptions). */
  options(spec: CommandSpec<never>): readonly OptionSpec[];
  /** Runs grc with argv (without "node grc") and returns its exit code. */
  run(
    argv: string[],
    deps: { io: IOStreams; env: NodeJS.ProcessEnv; signal?: AbortSignal },
  ): Promise<number>;
}

export interface CommandContext {
  io: IOStreams;
  /** The program this command runs in (completion and demo use it). */
  program: ProgramHandle;
  env: NodeJS.ProcessEnv;
  /** The working directory relative paths are read against (commands never call process.cwd()). */
  cwd: string;
  /** The clock (commands never call `new Date()` themselves; tests hand in a fixed one). */
  now(): Date;
  globals: GlobalOptions;
  /** Aborted when the user presses Ctrl-C (SIGINT) or the process gets SIGTERM. */
  signal: AbortSignal;
  /** Resolved profile: flags, then environment, then the stored profile. */
  profile(): Promise<ResolvedProfile>;
  /** Signed client for the resolved profile (created once). */
  api(): Promise<ApiClient>;
  /** Credential-free client for presigned storage URLs (created once). */
  storage(): Promise<StorageClient>;
  /**
   * A platform (src/platforms/<name>) over the resolved profile and `api()`, built once: the
   * profile is checked first (e.g. Sovereign's organization), then the client is opened.
   */
  platform<N extends keyof Platforms>(name: N): Promise<Platforms[N]>;
  /** Writes a --debug line to stderr (no-op without --debug). Callers redact nothing: lines come from the client already redacted. */
  debug(line: string): void;
  /** Writes one message line to stderr. */
  warn(line: string): void;
}

/** The platforms a command may ask the context for, by the name a profile gives them. */
export interface Platforms {
  sovereign: SovereignPlatform;
  evident: EvidentPlatform;
  strata: StrataPlatform;
}

/** A command: a data object registered in `src/cli/registry.ts`; only `src/cli/program.ts` touches commander. */
export interface CommandSpec<Opts = Record<string, unknown>> {
  /** Words after `grc`, e.g. ["evidence", "push"]. */
  path: readonly string[];
  /** Positional arguments in commander syntax, e.g. "<paths...>" or "<type> [id]". */
  args?: string;
  summary: string;
  /** Extra help text printed after the options (examples, mappings). */
  help?: string;
  options?: readonly OptionSpec[];
  /** Adds --output table|json|ndjson|csv and --json. */
  output?: boolean;
  /** A signal is this command's normal way to end (`grc mock serve`): exit 0, not 130. */
  stopsOnSignal?: boolean;
  /**
   * Exit code for bad flags or input when 2 means something else for this command
   * (`grc evidence plan`: 2 = changes pending, so bad input must not look like it).
   */
  usageExitCode?: number;
  /** Changes server state: a stdout whose reader went away does not stop it (rows are dropped). */
  finishOnClosedStdout?: boolean;
  /** Adds --base-url/--org/--profile style connection flags (most commands). */
  connection?: boolean;
  /** Handler: import heavy modules inside it, not at the top of the file. Returns the exit code. */
  run(ctx: CommandContext, args: string[], opts: Opts): Promise<number | undefined>;
}

/** Identity helper that keeps a command's option type. */
export function defineCommand<Opts = Record<string, unknown>>(
  spec: CommandSpec<Opts>,
): CommandSpec<Opts> {
  return spec;
}

/** Output format chosen by --output / --json. */
export type OutputFormat = "table" | "json" | "ndjson" | "csv";

/** Reads --output/--json from a command's options. */
export function outputFormat(opts: { output?: string; json?: boolean }): OutputFormat {
  if (opts.json) return "json";
  return (opts.output as OutputFormat | undefined) ?? "table";
}

/** Connection flags every command gets unless `connection: false` (flags win over env and profile). */
export const CONNECTION_FLAGS: readonly OptionSpec[] = [
  { flags: "--profile <name>", description: "profile to use (env GRC_PROFILE)" },
  { flags: "--base-url <url>", description: "platform base URL (env GRC_BASE_URL)" },
  { flags: "--org <id>", description: "organization ID (env GRC_ORG_ID)" },
  { flags: "--insecure", description: "allow plain http to a non-loopback host" },
  { flags: "--ca-cert <file>", description: "PEM file of extra CA certificates" },
  {
    flags: "--retries <n>",
    description: "attempts per request, including the first (default 5)",
    parse: wholeNumber("--retries", 1),
  },
  {
    flags: "--timeout <seconds>",
    description: "request timeout in seconds",
    parse: wholeNumber("--timeout", 1),
  },
  {
    flags: "--max-time <seconds>",
    description: "stop the whole run after this many seconds (exit 4; state saved)",
    parse: wholeNumber("--max-time", 1),
  },
];

/** Output flags of commands with `output: true`. */
export const OUTPUT_FLAGS: readonly OptionSpec[] = [
  {
    flags: "-o, --output <format>",
    description: "output format",
    choices: ["table", "json", "ndjson", "csv"],
  },
  { flags: "--json", description: "same as --output json" },
  {
    flags: "--query <expr>",
    description:
      "JMESPath expression applied to the JSON output, e.g. \"[?risk_level=='high'].id\" (prints JSON; -o table/csv/ndjson to reshape)",
  },
];

/** Flags every command has, whatever it does (after its own, the output and connection flags). */
export const GLOBAL_FLAGS: readonly OptionSpec[] = [
  {
    flags: "--env-file <file>",
    description:
      "read GRC_* variables from a dotenv file (variables already set in the environment win)",
  },
  {
    flags: "--debug",
    description: "trace requests on stderr (secrets redacted) and show stack traces",
  },
];

/** The help flag of every command and noun (commander's own; listed last by --help). */
export const HELP_FLAG: OptionSpec = { flags: "-h, --help", description: "show help" };

/**
 * Every flag a command accepts, in the order its --help lists them: the one flag spec read by
 * parsers (src/cli/argv.ts, src/cli/program.ts) and by completion (through `ctx.program.options`).
 */
export function commandOptions(spec: CommandSpec<never>): readonly OptionSpec[] {
  return [
    ...(spec.options ?? []),
    ...(spec.output ? OUTPUT_FLAGS : []),
    ...(spec.connection !== false ? CONNECTION_FLAGS : []),
    ...GLOBAL_FLAGS,
    HELP_FLAG,
  ];
}
