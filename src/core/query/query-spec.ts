import { UsageError } from "../../errors.js";
import { PREDICATE_NAMES, PREDICATES, splitPredicate } from "./predicates.js";
import { closest } from "./suggest.js";

/** One search criterion: `filter[<key>]=<value>`, or `filter[<key>][]=...` for a list. */
export interface FilterTerm {
  /** Attribute (or relationship path) plus predicate, e.g. `regions_code_start`. */
  key: string;
  value: string | string[];
}

/** One sort field; no direction means the API's default (ascending). */
export interface SortTerm {
  field: string;
  direction?: "asc" | "desc";
}

/** A collection query in the API's terms, ready to encode. */
export interface QuerySpec {
  filters: FilterTerm[];
  /** `filter[m]=or`: match any criterion instead of all. */
  any: boolean;
  sorts: SortTerm[];
  /** Relationship paths for `include` (`external_account.team`). */
  include: string[];
  /** page[number] of the first page asked for. */
  page?: number;
  /** page[size] (1..100). */
  pageSize?: number;
}

/** What a user typed, as the list commands collect it from flags. */
export interface QueryInput {
  filter?: readonly string[];
  any?: boolean;
  sort?: readonly string[];
  include?: readonly string[];
  page?: number;
  pageSize?: number;
  /** Quick filters (see QUICK_FILTER_HELP). */
  status?: string;
  risk?: string;
  since?: string;
  account?: string;
}

/**
 * The values the quick filters take for a collection, as the platform documents them
 * (`--status`, `--risk`); a quick filter without a list is not checked.
 */
export interface QuickFilterValues {
  status?: readonly string[];
  risk?: readonly string[];
}

/** Largest page the API serves (seed: "can range between 1 and 100 items"). */
export const MAX_PAGE_SIZE = 100;

/** Help text of the quick filters: what each flag becomes on the wire. */
export const QUICK_FILTER_HELP = [
  "Quick filters (combine with --filter; a comma list becomes an _in list):",
  "  --status fail      filter[status_eq]=fail",
  "  --risk high        filter[risk_level_eq]=high",
  "  --since 24h        filter[created_at_gteq]=<now - 24h, ISO 8601>  (units s, m, h, d, w; or a date)",
  "  --account Dev      filter[external_account_name_eq]=Dev",
].join("\n");

const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const INCLUDE_PATH = /^[A-Za-z][A-Za-z0-9_]*(\.[A-Za-z][A-Za-z0-9_]*)*$/;
const RAW = /^filter\[([A-Za-z0-9_]+)\](\[\])?$/;

/**
 * The one line for a --filter key without a known predicate: a did-you-mean when the key is
 * an attribute alone (`status=fail` -> status_eq) or its suffix is a near miss
 * (`status_eqq` -> status_eq), then the predicates.
 */
function unknownPredicate(expr: string, key: string, value: string | undefined): UsageError {
  const names = PREDICATES.map((p) => p.name);
  let guess: string | undefined;
  const underscore = key.lastIndexOf("_");
  const near = underscore > 0 ? closest(key.slice(underscore + 1), names) : undefined;
  if (near) guess = `${key.slice(0, underscore)}_${near}`;
  else if (NAME.test(key)) guess = `${key}_eq`;
  const mean = guess ? `did you mean ${guess}${value === undefined ? "" : `=${value}`}? ` : "";
  return new UsageError(
    `unknown predicate in --filter "${expr}"`,
    `${mean}write attribute_predicate=value with one of: ${PREDICATE_NAMES}`,
  );
}

/** Adds a term, appending to an existing list term of the same key (repeated `filter[id_in][]=`). */
function addTerm(filters: FilterTerm[], term: FilterTerm): void {
  const existing = filters.find((f) => f.key === term.key);
  if (existing && Array.isArray(existing.value) && Array.isArray(term.value)) {
    existing.value.push(...term.value);
    return;
  }
  filters.push(term);
}

/** Parses `field`, `field:asc` or `field:desc` (also the wire form `field desc`). */
export function parseSort(text: string): SortTerm {
  const match = /^([A-Za-z][A-Za-z0-9_.]*)(?:[: +](asc|desc))?$/i.exec(text.trim());
  if (!match) {
    throw new UsageError(
      `invalid --sort "${text}"`,
      "write field, field:asc or field:desc, e.g. --sort risk_level:desc",
    );
  }
  const direction = match[2]?.toLowerCase() as SortTerm["direction"];
  return direction ? { field: match[1]!, direction } : { field: match[1]! };
}

/**
 * Applies one --filter expression to the spec: `status_eq=fail`, `id_in=1,2,3`,
 * `resource_not_null` (flag predicates default to 1), or a raw `filter[...]=v` key.
 */
export function applyFilterExpression(spec: QuerySpec, expr: string): void {
  const eq = expr.indexOf("=");
  const rawKey = eq < 0 ? expr : expr.slice(0, eq);
  const value = eq < 0 ? undefined : expr.slice(eq + 1);
  const raw = RAW.exec(rawKey);
  if (raw) {
    const key = raw[1]!;
    const isList = raw[2] !== undefined;
    if (value === undefined) {
      throw new UsageError(`--filter "${expr}" has no value`, "write filter[key]=value");
    }
    if (key === "m") {
      if (value.toLowerCase() !== "or" && value.toLowerCase() !== "and") {
        throw new UsageError(`--filter "${expr}": filter[m] takes or or and`);
      }
      spec.any = value.toLowerCase() === "or";
      return;
    }
    if (key === "sorts") {
      spec.sorts.push(parseSort(value));
      return;
    }
    const split = splitPredicate(key);
    if (!split) throw unknownPredicate(expr, key, value);
    addTerm(spec.filters, { key, value: isList || split.predicate.array ? [value] : value });
    return;
  }
  if (rawKey.startsWith("filter[")) {
    throw new UsageError(
      `invalid raw filter key in --filter "${expr}"`,
      "write filter[attribute_predicate]=value or filter[attribute_predicate][]=value",
    );
  }
  const split = splitPredicate(rawKey);
  if (!split) throw unknownPredicate(expr, rawKey, value);
  if (!NAME.test(split.attribute)) {
    throw new UsageError(
      `invalid attribute "${split.attribute}" in --filter "${expr}"`,
      "attributes are letters, digits and underscores (relationship conditions join with _, e.g. regions_code_eq)",
    );
  }
  const { predicate } = split;
  if (value === undefined && !predicate.flag) {
    throw new UsageError(`--filter "${expr}" has no value`, `write ${rawKey}=value`);
  }
  const text = value ?? "1";
  if (predicate.array) {
    const items = text.split(",").filter((item) => item !== "");
    if (items.length === 0) {
      throw new UsageError(`--filter "${expr}" needs at least one value`, `write ${rawKey}=a,b`);
    }
    addTerm(spec.filters, { key: rawKey, value: items });
    return;
  }
  spec.filters.push({ key: rawKey, value: text });
}

/**
 * `fail` -> status_eq=fail; `fail,warn` -> status_in=[fail,warn]. With the values the
 * platform documents, anything else is refused before a request (exit 2), with a
 * did-you-mean: a server answers an unknown value with an empty list, not an error.
 */
function quickTerm(
  attribute: string,
  text: string,
  flag: string,
  valid: readonly string[] | undefined,
  collection: string | undefined,
): FilterTerm {
  const items = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (valid) {
    for (const item of items) {
      if (valid.includes(item)) continue;
      const near = closest(item, valid);
      const of = collection ? ` of ${collection}` : "";
      throw new UsageError(
        `${flag} "${item}" is not a ${flag.slice(2)} value${of}${near ? ` (did you mean ${near}?)` : ""}`,
        `use one of: ${valid.join(", ")}`,
      );
    }
  }
  if (items.length > 1) return { key: `${attribute}_in`, value: items };
  return { key: `${attribute}_eq`, value: items[0] ?? text };
}

const UNIT_MS: Record<string, number> = {
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

/** Turns `24h`, `7d`, `90m` or an ISO date/time into an ISO 8601 instant relative to `now`. */
export function parseSince(text: string, now: Date): string {
  const relative = /^(\d+)\s*([smhdw])$/i.exec(text.trim());
  if (relative) {
    const ms = Number(relative[1]) * UNIT_MS[relative[2]!.toLowerCase()]!;
    return new Date(now.getTime() - ms).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) {
    const bare = text.trim();
    // A date or time without a zone means UTC, like the API's timestamps.
    const zoned = /T|\s/.test(bare) && !/(Z|[+-]\d{2}:?\d{2})$/.test(bare) ? `${bare}Z` : bare;
    const date = new Date(zoned.replace(" ", "T"));
    if (!Number.isNaN(date.getTime())) return date.toISOString();
  }
  throw new UsageError(
    `invalid --since "${text}"`,
    "write a duration like 30m, 24h, 7d, 2w or a date like 2026-11-01 or 2026-11-01T08:00:00Z",
  );
}

/** Checks a page size against the API's range (exit 2 outside 1..100). */
export function checkPageSize(size: number): number {
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new UsageError(
      `--page-size must be between 1 and ${MAX_PAGE_SIZE}, got ${size}`,
      "the API serves at most 100 items per page; use --all to get more",
    );
  }
  return size;
}

/**
 * Builds the query from what the user typed; every problem is a UsageError before any
 * request. `values` are the quick filters' documented values for `collection`.
 */
export function buildQuerySpec(
  input: QueryInput,
  now: Date,
  values: QuickFilterValues = {},
  collection?: string,
): QuerySpec {
  const spec: QuerySpec = { filters: [], any: Boolean(input.any), sorts: [], include: [] };
  if (input.status !== undefined) {
    spec.filters.push(quickTerm("status", input.status, "--status", values.status, collection));
  }
  if (input.risk !== undefined) {
    spec.filters.push(quickTerm("risk_level", input.risk, "--risk", values.risk, collection));
  }
  if (input.since !== undefined) {
    spec.filters.push({ key: "created_at_gteq", value: parseSince(input.since, now) });
  }
  if (input.account !== undefined) {
    spec.filters.push({ key: "external_account_name_eq", value: input.account });
  }
  for (const expr of input.filter ?? []) applyFilterExpression(spec, expr);
  for (const text of input.sort ?? []) spec.sorts.push(parseSort(text));
  spec.include.push(...parseInclude(input.include ?? []));
  if (input.page !== undefined) spec.page = input.page;
  if (input.pageSize !== undefined) spec.pageSize = checkPageSize(input.pageSize);
  return spec;
}

/** Splits and checks `--include a,b.c` values (repeatable). */
export function parseInclude(values: readonly string[]): string[] {
  const paths: string[] = [];
  for (const value of values) {
    for (const path of value.split(",").map((s) => s.trim())) {
      if (path === "") continue;
      if (!INCLUDE_PATH.test(path)) {
        throw new UsageError(
          `invalid --include path "${path}"`,
          "write relationship names joined by dots, e.g. --include external_account.team,tags",
        );
      }
      if (!paths.includes(path)) paths.push(path);
    }
  }
  return paths;
}
