import type { Writable } from "node:stream";
import type { ChalkInstance } from "chalk";
import type { OutputFormat } from "../cli/command.js";
import type { IOStreams } from "../cli/io.js";
import { painter } from "./paint.js";
import { stripControl } from "./sanitize.js";
import { writeWithBackpressure } from "./write.js";

export { writeWithBackpressure };

/** One column of a table or CSV. */
export interface Column<Row = Record<string, unknown>> {
  key: string;
  header?: string;
  /** Reads the cell's value from a row (default: `row[key]`). */
  get?: (row: Row) => unknown;
  /** Text for a cell (default: the value as text). */
  format?: (value: unknown, row: Row) => string;
  /** Colour for a cell on a colour TTY: paints the formatted text with stdout's chalk. */
  color?: (text: string, value: unknown, row: Row, paint: ChalkInstance) => string;
  /** Right-align (numbers, sizes). */
  align?: "left" | "right";
  /**
   * On a terminal too narrow for every column, columns with a rank are left out, lowest rank
   * first, until the rest fits without wrapping (each keeps room for 12 characters).
   */
  dropRank?: number;
  /**
   * How a TTY table cuts a cell too wide for its column: at the end (default), in the middle
   * keeping the file name (paths), or never (hashes and ids a person copies into a command).
   */
  truncate?: "end" | "middle" | "never";
}

/** Where and how records are written. */
export interface RecordSink {
  stdout: Writable;
  format: OutputFormat;
  /** Table for people (aligned, coloured) when stdout is a TTY; tab-separated rows otherwise. */
  tty: boolean;
  /** Colour on this stream (IOStreams.colorStdout): chalk paints at basic level or not at all. */
  color: boolean;
  columns?: number;
}

/** The sink for a command's stdout: its TTY, colour and width decide how a table looks. */
export function stdoutSink(io: IOStreams, format: OutputFormat): RecordSink {
  return {
    stdout: io.stdout,
    format,
    tty: io.stdoutIsTTY,
    color: io.colorStdout,
    columns: io.columns,
  };
}

/** Text of a value for a table or CSV cell. */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (Array.isArray(value)) return value.map(cellText).join(",");
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function widthOf(text: string): number {
  // Strip colour codes before measuring.
  return stripControl(text).length;
}

function cellValue<Row>(col: Column<Row>, row: Row): unknown {
  return col.get ? col.get(row) : (row as Record<string, unknown>)[col.key];
}

function formatCell<Row>(col: Column<Row>, row: Row): string {
  const value = cellValue(col, row);
  return stripControl(col.format ? col.format(value, row) : cellText(value)).replace(
    /[\t\n]/g,
    " ",
  );
}

/**
 * The columns that fit `total` characters: while even their narrow widths (12 characters, or
 * less when the header and every cell are shorter) overflow, the droppable column of the
 * lowest rank goes.
 */
function fitColumns<Row>(
  rows: readonly Row[],
  columns: readonly Column<Row>[],
  total: number,
): readonly Column<Row>[] {
  if (!columns.some((c) => c.dropRank !== undefined)) return columns;
  const narrow = columns.map((col) => {
    const header = (col.header ?? col.key).length;
    const widest = Math.max(header, ...rows.map((row) => formatCell(col, row).length));
    return Math.min(widest, Math.max(header, 12));
  });
  const kept = columns.map((_c, i) => i);
  const need = () => kept.reduce((sum, i) => sum + narrow[i]!, 0) + 2 * (kept.length - 1);
  while (need() > total) {
    let drop = -1;
    for (const i of kept) {
      const rank = columns[i]!.dropRank;
      if (rank !== undefined && (drop < 0 || rank < columns[drop]!.dropRank!)) drop = i;
    }
    if (drop < 0) break;
    kept.splice(kept.indexOf(drop), 1);
  }
  return kept.map((i) => columns[i]!);
}

/**
 * Renders rows for people (aligned columns, header, truncation to the terminal width, colour)
 * or for pipes (tab-separated, no header, no colour), like `gh` does.
 */
export function renderTable<Row>(
  rows: readonly Row[],
  allColumns: readonly Column<Row>[],
  sink: Omit<RecordSink, "stdout" | "format">,
): string {
  if (!sink.tty) {
    const cells = rows.map((row) => allColumns.map((col) => formatCell(col, row)));
    return cells.map((r) => `${r.join("\t")}\n`).join("");
  }
  const columns = fitColumns(rows, allColumns, sink.columns ?? 120);
  const cells = rows.map((row) => columns.map((col) => formatCell(col, row)));
  const headers = columns.map((c) => (c.header ?? c.key).toUpperCase());
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i]!.length)));
  const total = sink.columns ?? 120;
  // Shrink the widest column that can still give, one character at a time, until the table
  // fits the terminal; no column goes below its header or 8 characters.
  const gap = 2;
  const floor = headers.map((h, i) =>
    columns[i]!.truncate === "never" ? widths[i]! : Math.min(widths[i]!, Math.max(h.length, 8)),
  );
  let overflow = widths.reduce((a, b) => a + b, 0) + gap * (widths.length - 1) - total;
  while (overflow > 0) {
    let widest = -1;
    widths.forEach((w, i) => {
      if (w > floor[i]! && (widest < 0 || w > widths[widest]!)) widest = i;
    });
    if (widest < 0) break;
    widths[widest]! -= 1;
    overflow -= 1;
  }
  const truncate = (text: string, w: number, how: Column<Row>["truncate"]) =>
    text.length <= w || how === "never"
      ? text
      : how === "middle"
        ? truncateMiddle(text, w)
        : `${text.slice(0, Math.max(0, w - 1))}…`;
  const line = (texts: string[], colorize: (i: number, t: string) => string) =>
    texts
      .map((t, i) => {
        const w = widths[i]!;
        const shown = truncate(t, w, columns[i]!.truncate);
        const pad = " ".repeat(Math.max(0, w - widthOf(shown)));
        const painted = colorize(i, shown);
        const isLast = i === texts.length - 1;
        if (columns[i]!.align === "right") return pad + painted;
        return isLast ? painted : painted + pad;
      })
      .join(" ".repeat(gap))
      .trimEnd();
  const paint = painter(sink.color);
  const out = [line(headers, (_i, t) => paint.bold(t))];
  rows.forEach((row, r) => {
    out.push(
      line(cells[r]!, (i, t) => {
        const col = columns[i]!;
        if (!sink.color || !col.color) return t;
        return col.color(t, cellValue(col, row), row, paint);
      }),
    );
  });
  return `${out.join("\n")}\n`;
}

/**
 * Cuts a path to `width` characters in the middle, keeping its file name whole when it fits
 * (`ev/rep…/q3/access.csv`), else the start and the end of the name.
 */
export function truncateMiddle(text: string, width: number): string {
  if (text.length <= width) return text;
  if (width <= 1) return "…".slice(0, width);
  const slash = text.lastIndexOf("/");
  const name = slash >= 0 ? text.slice(slash) : "";
  if (name && name.length <= width - 3) {
    return `${text.slice(0, width - 1 - name.length)}…${name}`;
  }
  const tail = Math.ceil((width - 1) * 0.6);
  return `${text.slice(0, width - 1 - tail)}…${text.slice(text.length - tail)}`;
}

/** Width a TTY table of these rows takes before any column is shrunk (2-space gaps). */
export function naturalWidth<Row>(rows: readonly Row[], columns: readonly Column<Row>[]): number {
  const widths = columns.map((col) =>
    Math.max((col.header ?? col.key).length, ...rows.map((row) => formatCell(col, row).length)),
  );
  return widths.reduce((a, b) => a + b, 0) + 2 * Math.max(0, columns.length - 1);
}

/**
 * One record as `field  value` lines (every column a line), the way `gh` shows one item:
 * aligned with a header-less layout on a TTY, tab-separated when piped. Cells keep their
 * column's format and colour.
 */
export function renderFieldList<Row>(
  row: Row,
  columns: readonly Column<Row>[],
  sink: Omit<RecordSink, "stdout" | "format">,
): string {
  const lines = columns.map((col) => ({ col, value: cellValue(col, row) }));
  if (!sink.tty) {
    return lines.map(({ col }) => `${col.header ?? col.key}\t${formatCell(col, row)}\n`).join("");
  }
  const width = Math.max(...columns.map((c) => (c.header ?? c.key).length));
  const paint = painter(sink.color);
  return lines
    .map(({ col, value }) => {
      const label = (col.header ?? col.key).padEnd(width);
      const text = formatCell(col, row);
      const painted = sink.color && col.color ? col.color(text, value, row, paint) : text;
      return `${paint.bold(label)}  ${painted}\n`;
    })
    .join("");
}

/** Quotes a CSV field per RFC 4180 when it needs it. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * Writes records as they arrive: NDJSON, CSV and piped (tab-separated) tables stream in flat
 * memory; JSON and TTY tables collect rows and write on end() (a table must see every row to
 * size its columns). JSON prints `[]` for no rows.
 */
export class RecordWriter<Row extends object = Record<string, unknown>> {
  private readonly rows: Row[] = [];
  private count = 0;
  private headerWritten = false;
  constructor(
    private readonly sink: RecordSink,
    private readonly columns: readonly Column<Row>[],
  ) {}

  /** Number of records written so far. */
  get written(): number {
    return this.count;
  }

  /** Adds one record; returns a promise that resolves when the stream can take more. */
  async write(row: Row): Promise<void> {
    await this.writeAll([row]);
  }

  /**
   * Adds several records with one write to the stream (a page of a query): streamed formats
   * pay one syscall per batch instead of one per record.
   */
  async writeAll(rows: readonly Row[]): Promise<void> {
    const { format, stdout } = this.sink;
    this.count += rows.length;
    if (format === "json" || (format === "table" && this.sink.tty)) {
      this.rows.push(...rows);
      return;
    }
    if (rows.length === 0) return;
    let chunk = "";
    if (format === "ndjson") {
      for (const row of rows) chunk += `${jsonText(row)}\n`;
    } else if (format === "csv") {
      chunk = this.csvHeaderOnce();
      for (const row of rows) chunk += this.csvLine(row);
    } else {
      chunk = renderTable(rows, this.columns, this.sink);
    }
    await writeWithBackpressure(stdout, chunk);
  }

  /** Flushes collected rows (JSON array, table). */
  async end(): Promise<void> {
    const { format, stdout } = this.sink;
    if (format === "json") {
      await writeWithBackpressure(stdout, `${jsonText(this.rows, 2)}\n`);
    } else if (format === "table") {
      if (this.rows.length > 0)
        await writeWithBackpressure(stdout, renderTable(this.rows, this.columns, this.sink));
    } else if (format === "csv") {
      const header = this.csvHeaderOnce();
      if (header) await writeWithBackpressure(stdout, header);
    }
  }

  /**
   * CSV for a terminal is for reading: control characters in cells are stripped (a hostile
   * value cannot retitle or clear the terminal) and lines end in LF. Piped CSV keeps the
   * exact values and RFC 4180's CRLF.
   */
  private csvLine(values: Row | null): string {
    const tty = this.sink.tty;
    const cells = this.columns.map((c) => {
      const text = values === null ? (c.header ?? c.key) : cellText(cellValue(c, values));
      return csvField(tty ? stripControl(text) : text);
    });
    return `${cells.join(",")}${tty ? "\n" : "\r\n"}`;
  }

  private csvHeaderOnce(): string {
    if (this.headerWritten) return "";
    this.headerWritten = true;
    return this.csvLine(null);
  }
}

/**
 * JSON text with C1 control characters (U+007F..U+009F) escaped as well as the C0 ones
 * JSON.stringify escapes: the same data after parsing, but no raw CSI (U+009B) or other
 * terminal control reaches the screen.
 */
export function jsonText(value: unknown, indent?: number): string {
  return (JSON.stringify(value, null, indent) ?? "null").replace(
    /[\u007f-\u009f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}
