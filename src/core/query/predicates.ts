/**
 * The search predicates of the Evident API document ("Available Predicates"), each with the
 * opposite the document names. The CLI checks a filter's suffix against this list before
 * anything is sent, so a typo fails fast with the valid choices instead of a server 422.
 */

/** One predicate of the seed's tables. */
export interface Predicate {
  name: string;
  opposite: string;
  /** Takes a list (`filter[id_in][]=1&filter[id_in][]=2`). */
  array: boolean;
  /** A flag predicate whose value is conventionally `1` (`filter[resource_not_null]=1`). */
  flag: boolean;
  /** Only on attributes in the endpoint's "Matching Searchable" set. */
  matching: boolean;
}

const table: readonly [string, string, Partial<Predicate>?][] = [
  ["eq", "not_eq"],
  ["not_eq", "eq"],
  ["lt", "gt"],
  ["gt", "lt"],
  ["lteq", "gteq"],
  ["gteq", "lteq"],
  ["in", "not_in", { array: true }],
  ["not_in", "in", { array: true }],
  ["present", "blank", { flag: true }],
  ["blank", "present", { flag: true }],
  ["null", "not_null", { flag: true }],
  ["not_null", "null", { flag: true }],
  ["cont", "not_cont", { matching: true }],
  ["not_cont", "cont", { matching: true }],
  ["cont_any", "not_cont_any", { array: true, matching: true }],
  ["not_cont_any", "cont_any", { array: true, matching: true }],
  ["start", "not_start", { matching: true }],
  ["not_start", "start", { matching: true }],
  ["end", "not_end", { matching: true }],
  ["not_end", "end", { matching: true }],
];

/** Every predicate the seed lists, in the document's order. */
export const PREDICATES: readonly Predicate[] = table.map(([name, opposite, extra]) => ({
  name,
  opposite,
  array: false,
  flag: false,
  matching: false,
  ...extra,
}));

/** Longest names first, so `name_not_cont_any` is `name` + `not_cont_any`, not `name_not` + `cont_any`. */
const bySuffixLength = [...PREDICATES].sort((a, b) => b.name.length - a.name.length);

/** Predicate names joined for a help or error line. */
export const PREDICATE_NAMES: string = PREDICATES.map((p) => p.name).join(", ");

/** Splits `regions_code_start` into attribute `regions_code` and predicate `start`; undefined when no known suffix. */
export function splitPredicate(
  key: string,
): { attribute: string; predicate: Predicate } | undefined {
  for (const predicate of bySuffixLength) {
    const suffix = `_${predicate.name}`;
    if (key.length > suffix.length && key.endsWith(suffix)) {
      return { attribute: key.slice(0, -suffix.length), predicate };
    }
  }
  return undefined;
}
