import { parseInclude } from "../../core/query/query-spec.js";
import { type EvidenceQuery, given } from "../evidence/snapshot-evidence.js";
import type { GetOptions, ListOptions } from "./query-options.js";

/** A collection query as its snapshot records it (`grc alerts list|list ... --evidence`). */
export function listEvidenceQuery(collection: string, opts: ListOptions): EvidenceQuery {
  return {
    label: collection,
    platform: "jsonapi",
    query: given({
      collection,
      filter: opts.filter,
      any: opts.any || undefined,
      sort: opts.sort,
      include: opts.include,
      status: opts.status,
      risk: opts.risk,
      since: opts.since,
      account: opts.account,
      page: opts.page,
      page_size: opts.pageSize,
      all: opts.all || undefined,
      limit: opts.limit,
    }),
    include: parseInclude(opts.include ?? []),
    limit: opts.limit,
  };
}

/** One resource as its snapshot records it (`grc get|alerts get ... --evidence`). */
export function getEvidenceQuery(type: string, id: string, opts: GetOptions): EvidenceQuery {
  return {
    label: `${type}-${id}`,
    platform: "jsonapi",
    query: given({ type, id, include: opts.include }),
    include: parseInclude(opts.include ?? []),
  };
}
