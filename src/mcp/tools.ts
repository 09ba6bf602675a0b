import type { CommandContext, Platforms } from "../cli/command.js";
import type { CredentialKind } from "../core/config/types.js";
import { HttpError, UsageError } from "../errors.js";
import { redactUrl } from "../http/redact.js";
import type { ObjectSchema, PropertySchema } from "./input-schema.js";

/** Largest page a tool returns: the JSON:API maximum (seed 004: 1..100). */
export const MAX_PAGE_SIZE = 100;
/** Page size when the caller names none: small, so an agent's context is not flooded. */
export const DEFAULT_PAGE_SIZE = 20;
/** Receipt problems a verify result lists (the count is always whole). */
const MAX_PROBLEMS = 50;

/** One read-only tool: its published schema and what it does. */
export interface ToolSpec {
  name: string;
  title: string;
  description: string;
  inputSchema: ObjectSchema;
  /** Which credentials the tool works with ("any": local, like receipt_verify). */
  credentials: readonly CredentialKind[] | "any";
  run(ctx: CommandContext, args: Record<string, unknown>, local: LocalEnv): Promise<unknown>;
}

/** What a tool may know of the machine it runs on (handed in by the command). */
export interface LocalEnv {
  /** Directory relative paths (receipt_verify) start from. */
  cwd: string;
}

const page: PropertySchema = {
  type: "integer",
  description: "page number to return (default 1); the result's next_page names the following one",
  minimum: 1,
};
const pageSize: PropertySchema = {
  type: "integer",
  description: `records per page, 1..${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`,
  minimum: 1,
  maximum: MAX_PAGE_SIZE,
};
const strings = (description: string): PropertySchema => ({
  type: "array",
  description,
  items: { type: "string" },
  maxItems: 50,
});
const queryProperties: Record<string, PropertySchema> = {
  filter: strings(
    "filters as attribute_predicate=value, e.g. status_eq=fail, risk_level_in=high,medium, name_cont=dns (all must match unless any is true)",
  ),
  any: { type: "boolean", description: "match any filter instead of all" },
  sort: strings("sort terms in order, field or field:asc|desc, e.g. created_at:desc"),
  include: strings(
    "related resources to resolve inline, dotted for nesting, e.g. external_account.team",
  ),
  status: { type: "string", description: "quick filter: status_eq (fail, warn, pass, ...)" },
  risk: { type: "string", description: "quick filter: risk_level_eq (low, medium, high)" },
  since: { type: "string", description: "quick filter: created_at_gteq, 24h, 7d or a date" },
  account: { type: "string", description: "quick filter: external_account_name_eq" },
  page,
  page_size: pageSize,
};

const STRATA_MODULES = ["risks", "controls", "engagements", "findings", "cases", "kpis"] as const;

function optionalStrings(v: unknown): string[] | undefined {
  return Array.isArray(v) ? (v as string[]) : undefined;
}
function optionalString(v: unknown): string | undefined {
  return typeof v === "string" ? v : undefined;
}
function optionalInt(v: unknown): number | undefined {
  return typeof v === "number" ? v : undefined;
}

/**
 * Presigned URLs never leave the server, even when a platform puts one in a record: any
 * string that is a URL with a query gets its signature parameters redacted.
 */
export function scrubUrls(value: unknown): unknown {
  if (typeof value === "string") {
    return /^https?:\/\/[^\s]*\?/i.test(value) ? redactUrl(value) : value;
  }
  if (Array.isArray(value)) return value.map(scrubUrls);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrubUrls(v)]));
  }
  return value;
}

/** One page of a JSON:API collection with `grc list`'s query (predicates, sorting, includes, paging). */
async function collectionPage(
  ctx: CommandContext,
  type: string,
  args: Record<string, unknown>,
): Promise<unknown> {
  const [{ buildQuerySpec }, { walkPages }, flatten] = await Promise.all([
    import("../core/query/query-spec.js"),
    import("../core/query/walker.js"),
    import("../core/query/flatten.js"),
  ]);
  const size = optionalInt(args.page_size) ?? DEFAULT_PAGE_SIZE;
  const spec = buildQuerySpec(
    {
      filter: optionalStrings(args.filter),
      any: args.any === true,
      sort: optionalStrings(args.sort),
      include: optionalStrings(args.include),
      page: optionalInt(args.page),
      pageSize: size,
      status: optionalString(args.status),
      risk: optionalString(args.risk),
      since: optionalString(args.since),
      account: optionalString(args.account),
    },
    new Date(),
  );
  const evident = await ctx.platform("evident");
  const target = evident.collections.collection(type);
  const client = await ctx.api();
  const pager = evident.collections.pager({
    target,
    spec,
    baseUrl: client.baseUrl,
    searchMethod: "auto",
    pageSize: size,
    walking: false,
  });
  const tree = flatten.includeTree(spec.include);
  try {
    for await (const fetched of walkPages({
      client,
      pager,
      all: false,
      concurrency: 1,
      pageSize: size,
      ...(spec.page !== undefined ? { firstPage: spec.page } : {}),
      signal: ctx.signal,
    })) {
      const index = flatten.indexIncluded(fetched.document);
      const items = fetched.resources.map((r) => flatten.flattenResource(r, index, tree));
      const links = fetched.document.links;
      const { pageNumberOf } = await import("../core/query/jsonapi.js");
      const next = links?.next ? (pageNumberOf(links.next) ?? fetched.number + 1) : null;
      const last = pageNumberOf(links?.last);
      return {
        collection: target.name,
        page: fetched.number,
        page_size: size,
        ...(last !== undefined ? { last_page: last } : {}),
        next_page: next,
        items,
      };
    }
  } catch (err) {
    throw queryError(err, evident, { collection: target.name });
  }
  return {
    collection: target.name,
    page: spec.page ?? 1,
    page_size: size,
    next_page: null,
    items: [],
  };
}

/** A rejected query (422) reads as the server's titles, one per line, as `grc list` prints them. */
function queryError(
  err: unknown,
  evident: Platforms["evident"],
  what: { collection: string; id?: string },
): unknown {
  if (err instanceof HttpError && err.status === 422) {
    return new UsageError(evident.collections.rejectionLines(err).join("; ") || err.message);
  }
  return evident.errors.explain(err, what);
}

async function evidenceApi(ctx: CommandContext) {
  const sovereign = await import("../platforms/sovereign/index.js");
  return { sovereign, ev: (await ctx.platform("sovereign")).evidence };
}

async function strataApi(ctx: CommandContext) {
  const { openStrata } = await import("../commands/strata/render.js");
  return openStrata(ctx);
}

const JSONAPI: readonly CredentialKind[] = ["bearer", "hmac"];

/** Every tool `grc mcp serve` offers. None writes: no tool sends anything but GET (or a PUT search). */
export const TOOLS: readonly ToolSpec[] = [
  {
    name: "evidence_list",
    title: "List evidence (Sovereign GRC)",
    description:
      "One page of the organization's stored evidence: SHA-256 id, file name, size, content type, linked controls. Filter by control or JSON:API predicates; page with page/page_size and the result's next_page.",
    credentials: ["bearer"],
    inputSchema: {
      type: "object",
      properties: {
        control: { type: "string", description: "only evidence linked to this control id" },
        filter: strings(
          "JSON:API filters, e.g. filename_cont=access, content_type_eq=text/csv, size_gt=1048576",
        ),
        sort: strings("sort terms, e.g. created_at:desc"),
        page,
        page_size: pageSize,
      },
      additionalProperties: false,
    },
    async run(ctx, args) {
      const [{ buildQuerySpec }, { queryPairs }] = await Promise.all([
        import("../core/query/query-spec.js"),
        import("../core/query/encode.js"),
      ]);
      const size = optionalInt(args.page_size) ?? DEFAULT_PAGE_SIZE;
      const number = optionalInt(args.page) ?? 1;
      const spec = buildQuerySpec(
        { filter: optionalStrings(args.filter) ?? [], sort: optionalStrings(args.sort) ?? [] },
        new Date(),
      );
      const { sovereign, ev } = await evidenceApi(ctx);
      const result = await ev.listEvidence(
        {
          control: optionalString(args.control),
          include: "lineage",
          query: queryPairs(spec),
          pageNumber: number,
          pageSize: size,
        },
        { signal: ctx.signal },
      );
      return {
        page: number,
        page_size: size,
        next_page: result.links.next ? number + 1 : null,
        items: result.data.map((r) => sovereign.evidenceRecord(r, result.included)),
      };
    },
  },
  {
    name: "evidence_get",
    title: "Get one evidence and its lineage (Sovereign GRC)",
    description:
      "One evidence by its SHA-256, with its lineage: the controls, frameworks and assessments it is linked to. Never a download URL.",
    credentials: ["bearer"],
    inputSchema: {
      type: "object",
      properties: {
        id: {
          type: "string",
          description: "the evidence id: the file's SHA-256 (64 hex characters)",
          pattern: "^[0-9a-fA-F]{64}$",
        },
      },
      required: ["id"],
      additionalProperties: false,
    },
    async run(ctx, args) {
      const { sovereign, ev } = await evidenceApi(ctx);
      const id = sovereign.parseSha256(String(args.id), "the evidence id");
      const doc = await ev.getEvidence(id, { signal: ctx.signal });
      return {
        ...sovereign.evidenceRecord(doc.data, doc.included),
        lineage: sovereign.lineageRows(doc.data, doc.included),
      };
    },
  },
  {
    name: "receipt_verify",
    title: "Verify a push receipt",
    description:
      "Checks a receipt written by `grc evidence push --receipt`: every line parses, the summary's counts and SHA-256 match; with files=true each file still has the recorded size and SHA-256. Local only: nothing is sent.",
    credentials: "any",
    inputSchema: {
      type: "object",
      properties: {
        path: {
          type: "string",
          description: "path of the receipt file (relative to the server's working directory)",
        },
        files: { type: "boolean", description: "also re-hash each file the receipt names" },
      },
      required: ["path"],
      additionalProperties: false,
    },
    async run(_ctx, args, local) {
      const { verifyReceipt } = await import("../core/evidence/receipt.js");
      const { resolve } = await import("node:path");
      const check = await verifyReceipt(resolve(local.cwd, String(args.path)), {
        files: args.files === true,
        cwd: local.cwd,
      });
      return {
        ok: check.ok,
        entries: check.entries,
        bytes: check.bytes,
        files_checked: check.filesChecked,
        summary: check.summary ?? null,
        problems_total: check.problems.length,
        problems: check.problems.slice(0, MAX_PROBLEMS),
      };
    },
  },
  {
    name: "alerts_list",
    title: "List alerts (Evident)",
    description:
      "One page of alerts with the same predicates, quick filters, sorting and includes as `grc alerts list`; resources are flattened to {id, type, ...attributes, relationship: id}. Page with page/page_size and next_page.",
    credentials: JSONAPI,
    inputSchema: { type: "object", properties: queryProperties, additionalProperties: false },
    run: (ctx, args) => collectionPage(ctx, "alerts", args),
  },
  {
    name: "collection_list",
    title: "List any JSON:API collection",
    description:
      "One page of any JSON:API collection (alerts, signatures, suppressions, external_accounts, teams, sub_organizations, organizations, regions, tags, users, reports, reports/<id>/alerts, evidence) with `grc list`'s predicates, sorting, includes and paging.",
    credentials: JSONAPI,
    inputSchema: {
      type: "object",
      properties: {
        type: {
          type: "string",
          description: "collection name, e.g. signatures or reports/12/alerts",
        },
        ...queryProperties,
      },
      required: ["type"],
      additionalProperties: false,
    },
    run: (ctx, args) => collectionPage(ctx, String(args.type), args),
  },
  {
    name: "resource_get",
    title: "Get one JSON:API resource",
    description:
      "One resource of a JSON:API collection by id (e.g. type alerts, id 12), flattened, with optional includes.",
    credentials: JSONAPI,
    inputSchema: {
      type: "object",
      properties: {
        type: { type: "string", description: "collection name, e.g. alerts" },
        id: { type: "string", description: "the resource id" },
        include: strings("related resources to resolve inline"),
      },
      required: ["type", "id"],
      additionalProperties: false,
    },
    async run(ctx, args) {
      const [{ parseInclude }, flatten, jsonapi] = await Promise.all([
        import("../core/query/query-spec.js"),
        import("../core/query/flatten.js"),
        import("../core/query/jsonapi.js"),
      ]);
      const type = String(args.type);
      const id = String(args.id);
      const include = parseInclude(optionalStrings(args.include) ?? []);
      const evident = await ctx.platform("evident");
      const { collection, request } = evident.collections.resource(type, id, include);
      const path = request.path.split("?")[0];
      const client = await ctx.api();
      let body: unknown;
      try {
        const res = await client.request({ ...request, signal: ctx.signal });
        body = res.json();
      } catch (err) {
        throw queryError(err, evident, { collection: collection.name, id });
      }
      const doc = jsonapi.decodeDocument(body, `GET ${path}`);
      const [resource] = jsonapi.primaryResources(doc);
      if (!resource) throw new UsageError(`no ${collection.name} with id "${id}"`);
      return flatten.flattenResource(
        resource,
        flatten.indexIncluded(doc),
        flatten.includeTree(include),
      );
    },
  },
  {
    name: "strata_list",
    title: "List StrataGRC records",
    description:
      "One page of StrataGRC risks, controls, engagements, findings, cases or kpis, with the module's filters (risks: category, status; controls: framework_id, status; engagements: phase, status; findings: engagement_id, status, assigned_to; cases: status, priority).",
    credentials: ["session"],
    inputSchema: {
      type: "object",
      properties: {
        module: { type: "string", description: "which module", enum: STRATA_MODULES },
        filters: {
          type: "object",
          description: 'the module\'s filters, e.g. {"status": "Open"}',
          additionalProperties: { type: ["string", "integer"] },
        },
        page,
        per_page: {
          type: "integer",
          description: `records per page, 1..${MAX_PAGE_SIZE} (default ${DEFAULT_PAGE_SIZE})`,
          minimum: 1,
          maximum: MAX_PAGE_SIZE,
        },
      },
      required: ["module"],
      additionalProperties: false,
    },
    async run(ctx, args) {
      const strata = await strataApi(ctx);
      const module = String(args.module) as (typeof STRATA_MODULES)[number];
      const page = optionalInt(args.page) ?? 1;
      const perPage = optionalInt(args.per_page) ?? DEFAULT_PAGE_SIZE;
      const result = await strata.list(
        module,
        (args.filters as Record<string, unknown> | undefined) ?? {},
        { page, perPage },
      );
      // A server that does not page (the API document describes no paging) answers the whole
      // list: the page asked for is cut from it here, so the output stays bounded.
      if (result.items.length > perPage) {
        const total = result.items.length;
        const totalPages = Math.max(1, Math.ceil(total / perPage));
        return {
          module,
          page,
          per_page: perPage,
          total,
          total_pages: totalPages,
          next_page: page < totalPages ? page + 1 : null,
          items: result.items.slice((page - 1) * perPage, page * perPage),
        };
      }
      return {
        module,
        page: result.page,
        per_page: result.perPage,
        total: result.total,
        total_pages: result.totalPages,
        next_page: result.page < result.totalPages ? result.page + 1 : null,
        items: result.items.slice(0, MAX_PAGE_SIZE),
      };
    },
  },
  {
    name: "strata_get",
    title: "Get one StrataGRC record",
    description: "One risk, control, engagement, finding, case or KPI by its numeric id.",
    credentials: ["session"],
    inputSchema: {
      type: "object",
      properties: {
        module: { type: "string", description: "which module", enum: STRATA_MODULES },
        id: { type: "integer", description: "the record id", minimum: 1 },
      },
      required: ["module", "id"],
      additionalProperties: false,
    },
    async run(ctx, args) {
      const strata = await strataApi(ctx);
      return strata.get(String(args.module) as (typeof STRATA_MODULES)[number], Number(args.id));
    },
  },
  {
    name: "strata_dashboard",
    title: "StrataGRC dashboard",
    description: "The StrataGRC dashboard's counts (risks, controls, findings, cases, KPIs).",
    credentials: ["session"],
    inputSchema: { type: "object", properties: {}, additionalProperties: false },
    async run(ctx) {
      const strata = await strataApi(ctx);
      return strata.dashboard();
    },
  },
];

/** The tools that fit a credential: an agent sees only what the profile can answer. */
export function toolsFor(kind: CredentialKind | undefined): ToolSpec[] {
  return TOOLS.filter(
    (t) => t.credentials === "any" || kind === undefined || t.credentials.includes(kind),
  );
}
