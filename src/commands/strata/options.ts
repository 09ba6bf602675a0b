import type { OptionSpec } from "../../cli/command.js";
import { wholeNumber } from "../../cli/parse.js";
import { UsageError } from "../../errors.js";

/** Options of a create/update command. */
export interface RecordInputFlags {
  field?: string[];
  data?: string;
  output?: string;
  json?: boolean;
}

/** Options of a list command (filters are added per module). */
export interface ListFlags {
  all?: boolean;
  page?: number;
  perPage?: number;
  output?: string;
  json?: boolean;
  [filter: string]: unknown;
}

/** `--field key=value` (repeatable) and `--data JSON|@file|@-`. */
export const recordInputOptions: readonly OptionSpec[] = [
  {
    flags: "-f, --field <key=value>",
    description: "set one field (repeatable); wins over --data",
    repeatable: true,
  },
  {
    flags: "-d, --data <json|@file>",
    description: "the record as a JSON object, @file.json, or @- to read stdin",
  },
];

/** `--all`, `--page`, `--per-page`. */
export const pagingOptions: readonly OptionSpec[] = [
  { flags: "--all", description: "fetch every page" },
  {
    flags: "--page <n>",
    description: "page to fetch (default 1)",
    parse: wholeNumber("--page", 1),
  },
  {
    flags: "--per-page <n>",
    description: "records per page (1-100; server default 25)",
    parse: wholeNumber("--per-page", 1, 100),
  },
];

/** A record ID argument: a positive whole number. */
export function parseRecordId(value: string | undefined, what: string): number {
  const n = Number(value);
  if (value === undefined || value.trim() === "" || !Number.isInteger(n) || n < 1) {
    throw new UsageError(`${what} must be a positive whole number, got "${value ?? ""}"`);
  }
  return n;
}

/** One line of help listing an enum's values. */
export function oneOf(values: readonly string[]): string {
  return values.join("|");
}
