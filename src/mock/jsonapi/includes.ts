import type { ResourceObject } from "./document.js";
import { JsonApiError } from "./document.js";
import {
  linkageIds,
  type RelationshipSpec,
  type ResourceTypeSpec,
  type StoredResource,
  type TypeSpecs,
} from "./resources.js";

/**
 * `include=a,b.c`: relationship paths checked against the type (400 for one the server
 * cannot identify, as JSON:API wants), and the compound document's `included` resources.
 */

/** The include paths of a request, each as its relationship names. */
export function parseInclude(
  specs: TypeSpecs,
  spec: ResourceTypeSpec,
  include: string | undefined,
): string[][] {
  if (!include) return [];
  const paths: string[][] = [];
  for (const raw of include.split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    const segments = item.split(".");
    let current: ResourceTypeSpec | undefined = spec;
    for (const segment of segments) {
      const rel: RelationshipSpec | undefined = current?.relationships?.[segment];
      current = rel && !rel.linkOnly ? specs.get(rel.type) : undefined;
      if (!current) {
        // The JSON:API spec wants 400 for a relationship path the server cannot identify.
        throw new JsonApiError(400, `Invalid include path ${item} for ${spec.type}`);
      }
    }
    paths.push(segments);
  }
  return paths;
}

/** What collecting includes needs of the store. */
export interface IncludeSource {
  specs: TypeSpecs;
  get(type: string, id: string): StoredResource | undefined;
  serialize(resource: StoredResource): ResourceObject;
}

/** Resources reached by the include paths, each once, never repeating primary data. */
export function collectIncluded(
  primary: readonly StoredResource[],
  paths: readonly string[][],
  store: IncludeSource,
): ResourceObject[] {
  if (paths.length === 0) return [];
  const seen = new Set(primary.map((r) => `${r.type}\u0000${r.id}`));
  const included: ResourceObject[] = [];
  for (const path of paths) {
    let current = primary;
    for (const segment of path) {
      const next: StoredResource[] = [];
      const step = new Set<string>();
      for (const r of current) {
        const rel = store.specs.get(r.type)?.relationships?.[segment];
        if (!rel) continue;
        for (const id of linkageIds(r.relationships[segment])) {
          const target = store.get(rel.type, id);
          if (!target) continue;
          const key = `${target.type}\u0000${target.id}`;
          if (!step.has(key)) {
            step.add(key);
            next.push(target);
          }
          if (!seen.has(key)) {
            seen.add(key);
            included.push(store.serialize(target));
          }
        }
      }
      current = next;
    }
  }
  return included;
}
