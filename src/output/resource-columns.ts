import type { ChalkInstance } from "chalk";
import { UsageError } from "../errors.js";
import { type Column, cellText } from "./records.js";
import { isTimestamp, relativeTime } from "./relative-time.js";

/** A flattened JSON:API resource as the query commands print it. */
type Row = Record<string, unknown>;

/** Default table columns per resource type, in order; those the data lacks are skipped. */
export const DEFAULT_COLUMNS: Readonly<Record<string, readonly string[]>> = {
  alerts: [
    "id",
    "status",
    "risk_level",
    "signature",
    "external_account",
    "region",
    "resource",
    "created_at",
  ],
  signatures: ["id", "identifier", "name", "risk_level", "service", "created_at"],
  suppressions: ["id", "status", "reason", "resource", "created_by", "created_at"],
  external_accounts: ["id", "name", "provider", "team", "created_at"],
  teams: ["id", "name", "sub_organization", "created_at"],
  sub_organizations: ["id", "name", "organization", "created_at"],
  organizations: ["id", "name", "created_at"],
  regions: ["id", "code", "name"],
  tags: ["id", "key", "value", "created_at"],
  users: ["id", "email", "first_name", "last_name", "created_at"],
  reports: ["id", "status", "team", "created_at"],
  evidence: ["id", "filename", "size", "content_type", "created_at"],
};

const HEADERS: Record<string, string> = {
  risk_level: "risk",
  external_account: "account",
  created_at: "created",
  updated_at: "updated",
  content_type: "type",
};

/** Reads `a.b.c` through nested objects (included resources resolved inline). */
export function readPath(row: Row, path: string): unknown {
  let value: unknown = row;
  for (const part of path.split(".")) {
    if (Array.isArray(value)) {
      value = value.map((item) =>
        item && typeof item === "object" ? (item as Row)[part] : undefined,
      );
    } else if (value && typeof value === "object") {
      value = (value as Row)[part];
    } else {
      return undefined;
    }
  }
  return value;
}

/** The label of an included resource in a cell: its name, identifier, code or email, else its id. */
function label(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(label);
  if (value && typeof value === "object") {
    const r = value as Row;
    return r.name ?? r.identifier ?? r.code ?? r.email ?? r.id;
  }
  return value;
}

/** The column keys for a type: its defaults the sample row has, or id plus the sample's first attributes. */
export function defaultColumnKeys(type: string, sample: Row | undefined): string[] {
  const preferred = DEFAULT_COLUMNS[type];
  if (preferred) {
    const present = sample ? preferred.filter((k) => k in sample) : [...preferred];
    if (present.length > 1) return present;
  }
  if (!sample) return ["id"];
  return ["id", ...Object.keys(sample).filter((k) => k !== "id" && k !== "type")].slice(0, 6);
}

/** Parses `--columns id,status,external_account.name` (exit 2 on an empty or malformed list). */
export function parseColumnList(text: string): string[] {
  const keys = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (keys.length === 0 || keys.some((k) => !/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/.test(k))) {
    throw new UsageError(
      `invalid --columns "${text}"`,
      "write attribute names separated by commas, e.g. --columns id,status,external_account.name",
    );
  }
  return keys;
}

type Painter = (paint: ChalkInstance) => (text: string) => string;

const STATUS_COLOURS: Record<string, Painter> = {
  pass: (p) => p.green,
  fail: (p) => p.red,
  warn: (p) => p.yellow,
  error: (p) => p.magenta,
  info: (p) => p.cyan,
};

const RISK_COLOURS: Record<string, Painter> = {
  high: (p) => p.red,
  medium: (p) => p.yellow,
  low: (p) => p.green,
};

/** A column colour that picks the painter by the cell's value (unknown values stay plain). */
function colourBy(table: Record<string, Painter>): NonNullable<Column<Row>["color"]> {
  return (text, value, _row, paint) => {
    const pick = table[String(value).toLowerCase()];
    return pick ? pick(paint)(text) : text;
  };
}

/**
 * Columns for flattened resources. On a TTY timestamps read as relative times and status and
 * risk are coloured; piped, cells keep the exact values (ISO timestamps) for scripts.
 * `prettyHeaders` gives tables short headers (RISK, ACCOUNT, CREATED).
 */
export function resourceColumns(
  keys: readonly string[],
  options: { tty: boolean; now: Date; prettyHeaders?: boolean },
): Column<Row>[] {
  return keys.map((key) => {
    const leaf = key.split(".").at(-1)!;
    const column: Column<Row> = {
      key,
      // Short headers read well in a table; CSV keeps the keys so a script can address them.
      header: options.prettyHeaders ? (HEADERS[key] ?? key) : key,
      get: (row) => label(readPath(row, key)),
      format: (value) =>
        options.tty && isTimestamp(value) ? relativeTime(value, options.now) : cellText(value),
    };
    // Status: fail red, warn yellow, pass green, error magenta, info cyan. Risk: high red,
    // medium yellow, low green.
    if (leaf === "status") column.color = colourBy(STATUS_COLOURS);
    if (leaf === "risk_level") column.color = colourBy(RISK_COLOURS);
    if (leaf === "size") column.align = "right";
    return column;
  });
}
