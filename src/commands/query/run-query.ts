import { type CommandContext, type OutputFormat, outputFormat } from "../../cli/command.js";
import type { ResolvedProfile } from "../../core/config/types.js";
import {
  type FlatResource,
  flattenResource,
  includeTree,
  indexIncluded,
} from "../../core/query/flatten.js";
import {
  decodeDocument,
  type JsonApiDocument,
  pageNumberOf,
  primaryResources,
} from "../../core/query/jsonapi.js";
import { splitPredicate } from "../../core/query/predicates.js";
import { buildQuerySpec, MAX_PAGE_SIZE, parseInclude } from "../../core/query/query-spec.js";
import { closest } from "../../core/query/suggest.js";
import { type WalkStats, walkPages } from "../../core/query/walker.js";
import {
  AuthError,
  ExitCode,
  HttpError,
  InterruptedError,
  UnavailableError,
  UsageError,
} from "../../errors.js";
import type { ApiResponse } from "../../http/types.js";
import { pagingHint } from "../../output/paging-hint.js";
import {
  jsonText,
  RecordWriter,
  renderFieldList,
  stdoutSink,
  writeWithBackpressure,
} from "../../output/records.js";
import { parseColumnList, resourceColumns } from "../../output/resource-columns.js";
import { stripControl } from "../../output/sanitize.js";
import {
  type CollectionTarget,
  defaultColumnKeys,
  defaultIncludes,
  EVIDENT_COLUMN_STYLE,
  QUICK_FILTER_VALUES,
  rejectionLines,
  searchableFieldsLine,
} from "../../platforms/evident/index.js";
import type { GetOptions, ListOptions } from "./query-options.js";

type Row = Record<string, unknown>;

/**
 * A 422 prints every errors[].title the server sent, one per line, and exits 2. An "Invalid
 * search term" is followed by the collection's searchable fields (with a did-you-mean).
 */
function reportRejection(ctx: CommandContext, err: unknown, type: string): number | undefined {
  if (err instanceof HttpError && err.status === 422) {
    const lines = rejectionLines(err);
    for (const line of lines) ctx.warn(`grc: ${line}`);
    const term = lines
      .map((l) => /Invalid search term\s+(\S+)/i.exec(l)?.[1])
      .find((t) => t !== undefined);
    if (term !== undefined) {
      const split = splitPredicate(term);
      const fields = searchableFieldsLine(
        type,
        closest,
        split ? { attribute: split.attribute, predicate: split.predicate.name } : undefined,
      );
      if (fields) ctx.warn(`grc: ${fields}`);
    }
    return ExitCode.usage;
  }
  return undefined;
}

/**
 * A StrataGRC session cannot sign an Evident (or Sovereign) request: say so before sending,
 * instead of the server's 401 text.
 */
function refuseSession(profile: ResolvedProfile, target: CollectionTarget): void {
  if (profile.credential.kind !== "session") return;
  const platform = target.type === "evidence" ? "Sovereign" : "Evident";
  const login =
    platform === "Evident"
      ? "`grc auth login --platform evident` (an HMAC key or an API key)"
      : "`grc auth login --platform sovereign` (an API key)";
  throw new AuthError(
    `profile "${profile.name}" holds a StrataGRC session, which cannot query ${platform} ${target.name}`,
    `log in with ${login} or pick such a profile with --profile; StrataGRC records are under \`grc strata\``,
  );
}

/** `alerts` -> `alert`, `external_accounts` -> `external account` (for "alert 7 not found"). */
function singular(type: string): string {
  const word = type.endsWith("ies")
    ? `${type.slice(0, -3)}y`
    : type.endsWith("s")
      ? type.slice(0, -1)
      : type;
  return word.replace(/_/g, " ");
}

/** The command that lists a collection, for a hint (`grc alerts list`, `grc list teams`). */
function listCommandOf(name: string): string {
  return name === "alerts" ? "grc alerts list" : `grc list ${name}`;
}

/** The total a page's meta tells (`total_count`, `total`, `record_count`), if any. */
function totalOf(doc: JsonApiDocument): number | undefined {
  const meta = doc.meta ?? {};
  for (const key of ["total_count", "total", "record_count"]) {
    const n = meta[key];
    if (typeof n === "number" && Number.isInteger(n) && n >= 0) return n;
  }
  return undefined;
}

/** Whether a page links to a next one. */
function hasNext(doc: JsonApiDocument): boolean {
  const next = doc.links?.next as unknown;
  if (typeof next === "string") return next !== "";
  return typeof next === "object" && next !== null;
}

async function writeRaw(ctx: CommandContext, body: Buffer): Promise<void> {
  // Exact bytes for pipes; a terminal gets them without escape sequences a hostile server
  // could hide in unescaped JSON strings.
  const received = body.toString("utf8");
  const text = ctx.io.stdoutIsTTY ? stripControl(received) : received;
  // Documents are written as received; a newline separates one page's document from the next.
  await writeWithBackpressure(ctx.io.stdout, text.endsWith("\n") ? text : `${text}\n`);
}

/** The resource type of a collection name (`reports/1/alerts` -> alerts), without resolving it. */
function collectionType(name: string): string {
  const bare = name.replace(/^\/+|\/+$/g, "").replace(/\.json$/, "");
  return /^reports\/[^/]+\/alerts$/.test(bare) ? "alerts" : bare;
}

/** Runs a collection query: builds the spec, walks the pages, prints resources as they arrive. */
export async function runCollectionQuery(
  ctx: CommandContext,
  collection: string,
  opts: ListOptions,
): Promise<number> {
  const now = ctx.now();
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
    QUICK_FILTER_VALUES[collectionType(collection)] ?? {},
    collection,
  );
  const format = outputFormat(opts);
  const columnKeys = opts.columns ? parseColumnList(opts.columns) : undefined;
  const profile = await ctx.profile();
  const { collections, errors } = await ctx.platform("evident");
  const target = collections.collection(collection);
  refuseSession(profile, target);
  // A table or CSV with the default columns names related resources: ask for what those
  // columns need. --columns (ids unless --include'd), JSON, --raw and a snapshot
  // (--evidence records the query as the user wrote it) get what was asked for.
  if (!columnKeys && !opts.raw && !opts.evidence && (format === "table" || format === "csv")) {
    for (const path of defaultIncludes(target.type)) {
      if (!spec.include.includes(path)) spec.include.push(path);
    }
  }
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
  let lastPage: { number: number; document: JsonApiDocument } | undefined;
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
      lastPage = { number: page.number, document: page.document };
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
          style: EVIDENT_COLUMN_STYLE,
        }),
      );
      await writer.writeAll(rows);
    }
  } catch (err) {
    if (ctx.signal.aborted) throw new InterruptedError();
    const code = reportRejection(ctx, err, target.type);
    if (code !== undefined) return code;
    throw errors.explain(err, { collection: target.name });
  }
  ctx.debug(
    `query: ${stats.pages} page(s)${stats.concurrent ? " (concurrent)" : ""}, ${stats.resources} resource(s), ${stats.duplicates} repeat(s) dropped`,
  );
  // One page of several: say how many there are and how to get the rest (stderr, after the
  // table, which a terminal gets at the end).
  let hint: string | undefined;
  // (Not under --query: the expression reads the JSON, and its errors are one line.)
  if (
    !walking &&
    opts.query === undefined &&
    lastPage &&
    stats.resources > 0 &&
    hasNext(lastPage.document)
  ) {
    const total = totalOf(lastPage.document);
    const pages = pageNumberOf(lastPage.document.links?.last);
    hint = pagingHint({
      shown: stats.resources,
      ...(total !== undefined ? { total } : {}),
      noun: target.name,
      page: lastPage.number,
      ...(pages !== undefined ? { pages } : {}),
    });
  }
  // --raw prints the documents, whose links say it all.
  if (opts.raw) return ExitCode.ok;
  if (stats.resources === 0) {
    ctx.warn(`no ${target.name} matched`);
    writer = new RecordWriter<Row>(
      stdoutSink(ctx.io, format),
      resourceColumns(columnKeys ?? defaultColumnKeys(target.type, undefined), {
        tty: ctx.io.stdoutIsTTY,
        now,
        prettyHeaders: format === "table",
        style: EVIDENT_COLUMN_STYLE,
      }),
    );
  }
  await writer?.end();
  if (hint) ctx.warn(hint);
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
  const now = ctx.now();
  if (format === "table") {
    const columns = resourceColumns(keys, {
      tty: ctx.io.stdoutIsTTY,
      now,
      style: EVIDENT_COLUMN_STYLE,
    });
    await writeWithBackpressure(
      ctx.io.stdout,
      renderFieldList(flat, columns, stdoutSink(ctx.io, format)),
    );
    return;
  }
  const writer = new RecordWriter<Row>(
    stdoutSink(ctx.io, format),
    resourceColumns(keys, { tty: false, now, style: EVIDENT_COLUMN_STYLE }),
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
  const format = outputFormat(opts);
  const profile = await ctx.profile();
  const { collections, errors } = await ctx.platform("evident");
  const target = collections.collection(type);
  refuseSession(profile, target);
  // As for lists: a table or CSV names the related resources its default fields show.
  if (!columns && !opts.raw && !opts.evidence && (format === "table" || format === "csv")) {
    for (const p of defaultIncludes(target.type)) if (!include.includes(p)) include.push(p);
  }
  const { collection, request } = collections.resource(type, id, include);
  const path = request.path.split("?")[0];
  const client = await ctx.api();
  let res: ApiResponse;
  try {
    res = await client.request({ ...request, signal: ctx.signal });
  } catch (err) {
    if (ctx.signal.aborted) throw new InterruptedError();
    const code = reportRejection(ctx, err, collection.type);
    if (code !== undefined) return code;
    if (err instanceof HttpError && err.status === 404) {
      throw new UsageError(
        `${singular(collection.type)} ${id} not found (404)`,
        `list them with \`${listCommandOf(collection.name)}\``,
        { cause: err },
      );
    }
    throw errors.explain(err, { collection: collection.name, id });
  }
  if (opts.raw) {
    await writeRaw(ctx, res.body);
    return ExitCode.ok;
  }
  const doc = decodeDocument(res.json(), `GET ${request.path.split("?")[0]}`);
  const [resource] = primaryResources(doc);
  if (!resource) {
    // A missing resource is a 404; a success without one is a server fault, not bad input.
    throw new UnavailableError(
      `the server answered GET ${path} with success but no ${singular(collection.type)} (data is empty)`,
      "the server's answer is malformed; try again, or report it to the server's operator",
    );
  }
  const flat = flattenResource(resource, indexIncluded(doc), includeTree(include));
  // A table shows every field; other formats default to the type's columns.
  const keys =
    columns ?? (format === "table" ? Object.keys(flat) : defaultColumnKeys(collection.type, flat));
  await printResource(ctx, flat, format, keys);
  return ExitCode.ok;
}
