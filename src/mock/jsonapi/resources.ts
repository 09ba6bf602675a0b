/**
 * What the JSON:API engine serves: resource types (attributes, relationships, enum ranks) and
 * the resources as the store keeps them, with the in-memory source most types use.
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

/** The served types by name. */
export type TypeSpecs = ReadonlyMap<string, ResourceTypeSpec>;

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

/** The ids a relationship's linkage names: none, one or many. */
export function linkageIds(
  linkage: string | null | readonly string[] | undefined,
): readonly string[] {
  if (linkage === null || linkage === undefined) return [];
  return typeof linkage === "string" ? [linkage] : linkage;
}
