import type { QuerySpec, SortTerm } from "./query-spec.js";

/**
 * Encodes a query the way the Evident document writes its examples: literal brackets in keys
 * (`filter[id_in][]=1`), `+` for spaces (`filter[sorts]=risk_level+desc`), and `:`, `@`, `,`
 * left as they are (`filter[created_by_email_eq]=bob@mycompany.com`, `include=tags,team`).
 * The same text is the query string of a GET and the form body of a PUT search, and APIAuth
 * signs exactly these bytes.
 */

/** Percent-encodes a value as application/x-www-form-urlencoded, keeping the seed's readable characters. */
export function encodeValue(value: string): string {
  return encodeURIComponent(value)
    .replace(/%20/g, "+")
    .replace(/%3A/gi, ":")
    .replace(/%40/gi, "@")
    .replace(/%2C/gi, ",");
}

/** `risk_level desc` (encoded later as `risk_level+desc`), or just `created_at`. */
export function sortValue(term: SortTerm): string {
  return term.direction ? `${term.field} ${term.direction}` : term.field;
}

/** Page parameters of one request. */
export interface PageParams {
  number?: number;
  size?: number;
}

/** The `key=value` pairs of a query, in a stable order: filters, m, sorts, include, page. */
export function queryPairs(spec: QuerySpec, page: PageParams = {}): string[] {
  const pairs: string[] = [];
  for (const term of spec.filters) {
    if (Array.isArray(term.value)) {
      for (const item of term.value) pairs.push(`filter[${term.key}][]=${encodeValue(item)}`);
    } else {
      pairs.push(`filter[${term.key}]=${encodeValue(term.value)}`);
    }
  }
  if (spec.any) pairs.push("filter[m]=or");
  if (spec.sorts.length === 1) {
    pairs.push(`filter[sorts]=${encodeValue(sortValue(spec.sorts[0]!))}`);
  } else {
    for (const sort of spec.sorts) pairs.push(`filter[sorts][]=${encodeValue(sortValue(sort))}`);
  }
  if (spec.include.length > 0) pairs.push(`include=${encodeValue(spec.include.join(","))}`);
  if (page.number !== undefined) pairs.push(`page[number]=${page.number}`);
  if (page.size !== undefined) pairs.push(`page[size]=${page.size}`);
  return pairs;
}

/** The query as one string (no leading `?`); empty when there is nothing to send. */
export function encodeQuery(spec: QuerySpec, page: PageParams = {}): string {
  return queryPairs(spec, page).join("&");
}
