import { type CommandContext, type OutputFormat, outputFormat } from "../../cli/command.js";
import {
  type FlatResource,
  flattenResource,
  includeTree,
  indexIncluded,
} from "../../core/query/flatten.js";
import { decodeDocument, primaryResources } from "../../core/query/jsonapi.js";
import { buildQuerySpec, MAX_PAGE_SIZE, parseInclude } from "../../core/query/query-spec.js";
import { type WalkStats, walkPages } from "../../core/query/walker.js";
import { ExitCode, HttpError, InterruptedError, UsageError } from "../../errors.js";
import type { ApiResponse } from "../../http/types.js";
import {
  jsonText,
  RecordWriter,
  renderFieldList,
  stdoutSink,
  writeWithBackpressure,
} from "../../output/records.js";
import {
  defaultColumnKeys,
  parseColumnList,
  resourceColumns,
} from "../../output/resource-columns.js";
import { stripControl } from "../../output/sanitize.js";
import { rejectionLines } from "../../platforms/evident/index.js";
import type { GetOptions, ListOptions } from "./query-options.js";

type Row = Record<string, unknown>;

/** A 422 prints every errors[].title the server sent, one per line, and exits 2. */
function reportRejection(ctx: CommandContext, err: unknown): number | undefined {
  if (err instanceof HttpError && err.status === 422) {
    for (const line of rejectionLines(err)) ctx.warn(`grc: ${line}`);
    return ExitCode.usage;
  }
  return undefined;
}

async function writeRaw(ctx: CommandContext, body: Buffer): Promise<void> {
  // Exact bytes for pipes; a terminal gets them without escape sequences a hostile server
  // could hide in unescaped JSON strings.
  const received = body.toString("utf8");
  const text = ctx.io.stdoutIsTTY ? stripControl(received) : received;
  // Documents are written as received; a newline separates one page's document from the next.
  await writeWithBackpressure(ctx.io.stdout, text.endsWith("\n") ? text : `${text}\n`);
}

/** Runs a collection query: builds the spec, walks the pages, prints resources as they arrive. */
export async function runCollectionQuery(
  ctx: CommandContext,
  collection: string,
  opts: ListOptions,
): Promise<number> {
  const now = new Date();
  const spec = buildQuerySpec(
    {
      filter: opts.filter,
      any: opts.any,
      sort: opts.sort,
      include: opts.include,
      page: opts.page,
      pageSize: opts.pageSize,
      status: opts.status,
      risk: opts.risk,
      since: opts.since,
      account: opts.account,
    },
    now,
  );
  const format = outputFormat(opts);
  const columnKeys = opts.columns ? parseColumnList(opts.columns) : undefined;
  const { collections, errors } = await ctx.platform("evident");
  const target = collections.collection(collection);
  const walking = Boolean(opts.all) || opts.limit !== undefined;
  // Fewer, fuller pages when walking: --all asks for the largest page, --limit for just enough.
  const pageSize =
    spec.pageSize ??
    (opts.limit !== undefined && !opts.all
      ? Math.min(MAX_PAGE_SIZE, opts.limit)
      : opts.all
        ? MAX_PAGE_SIZE
        : undefined);
  const client = await ctx.api();
  const pager = collections.pager({
    target,
    spec,
    baseUrl: client.baseUrl,
    searchMethod: opts.searchMethod,
    ...(pageSize !== undefined ? { pageSize } : {}),
    walking,
  });
  ctx.debug(
    `query: ${pager.method} ${target.path}${pager.method === "PUT" ? " (PUT search)" : ""}`,
  );

  const tree = includeTree(spec.include);
  let writer: RecordWriter<Row> | undefined;
  const stats: WalkStats = { pages: 0, resources: 0, duplicates: 0, concurrent: false };
  try {
    for await (const page of walkPages(
      {
        client,
        pager,
        all: Boolean(opts.all),
        ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
        concurrency: opts.concurrency,
        ...(pageSize !== undefined ? { pageSize } : {}),
        ...(spec.page !== undefined ? { firstPage: spec.page } : {}),
        signal: ctx.signal,
      },
      stats,
    )) {
      if (opts.raw) {
        await writeRaw(ctx, page.raw);
        continue;
      }
      const index = indexIncluded(page.document);
      const rows = page.resources.map((resource) => flattenResource(resource, index, tree));
      if (rows.length === 0) continue;
      // Columns follow the first resource seen (types differ in their attributes).
      writer ??= new RecordWriter<Row>(
        stdoutSink(ctx.io, format),
        resourceColumns(columnKeys ?? defaultColumnKeys(target.type, rows[0]), {
          tty: ctx.io.stdoutIsTTY,
          now,
          prettyHeaders: format === "table",
        }),
      );
      await writer.writeAll(rows);
    }
  } catch (err) {
    if (ctx.signal.aborted) throw new InterruptedError();
    const code = reportRejection(ctx, err);
    if (code !== undefined) return code;
    throw errors.explain(err, { collection: target.name });
  }
  ctx.debug(
    `query: ${stats.pages} page(s)${stats.concurrent ? " (concurrent)" : ""}, ${stats.resources} resource(s), ${stats.duplicates} repeat(s) dropped`,
  );
  if (opts.raw) return ExitCode.ok;
  if (stats.resources === 0) {
    ctx.warn(`no ${target.name} matched`);
    writer = new RecordWriter<Row>(
      stdoutSink(ctx.io, format),
      resourceColumns(columnKeys ?? defaultColumnKeys(target.type, undefined), {
        tty: ctx.io.stdoutIsTTY,
        now,
        prettyHeaders: format === "table",
      }),
    );
  }
  await writer?.end();
  return ExitCode.ok;
}

/** Renders one resource: a JSON object, one NDJSON line, a CSV row, or `field value` lines. */
async function printResource(
  ctx: CommandContext,
  flat: FlatResource,
  format: OutputFormat,
  keys: string[],
): Promise<void> {
  if (format === "json") {
    await writeWithBackpressure(ctx.io.stdout, `${jsonText(flat, 2)}\n`);
    return;
  }
  const now = new Date();
  if (format === "table") {
    const columns = resourceColumns(keys, { tty: ctx.io.stdoutIsTTY, now });
    await writeWithBackpressure(
      ctx.io.stdout,
      renderFieldList(flat, columns, stdoutSink(ctx.io, format)),
    );
    return;
  }
  const writer = new RecordWriter<Row>(
    stdoutSink(ctx.io, format),
    resourceColumns(keys, { tty: false, now }),
  );
  await writer.write(flat);
  await writer.end();
}

/** Fetches one resource (`grc get <type> <id>`, `grc alerts get <id>`) and prints it. */
export async function runGetResource(
  ctx: CommandContext,
  type: string,
  id: string,
  opts: GetOptions,
): Promise<number> {
  const include = parseInclude(opts.include ?? []);
  const columns = opts.columns ? parseColumnList(opts.columns) : undefined;
  const { collections, errors } = await ctx.platform("evident");
  const { collection, request } = collections.resource(type, id, include);
  const client = await ctx.api();
  let res: ApiResponse;
  try {
    res = await client.request({ ...request, signal: ctx.signal });
  } catch (err) {
    if (ctx.signal.aborted) throw new InterruptedError();
    const code = reportRejection(ctx, err);
    if (code !== undefined) return code;
    throw errors.explain(err, { collection: collection.name, id });
  }
  if (opts.raw) {
    await writeRaw(ctx, res.body);
    return ExitCode.ok;
  }
  const doc = decodeDocument(res.json(), `GET ${request.path.split("?")[0]}`);
  const [resource] = primaryResources(doc);
  if (!resource) {
    throw new UsageError(
      `no ${collection.name} with id "${id}"`,
      `list them with \`grc list ${collection.name}\``,
    );
  }
  const flat = flattenResource(resource, indexIncluded(doc), includeTree(include));
  const format = outputFormat(opts);
  // A table shows every field; other formats default to the type's columns.
  const keys =
    columns ?? (format === "table" ? Object.keys(flat) : defaultColumnKeys(collection.type, flat));
  await printResource(ctx, flat, format, keys);
  return ExitCode.ok;
}
