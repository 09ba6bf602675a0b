import { UnavailableError } from "../../errors.js";
import type { ApiClient, ApiRequest } from "../../http/types.js";
import {
  decodeDocument,
  type JsonApiDocument,
  pageNumberOf,
  primaryResources,
  type Resource,
} from "./jsonapi.js";

/** Builds the requests of a walk; the platform dialect decides paths, headers and GET vs PUT. */
export interface Pager {
  /** The request for page `n`; undefined asks for the first page exactly as the user wrote the query. */
  page(n: number | undefined): ApiRequest;
  /** The request that follows a `links.next` URL to page `n` (a PUT search rebuilds its body instead). */
  next(link: string, n: number): ApiRequest;
}

/** One page as received. */
export interface FetchedPage {
  /** page[number] of this page. */
  number: number;
  document: JsonApiDocument;
  /** The body exactly as received (`--raw`). */
  raw: Buffer;
  /** The page's primary resources, cut short when `--limit` ends the walk inside this page, without repeats. */
  resources: Resource[];
}

/** How far to walk and how. */
export interface WalkOptions {
  client: ApiClient;
  pager: Pager;
  /** Follow the pages to the end (`--all`). */
  all: boolean;
  /** Stop after this many resources (walks pages as needed). */
  limit?: number;
  /** Pages in flight at once when `links.last` tells the page count; 1 walks `links.next` one by one. */
  concurrency: number;
  /** The page size asked for, used to know how many pages `--limit` needs. */
  pageSize?: number;
  /** page[number] of the first request (`--page`), when the server's `links.self` does not say. */
  firstPage?: number;
  signal?: AbortSignal;
  /**
   * How a page's body is read: `jsonapi` (default) requires a JSON:API document whose
   * resources have an id and a type; `any` takes any JSON object (`grc api --paginate`): its
   * `data` array items are the page's resources, a body without one is a page of its own.
   */
  decode?: "jsonapi" | "any";
}

/** Counters a caller may show with --debug. */
export interface WalkStats {
  pages: number;
  resources: number;
  /** Resources the server repeated on a later page (dropped: each resource is printed once). */
  duplicates: number;
  concurrent: boolean;
}

/**
 * Fetches one page and returns a thunk that parses it. Pages waiting for their turn in the
 * concurrent window stay raw bytes (off the JS heap); parsing at their turn keeps the parsed
 * objects short-lived, so the garbage collector frees them young instead of promoting every
 * held page to the old generation (which made the heap, and RSS, grow with --concurrency).
 */
async function fetchPage(
  client: ApiClient,
  req: ApiRequest,
  n: number,
  signal: AbortSignal,
  decode: "jsonapi" | "any" = "jsonapi",
): Promise<() => FetchedPage> {
  const res = await client.request({ ...req, signal });
  return () => {
    const where = `${req.method} ${req.path.split("?")[0]}`;
    const body = res.json();
    if (decode === "any") {
      const document = (
        typeof body === "object" && body !== null && !Array.isArray(body) ? body : { data: body }
      ) as JsonApiDocument;
      const resources = Array.isArray(document.data) ? (document.data as Resource[]) : [];
      return { number: n, document, raw: res.body, resources };
    }
    const document = decodeDocument(body, where);
    return { number: n, document, raw: res.body, resources: primaryResources(document) };
  };
}

/**
 * What makes two resources the same: type and id, or (without an id, or not an object at all:
 * `grc api --paginate` takes any JSON) their whole text.
 */
function identity(r: Resource): string {
  if (typeof r !== "object" || r === null) return `json:${JSON.stringify(r)}`;
  const id = (r as { id?: unknown }).id;
  return typeof id === "string" || typeof id === "number"
    ? `${String(r.type)}/${String(id)}`
    : `json:${JSON.stringify(r)}`;
}

function sizeOf(link: string | null | undefined): number | undefined {
  if (!link) return undefined;
  try {
    const n = Number(new URL(link, "http://placeholder.invalid").searchParams.get("page[size]"));
    return Number.isInteger(n) && n >= 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The one `links.next` walker (queries, `grc evidence list --all`, `grc api --paginate`).
 * Walks a collection page by page and yields the pages in order. With `links.last` known and
 * concurrency > 1 it keeps up to `concurrency` page requests in flight (a sliding window, so
 * at most that many pages are held in memory) and still yields page 2, 3, ... in order. A 429
 * is waited out by the client (X-RateLimit-Reset) and the same page is asked again. Each
 * resource is yielded once, and the walk stops as soon as `limit` resources were yielded;
 * stopping (limit, error or the consumer returning) aborts the requests still in flight.
 *
 * Every walk ends: a page that brings nothing new ends it — an empty page quietly (the
 * collection is exhausted, whatever `links.next` or `links.last` still claim), a page whose
 * resources were all printed before, or a `links.next` already followed, with one line
 * (exit 4) saying the server's pagination does not end.
 */
export async function* walkPages(
  options: WalkOptions,
  stats: WalkStats = { pages: 0, resources: 0, duplicates: 0, concurrent: false },
): AsyncGenerator<FetchedPage> {
  const { client, pager, limit } = options;
  const walking = options.all || limit !== undefined;
  const controller = new AbortController();
  const onAbort = () => controller.abort(options.signal?.reason);
  if (options.signal?.aborted) onAbort();
  else options.signal?.addEventListener("abort", onAbort, { once: true });
  const seen = new Set<string>();
  let remaining = limit ?? Number.POSITIVE_INFINITY;

  /**
   * Drops repeats and cuts the page at the limit; returns false when the walk is complete
   * (the limit is reached, or the page is empty). A page of nothing but repeats fails.
   */
  const admit = (page: FetchedPage): boolean => {
    const kept: Resource[] = [];
    const offered = page.resources.length;
    let repeats = 0;
    for (const r of page.resources) {
      if (remaining <= 0) break;
      const key = identity(r);
      if (walking && seen.has(key)) {
        stats.duplicates += 1;
        repeats += 1;
        continue;
      }
      if (walking) seen.add(key);
      kept.push(r);
      remaining -= 1;
    }
    page.resources = kept;
    stats.pages += 1;
    stats.resources += kept.length;
    if (offered > 0 && repeats === offered) {
      throw loopingServer(page.number, "the page repeats resources already printed");
    }
    return remaining > 0 && offered > 0;
  };

  try {
    const decode = options.decode ?? "jsonapi";
    let page = (await fetchPage(client, pager.page(undefined), 1, controller.signal, decode))();
    page.number = pageNumberOf(page.document.links?.self) ?? options.firstPage ?? 1;
    let more = admit(page);
    yield page;
    if (!walking || !more) return;

    const last = pageNumberOf(page.document.links?.last);
    if (options.concurrency > 1 && last !== undefined && last > page.number) {
      stats.concurrent = true;
      const size =
        sizeOf(page.document.links?.last) ??
        sizeOf(page.document.links?.self) ??
        options.pageSize ??
        Math.max(1, page.resources.length);
      const needed =
        limit === undefined ? last : Math.min(last, page.number + Math.ceil(remaining / size));
      // Pages started but not yet yielded. Up to `concurrency` are in flight, and at most twice
      // that are held, so a slow page delays the output but not the requests behind it.
      const window = new Map<number, Promise<() => FetchedPage>>();
      let nextToStart = page.number + 1;
      let inFlight = 0;
      const fill = () => {
        while (
          !controller.signal.aborted &&
          nextToStart <= needed &&
          inFlight < options.concurrency &&
          window.size < options.concurrency * 2
        ) {
          const n = nextToStart++;
          inFlight += 1;
          const pending = fetchPage(client, pager.page(n), n, controller.signal, decode);
          window.set(n, pending);
          // Start the next page as soon as one finishes; a rejection is reported when its
          // page's turn comes (this handler only keeps it from being unhandled meanwhile).
          const settled = () => {
            inFlight -= 1;
            fill();
          };
          pending.then(settled, settled);
        }
      };
      for (let n = page.number + 1; n <= needed; n++) {
        fill();
        const current = window.get(n);
        if (!current) break;
        page = (await current)();
        window.delete(n);
        more = admit(page);
        yield page;
        if (!more) return;
      }
      // The collection may have grown while we walked: carry on by links from the last page.
    }
    // A broken server can link a page to itself or ignore page[number]: stop when a link
    // repeats or a whole page brings nothing new, instead of walking forever.
    const followed = new Set<string>();
    const self = hrefOf(page.document.links?.self);
    if (self) followed.add(self);
    for (;;) {
      const link = hrefOf(page.document.links?.next);
      if (!link) return;
      if (followed.has(link)) throw loopingServer(page.number + 1, "links.next repeats a page");
      followed.add(link);
      const n = page.number + 1;
      const next = pager.next(link, n);
      page = (await fetchPage(client, next, n, controller.signal, decode))();
      more = admit(page);
      yield page;
      if (!more) return;
    }
  } finally {
    options.signal?.removeEventListener("abort", onAbort);
    controller.abort();
  }
}

/** A link as a string: JSON:API allows a string or a link object `{href}`. */
function hrefOf(link: unknown): string | undefined {
  if (typeof link === "string" && link !== "") return link;
  if (typeof link === "object" && link !== null) {
    const href = (link as { href?: unknown }).href;
    if (typeof href === "string" && href !== "") return href;
  }
  return undefined;
}

/** The one-line error for a server whose pagination does not advance. */
function loopingServer(page: number, why: string): UnavailableError {
  return new UnavailableError(
    `stopped the walk at page ${page}: ${why} (the server's pagination does not end)`,
    "the pages printed so far are complete; report the server's paging to its operator",
  );
}
