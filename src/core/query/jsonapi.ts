import { UnavailableError } from "../../errors.js";

/** A resource identifier `{id, type}` (relationship data). */
export interface ResourceIdentifier {
  id: string;
  type: string;
}

/** A relationship: `data` is absent when only links are given, null for an empty to-one. */
export interface Relationship {
  data?: ResourceIdentifier | ResourceIdentifier[] | null;
  links?: Record<string, unknown>;
}

/** A JSON:API resource object. */
export interface Resource extends ResourceIdentifier {
  attributes?: Record<string, unknown>;
  relationships?: Record<string, Relationship>;
  links?: Record<string, unknown>;
}

/** Pagination links of a collection document (absolute URLs). */
export interface PageLinks {
  first?: string | null;
  prev?: string | null;
  self?: string | null;
  next?: string | null;
  last?: string | null;
}

/** A JSON:API 1.0 document with primary data (a collection or one resource). */
export interface JsonApiDocument {
  data: Resource[] | Resource | null;
  included?: Resource[];
  links?: PageLinks;
  meta?: Record<string, unknown>;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isResource(value: unknown): value is Resource {
  return (
    isObject(value) &&
    (typeof value.id === "string" || typeof value.id === "number") &&
    typeof value.type === "string"
  );
}

/**
 * Checks that a parsed body is a JSON:API document with primary data; ids are normalised to
 * strings (the spec wants strings; some servers send numbers). `where` names the request.
 */
export function decodeDocument(body: unknown, where: string): JsonApiDocument {
  if (!isObject(body) || !("data" in body)) {
    throw new UnavailableError(
      `the response to ${where} is not a JSON:API document (no "data")`,
      "check --base-url points at the platform's API",
    );
  }
  const { data, included } = body;
  const resources = Array.isArray(data) ? data : data === null ? [] : [data];
  const extra = Array.isArray(included) ? included : [];
  for (const r of [...resources, ...extra]) {
    if (!isResource(r)) {
      throw new UnavailableError(
        `the response to ${where} holds a resource without id and type`,
        "the server's JSON:API document is malformed",
      );
    }
    r.id = String(r.id);
  }
  return body as unknown as JsonApiDocument;
}

/** The primary resources of a document, as a list. */
export function primaryResources(doc: JsonApiDocument): Resource[] {
  if (Array.isArray(doc.data)) return doc.data;
  return doc.data ? [doc.data] : [];
}

/** The page number a pagination link points at (`page%5Bnumber%5D=70` -> 70). */
export function pageNumberOf(link: string | null | undefined): number | undefined {
  if (!link) return undefined;
  try {
    const value = new URL(link, "http://placeholder.invalid").searchParams.get("page[number]");
    const n = Number(value);
    return value !== null && Number.isInteger(n) && n >= 1 ? n : undefined;
  } catch {
    return undefined;
  }
}
