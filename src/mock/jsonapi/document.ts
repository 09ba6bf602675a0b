import {
  type JsonValue,
  linkageIds,
  type ResourceTypeSpec,
  type StoredResource,
} from "./resources.js";

/**
 * What the engine answers: JSON:API top-level documents, resource objects rendered from the
 * store with linkage and links, and error documents for refused requests.
 */

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

/** The answer to a refused request, or rethrows anything that is not a JsonApiError. */
export function errorResponse(error: unknown): JsonApiResponse {
  if (error instanceof JsonApiError) {
    return { status: error.status, document: errorDocument(error.status, ...error.titles) };
  }
  throw error;
}

/** Builds absolute URLs for links. */
export interface LinkBuilder {
  /** The API origin ("http://127.0.0.1:4010"). */
  baseUrl(): string;
  /** Path of one resource ("/api/v2/alerts/1.json"); undefined when it has no URL. */
  resourcePath(type: string, id: string): string | undefined;
}

/**
 * A stored resource as a JSON:API resource object with linkage and related links; `spec` is
 * its type's (undefined: attributes only).
 */
export function serializeResource(
  resource: StoredResource,
  spec: ResourceTypeSpec | undefined,
  links: LinkBuilder,
): ResourceObject {
  const base = links.baseUrl();
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
        related = links.resourcePath(rel.type, linkage);
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
  const self = links.resourcePath(resource.type, resource.id);
  if (self !== undefined) object.links = { self: base + self };
  return object;
}
