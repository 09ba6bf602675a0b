import { commandGroups, nounSummaries } from "./registry.js";

/**
 * `grc`, `grc --help`, `grc -h` and `grc help`: the top-level help, printed without loading
 * the parser (commander) or any command. A command's own help comes from commander.
 */
export function isTopLevelHelp(argv: readonly string[]): boolean {
  if (argv.length === 0) return true;
  return argv.length === 1 && (argv[0] === "--help" || argv[0] === "-h" || argv[0] === "help");
}

/** First steps, in the order a newcomer takes them: each a command and what it does. */
export const START_HERE: readonly (readonly [string, string])[] = [
  [
    "grc demo",
    "Try it against the embedded mock: push sample evidence, list alerts (nothing leaves this machine)",
  ],
  ["grc auth login", "Save your platform's URL and credential in a profile (it asks for them)"],
  [
    "grc evidence push ./evidence --control CC6.1",
    "Hash, upload, verify and link files to a control (a rerun sends only changes)",
  ],
  [
    "grc alerts list --status fail --risk high",
    "List failing high-risk alerts (--all for every page, -o json for scripts)",
  ],
];

/** The exit codes every command shares (docs/configuration.md lists them too). */
export const EXIT_CODES =
  "0 ok, 1 some items failed, 2 usage or bad input, 3 authentication or permission, 4 network, server or storage unavailable, 70 internal error (a bug in grc), 130 interrupted.";

/** Words of `text` wrapped to `width` columns (a word longer than the width gets its own line). */
export function wrapWords(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** A paragraph wrapped to the terminal, every line indented by `indent` spaces. */
function paragraph(text: string, columns: number, indent = 0): string {
  const pad = " ".repeat(indent);
  return wrapWords(text, Math.max(20, columns - indent))
    .map((l) => `${pad}${l}`)
    .join("\n");
}

/** A `# ...` comment line (wrapped, each line a comment) above an example. */
function comment(text: string, columns: number): string {
  return wrapWords(text, Math.max(20, columns - 4))
    .map((l) => `  # ${l}`)
    .join("\n");
}

/**
 * Two columns (a term and its description), the descriptions lined up and wrapped to the
 * terminal. Where the terminal is too narrow for that, each description goes under its term.
 */
function twoColumns(rows: readonly (readonly [string, string])[], columns: number): string {
  const termWidth = Math.max(...rows.map(([term]) => term.length));
  const descWidth = columns - 2 - termWidth - 2;
  if (descWidth >= 30) {
    return rows
      .map(([term, desc]) => {
        const [first = "", ...more] = wrapWords(desc, descWidth);
        const pad = " ".repeat(2 + termWidth + 2);
        return [`  ${term.padEnd(termWidth)}  ${first}`, ...more.map((l) => `${pad}${l}`)].join(
          "\n",
        );
      })
      .join("\n");
  }
  return rows.map(([term, desc]) => `  ${term}\n${paragraph(desc, columns, 6)}`).join("\n");
}

/** The top-level help, wrapped to `columns`. */
export function topLevelHelp(columns: number): string {
  const width = Math.max(40, columns);
  const nouns = commandGroups.flatMap((g) => g.nouns);
  const commands = nouns.map((noun) => [noun, nounSummaries[noun] ?? ""] as const);
  const sections = [
    "Usage: grc <command> [options]",
    paragraph("Move compliance evidence into GRC platforms and query security findings.", width),
    `Start here:\n${START_HERE.map(([cmd, what]) => `${comment(what, width)}\n  ${cmd}`).join("\n")}`,
    `Commands:\n${twoColumns(commands, width)}`,
    `Options:\n${twoColumns(
      [
        ["-V, --version", "print the version"],
        ["-h, --help", "show help"],
      ],
      width,
    )}`,
    paragraph(
      "Run `grc <command> --help` or `grc help <command>` for a command's flags and examples. Every command takes --env-file FILE (GRC_* variables from a dotenv file) and --debug; commands that print records take --query EXPR (JMESPath over the JSON output).",
      width,
    ),
    paragraph(`Exit codes: ${EXIT_CODES}`, width),
  ];
  return `${sections.join("\n\n")}\n`;
}
