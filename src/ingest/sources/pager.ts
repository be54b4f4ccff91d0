import { MarsError } from '../../platform/errors.ts';

/** A server that keeps answering: the pager stopped it rather than loop forever. */
export class PagerError extends MarsError {
  constructor(message: string) {
    super(message, 'PAGER_NEVER_ENDS', false);
  }
}

export interface Page {
  url: string;
  items: unknown[];
  /** The page says it is the last one (short page, `more: false`, total reached). */
  last: boolean;
}

export interface PagerOptions {
  /** Number of the first page: 1 on the classic API, 0 on the raw feeds. */
  firstPage: number;
  /** Hard cap on pages fetched for one query. */
  maxPages: number;
  /** What is being paged, for error messages ("curiosity photos of sol 0"). */
  what: string;
  fetchPage: (page: number) => Promise<Page>;
  /** The identity of an item, to notice a page that repeats the previous one. */
  idOf: (item: unknown) => unknown;
}

/**
 * Fetches pages in order until one says it is the last. Stops with a PagerError when a page
 * repeats the previous page's ids (a server that ignores `page`) or the page cap is reached.
 */
export async function collectPages(options: PagerOptions): Promise<Page[]> {
  const pages: Page[] = [];
  let previousIds: string | undefined;
  for (let n = 0; n < options.maxPages; n++) {
    const number = options.firstPage + n;
    const page = await options.fetchPage(number);
    const ids = JSON.stringify(page.items.map(options.idOf));
    if (page.items.length > 0 && ids === previousIds) {
      throw new PagerError(
        `${options.what}: page ${number} repeats the items of page ${number - 1} (${page.url}); the server does not page, so paging stopped`,
      );
    }
    pages.push(page);
    if (page.last || page.items.length === 0) return pages;
    previousIds = ids;
  }
  throw new PagerError(
    `${options.what}: still no last page after ${options.maxPages} pages (the page cap); paging stopped at ${pages.at(-1)?.url ?? 'the first page'}`,
  );
}

/** The id field a NASA record carries, whichever source it comes from. */
export function recordId(item: unknown): unknown {
  if (item === null || typeof item !== 'object') return item;
  const record = item as { id?: unknown; imageid?: unknown };
  return record.id ?? record.imageid;
}
