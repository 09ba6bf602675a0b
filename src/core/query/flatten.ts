import type { JsonApiDocument, Resource, ResourceIdentifier } from "./jsonapi.js";

/** A resource as the CLI prints it: `{id, type, ...attributes, <relationship>: id | ids | resource}`. */
export type FlatResource = Record<string, unknown> & { id: string; type: string };

/** Include paths as a tree: `external_account.team,tags` -> {external_account: {team: {}}, tags: {}}. */
export interface IncludeTree {
  [relationship: string]: IncludeTree;
}

/** Builds the include tree from `--include` paths. */
export function includeTree(paths: readonly string[]): IncludeTree {
  const root: IncludeTree = {};
  for (const path of paths) {
    let node = root;
    for (const name of path.split(".")) {
      node[name] ??= {};
      node = node[name]!;
    }
  }
  return root;
}

/** Index of a document's included resources by `type/id`. */
export type IncludedIndex = Map<string, Resource>;

/** Indexes `included` so relationships resolve in constant time. */
export function indexIncluded(doc: JsonApiDocument): IncludedIndex {
  const index: IncludedIndex = new Map();
  for (const r of doc.included ?? []) index.set(`${r.type}/${r.id}`, r);
  return index;
}

function resolve(
  ref: ResourceIdentifier,
  tree: IncludeTree | undefined,
  index: IncludedIndex,
): unknown {
  const id = String(ref.id);
  if (!tree) return id;
  const target = index.get(`${ref.type}/${id}`);
  // Asked for but not in `included` (the server may omit it): keep the id rather than invent data.
  return target ? flattenResource(target, index, tree) : id;
}

/**
 * Flattens one resource. Relationships become ids (or lists of ids); those named in the
 * include tree become the included resource, flattened the same way (nested paths too).
 * Relationships that carry only links (no `data`) are left out: there is no id to show.
 */
export function flattenResource(
  resource: Resource,
  index: IncludedIndex,
  tree: IncludeTree = {},
): FlatResource {
  const flat: FlatResource = { id: String(resource.id), type: resource.type };
  for (const [key, value] of Object.entries(resource.attributes ?? {})) {
    if (key !== "id" && key !== "type") flat[key] = value;
  }
  for (const [name, rel] of Object.entries(resource.relationships ?? {})) {
    if (!rel || !("data" in rel) || rel.data === undefined || name in flat) continue;
    const sub = tree[name];
    if (rel.data === null) flat[name] = null;
    else if (Array.isArray(rel.data)) flat[name] = rel.data.map((ref) => resolve(ref, sub, index));
    else flat[name] = resolve(rel.data, sub, index);
  }
  return flat;
}
