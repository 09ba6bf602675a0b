/**
 * The request parameters the engine understands (`filter[...]`, `page[...]`, `include`),
 * decoded from a query string, a form body or a JSON body, but not yet checked against a type.
 */

/** The request parameters, decoded but not yet checked against a type. */
export interface JsonApiParams {
  /** filter[term] values in arrival order; array forms (`[]`) and repeats accumulate. */
  filters: Map<string, { values: string[]; array: boolean }>;
  combinator: string | undefined;
  sorts: string[];
  pageNumber: string | undefined;
  pageSize: string | undefined;
  include: string | undefined;
  /** The filter and include pairs, as received, to carry into pagination links. */
  carried: [string, string][];
}

const FILTER_KEY = /^filter\[([^\]]*)\]((?:\[\d*\])?)$/;

/**
 * Decodes query or form parameters (`filter[name_cont]=x`, `filter[id_in][]=1`,
 * `filter[sorts][]=a+desc`, `page[number]=2`, `include=a,b.c`). Pass URLSearchParams of the
 * query string and, for a PUT search, of the form body (or flattenJsonParams of a JSON body).
 */
export function readJsonApiParams(...sources: Iterable<[string, string]>[]): JsonApiParams {
  const params: JsonApiParams = {
    filters: new Map(),
    combinator: undefined,
    sorts: [],
    pageNumber: undefined,
    pageSize: undefined,
    include: undefined,
    carried: [],
  };
  for (const source of sources) {
    for (const [key, value] of source) {
      if (key === "page[number]") params.pageNumber = value;
      else if (key === "page[size]") params.pageSize = value;
      else if (key === "include") {
        params.include = value;
        params.carried.push([key, value]);
      } else {
        const m = FILTER_KEY.exec(key);
        if (!m) continue; // unknown top-level parameters are ignored, as Rails would
        params.carried.push([key, value]);
        const term = m[1]!;
        const array = m[2] !== "";
        if (term === "m") params.combinator = value;
        else if (term === "sorts") params.sorts.push(value);
        else {
          const prior = params.filters.get(term);
          // A repeated scalar key replaces the earlier value (Rack semantics); arrays accumulate.
          if (prior && array && prior.array) prior.values.push(value);
          else params.filters.set(term, { values: [value], array });
        }
      }
    }
  }
  return params;
}

/**
 * Flattens a JSON search body (`{"filter":{"id_in":[1,2]},"page":{"number":2}}`) into the
 * bracket pairs a form body would carry, so a JSON PUT search means the same as a form one.
 */
export function flattenJsonParams(value: unknown, prefix = ""): [string, string][] {
  const pairs: [string, string][] = [];
  if (Array.isArray(value)) {
    for (const item of value) pairs.push(...flattenJsonParams(item, `${prefix}[]`));
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      pairs.push(...flattenJsonParams(v, prefix ? `${prefix}[${k}]` : k));
    }
  } else if (prefix && value !== undefined) {
    pairs.push([prefix, value === null ? "" : String(value)]);
  }
  return pairs;
}
