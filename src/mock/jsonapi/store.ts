import {
  errorResponse,
  type JsonApiDocument,
  JsonApiError,
  type JsonApiResponse,
  type LinkBuilder,
  type ResourceObject,
  serializeResource,
} from "./document.js";
import { collectIncluded, type IncludeSource, parseInclude } from "./includes.js";
import { paginate, parsePageNumber, parsePageSize } from "./paging.js";
import type { JsonApiParams } from "./params.js";
import { predicateTest } from "./predicates.js";
import {
  ArraySource,
  type JsonValue,
  linkageIds,
  type ResourceSource,
  type ResourceTypeSpec,
  type StoredResource,
} from "./resources.js";
import { type SortValue, sortIndexes, sortValue } from "./sorting.js";
import {
  type Condition,
  type FieldPath,
  isSingle,
  parseCombinator,
  parseConditions,
  parseSorts,
  pathKey,
  rankOf,
  type SortKey,
} from "./terms.js";

/**
 * A small JSON:API 1.0 collection engine for the mock server: Ransack-style filter
 * predicates (as the Evident document lists them), `filter[m]=or`, `filter[sorts]`,
 * `page[number]`/`page[size]` with links, and `include` with nested dot paths. The Evident
 * router and the Sovereign evidence collection both serve their collections through it,
 * so both platforms page, filter and include the same way.
 *
 * It never touches HTTP: a router hands in the decoded parameters (params.ts) and the request
 * path and gets back a status and a document to serialise (document.ts). The other modules of
 * this folder each hold one part of a request: terms.ts (filter and sort terms), predicates.ts,
 * sorting.ts, paging.ts, includes.ts; this one holds the types' sources and the cached scans.
 */

/** Restricts a collection to resources whose to-one/to-many relationship points at an id. */
export interface CollectionScope {
  relationship: string;
  id: string;
}

/** One field's values per resource: a bare value for attributes, an array through relationships. */
type Column = (JsonValue | JsonValue[])[];

/** Largest number of cached result lists (filtered, sorted index lists). */
const RESULT_CACHE_SIZE = 32;

/**
 * A set of typed collections served as JSON:API. Results of a filter+sort are cached as
 * index lists (keyed by the canonical query and the store version), so walking the pages
 * of one query over 100,000 resources filters and sorts once, not once per page.
 */
export class JsonApiStore {
  private readonly specs = new Map<string, ResourceTypeSpec>();
  private readonly sources = new Map<string, ResourceSource>();
  private readonly cache = new Map<string, readonly number[]>();
  private readonly columnCache = new Map<string, Column>();
  private readonly sortCache = new Map<string, SortValue[]>();
  private version = 0;
  /** What collecting includes reads of the store. */
  private readonly includeSource: IncludeSource = {
    specs: this.specs,
    get: (type, id) => this.get(type, id),
    serialize: (resource) => this.serialize(resource),
  };

  constructor(
    specs: readonly ResourceTypeSpec[],
    private readonly links: LinkBuilder,
  ) {
    for (const spec of specs) {
      this.specs.set(spec.type, spec);
      this.sources.set(spec.type, new ArraySource());
    }
  }

  /** The known type names. */
  types(): string[] {
    return [...this.specs.keys()];
  }

  /** True when the type is served. */
  has(type: string): boolean {
    return this.specs.has(type);
  }

  /** Replaces a type's resources (e.g. a lazily generated alert source). */
  setSource(type: string, source: ResourceSource): void {
    this.requireSpec(type);
    this.sources.set(type, source);
    this.touch();
  }

  /** Adds or replaces one resource in a type backed by an ArraySource. */
  upsert(resource: StoredResource): void {
    const source = this.sources.get(resource.type);
    if (!(source instanceof ArraySource)) {
      throw new Error(`type ${resource.type} is not backed by an ArraySource`);
    }
    source.upsert(resource);
    this.touch();
  }

  /** Forgets cached results after any change (all types: relationship filters span types). */
  touch(): void {
    this.version++;
    this.cache.clear();
    this.columnCache.clear();
    this.sortCache.clear();
  }

  /** One stored resource. */
  get(type: string, id: string): StoredResource | undefined {
    return this.sources.get(type)?.find(id);
  }

  /** Number of resources of a type. */
  count(type: string): number {
    return this.sources.get(type)?.size ?? 0;
  }

  /**
   * A collection document: filtered, sorted, paginated, with includes and links built on
   * `requestPath` ("/api/v2/alerts.json"). Errors come back as JSON:API error documents.
   */
  list(
    type: string,
    params: JsonApiParams,
    requestPath: string,
    scope?: CollectionScope,
  ): JsonApiResponse {
    try {
      return this.listOrThrow(type, params, requestPath, scope);
    } catch (error) {
      return errorResponse(error);
    }
  }

  /** A single-resource document with its includes; 404 when the id is unknown. */
  one(type: string, id: string, params: JsonApiParams, requestPath: string): JsonApiResponse {
    try {
      const spec = this.requireSpec(type);
      const include = parseInclude(this.specs, spec, params.include);
      const resource = this.get(type, id);
      if (!resource) throw new JsonApiError(404, `Couldn't find ${type} with id ${id}`);
      const document: JsonApiDocument = {
        data: this.serialize(resource),
        links: { self: this.links.baseUrl() + requestPath },
      };
      const included = collectIncluded([resource], include, this.includeSource);
      if (included.length > 0) document.included = included;
      return { status: 200, document };
    } catch (error) {
      return errorResponse(error);
    }
  }

  /** A stored resource as a JSON:API resource object with linkage and related links. */
  serialize(resource: StoredResource): ResourceObject {
    return serializeResource(resource, this.specs.get(resource.type), this.links);
  }

  private listOrThrow(
    type: string,
    params: JsonApiParams,
    requestPath: string,
    scope: CollectionScope | undefined,
  ): JsonApiResponse {
    const spec = this.requireSpec(type);
    const pageNumber = parsePageNumber(params.pageNumber);
    const pageSize = parsePageSize(params.pageSize);
    const combinator = parseCombinator(params.combinator);
    const conditions = parseConditions(this.specs, spec, params);
    const sorts = parseSorts(this.specs, spec, params.sorts);
    const include = parseInclude(this.specs, spec, params.include);
    if (scope && !spec.relationships?.[scope.relationship]) {
      throw new Error(`scope relationship ${scope.relationship} is not on ${type}`);
    }

    const matches = this.matching(spec, conditions, combinator, sorts, scope);
    const source = this.sources.get(type)!;
    const total = matches ? matches.length : source.size;
    const { start, end, lastPage, links } = paginate(
      total,
      pageNumber,
      pageSize,
      this.links.baseUrl() + requestPath,
      params.carried,
    );
    const page: StoredResource[] = [];
    for (let i = start; i < end; i++) page.push(source.at(matches ? matches[i]! : i));

    const document: JsonApiDocument = {
      data: page.map((r) => this.serialize(r)),
      links,
      meta: { total_count: total, page_count: lastPage },
    };
    const included = collectIncluded(page, include, this.includeSource);
    if (included.length > 0) document.included = included;
    return { status: 200, document };
  }

  /**
   * Index list of matching resources in result order, or undefined for "all of them in
   * natural order" (no filter, no sort, no scope: pages are plain slices, nothing to cache).
   */
  private matching(
    spec: ResourceTypeSpec,
    conditions: Condition[],
    combinator: "and" | "or",
    sorts: SortKey[],
    scope: CollectionScope | undefined,
  ): readonly number[] | undefined {
    if (conditions.length === 0 && sorts.length === 0 && !scope) return undefined;
    const key = JSON.stringify([
      this.version,
      spec.type,
      scope ? [scope.relationship, scope.id] : null,
      combinator,
      conditions.map((c) => [c.term, c.values]),
      sorts.map((s) => [s.path.hops.map((h) => h.name), s.path.attribute, s.descending]),
    ]);
    const cached = this.cache.get(key);
    if (cached) {
      // Re-insert to keep the map in least-recently-used order.
      this.cache.delete(key);
      this.cache.set(key, cached);
      return cached;
    }
    const paths = [...conditions.map((c) => c.path), ...sorts.map((s) => s.path)];
    const columns = this.columns(spec.type, paths);
    const tests = conditions.map((c, k) => this.compileCondition(c, columns[k]!));
    const inScope = scope ? this.compileScope(spec, scope) : undefined;
    const source = this.sources.get(spec.type)!;
    const result: number[] = [];
    for (let i = 0; i < source.size; i++) {
      if (inScope && !inScope(i)) continue;
      if (tests.length > 0) {
        const ok = combinator === "or" ? tests.some((t) => t(i)) : tests.every((t) => t(i));
        if (!ok) continue;
      }
      result.push(i);
    }
    if (sorts.length > 0) {
      const sortColumns = sorts.map((s, k) =>
        this.sortColumn(spec.type, s.path, columns[conditions.length + k]!),
      );
      sortIndexes(result, sortColumns, sorts);
    }
    this.cache.set(key, result);
    if (this.cache.size > RESULT_CACHE_SIZE) {
      this.cache.delete(this.cache.keys().next().value!);
    }
    return result;
  }

  /**
   * The values of each field path for every resource of a type, in natural order: the
   * pre-index that filters and sorts scan instead of materialising resources. Missing
   * columns are built together in one pass over the source, then kept until the store changes.
   */
  private columns(type: string, paths: FieldPath[]): Column[] {
    const keys = paths.map(pathKey);
    const missing = [...new Set(keys.filter((k) => !this.columnCache.has(`${type}|${k}`)))];
    if (missing.length > 0) {
      const source = this.sources.get(type)!;
      const byKey = new Map(paths.map((p, k) => [keys[k]!, p]));
      const built = missing.map(() => new Array<JsonValue | JsonValue[]>(source.size));
      for (let i = 0; i < source.size; i++) {
        const resource = source.at(i);
        for (let m = 0; m < missing.length; m++) {
          const path = byKey.get(missing[m]!)!;
          const values = this.valuesAt(resource, path);
          // A path through to-one relationships has exactly one value: store it bare to
          // save an array per row.
          built[m]![i] = isSingle(path) ? values[0]! : values;
        }
      }
      missing.forEach((k, m) => {
        this.columnCache.set(`${type}|${k}`, built[m]!);
      });
    }
    return keys.map((k) => this.columnCache.get(`${type}|${k}`)!);
  }

  /** Sort keys of a column, normalised once to numbers or strings (null stays null). */
  private sortColumn(type: string, path: FieldPath, column: Column): SortValue[] {
    const key = `${type}|${pathKey(path)}|sort`;
    let sortKeys = this.sortCache.get(key);
    if (!sortKeys) {
      const rank = rankOf(this.specs, path);
      const single = isSingle(path);
      sortKeys = column.map((v) =>
        sortValue(single ? (v as JsonValue) : ((v as JsonValue[])[0] ?? null), rank),
      );
      this.sortCache.set(key, sortKeys);
    }
    return sortKeys;
  }

  private compileScope(spec: ResourceTypeSpec, scope: CollectionScope): (i: number) => boolean {
    const rel = spec.relationships![scope.relationship]!;
    const column = this.columns(spec.type, [
      { hops: [{ name: scope.relationship, spec: rel }], attribute: "id", ownerType: rel.type },
    ])[0]!;
    return rel.many
      ? (i) => (column[i] as JsonValue[]).includes(scope.id)
      : (i) => column[i] === scope.id;
  }

  private compileCondition(condition: Condition, column: Column): (i: number) => boolean {
    const rank = rankOf(this.specs, condition.path);
    const test = predicateTest(condition.predicate, condition.values, rank);
    if (isSingle(condition.path)) return (i) => test(column[i] as JsonValue);
    // Relationship conditions hold when any related value passes (SQL join semantics); no
    // related resource counts as one null value (LEFT OUTER JOIN), so `_null` finds them.
    return (i) => (column[i] as JsonValue[]).some(test);
  }

  /** The values a field path reaches from a resource; [null] when a hop leads nowhere. */
  private valuesAt(resource: StoredResource, path: FieldPath): JsonValue[] {
    let current: StoredResource[] = [resource];
    for (const hop of path.hops) {
      const next: StoredResource[] = [];
      for (const r of current) {
        for (const id of linkageIds(r.relationships[hop.name])) {
          const target = this.get(hop.spec.type, id);
          if (target) next.push(target);
        }
      }
      current = next;
      if (current.length === 0) return [null];
    }
    const attribute = path.attribute;
    return current.map((r) => (attribute === "id" ? r.id : (r.attributes[attribute] ?? null)));
  }

  private requireSpec(type: string): ResourceTypeSpec {
    const spec = this.specs.get(type);
    if (!spec) throw new JsonApiError(404, `Unknown collection ${type}`);
    return spec;
  }
}
