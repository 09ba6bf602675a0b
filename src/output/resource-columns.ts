import { UsageError } from "../errors.js";
import { type Column, cellText } from "./records.js";
import { isTimestamp, relativeTime } from "./relative-time.js";

/** A flattened JSON:API resource as the query commands print it. */
type Row = Record<string, unknown>;

/** Colours a cell may take on a colour TTY. */
export type CellColour = "red" | "green" | "yellow" | "magenta" | "cyan";

/**
 * How a platform wants its resources shown (src/output knows no platform): short headers
 * by key, the fields that name an included resource per resource type, and cell colours by
 * the column's last key segment and the cell's value.
 */
export interface ColumnStyle {
  headers?: Readonly<Record<string, string>>;
  labels?: Readonly<Record<string, readonly string[]>>;
  colours?: Readonly<Record<string, Readonly<Record<string, CellColour>>>>;
  /** Columns a narrow terminal may leave out, the first listed going first. */
  dropOrder?: readonly string[];
}

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

/** Fields that name a resource, in order of preference, when the style names none for its type. */
const LABEL_FIELDS = ["name", "identifier", "code", "email"];

/**
 * The label of an included resource in a cell: the style's fields for its type, else its
 * name, identifier, code or email, else its id.
 */
function label(value: unknown, labels: ColumnStyle["labels"]): unknown {
  if (Array.isArray(value)) return value.map((v) => label(v, labels));
  if (value && typeof value === "object") {
    const r = value as Row;
    const fields = [...(labels?.[String(r.type)] ?? []), ...LABEL_FIELDS];
    for (const f of fields) if (r[f] !== undefined && r[f] !== null && r[f] !== "") return r[f];
    return r.id;
  }
  return value;
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

/**
 * Columns for flattened resources. On a TTY timestamps read as relative times and cells are
 * coloured as the style says; piped, cells keep the exact values (ISO timestamps) for
 * scripts. `prettyHeaders` gives tables the style's short headers (RISK, ACCOUNT, CREATED).
 * Ids and sizes are right-aligned, like every number column of grc's tables.
 */
export function resourceColumns(
  keys: readonly string[],
  options: { tty: boolean; now: Date; prettyHeaders?: boolean; style?: ColumnStyle },
): Column<Row>[] {
  const style = options.style ?? {};
  return keys.map((key) => {
    const leaf = key.split(".").at(-1)!;
    const column: Column<Row> = {
      key,
      // Short headers read well in a table; CSV keeps the keys so a script can address them.
      header: options.prettyHeaders ? (style.headers?.[key] ?? key) : key,
      get: (row) => label(readPath(row, key), style.labels),
      format: (value) =>
        options.tty && isTimestamp(value) ? relativeTime(value, options.now) : cellText(value),
    };
    const colours = style.colours?.[leaf];
    if (colours) {
      column.color = (text, value, _row, paint) => {
        const colour = colours[String(value).toLowerCase()];
        return colour ? paint[colour](text) : text;
      };
    }
    if (leaf === "id" || leaf === "size") column.align = "right";
    const rank = style.dropOrder?.indexOf(key) ?? -1;
    if (rank >= 0) column.dropRank = rank;
    return column;
  });
}
