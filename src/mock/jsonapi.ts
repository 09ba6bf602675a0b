/**
 * A small JSON:API 1.0 collection engine for the mock server: Ransack-style filter
 * predicates (as the Evident document lists them), `filter[m]=or`, `filter[sorts]`,
 * `page[number]`/`page[size]` with links, and `include` with nested dot paths. The Evident
 * router and the Sovereign evidence collection both serve their collections through it,
 * so both platforms page, filter and include the same way.
 *
 * It never touches HTTP: a router hands in the decoded parameters and the request path and
 * gets back a status and a document to serialise.
 */

/** A JSON value as it appears in an attribute. */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | JsonValue[]
  | { [key: string]: JsonValue };

/**
 * A resource as the store keeps it: attributes, and relationship linkage as bare ids (the
 * target type comes from the type's spec), null for an empty to-one, an array for to-many.
 */
export interface StoredResource {
  id: string;
  type: string;
  attributes: Record<string, JsonValue>;
  relationships: Record<string, string | null | readonly string[]>;
}

/** One relationship of a resource type. */
export interface RelationshipSpec {
  /** The target resource type ("external_accounts"). */
  type: string;
  /** True for to-many (linkage is an array of ids). */
  many?: boolean;
  /** Path of the `links.related` URL for this owner (to-one defaults to the target's own path). */
  related?: (owner: StoredResource) => string | undefined;
  /**
   * Served as a `links.related` URL only: no linkage, no filters, no include (a report's
   * alerts: 100,000 ids do not belong in every report object).
   */
  linkOnly?: boolean;
}

/** What the engine knows about one resource type. */
export interface ResourceTypeSpec {
  type: string;
  /** Attributes that can be filtered and sorted on (`id` is always searchable). */
  attributes: readonly string[];
  relationships?: Readonly<Record<string, RelationshipSpec>>;
  /**
   * Attributes whose values are an ordered enum (risk_level: low < medium < high): sorting
   * and lt/gt compare by rank instead of alphabetically, as a database enum column would.
   */
  ranks?: Readonly<Record<string, readonly string[]>>;
}

/** Read access to one type's resources, in their natural (id) order. */
export interface ResourceSource {
  readonly size: number;
  /** The resource at a position, 0 <= index < size. */
  at(index: number): StoredResource;
  find(id: string): StoredResource | undefined;
}

/** A mutable in-memory source (fixture collections, the Sovereign evidence list). */
export class ArraySource implements ResourceSource {
  private readonly items: StoredResource[] = [];
  private readonly byId = new Map<string, number>();

  constructor(items: Iterable<StoredResource> = []) {
    for (const item of items) this.upsert(item);
  }

  /** Number of resources. */
  get size(): number {
    return this.items.length;
  }

  /** The resource at a position. */
  at(index: number): StoredResource {
    return this.items[index]!;
  }

  /** The resource with this id, if any. */
  find(id: string): StoredResource | undefined {
    const index = this.byId.get(id);
    return index === undefined ? undefined : this.items[index];
  }

  /** Adds a resource or replaces the one with the same id (keeping its position). */
  upsert(resource: StoredResource): void {
    const index = this.byId.get(resource.id);
    if (index === undefined) {
      this.byId.set(resource.id, this.items.length);
      this.items.push(resource);
    } else {
      this.items[index] = resource;
    }
  }
}

/** A request the engine refuses: becomes a JSON:API error document with this status. */
export class JsonApiError extends Error {
  readonly status: number;
  readonly titles: readonly string[];
  constructor(status: number, ...titles: string[]) {
    super(titles.join("; "));
    this.name = "JsonApiError";
    this.status = status;
    this.titles = titles;
  }
}

/** A JSON:API error document; status is a string because the JSON:API schema wants one. */
export function errorDocument(status: number, ...titles: string[]): JsonApiDocument {
  return { errors: titles.map((title) => ({ status: String(status), title })) };
}

/** A JSON:API top-level document (data or errors). */
export interface JsonApiDocument {
  data?: ResourceObject | ResourceObject[] | null;
  errors?: { status: string; title: string; detail?: string }[];
  included?: ResourceObject[];
  links?: Record<string, string>;
  meta?: Record<string, JsonValue>;
}

/** A resource object as serialised. */
export interface ResourceObject {
  id: string;
  type: string;
  attributes: Record<string, JsonValue>;
  relationships?: Record<
    string,
    {
      data?: { id: string; type: string } | null | { id: string; type: string }[];
      links?: { related: string };
    }
  >;
  links?: { self: string };
}

/** A status and a document: what the engine answers. */
export interface JsonApiResponse {
  status: number;
  document: JsonApiDocument;
}

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

/** Default and largest page size (the Evident document: default 20, 1..100). */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** The request parameters the engine understands, decoded but not yet checked against a type. */
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

/** Where a filter or sort term reads its values: through relationships, then an attribute. */
interface FieldPath {
  hops: { name: string; spec: RelationshipSpec }[];
  attribute: string;
  /** The type that owns the attribute (for enum ranks). */
  ownerType: string;
}

interface Condition {
  term: string;
  path: FieldPath;
  predicate: Predicate;
  values: string[];
}

interface SortKey {
  path: FieldPath;
  descending: boolean;
}

/** Builds absolute URLs for links. */
export interface LinkBuilder {
  /** The API origin ("http://127.0.0.1:4010"). */
  baseUrl(): string;
  /** Path of one resource ("/api/v2/alerts/1.json"); undefined when it has no URL. */
  resourcePath(type: string, id: string): string | undefined;
}

/** Restricts a collection to resources whose to-one/to-many relationship points at an id. */
export interface CollectionScope {
  relationship: string;
  id: string;
}

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
      if (error instanceof JsonApiError) {
        return { status: error.status, document: errorDocument(error.status, ...error.titles) };
      }
      throw error;
    }
  }

  /** A single-resource document with its includes; 404 when the id is unknown. */
  one(type: string, id: string, params: JsonApiParams, requestPath: string): JsonApiResponse {
    try {
      const spec = this.requireSpec(type);
      const include = this.parseInclude(spec, params.include);
      const resource = this.get(type, id);
      if (!resource) throw new JsonApiError(404, `Couldn't find ${type} with id ${id}`);
      const document: JsonApiDocument = {
        data: this.serialize(resource),
        links: { self: this.links.baseUrl() + requestPath },
      };
      const included = this.collectIncluded([resource], include);
      if (included.length > 0) document.included = included;
      return { status: 200, document };
    } catch (error) {
      if (error instanceof JsonApiError) {
        return { status: error.status, document: errorDocument(error.status, ...error.titles) };
      }
      throw error;
    }
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
    const combinator = (params.combinator ?? "and").toLowerCase();
    if (combinator !== "and" && combinator !== "or") {
      throw new JsonApiError(422, `Invalid combinator ${params.combinator}: use and or or`);
    }
    const conditions = this.parseConditions(spec, params);
    const sorts = this.parseSorts(spec, params.sorts);
    const include = this.parseInclude(spec, params.include);
    if (scope && !spec.relationships?.[scope.relationship]) {
      throw new Error(`scope relationship ${scope.relationship} is not on ${type}`);
    }

    const matches = this.matching(spec, conditions, combinator, sorts, scope);
    const source = this.sources.get(type)!;
    const total = matches ? matches.length : source.size;
    const lastPage = Math.max(1, Math.ceil(total / pageSize));
    const start = (pageNumber - 1) * pageSize;
    const end = Math.min(total, start + pageSize);
    const page: StoredResource[] = [];
    for (let i = start; i < end; i++) page.push(source.at(matches ? matches[i]! : i));

    const link = (n: number): string => this.pageLink(requestPath, params.carried, n, pageSize);
    const links: Record<string, string> = { self: link(pageNumber), first: link(1) };
    if (pageNumber > 1) links.prev = link(Math.min(pageNumber - 1, lastPage));
    if (pageNumber < lastPage) links.next = link(pageNumber + 1);
    links.last = link(lastPage);

    const document: JsonApiDocument = {
      data: page.map((r) => this.serialize(r)),
      links,
      meta: { total_count: total, page_count: lastPage },
    };
    const included = this.collectIncluded(page, include);
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
      const rank = this.rankOf(path);
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
    const rank = this.rankOf(condition.path);
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

  private rankOf(path: FieldPath): readonly string[] | undefined {
    return this.specs.get(path.ownerType)?.ranks?.[path.attribute];
  }

  private parseConditions(spec: ResourceTypeSpec, params: JsonApiParams): Condition[] {
    const conditions: Condition[] = [];
    const invalid: string[] = [];
    for (const [term, { values, array }] of params.filters) {
      const parsed = this.parseTerm(spec, term);
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

  private parseTerm(
    spec: ResourceTypeSpec,
    term: string,
  ): { path: FieldPath; predicate: Predicate } | undefined {
    for (const predicate of JSONAPI_PREDICATES) {
      const suffix = `_${predicate}`;
      if (!term.endsWith(suffix)) continue;
      const path = this.resolveField(spec, term.slice(0, -suffix.length), 0);
      if (path) return { path, predicate };
    }
    return undefined;
  }

  /** Resolves `name`, `team_id`, `regions_code`, `external_account_team_name` to a path. */
  private resolveField(
    spec: ResourceTypeSpec,
    field: string,
    depth: number,
  ): FieldPath | undefined {
    if (field === "id" || spec.attributes.includes(field)) {
      return { hops: [], attribute: field, ownerType: spec.type };
    }
    if (depth >= 4 || !spec.relationships) return undefined;
    for (const [name, rel] of Object.entries(spec.relationships)) {
      if (rel.linkOnly || !field.startsWith(`${name}_`)) continue;
      const target = this.specs.get(rel.type);
      if (!target) continue;
      const inner = this.resolveField(target, field.slice(name.length + 1), depth + 1);
      if (inner) return { ...inner, hops: [{ name, spec: rel }, ...inner.hops] };
    }
    return undefined;
  }

  private parseSorts(spec: ResourceTypeSpec, sorts: string[]): SortKey[] {
    const keys: SortKey[] = [];
    for (const raw of sorts) {
      // "risk_level desc" (a form or query `+` decodes to a space), or a literal "+".
      const parts = raw.trim().split(/[\s+]+/);
      const field = parts[0] ?? "";
      const direction = (parts[1] ?? "asc").toLowerCase();
      if (field === "") continue;
      const path = this.resolveField(spec, field, 0);
      if (!path || parts.length > 2 || (direction !== "asc" && direction !== "desc")) {
        throw new JsonApiError(422, `Invalid sort term ${raw.trim()}`);
      }
      keys.push({ path, descending: direction === "desc" });
    }
    return keys;
  }

  private parseInclude(spec: ResourceTypeSpec, include: string | undefined): string[][] {
    if (!include) return [];
    const paths: string[][] = [];
    for (const raw of include.split(",")) {
      const item = raw.trim();
      if (item === "") continue;
      const segments = item.split(".");
      let current: ResourceTypeSpec | undefined = spec;
      for (const segment of segments) {
        const rel: RelationshipSpec | undefined = current?.relationships?.[segment];
        current = rel && !rel.linkOnly ? this.specs.get(rel.type) : undefined;
        if (!current) {
          // The JSON:API spec wants 400 for a relationship path the server cannot identify.
          throw new JsonApiError(400, `Invalid include path ${item} for ${spec.type}`);
        }
      }
      paths.push(segments);
    }
    return paths;
  }

  /** Resources reached by the include paths, each once, never repeating primary data. */
  private collectIncluded(primary: StoredResource[], paths: string[][]): ResourceObject[] {
    if (paths.length === 0) return [];
    const seen = new Set(primary.map((r) => `${r.type}\u0000${r.id}`));
    const included: ResourceObject[] = [];
    for (const path of paths) {
      let current = primary;
      for (const segment of path) {
        const next: StoredResource[] = [];
        const step = new Set<string>();
        for (const r of current) {
          const rel = this.specs.get(r.type)?.relationships?.[segment];
          if (!rel) continue;
          for (const id of linkageIds(r.relationships[segment])) {
            const target = this.get(rel.type, id);
            if (!target) continue;
            const key = `${target.type}\u0000${target.id}`;
            if (!step.has(key)) {
              step.add(key);
              next.push(target);
            }
            if (!seen.has(key)) {
              seen.add(key);
              included.push(this.serialize(target));
            }
          }
        }
        current = next;
      }
    }
    return included;
  }

  /** A stored resource as a JSON:API resource object with linkage and related links. */
  serialize(resource: StoredResource): ResourceObject {
    const spec = this.specs.get(resource.type);
    const base = this.links.baseUrl();
    const object: ResourceObject = {
      id: resource.id,
      type: resource.type,
      attributes: resource.attributes,
    };
    if (spec?.relationships) {
      const relationships: NonNullable<ResourceObject["relationships"]> = {};
      for (const [name, rel] of Object.entries(spec.relationships)) {
        if (rel.linkOnly) {
          const path = rel.related?.(resource);
          if (path !== undefined) relationships[name] = { links: { related: base + path } };
          continue;
        }
        const linkage = resource.relationships[name];
        let related: string | undefined;
        if (rel.related) related = rel.related(resource);
        else if (!rel.many && typeof linkage === "string") {
          related = this.links.resourcePath(rel.type, linkage);
        }
        // Linkage is always given (not only for included relationships) so a client can
        // flatten relationship ids without asking for includes.
        relationships[name] = {
          data: rel.many
            ? linkageIds(linkage).map((id) => ({ id, type: rel.type }))
            : typeof linkage === "string"
              ? { id: linkage, type: rel.type }
              : null,
          ...(related !== undefined ? { links: { related: base + related } } : {}),
        };
      }
      object.relationships = relationships;
    }
    const self = this.links.resourcePath(resource.type, resource.id);
    if (self !== undefined) object.links = { self: base + self };
    return object;
  }

  private pageLink(
    requestPath: string,
    carried: [string, string][],
    number: number,
    size: number,
  ): string {
    const query = new URLSearchParams(carried);
    query.append("page[number]", String(number));
    query.append("page[size]", String(size));
    return `${this.links.baseUrl()}${requestPath}?${query.toString()}`;
  }

  private requireSpec(type: string): ResourceTypeSpec {
    const spec = this.specs.get(type);
    if (!spec) throw new JsonApiError(404, `Unknown collection ${type}`);
    return spec;
  }
}

/** One field's values per resource: a bare value for attributes, an array through relationships. */
type Column = (JsonValue | JsonValue[])[];
/** A sort key normalised for cheap comparison. */
type SortValue = number | string | null;

/** True when a path reaches at most one value (no to-many hop). */
function isSingle(path: FieldPath): boolean {
  return path.hops.every((h) => !h.spec.many);
}

function pathKey(path: FieldPath): string {
  return `${path.hops.map((h) => h.name).join(".")}:${path.attribute}`;
}

/** Ranks, numbers and numeric ids become numbers; other values compare as strings. */
function sortValue(value: JsonValue, rank: readonly string[] | undefined): SortValue {
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

function compareSortValues(a: SortValue, b: SortValue): number {
  // Nulls sort last ascending and first descending, as PostgreSQL orders them.
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  if (typeof a !== typeof b) return typeof a === "number" ? -1 : 1; // numbers before text
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Sorts positions by the sort columns in place; natural order breaks ties (a stable sort). */
function sortIndexes(indexes: number[], columns: SortValue[][], sorts: SortKey[]): void {
  indexes.sort((a, b) => {
    for (let k = 0; k < sorts.length; k++) {
      const column = columns[k]!;
      const c = compareSortValues(column[a]!, column[b]!);
      if (c !== 0) return sorts[k]!.descending ? -c : c;
    }
    return a - b;
  });
}

const LIST_PREDICATES: ReadonlySet<Predicate> = new Set([
  "in",
  "not_in",
  "cont_any",
  "not_cont_any",
]);

function linkageIds(linkage: string | null | readonly string[] | undefined): readonly string[] {
  if (linkage === null || linkage === undefined) return [];
  return typeof linkage === "string" ? [linkage] : linkage;
}

function parsePageNumber(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 1;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new JsonApiError(422, `page[number] must be a positive integer, got ${raw}`);
  }
  return Number(raw);
}

function parsePageSize(raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE_SIZE) {
    throw new JsonApiError(
      422,
      `page[size] must be an integer between 1 and ${MAX_PAGE_SIZE}, got ${raw}`,
    );
  }
  return Number(raw);
}

const FALSE_VALUES = new Set(["0", "false", "f", "no", "n", "off"]);
const NUMERIC = /^-?\d+(\.\d+)?$/;
const ISO_DATE = /^\d{4}-\d\d-\d\d/;

/** Parses a query date the way Rails would: "2015-11-11 16:25:30" without a zone is UTC. */
function parseQueryDate(value: string): number {
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
 * Text matches (cont, start, end and their opposites) ignore case, as ILIKE does.
 */
function predicateTest(
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
