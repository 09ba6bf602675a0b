/** What a command knows about the pages it did not print. */
export interface PagingFacts {
  /** Records printed. */
  shown: number;
  /** Records in the whole collection, when the server says. */
  total?: number;
  /** What the records are, plural (`alerts`, `controls`). */
  noun: string;
  /** Number of the page printed. */
  page: number;
  /** Number of pages, when the server says. */
  pages?: number;
}

/**
 * The one line on stderr when a list printed one page of several, the same for every
 * platform: `showing 20 of 500 alerts (page 1 of 25); pass --all for every page or --page 2
 * for the next`. Without a total it says "of more".
 */
export function pagingHint(facts: PagingFacts): string {
  const of = facts.total !== undefined ? `of ${facts.total}` : "of more";
  const where =
    facts.pages !== undefined ? `page ${facts.page} of ${facts.pages}` : `page ${facts.page}`;
  return `showing ${facts.shown} ${of} ${facts.noun} (${where}); pass --all for every page or --page ${facts.page + 1} for the next`;
}
