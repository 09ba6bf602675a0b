import type { OptionSpec } from "../../cli/command.js";
import { wholeNumber } from "../../cli/parse.js";
import { PREDICATE_NAMES } from "../../core/query/predicates.js";
import { QUICK_FILTER_HELP } from "../../core/query/query-spec.js";

/** Options of the list commands as commander hands them over. */
export interface ListOptions {
  filter?: string[];
  any?: boolean;
  sort?: string[];
  include?: string[];
  page?: number;
  pageSize?: number;
  all?: boolean;
  limit?: number;
  concurrency: number;
  searchMethod: "auto" | "get" | "put";
  columns?: string;
  raw?: boolean;
  status?: string;
  risk?: string;
  since?: string;
  account?: string;
  output?: string;
  json?: boolean;
  org?: string;
  /** `--query` (global): the command prints JSON for the expression to read. */
  query?: string;
  /** `--evidence <control>`: the run is recorded as a snapshot. */
  evidence?: string;
}

/** Options of the get commands. */
export interface GetOptions {
  include?: string[];
  columns?: string;
  raw?: boolean;
  output?: string;
  json?: boolean;
  org?: string;
  /** `--evidence <control>`: the run is recorded as a snapshot. */
  evidence?: string;
}

/** Flags shared by `--include`, `--columns` and `--raw` (list and get). */
export const outputShapeOptions: readonly OptionSpec[] = [
  {
    flags: "--include <paths>",
    description:
      "related resources to include, comma separated, nested with dots (tags,external_account.team)",
    repeatable: true,
  },
  {
    flags: "--columns <keys>",
    description: "table/CSV columns, comma separated (dotted paths reach included resources)",
  },
  { flags: "--raw", description: "print each JSON:API document exactly as received" },
];

/** The flags of every collection query (`grc alerts list`, `grc list <type>`). */
export const listOptions: readonly OptionSpec[] = [
  {
    flags: "--filter <expr>",
    description: "attribute_predicate=value, e.g. status_eq=fail or id_in=1,2 (repeatable)",
    repeatable: true,
  },
  { flags: "--any", description: "match any filter instead of all (filter[m]=or)" },
  {
    flags: "--sort <field[:asc|desc]>",
    description: "sort field and direction (repeatable, in order)",
    repeatable: true,
  },
  { flags: "--status <status>", description: "quick filter: status_eq (fail, warn, pass, ...)" },
  { flags: "--risk <level>", description: "quick filter: risk_level_eq (low, medium, high)" },
  {
    flags: "--since <when>",
    description: "quick filter: created_at_gteq (24h, 7d or a date)",
  },
  { flags: "--account <name>", description: "quick filter: external_account_name_eq" },
  ...outputShapeOptions,
  { flags: "--page <n>", description: "page number to start at", parse: wholeNumber("--page", 1) },
  {
    flags: "--page-size <n>",
    description: "resources per page, 1..100 (default 20; 100 with --all)",
    parse: wholeNumber("--page-size", 1, 100),
  },
  { flags: "--all", description: "follow the pages to the end" },
  {
    flags: "--limit <n>",
    description: "stop after N resources (walks pages as needed)",
    parse: wholeNumber("--limit", 1),
  },
  {
    flags: "--concurrency <n>",
    description: "pages fetched at once when the page count is known (1 = one by one)",
    parse: wholeNumber("--concurrency", 1, 32),
    default: 8,
  },
  {
    flags: "--search-method <method>",
    description: "GET query, or PUT search with a form body (auto: PUT past 2,000 characters)",
    choices: ["auto", "get", "put"],
    default: "auto",
  },
];

/** Breaks a comma-separated list into lines of at most `width` characters. */
function wrap(list: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of list.split(" ")) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else {
      line = line ? `${line} ${word}` : word;
    }
  }
  if (line) lines.push(line);
  return lines;
}

/** Help after the options of a list command: predicates, quick filters, examples. */
export function listHelp(example: string): string {
  return [
    "Predicates (the suffix of a --filter key; each has an opposite):",
    ...wrap(PREDICATE_NAMES, 78).map((line) => `  ${line}`),
    "A list predicate (in, not_in, cont_any, not_cont_any) splits its value on commas;",
    "present/blank/null/not_null need no value. Raw keys work too: --filter 'filter[name_cont]=dns'.",
    "",
    QUICK_FILTER_HELP,
    "",
    "Output: a table on a terminal, tab-separated rows when piped; --output json prints an array of",
    "flattened resources {id, type, ...attributes, <relationship>: id or ids}, with --include'd",
    "resources resolved inline; ndjson streams one resource per line; csv has a header row.",
    "",
    "Examples:",
    example,
  ].join("\n");
}
