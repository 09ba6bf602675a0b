import { UnavailableError } from "../errors.js";
import type { ApiClient } from "./types.js";

/** One page of a JSON:API collection walk. */
export interface JsonApiPage {
  /** 1-based page count in this walk. */
  page: number;
  /** The whole parsed document. */
  document: unknown;
  /** Its `data` array, or undefined when the document is not a collection. */
  data: unknown[] | undefined;
}

/** Safety stop for a server whose links never end. */
const MAX_PAGES = 100_000;

function nextLink(document: unknown): string | undefined {
  if (!document || typeof document !== "object") return undefined;
  const links = (document as { links?: unknown }).links;
  if (!links || typeof links !== "object") return undefined;
  const next = (links as { next?: unknown }).next;
  if (typeof next === "string" && next) return next;
  // JSON:API also allows a link object {href}.
  if (next && typeof next === "object" && typeof (next as { href?: unknown }).href === "string") {
    return (next as { href: string }).href;
  }
  return undefined;
}

/**
 * Walks a JSON:API collection one page at a time by following `links.next` (the client
 * refuses links to another origin). Stops when there is no next link; a link that repeats
 * is a server bug and fails instead of looping forever.
 */
export async function* jsonApiPages(
  client: ApiClient,
  path: string,
  opts: { headers?: Record<string, string>; signal?: AbortSignal } = {},
): AsyncGenerator<JsonApiPage> {
  const seen = new Set<string>();
  let current: string | undefined = path;
  for (let page = 1; current !== undefined; page++) {
    const res = await client.request({
      method: "GET",
      path: current,
      ...(opts.headers ? { headers: opts.headers } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const document = res.json();
    const data = (document as { data?: unknown } | null)?.data;
    yield { page, document, data: Array.isArray(data) ? data : undefined };
    const next = nextLink(document);
    if (next === undefined || !Array.isArray(data)) return;
    const key = new URL(next, res.url).href;
    if (seen.has(key) || key === res.url || page >= MAX_PAGES) {
      throw new UnavailableError(
        `pagination does not end: links.next repeats on page ${page}`,
        "the server's links are inconsistent; fetch pages with page[number] instead",
      );
    }
    seen.add(key);
    current = next;
  }
}
