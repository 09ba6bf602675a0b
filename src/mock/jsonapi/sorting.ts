import { NUMERIC } from "./predicates.js";
import type { JsonValue } from "./resources.js";

/**
 * `filter[sorts]` ordering: values normalised once into cheap sort keys (enum ranks, numbers,
 * numeric ids as numbers, text), nulls placed as PostgreSQL places them, ties in natural order.
 */

/** A sort key normalised for cheap comparison. */
export type SortValue = number | string | null;

/** Ranks, numbers and numeric ids become numbers; other values compare as strings. */
export function sortValue(value: JsonValue, rank: readonly string[] | undefined): SortValue {
  if (value === null) return null;
  if (typeof value === "number") return value;
  if (typeof value === "string") {
    if (rank) {
      const r = rank.indexOf(value);
      if (r >= 0) return r;
    }
    return NUMERIC.test(value) ? Number(value) : value;
  }
  return typeof value === "boolean" ? Number(value) : JSON.stringify(value);
}

/** Ascending order of two sort keys. */
export function compareSortValues(a: SortValue, b: SortValue): number {
  // Nulls sort last ascending and first descending, as PostgreSQL orders them.
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1; // numbers before text
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Sorts positions by the sort columns in place (`columns[k][position]` is the k-th key of the
 * resource at that position); natural order breaks ties (a stable sort).
 */
export function sortIndexes(
  indexes: number[],
  columns: readonly SortValue[][],
  sorts: readonly { descending: boolean }[],
): void {
  indexes.sort((a, b) => {
    for (let k = 0; k < sorts.length; k++) {
      const column = columns[k]!;
      const c = compareSortValues(column[a]!, column[b]!);
      if (c !== 0) return sorts[k]!.descending ? -c : c;
    }
    return a - b;
  });
}
