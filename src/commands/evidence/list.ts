import { defineCommand, outputFormat } from "../../cli/command.js";
import { wholeNumber } from "../../cli/parse.js";
import { UsageError } from "../../errors.js";
import type { Column } from "../../output/records.js";
import type { EvidenceRecord } from "../../platforms/sovereign/index.js";

interface ListOptions {
  control?: string;
  filter?: string[];
  sort?: string[];
  page?: number;
  pageSize?: number;
  all?: boolean;
  limit?: number;
  output?: string;
  json?: boolean;
}

/**
 * Columns of the evidence table (id is the SHA-256). The hash is never cut: it is what
 * `grc evidence get` takes, so the other columns give way (below ~90 columns the row wraps).
 */
export const evidenceColumns: Column<EvidenceRecord>[] = [
  { key: "id", header: "sha256", truncate: "never" },
  { key: "filename", truncate: "middle" },
  { key: "size", align: "right" },
  { key: "content_type", header: "type" },
  { key: "controls" },
  { key: "created_at", header: "created" },
];

/** `grc evidence list`: the organization's evidence, one page or all of them. */
export const listCommand = defineCommand<ListOptions>({
  path: ["evidence", "list"],
  summary: "List stored evidence (SHA-256, file name, size, linked controls)",
  output: true,
  options: [
    { flags: "--control <id>", description: "only evidence linked to this control" },
    {
      flags: "--filter <expr>",
      description:
        "JSON:API filter, e.g. filename_cont=log or content_type_eq=text/csv (repeatable)",
      repeatable: true,
    },
    {
      flags: "--sort <field>",
      description: "sort, e.g. created_at:desc or filename (repeatable)",
      repeatable: true,
    },
    {
      flags: "--page <n>",
      description: "page number to fetch (default 1)",
      parse: wholeNumber("--page", 1),
    },
    {
      flags: "--page-size <n>",
      description: "records per page, 1..100 (default: the server's, 20)",
      parse: wholeNumber("--page-size", 1),
    },
    { flags: "--all", description: "follow pagination links to the last page" },
    { flags: "--limit <n>", description: "stop after N records", parse: wholeNumber("--limit", 1) },
  ],
  help: [
    "Examples:",
    "  grc evidence list --control CC6.1",
    "  grc evidence list --all --filter filename_cont=access --output ndjson",
    "  grc evidence list --filter size_gt=1048576 --sort created_at:desc",
    "--control C sends filter[control_id_eq]=C (evidence linked to C). Searchable: sha256, size,",
    "content_type, filename, created_at, and control_id/framework_id/assessment_id of the links.",
  ].join("\n"),
  async run(ctx, _args, opts) {
    const [{ buildQuerySpec }, { queryPairs }, sovereign, { RecordWriter }] = await Promise.all([
      import("../../core/query/query-spec.js"),
      import("../../core/query/encode.js"),
      import("../../platforms/sovereign/index.js"),
      import("../../output/records.js"),
    ]);
    if (opts.page !== undefined && opts.all) {
      throw new UsageError("--page and --all cannot be combined", "--all starts at page 1");
    }
    // Every flag problem is a usage error before any request.
    const spec = buildQuerySpec(
      {
        filter: opts.filter ?? [],
        sort: opts.sort ?? [],
        ...(opts.pageSize !== undefined ? { pageSize: opts.pageSize } : {}),
      },
      ctx.now(),
    );
    const { evidence: ev, errors } = await ctx.platform("sovereign");
    const writer = new RecordWriter<EvidenceRecord>(
      {
        stdout: ctx.io.stdout,
        format: outputFormat(opts),
        tty: ctx.io.stdoutIsTTY,
        color: ctx.io.colorStdout,
        columns: ctx.io.columns,
      },
      evidenceColumns,
    );
    const limit = opts.limit ?? Number.POSITIVE_INFINITY;
    // The one links.next walker: with --all it follows pages until the last, an empty page,
    // or a page that repeats (one line, exit 4); without it, one page.
    const { walkPages } = await import("../../core/query/walker.js");
    const pages = walkPages({
      client: await ctx.api(),
      pager: ev.evidencePager({
        control: opts.control,
        include: "lineage",
        query: queryPairs(spec),
        pageNumber: opts.page,
        pageSize: spec.pageSize,
      }),
      all: Boolean(opts.all),
      ...(opts.all && opts.limit !== undefined ? { limit: opts.limit } : {}),
      concurrency: 1,
      signal: ctx.signal,
    });
    try {
      for await (const fetched of pages) {
        // The resources the walker kept (it drops any an earlier page printed).
        const page = sovereign.evidencePageOf({
          data: fetched.resources,
          included: fetched.document.included,
        });
        for (const resource of page.data) {
          if (writer.written >= limit) break;
          await writer.write(sovereign.evidenceRecord(resource, page.included));
        }
        // Leaving the loop ends the walk: no further page is requested.
        if (writer.written >= limit) break;
      }
    } catch (err) {
      // Errors of the walk in Sovereign's words (the evidence calls explain their own).
      throw errors.explain(err);
    }
    await writer.end();
    if (writer.written === 0 && outputFormat(opts) === "table" && ctx.io.stdoutIsTTY) {
      ctx.warn("no evidence matched");
    }
    return 0;
  },
});
