import { Writable } from "node:stream";
import type { CommandContext } from "../cli/command.js";
import type { IOStreams } from "../cli/io.js";
import { UsageError } from "../errors.js";
import { cellText, csvField, jsonText, renderTable, writeWithBackpressure } from "./records.js";
import { stripControl } from "./sanitize.js";

/** How a `--query` result prints: JSON unless the user asked for another format with -o. */
export type QueryResultFormat = "json" | "ndjson" | "csv" | "table";

/** A compiled `--query` expression, ready to apply to a command's JSON output. */
export interface CompiledQuery {
  expression: string;
  apply(data: unknown): unknown;
}

const SYNTAX_HINT = "check the JMESPath syntax (https://jmespath.org/specification.html)";

/**
 * Compiles a JMESPath expression (the library loads only here, when --query is used).
 * Legacy backtick literals (`high`) work as in aws-cli, beside 'raw strings'.
 */
export async function compileQuery(expression: string): Promise<CompiledQuery> {
  if (expression.trim() === "") {
    throw new UsageError("--query is empty", "give a JMESPath expression, e.g. --query '[].id'");
  }
  const jmespath = await import("@jmespath-community/jmespath");
  const options = { enable_legacy_literals: true };
  let node: ReturnType<typeof jmespath.compile>;
  try {
    node = jmespath.compile(expression, options);
  } catch (err) {
    throw new UsageError(`--query ${JSON.stringify(expression)}: ${reason(err)}`, SYNTAX_HINT);
  }
  return {
    expression,
    apply(data) {
      try {
        return jmespath.TreeInterpreter.search(node, data as never);
      } catch (err) {
        // Unknown functions and wrong argument types surface only when the expression runs.
        throw new UsageError(`--query ${JSON.stringify(expression)}: ${reason(err)}`, SYNTAX_HINT);
      }
    },
  };
}

function reason(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return stripControl(text).replace(/\s+/g, " ").trim();
}

/**
 * Parses what a command printed in its JSON form: one JSON document, or several (NDJSON, or
 * `--raw` pages one after another), which become an array. Undefined when nothing was printed.
 */
export function parseCommandJson(text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  try {
    return JSON.parse(trimmed);
  } catch {
    const docs: unknown[] = [];
    for (const line of trimmed.split("\n")) {
      if (line.trim() === "") continue;
      try {
        docs.push(JSON.parse(line));
      } catch {
        throw new UsageError(
          "--query needs JSON output, but this command printed something else",
          "drop --query, or use --output json and a separate JSON tool",
        );
      }
    }
    return docs;
  }
}

/** Text of a scalar for text output: strings unquoted, everything else as compact JSON. */
function scalarText(value: unknown): string {
  return typeof value === "string" ? value : jsonText(value);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Renders a query result. json: the value, indented. ndjson: one compact line per element of
 * an array (one line otherwise). table/csv: an array of objects becomes a table or CSV with
 * the union of their keys as columns; scalars (or an array of them) print one per line,
 * strings without quotes, so `-o table` gives plain lines for `while read` loops.
 */
export function renderQueryResult(
  value: unknown,
  format: QueryResultFormat,
  sink: { tty: boolean; color: boolean; columns: number },
): string {
  if (format === "json") return `${jsonText(value ?? null, 2)}\n`;
  const items = Array.isArray(value) ? value : [value];
  if (format === "ndjson") return items.map((v) => `${jsonText(v ?? null)}\n`).join("");
  if (items.length > 0 && items.every(isPlainObject)) {
    const keys: string[] = [];
    for (const item of items)
      for (const k of Object.keys(item)) if (!keys.includes(k)) keys.push(k);
    const columns = keys.map((key) => ({ key, header: key }));
    if (format === "csv") {
      const eol = sink.tty ? "\n" : "\r\n";
      const line = (cells: string[]) =>
        `${cells.map((c) => csvField(sink.tty ? stripControl(c) : c)).join(",")}${eol}`;
      return line(keys) + items.map((item) => line(keys.map((k) => cellText(item[k])))).join("");
    }
    return renderTable(items as Record<string, unknown>[], columns, sink);
  }
  const lines = items.filter((v) => v !== null && v !== undefined).map(scalarText);
  const text = lines.map((l) => `${sink.tty ? stripControl(l) : l.replace(/[\r\n]/g, " ")}\n`);
  return text.join("");
}

/** A stdout that keeps what the command writes, for the query to read once it is done. */
class CaptureStream extends Writable {
  readonly chunks: Buffer[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: (err?: Error | null) => void): void {
    this.chunks.push(Buffer.from(chunk));
    done();
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/**
 * Runs a command with `--query`: the command prints its JSON form into a buffer (so every
 * command that prints records gets --query from this one place), then the expression runs
 * over that JSON and the result prints in the chosen format. The expression compiles first:
 * a bad one stops before any request.
 */
export async function runWithQuery(
  ctx: CommandContext,
  opts: Record<string, unknown>,
  run: (ctx: CommandContext, opts: Record<string, unknown>) => Promise<number | undefined>,
): Promise<number | undefined> {
  const query = await compileQuery(String(opts.query));
  const explicit = opts.json ? "json" : (opts.output as QueryResultFormat | undefined);
  const format: QueryResultFormat = explicit ?? "json";
  const capture = new CaptureStream();
  const io: IOStreams = {
    ...ctx.io,
    stdout: capture,
    stdoutIsTTY: false,
    colorStdout: false,
  };
  const code = await run({ ...ctx, io }, { ...opts, output: "json", json: true });
  const data = parseCommandJson(capture.text());
  if (data === undefined) return code;
  const result = query.apply(data);
  await writeWithBackpressure(
    ctx.io.stdout,
    renderQueryResult(result, format, {
      tty: ctx.io.stdoutIsTTY,
      color: ctx.io.colorStdout,
      columns: ctx.io.columns,
    }),
  );
  return code;
}
