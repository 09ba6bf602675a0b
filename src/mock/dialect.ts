import type { MockRouterContext } from "./types.js";

/**
 * The minimal dialect (`grc mock serve --dialect minimal`): answers carry only what the
 * platform documents promise, in another key order, with unknown members sprinkled in where
 * the document allows extras, and absolute URLs spelled differently for the same origin.
 * A client that passes against it relies on the documents, not on this mock's habits.
 * docs/mock.md lists, per endpoint, what each dialect sends.
 */

/** True when the server was started with `dialect: "minimal"`. */
export function isMinimal(ctx: Pick<MockRouterContext, "options">): boolean {
  return ctx.options.dialect === "minimal";
}

/** The same value with every object's keys in reverse order (arrays keep their order). */
export function reverseKeys<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v) => reverseKeys(v)) as T;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).reverse();
    return Object.fromEntries(entries.map(([k, v]) => [k, reverseKeys(v)])) as T;
  }
  return value;
}

/**
 * The origin spelled another way that still parses to the same origin (RFC 3986: scheme and
 * host are case-insensitive): "http://127.0.0.1:4010" becomes "HTTP://127.0.0.1:4010",
 * "http://localhost:4010" becomes "HTTP://LOCALHOST:4010".
 */
export function respellOrigin(origin: string): string {
  return origin.replace(
    /^([a-z][a-z0-9+.-]*):\/\/([^/]*)/i,
    (_m, scheme: string, host: string) => `${scheme.toUpperCase()}://${host.toUpperCase()}`,
  );
}

/** Rewrites every string that starts with `origin` + "/" (links) to the respelled origin. */
export function respellLinks<T>(value: T, origin: string): T {
  if (!origin) return value;
  const prefix = `${origin}/`;
  const other = respellOrigin(origin);
  const walk = (v: unknown): unknown => {
    if (typeof v === "string") return v.startsWith(prefix) ? other + v.slice(origin.length) : v;
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    }
    return v;
  };
  return walk(value) as T;
}

type Json = Record<string, unknown>;

/** Adds members JSON:API 1.0 allows and a client must ignore: `meta` and extra attributes. */
function sprinkleResource(resource: unknown): unknown {
  if (resource === null || typeof resource !== "object" || Array.isArray(resource)) {
    return resource;
  }
  const r = resource as Json;
  const attributes = (r.attributes ?? {}) as Json;
  return {
    ...r,
    attributes: { ...attributes, mock_unlisted_attribute: "ignore me" },
    meta: { mock_dialect: "minimal" },
  };
}

/**
 * A JSON:API document as the minimal dialect sends it: resource `meta` and an extra attribute
 * on every resource, top-level `meta` and `jsonapi`, links on the respelled origin, keys in
 * reverse order. Error documents only get their key order changed (their titles stay).
 */
export function minimalJsonApi<T>(document: T, origin: string): T {
  const doc = document as Json;
  if (doc === null || typeof doc !== "object" || Array.isArray(doc) || "errors" in doc) {
    return reverseKeys(document);
  }
  const out: Json = { ...doc };
  if (Array.isArray(doc.data)) out.data = doc.data.map(sprinkleResource);
  else if (doc.data) out.data = sprinkleResource(doc.data);
  if (Array.isArray(doc.included)) out.included = doc.included.map(sprinkleResource);
  out.meta = { ...((doc.meta as Json | undefined) ?? {}), mock_dialect: "minimal" };
  out.jsonapi = { version: "1.0" };
  return reverseKeys(respellLinks(out, origin)) as T;
}
