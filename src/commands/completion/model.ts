import { type CommandSpec, commandOptions, HELP_FLAG, type OptionSpec } from "../../cli/command.js";
import { SETTING_KEYS } from "../../core/config/keys.js";

/** One flag as completion sees it. */
export interface CompletionFlag {
  /** "--output" */
  long: string;
  /** "-o" when the flag has a short form. */
  short?: string;
  /** True when the flag takes a value ("--org <id>"). */
  takesValue: boolean;
  /** Allowed values, completed after the flag. */
  choices?: readonly string[];
  /** True when the value is a file path (completed as files). */
  file?: boolean;
  description: string;
}

/** A node of the command tree: the root, a noun or a command. */
export interface CompletionNode {
  /** Words from the root, e.g. ["auth", "login"]; [] for the root. */
  path: string[];
  summary: string;
  /** Sub-words (nouns or verbs) with their summaries; empty for a command. */
  children: { name: string; summary: string }[];
  /** Flags of a command (empty for the root and nouns, which take only --help). */
  flags: CompletionFlag[];
  /** True for a command that takes positional arguments. */
  takesArgs: boolean;
  /** Words its positional arguments complete to (files otherwise). */
  argChoices?: readonly string[];
}

/** Positional arguments that complete to fixed words rather than files. */
export const POSITIONAL_CHOICES: Record<string, readonly string[]> = {
  "config get": SETTING_KEYS,
  "config set": SETTING_KEYS,
  "config unset": SETTING_KEYS,
  completion: ["bash", "zsh", "fish"],
};

/** Value names that mean "a file or directory path". */
const FILE_VALUES = /<(file|path|paths|dir|directory)(\.\.\.)?>|\[(file|path|dir)\]/i;

/** Parses commander flag syntax ("-o, --output <format>", "--no-verify") into a CompletionFlag. */
export function parseFlag(option: OptionSpec): CompletionFlag {
  const long = /--[A-Za-z0-9][\w-]*/.exec(option.flags)?.[0] ?? option.flags;
  const short = /(^|[\s,])(-[A-Za-z0-9])\b/.exec(option.flags)?.[2];
  const takesValue = /[<[]/.test(option.flags);
  return {
    long,
    ...(short ? { short } : {}),
    takesValue,
    ...(option.choices ? { choices: option.choices } : {}),
    ...(takesValue && FILE_VALUES.test(option.flags) ? { file: true } : {}),
    description: option.description,
  };
}

/** Every flag of a command, as the parser reads them (the program's `options`). */
export type OptionsOf = (spec: CommandSpec<never>) => readonly OptionSpec[];

/** The flags a command accepts, in the order `--help` lists them (hidden ones left out). */
export function commandFlags(
  spec: CommandSpec<never>,
  optionsOf: OptionsOf = commandOptions,
): CompletionFlag[] {
  return optionsOf(spec)
    .filter((o) => !o.hidden)
    .map(parseFlag);
}

/** Builds the completion tree from the command registry and the noun summaries. */
export function completionTree(
  specs: readonly CommandSpec<never>[],
  nounSummaries: Readonly<Record<string, string>>,
  optionsOf: OptionsOf = commandOptions,
): CompletionNode[] {
  const nodes = new Map<string, CompletionNode>();
  const node = (path: string[]): CompletionNode => {
    const key = path.join(" ");
    let found = nodes.get(key);
    if (!found) {
      found = {
        path,
        summary: nounSummaries[key] ?? "",
        children: [],
        flags: [],
        takesArgs: false,
      };
      nodes.set(key, found);
    }
    return found;
  };
  node([]);
  for (const spec of specs) {
    const words = [...spec.path];
    for (let i = 0; i < words.length; i += 1) {
      const parent = node(words.slice(0, i));
      const name = words[i]!;
      if (!parent.children.some((c) => c.name === name)) {
        const isLeaf = i === words.length - 1;
        parent.children.push({
          name,
          summary: isLeaf ? spec.summary : (nounSummaries[words.slice(0, i + 1).join(" ")] ?? ""),
        });
      }
    }
    const leaf = node(words);
    leaf.summary = spec.summary;
    leaf.flags = commandFlags(spec, optionsOf);
    leaf.takesArgs = Boolean(spec.args);
    const choices = POSITIONAL_CHOICES[words.join(" ")];
    if (choices) leaf.argChoices = choices;
  }
  // The root and the nouns take only --help (and the root --version), as commander defines them.
  for (const n of nodes.values()) {
    if (n.flags.length > 0 || n.children.length === 0) continue;
    n.flags = [
      ...(n.path.length === 0
        ? [parseFlag({ flags: "-V, --version", description: "print the version" })]
        : []),
      parseFlag(HELP_FLAG),
    ];
  }
  return [...nodes.values()];
}
