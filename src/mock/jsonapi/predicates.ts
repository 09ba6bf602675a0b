import type { JsonValue } from "./resources.js";

/**
 * The Ransack-style filter predicates the Evident document lists (`_eq`, `_cont_any`,
 * `_null`, ...) and how each tests one stored value against the query's values: enum ranks,
 * numbers, instants or text, SQL's treatment of null, ILIKE's indifference to case.
 */

/** Every predicate the Evident document lists, longest first so suffix matching is unambiguous. */
export const JSONAPI_PREDICATES = [
  "not_cont_any",
  "cont_any",
  "not_start",
  "not_cont",
  "not_null",
  "not_end",
  "not_eq",
  "not_in",
  "present",
  "blank",
  "start",
  "gteq",
  "lteq",
  "null",
  "cont",
  "end",
  "eq",
  "lt",
  "gt",
  "in",
] as const;

/** One filter predicate name. */
export type Predicate = (typeof JSONAPI_PREDICATES)[number];

/** Predicates that take a list (`filter[id_in][]=1&...` or `filter[id_in]=1,2`). */
export const LIST_PREDICATES: ReadonlySet<Predicate> = new Set([
  "in",
  "not_in",
  "cont_any",
  "not_cont_any",
]);

/** A number as text ("42", "-1.5"): compared as a number, in filters and in sorts. */
export const NUMERIC = /^-?\d+(\.\d+)?$/;

const FALSE_VALUES = new Set(["0", "false", "f", "no", "n", "off"]);
const ISO_DATE = /^\d{4}-\d\d-\d\d/;

/** Parses a query date the way Rails would: "2015-11-11 16:25:30" without a zone is UTC. */
export function parseQueryDate(value: string): number {
  let text = value.trim().replace(" ", "T");
  if (/T\d\d:\d\d(:\d\d(\.\d+)?)?$/.test(text)) text += "Z";
  return Date.parse(text);
}

/** A query value parsed once per request, not once per compared row. */
interface QueryValue {
  text: string;
  /** NaN unless the text is a number. */
  number: number;
  /** Epoch ms, NaN unless the text is a date. */
  instant: number;
  bool: boolean;
}

function prepareQuery(text: string): QueryValue {
  const trimmed = text.trim();
  return {
    text,
    number: NUMERIC.test(trimmed) ? Number(trimmed) : Number.NaN,
    instant: parseQueryDate(text),
    bool: !FALSE_VALUES.has(trimmed.toLowerCase()),
  };
}

/**
 * Compares a stored value with a query value: by enum rank, as numbers, as instants (ISO
 * timestamps), or as strings. NaN when they cannot be compared (the predicate fails).
 */
function compareWithQuery(
  value: JsonValue,
  query: QueryValue,
  rank: readonly string[] | undefined,
): number {
  if (rank && typeof value === "string") {
    const a = rank.indexOf(value);
    const b = rank.indexOf(query.text);
    if (a >= 0 && b >= 0) return a - b;
  }
  if (typeof value === "number") return value - query.number;
  if (typeof value === "boolean") return Number(value) - Number(query.bool);
  if (typeof value !== "string") return Number.NaN;
  if (!Number.isNaN(query.number) && NUMERIC.test(value)) return Number(value) - query.number;
  if (!Number.isNaN(query.instant) && ISO_DATE.test(value)) {
    const a = Date.parse(value);
    if (!Number.isNaN(a)) return a - query.instant;
  }
  return value < query.text ? -1 : value > query.text ? 1 : 0;
}

function textOf(value: JsonValue): string | undefined {
  if (value === null) return undefined;
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

/**
 * The test one predicate applies to one value. Like SQL, every predicate except
 * null/not_null/present/blank is false on a null value (so `status_not_eq=x` skips nulls).
 * Text matches (cont, start, end and their opposites) ignore case, as ILIKE does. `rank` is
 * the attribute's enum order, if it has one.
 */
export function predicateTest(
  predicate: Predicate,
  values: string[],
  rank: readonly string[] | undefined,
): (value: JsonValue) => boolean {
  const prepared = values.map(prepareQuery);
  const first = prepared[0]!;
  const truthy = first.bool;
  const lower = values.map((v) => v.toLowerCase());
  const text = (value: JsonValue): string | undefined => textOf(value)?.toLowerCase();
  const isBlank = (value: JsonValue) =>
    value === null || (typeof value === "string" && value.trim() === "");
  switch (predicate) {
    case "eq":
      return (v) => v !== null && compareWithQuery(v, first, rank) === 0;
    case "not_eq":
      return (v) => {
        if (v === null) return false;
        const c = compareWithQuery(v, first, rank);
        return Number.isNaN(c) || c !== 0;
      };
    case "lt":
      return (v) => v !== null && compareWithQuery(v, first, rank) < 0;
    case "gt":
      return (v) => v !== null && compareWithQuery(v, first, rank) > 0;
    case "lteq":
      return (v) => v !== null && compareWithQuery(v, first, rank) <= 0;
    case "gteq":
      return (v) => v !== null && compareWithQuery(v, first, rank) >= 0;
    case "in":
      return (v) => v !== null && prepared.some((q) => compareWithQuery(v, q, rank) === 0);
    case "not_in":
      return (v) => v !== null && !prepared.some((q) => compareWithQuery(v, q, rank) === 0);
    case "null":
      return (v) => (v === null) === truthy;
    case "not_null":
      return (v) => (v !== null) === truthy;
    case "present":
      return (v) => !isBlank(v) === truthy;
    case "blank":
      return (v) => isBlank(v) === truthy;
    case "cont":
      return (v) => text(v)?.includes(lower[0]!) ?? false;
    case "not_cont": {
      return (v) => {
        const t = text(v);
        return t !== undefined && !t.includes(lower[0]!);
      };
    }
    case "cont_any":
      return (v) => {
        const t = text(v);
        return t !== undefined && lower.some((q) => t.includes(q));
      };
    case "not_cont_any":
      // "contains none of them": the complement of cont_any on non-null values.
      return (v) => {
        const t = text(v);
        return t !== undefined && !lower.some((q) => t.includes(q));
      };
    case "start":
      return (v) => text(v)?.startsWith(lower[0]!) ?? false;
    case "not_start":
      return (v) => {
        const t = text(v);
        return t !== undefined && !t.startsWith(lower[0]!);
      };
    case "end":
      return (v) => text(v)?.endsWith(lower[0]!) ?? false;
    case "not_end":
      return (v) => {
        const t = text(v);
        return t !== undefined && !t.endsWith(lower[0]!);
      };
  }
}
