import { type CommandSpec, commandOptions, HELP_FLAG, type OptionSpec } from "./command.js";

/**
 * The direct parser: reads the argv of one command the way commander would, for the argv
 * most runs have (the command's words, then its flags and arguments written out plainly), so
 * that such a run never loads commander (~15% of a start, docs/performance.md). It reads
 * nothing commander would read otherwise: whatever it is not sure of (help, --version, a flag
 * it does not know, `-abc` groups, a bad value, a missing or extra argument) it declines, and
 * commander parses the argv, prints the help or the error (src/cli/program.ts).
 * test/unit/cli/argv.test.ts holds it to commander's reading of generated argv.
 */

/** A command and what its argv says, as commander's action would receive them. */
export interface ParsedArgv {
  spec: CommandSpec<never>;
  /** The positional arguments, in order. */
  args: string[];
  /** Option values by commander's attribute name (`--base-url` is baseUrl), defaults included. */
  opts: Record<string, unknown>;
}

interface Flag {
  option: OptionSpec;
  short?: string;
  long: string;
  /** `--name <value>`: the next word (or `--name=value`) is its value. */
  takesValue: boolean;
  /** `--no-name`: sets name to false. */
  negate: boolean;
  /** commander's attribute name: `--no-state` is state, `--base-url` baseUrl. */
  key: string;
}

/** "-o, --output <format>" -> its flag; undefined for shapes the parser leaves to commander. */
function flagOf(option: OptionSpec): Flag | undefined {
  // commander: `<...>` is a required value whatever it holds; `[...]` alone is an optional one
  // and `...>` a variadic one, both left to commander.
  const m = /^(?:(-[A-Za-z]), )?--([a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?: <([^<>]+)>)?$/.exec(
    option.flags,
  );
  if (!m || /\.\.\.[>\]]$/.test(option.flags)) return undefined;
  const [, short, name = "", value] = m;
  const takesValue = value !== undefined;
  // A flag without a value that parses or repeats: commander would call the parser with no value.
  if (!takesValue && (option.parse || option.repeatable || option.choices)) return undefined;
  const negate = name.startsWith("no-");
  const key = (negate ? name.slice(3) : name).replace(/-([a-z0-9])/g, (_, c: string) =>
    c.toUpperCase(),
  );
  return { option, ...(short ? { short } : {}), long: `--${name}`, takesValue, negate, key };
}

/** Positional arguments: how many are required, how many are allowed. */
function arity(args: string | undefined): { min: number; max: number } | undefined {
  let min = 0;
  let max = 0;
  const words = args ? args.trim().split(/\s+/) : [];
  for (const [i, word] of words.entries()) {
    const m = /^(<|\[)[A-Za-z0-9_-]+(\.\.\.)?(>|\])$/.exec(word);
    if (!m || (m[1] === "<") !== (m[3] === ">")) return undefined;
    if (m[1] === "<") {
      if (min < max) return undefined; // a required one after an optional one
      min++;
    }
    if (m[2]) {
      if (i !== words.length - 1) return undefined;
      max = Number.POSITIVE_INFINITY;
    } else max++;
  }
  return { min, max };
}

/** The one command whose words begin argv and that has no commands below it. */
function leafFor(
  specs: readonly CommandSpec<never>[],
  argv: readonly string[],
): CommandSpec<never> | undefined {
  const begins = (spec: CommandSpec<never>, words: readonly string[]) =>
    spec.path.length <= words.length && spec.path.every((w, i) => words[i] === w);
  const matches = specs.filter((spec) => begins(spec, argv));
  if (matches.length !== 1) return undefined;
  const [spec] = matches as [CommandSpec<never>];
  // A command that is also a noun of others: commander tells a subcommand from an argument.
  if (specs.some((other) => other !== spec && begins(spec, other.path))) return undefined;
  return spec;
}

/** Reads argv for one of `specs`, or declines (undefined): then commander reads it. */
export function parseArgv(
  specs: readonly CommandSpec<never>[],
  argv: readonly string[],
): ParsedArgv | undefined {
  const spec = leafFor(specs, argv);
  if (!spec) return undefined;
  // The program's -V/--version counts wherever it stands before `--`, even as another
  // flag's value (commander reads the program's flags first, over the whole argv).
  for (const word of argv) {
    if (word === "--") break;
    if (word === "--version" || word.startsWith("-V")) return undefined;
  }
  const flags: Flag[] = [];
  for (const option of commandOptions(spec)) {
    if (option === HELP_FLAG) continue; // commander's own: it prints the help
    const flag = flagOf(option);
    if (!flag) return undefined;
    flags.push(flag);
  }
  const counts = arity(spec.args);
  if (!counts) return undefined;

  // Defaults, as commander sets them when each option is added: `--no-x` makes x true unless
  // `--x` came before it.
  const opts: Record<string, unknown> = {};
  for (const [i, flag] of flags.entries()) {
    if (flag.negate) {
      const positive = flags.slice(0, i).some((f) => f.long === `--${flag.long.slice(5)}`);
      if (!positive) opts[flag.key] = flag.option.default ?? true;
    } else if (flag.option.default !== undefined) {
      opts[flag.key] = flag.option.default;
    }
  }

  const rest = argv.slice(spec.path.length);
  const args: string[] = [];
  for (let i = 0; i < rest.length; i++) {
    const word = rest[i] as string;
    if (word === "--") {
      args.push(...rest.slice(i + 1));
      break;
    }
    if (word.length < 2 || !word.startsWith("-")) {
      args.push(word);
      continue;
    }
    let flag = flags.find((f) => f.long === word || f.short === word);
    let value: string | undefined;
    if (flag) {
      if (flag.takesValue) {
        if (i + 1 >= rest.length) return undefined; // commander: missing argument
        value = rest[++i];
      }
    } else if (/^--[^=]+=/.test(word)) {
      const eq = word.indexOf("=");
      flag = flags.find((f) => f.long === word.slice(0, eq));
      if (!flag?.takesValue) return undefined;
      value = word.slice(eq + 1);
    } else {
      return undefined; // -h, an unknown flag, a group like -qo, a negative number
    }
    const read = flagValue(flag, value, opts[flag.key]);
    if (!read.ok) return undefined;
    opts[flag.key] = read.value;
  }
  if (args.length < counts.min || args.length > counts.max) return undefined;
  return { spec, args, opts };
}

/** A flag's new value, as src/cli/program.ts sets commander up to compute it. */
function flagValue(
  flag: Flag,
  value: string | undefined,
  previous: unknown,
): { ok: true; value: unknown } | { ok: false } {
  if (value === undefined) return { ok: true, value: !flag.negate };
  const { option } = flag;
  try {
    if (option.repeatable) {
      const parsed = option.parse ? option.parse(value, previous) : value;
      return { ok: true, value: [...((previous as unknown[] | undefined) ?? []), parsed] };
    }
    if (option.parse) return { ok: true, value: option.parse(value, previous) };
  } catch {
    return { ok: false }; // commander calls the parser again and reports what it throws
  }
  if (option.choices && !option.choices.includes(value)) return { ok: false };
  return { ok: true, value };
}
