import { encodeQuery, type PageParams } from "../../core/query/encode.js";
import type { QuerySpec } from "../../core/query/query-spec.js";
import type { Pager } from "../../core/query/walker.js";
import { HttpError, UsageError } from "../../errors.js";
import type { ApiRequest } from "../../http/types.js";
import { stripControl } from "../../output/sanitize.js";

/**
 * The Evident API v2 dialect (seed 004): where collections live, which media types it insists
 * on, when a search becomes a PUT, and what its 404/406/422 answers mean for a user. The
 * Sovereign evidence collection speaks the same JSON:API paging and filters, so it is one more
 * collection here, under its own path.
 */

/** The only media type the API accepts (406 otherwise). */
export const JSONAPI_MEDIA_TYPE = "application/vnd.api+json";
/** Content type of a PUT search body. */
export const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";
/** Longest URL sent as a GET; a longer query goes as a PUT search (seed: "URL length limits"). */
export const URL_LENGTH_LIMIT = 2000;

/** Collections the seed documents (others are passed through; the server answers 404 if unknown). */
export const KNOWN_COLLECTIONS = [
  "alerts",
  "signatures",
  "suppressions",
  "external_accounts",
  "teams",
  "sub_organizations",
  "organizations",
  "regions",
  "tags",
  "users",
  "reports",
  "reports/<id>/alerts",
  "evidence",
] as const;

/** A collection a query runs against. */
export interface CollectionTarget {
  /** What the user typed (`alerts`, `reports/12/alerts`). */
  name: string;
  /** Resource type of its members, for default columns (`alerts`). */
  type: string;
  /** Path relative to the base URL. */
  path: string;
  /** Whether the server takes the PUT search form (the Sovereign evidence API does not). */
  putSearch: boolean;
}

const TYPE = /^[a-z][a-z0-9_]*$/;
const ID = /^[A-Za-z0-9_.:-]+$/;

function evidenceBase(orgId: string | undefined): string {
  if (!orgId) {
    throw new UsageError(
      "the evidence collection needs an organization",
      "pass --org, set GRC_ORG_ID or store org_id in the profile",
    );
  }
  return `/api/v1/orgs/${encodeURIComponent(orgId)}/evidence`;
}

/** Resolves `alerts`, `alerts.json`, `reports/<id>/alerts` or `evidence` to a path (exit 2 for anything else). */
export function collectionTarget(name: string, orgId?: string): CollectionTarget {
  const bare = name.replace(/^\/+|\/+$/g, "").replace(/\.json$/, "");
  if (bare === "evidence") {
    return { name, type: "evidence", path: evidenceBase(orgId), putSearch: false };
  }
  const report = /^reports\/([^/]+)\/alerts$/.exec(bare);
  if (report) {
    if (!ID.test(report[1]!)) throw new UsageError(`invalid report id "${report[1]}"`);
    return {
      name,
      type: "alerts",
      path: `/api/v2/reports/${report[1]}/alerts`,
      putSearch: false,
    };
  }
  if (!TYPE.test(bare)) {
    throw new UsageError(
      `unknown collection "${name}"`,
      `use one of: ${KNOWN_COLLECTIONS.join(", ")}`,
    );
  }
  return { name, type: bare, path: `/api/v2/${bare}`, putSearch: true };
}

/** Path of one resource: `/api/v2/alerts/1` (or the Sovereign `/api/v1/orgs/<org>/evidence/<id>`). */
export function resourcePath(type: string, id: string, orgId?: string): string {
  if (!ID.test(id)) {
    throw new UsageError(`invalid id "${id}"`, "ids are letters, digits, dots, dashes and colons");
  }
  const target = collectionTarget(type, orgId);
  return `${target.path}/${encodeURIComponent(id)}`;
}

/** Headers of every JSON:API request: the seed wants Accept and Content-Type both set to its media type. */
export function jsonApiHeaders(): Record<string, string> {
  return { accept: JSONAPI_MEDIA_TYPE, "content-type": JSONAPI_MEDIA_TYPE };
}

/** The request for one resource, with `include` when asked. */
export function resourceRequest(path: string, include: readonly string[]): ApiRequest {
  const query = encodeQuery({ filters: [], any: false, sorts: [], include: [...include] });
  return { method: "GET", path: query ? `${path}?${query}` : path, headers: jsonApiHeaders() };
}

/** How a search is sent: `auto` picks PUT only when the GET URL would pass the limit. */
export type SearchMethod = "auto" | "get" | "put";

/** What a collection walk needs to build its requests. */
export interface CollectionPagerInit {
  target: CollectionTarget;
  spec: QuerySpec;
  baseUrl: string;
  searchMethod: SearchMethod;
  /** page[size] for every page (the first page uses the spec's own). */
  pageSize?: number;
  /** True when more than the first page may be asked for (decides the URL-length margin). */
  walking: boolean;
}

/** A pager plus the method it settled on (GET query or PUT search). */
export interface CollectionPager extends Pager {
  method: "GET" | "PUT";
}

/**
 * Builds the requests of a collection walk. A GET carries the query in the URL and follows
 * `links.next` as the server wrote it (APIAuth signs those exact bytes). A PUT search sends
 * the same text as a form body to the bare collection path, each page with its own
 * page[number], since the server's links are GET URLs.
 */
export function collectionPager(init: CollectionPagerInit): CollectionPager {
  const { target, spec, pageSize } = init;
  const firstPage: PageParams = {};
  if (spec.page !== undefined) firstPage.number = spec.page;
  if (pageSize !== undefined) firstPage.size = pageSize;
  const pageParams = (n: number | undefined): PageParams =>
    n === undefined
      ? firstPage
      : { number: n, ...(pageSize !== undefined ? { size: pageSize } : {}) };

  // Measure the longest URL of the walk: a later page adds or lengthens page[number].
  const probe = encodeQuery(
    spec,
    init.walking ? { number: 999_999, size: pageSize ?? 100 } : firstPage,
  );
  const longest = `${init.baseUrl.replace(/\/+$/, "")}${target.path}${probe ? `?${probe}` : ""}`;
  let method: "GET" | "PUT";
  if (init.searchMethod === "put") {
    if (!target.putSearch) {
      throw new UsageError(
        `the ${target.name} collection does not take a PUT search`,
        "use --search-method get",
      );
    }
    method = "PUT";
  } else if (init.searchMethod === "get") {
    method = "GET";
  } else {
    method = longest.length > URL_LENGTH_LIMIT && target.putSearch ? "PUT" : "GET";
  }

  const build = (n: number | undefined): ApiRequest => {
    const query = encodeQuery(spec, pageParams(n));
    if (method === "PUT") {
      return {
        method: "PUT",
        path: target.path,
        headers: { accept: JSONAPI_MEDIA_TYPE, "content-type": FORM_MEDIA_TYPE },
        body: query,
      };
    }
    return {
      method: "GET",
      path: query ? `${target.path}?${query}` : target.path,
      headers: jsonApiHeaders(),
    };
  };

  return {
    method,
    page: build,
    next(link, n) {
      if (method === "PUT") return build(n);
      let url: URL;
      try {
        url = new URL(link, init.baseUrl);
      } catch {
        return build(n);
      }
      // Send the link's path and query relative to our base URL: same server, same bytes signed.
      // A base URL with a path prefix (https://host/evident) is added back by the client.
      const prefix = new URL(init.baseUrl).pathname.replace(/\/+$/, "");
      const path =
        prefix && url.pathname.startsWith(`${prefix}/`)
          ? url.pathname.slice(prefix.length)
          : url.pathname;
      return { method: "GET", path: `${path}${url.search}`, headers: jsonApiHeaders() };
    },
  };
}

/** Lines a rejected query prints: the server's errors[].title, one per line. */
export function rejectionLines(err: HttpError): string[] {
  return err.details.map((d) => stripControl(d)).filter((d) => d.trim() !== "");
}

/**
 * Turns an HTTP error of a query into what a user should read: 406 explains the Accept
 * header, 404 names the collection or id. Other errors pass through unchanged.
 */
export function explainQueryError(
  err: unknown,
  what: { collection: string; id?: string },
): unknown {
  if (!(err instanceof HttpError)) return err;
  if (err.status === 406) {
    return new UsageError(
      "the server refused the request's media type (406 Not Acceptable)",
      `the API only speaks ${JSONAPI_MEDIA_TYPE} in Accept and Content-Type, which grc sends; check --base-url points at the JSON:API endpoint and no proxy rewrites these headers`,
      { cause: err },
    );
  }
  if (err.status === 404) {
    return what.id === undefined
      ? new UsageError(
          `no collection "${what.collection}" on this server (404)`,
          `use one of: ${KNOWN_COLLECTIONS.join(", ")}`,
          { cause: err },
        )
      : new UsageError(
          `no ${what.collection} with id "${what.id}" (404)`,
          `list them with \`grc list ${what.collection}\``,
          { cause: err },
        );
  }
  return err;
}
export * from "./columns.js";
