/**
 * The requests of an Evident collection walk (seed 004): the media types it insists on, when a
 * search becomes a PUT (URL length limits), and how `links.next` is followed.
 */
import type { CollectionPager, CollectionPagerInit } from "../../core/platform.js";
import { encodeQuery, type PageParams } from "../../core/query/encode.js";
import { UsageError } from "../../errors.js";
import type { ApiRequest } from "../../http/types.js";

export type {
  CollectionPager,
  CollectionPagerInit,
  SearchMethod,
} from "../../core/platform.js";

/** The only media type the API accepts (406 otherwise). */
export const JSONAPI_MEDIA_TYPE = "application/vnd.api+json";
/** Content type of a PUT search body. */
export const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";
/** Longest URL sent as a GET; a longer query goes as a PUT search (seed: "URL length limits"). */
export const URL_LENGTH_LIMIT = 2000;

/** Headers of every JSON:API request: the seed wants Accept and Content-Type both set to its media type. */
export function jsonApiHeaders(): Record<string, string> {
  return { accept: JSONAPI_MEDIA_TYPE, "content-type": JSONAPI_MEDIA_TYPE };
}

/** The request for one resource, with `include` when asked. */
export function resourceRequest(path: string, include: readonly string[]): ApiRequest {
  const query = encodeQuery({ filters: [], any: false, sorts: [], include: [...include] });
  return { method: "GET", path: query ? `${path}?${query}` : path, headers: jsonApiHeaders() };
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
