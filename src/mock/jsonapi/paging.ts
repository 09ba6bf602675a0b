import { JsonApiError } from "./document.js";

/**
 * `page[number]` / `page[size]` as the Evident document describes them (default 20, 1..100),
 * and the pagination links of a collection page, which carry the request's filters.
 */

/** Default and largest page size (the Evident document: default 20, 1..100). */
export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** page[number]: 1 when absent, else a positive integer (422 otherwise). */
export function parsePageNumber(raw: string | undefined): number {
  if (raw === undefined || raw === "") return 1;
  if (!/^\d+$/.test(raw) || Number(raw) < 1) {
    throw new JsonApiError(422, `page[number] must be a positive integer, got ${raw}`);
  }
  return Number(raw);
}

/** page[size]: DEFAULT_PAGE_SIZE when absent, else 1..MAX_PAGE_SIZE (422 otherwise). */
export function parsePageSize(raw: string | undefined): number {
  if (raw === undefined || raw === "") return DEFAULT_PAGE_SIZE;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > MAX_PAGE_SIZE) {
    throw new JsonApiError(
      422,
      `page[size] must be an integer between 1 and ${MAX_PAGE_SIZE}, got ${raw}`,
    );
  }
  return Number(raw);
}

/** One page of a collection: which positions of the result it holds, and its links. */
export interface Page {
  /** First position (inclusive) and end (exclusive) within the result. */
  start: number;
  end: number;
  lastPage: number;
  links: Record<string, string>;
}

/**
 * The page `number` of `total` results: self, first and last always; prev and next where they
 * exist (a page past the end still gets prev, to the last page). Each link is `url` (the
 * request's origin and path) with the carried filter and include pairs, then the page.
 */
export function paginate(
  total: number,
  number: number,
  size: number,
  url: string,
  carried: readonly [string, string][],
): Page {
  const lastPage = Math.max(1, Math.ceil(total / size));
  const start = (number - 1) * size;
  const end = Math.min(total, start + size);
  const link = (n: number): string => {
    const query = new URLSearchParams(carried as [string, string][]);
    query.append("page[number]", String(n));
    query.append("page[size]", String(size));
    return `${url}?${query.toString()}`;
  };
  const links: Record<string, string> = { self: link(number), first: link(1) };
  if (number > 1) links.prev = link(Math.min(number - 1, lastPage));
  if (number < lastPage) links.next = link(number + 1);
  links.last = link(lastPage);
  return { start, end, lastPage, links };
}
