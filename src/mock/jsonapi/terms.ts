import { JsonApiError } from "./document.js";
import type { JsonApiParams } from "./params.js";
import { JSONAPI_PREDICATES, LIST_PREDICATES, type Predicate } from "./predicates.js";
import type { RelationshipSpec, ResourceTypeSpec, TypeSpecs } from "./resources.js";

/**
 * Search and sort terms checked against a type: `created_by_organization_name_eq` becomes a
 * field path (relationships to follow, then an attribute) and a predicate; `risk_level desc`
 * a path and a direction. Unknown terms are refused with 422, each named, as the document does.
 */

/** Where a filter or sort term reads its values: through relationships, then an attribute. */
export interface FieldPath {
  hops: { name: string; spec: RelationshipSpec }[];
  attribute: string;
  /** The type that owns the attribute (for enum ranks). */
  ownerType: string;
}

/** One filter condition: a term resolved to a path, its predicate and its (non-blank) values. */
export interface Condition {
  term: string;
  path: FieldPath;
  predicate: Predicate;
  values: string[];
}

/** One sort key. */
export interface SortKey {
  path: FieldPath;
  descending: boolean;
}

/** True when a path reaches at most one value (no to-many hop). */
export function isSingle(path: FieldPath): boolean {
  return path.hops.every((h) => !h.spec.many);
}

/** A path as a cache key ("created_by.organization:name"). */
export function pathKey(path: FieldPath): string {
  return `${path.hops.map((h) => h.name).join(".")}:${path.attribute}`;
}

/** The enum order of the attribute a path ends at, if it has one. */
export function rankOf(specs: TypeSpecs, path: FieldPath): readonly string[] | undefined {
  return specs.get(path.ownerType)?.ranks?.[path.attribute];
}

/** Resolves `name`, `team_id`, `regions_code`, `external_account_team_name` to a path. */
export function resolveField(
  specs: TypeSpecs,
  spec: ResourceTypeSpec,
  field: string,
  depth = 0,
): FieldPath | undefined {
  if (field === "id" || spec.attributes.includes(field)) {
    return { hops: [], attribute: field, ownerType: spec.type };
  }
  if (depth >= 4 || !spec.relationships) return undefined;
  for (const [name, rel] of Object.entries(spec.relationships)) {
    if (rel.linkOnly || !field.startsWith(`${name}_`)) continue;
    const target = specs.get(rel.type);
    if (!target) continue;
    const inner = resolveField(specs, target, field.slice(name.length + 1), depth + 1);
    if (inner) return { ...inner, hops: [{ name, spec: rel }, ...inner.hops] };
  }
  return undefined;
}

function parseTerm(
  specs: TypeSpecs,
  spec: ResourceTypeSpec,
  term: string,
): { path: FieldPath; predicate: Predicate } | undefined {
  for (const predicate of JSONAPI_PREDICATES) {
    const suffix = `_${predicate}`;
    if (!term.endsWith(suffix)) continue;
    const path = resolveField(specs, spec, term.slice(0, -suffix.length));
    if (path) return { path, predicate };
  }
  return undefined;
}

/** The filter conditions of a request; 422 naming every term the type does not know. */
export function parseConditions(
  specs: TypeSpecs,
  spec: ResourceTypeSpec,
  params: JsonApiParams,
): Condition[] {
  const conditions: Condition[] = [];
  const invalid: string[] = [];
  for (const [term, { values, array }] of params.filters) {
    const parsed = parseTerm(specs, spec, term);
    if (!parsed) {
      invalid.push(`Invalid search term ${term}`);
      continue;
    }
    const list = LIST_PREDICATES.has(parsed.predicate)
      ? array
        ? values
        : values.flatMap((v) => v.split(","))
      : values.slice(-1);
    const cleaned = list.map((v) => v.trim()).filter((v) => v !== "");
    // Ransack drops conditions whose value is blank (`filter[name_eq]=`): so do we.
    if (cleaned.length === 0) continue;
    conditions.push({ term, ...parsed, values: cleaned });
  }
  if (invalid.length > 0) throw new JsonApiError(422, ...invalid);
  return conditions;
}

/** `filter[m]`: and (the default) or or; 422 otherwise. */
export function parseCombinator(raw: string | undefined): "and" | "or" {
  const combinator = (raw ?? "and").toLowerCase();
  if (combinator !== "and" && combinator !== "or") {
    throw new JsonApiError(422, `Invalid combinator ${raw}: use and or or`);
  }
  return combinator;
}

/** The sort keys of `filter[sorts]` values ("risk_level desc"); 422 for an unknown field. */
export function parseSorts(
  specs: TypeSpecs,
  spec: ResourceTypeSpec,
  sorts: readonly string[],
): SortKey[] {
  const keys: SortKey[] = [];
  for (const raw of sorts) {
    // "risk_level desc" (a form or query `+` decodes to a space), or a literal "+".
    const parts = raw.trim().split(/[\s+]+/);
    const field = parts[0] ?? "";
    const direction = (parts[1] ?? "asc").toLowerCase();
    if (field === "") continue;
    const path = resolveField(specs, spec, field);
    if (!path || parts.length > 2 || (direction !== "asc" && direction !== "desc")) {
      throw new JsonApiError(422, `Invalid sort term ${raw.trim()}`);
    }
    keys.push({ path, descending: direction === "desc" });
  }
  return keys;
}
