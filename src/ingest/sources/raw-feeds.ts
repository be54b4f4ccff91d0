import { z } from 'zod';
import type { HttpClient, RequestTally } from '../http-client.ts';
import type { Rover } from '../../timelapse/raw-objects.ts';
import { DEFAULT_MAX_PAGES } from './classic-photos.ts';
import { collectPages, recordId } from './pager.ts';
import { checkRecords, joinUrl, mergeBatches, type SourceBatch } from './source-batch.ts';

/**
 * The live mars.nasa.gov raw-image feeds. They carry what the classic API lacks (sample type,
 * spacecraft clock, time taken, dimensions); records are kept exactly as received and the
 * warehouse flattens them.
 */
export const FEED_VARIANTS: Partial<Record<Rover, FeedVariant>> = { perseverance: 'mars2020', curiosity: 'msl' };
export type FeedVariant = 'mars2020' | 'msl';

/** Items per page asked of either feed (the most the feeds hand out). */
export const FEED_PAGE_SIZE = 100;

const sclk = z.union([z.string(), z.number()]).optional();
const imageUrl = z.url().optional();
const count = z.coerce.number().int().nonnegative().optional();

/** Perseverance: `{images: [...], total_results, total_images, page, per_page}`. */
export const Mars2020ResponseSchema = z.looseObject({ images: z.array(z.unknown()), total_results: count, page: count });

/** NASA puts `sample_type` at the top level of some items and under `extended` in others. */
const sampleType = z.string().optional();

export const Mars2020ItemSchema = z.looseObject({
  imageid: z.string().min(1),
  sol: z.number().int().nonnegative(),
  camera: z.looseObject({ instrument: z.string().min(1) }),
  sample_type: sampleType,
  image_files: z
    .looseObject({ small: imageUrl, medium: imageUrl, large: imageUrl, full_res: imageUrl })
    .refine((files) => Boolean(files.full_res ?? files.large ?? files.medium ?? files.small), {
      message: 'expected at least one image URL',
    }),
  extended: z
    .looseObject({ sclk, dimension: z.string().optional(), sequence_id: z.string().optional(), sample_type: sampleType })
    .nullable()
    .optional(),
  date_taken_utc: z.string().optional(),
});

/** Curiosity: `{items: [...], more, total, page, per_page}`, pages counted from 0. */
export const MslResponseSchema = z.looseObject({ items: z.array(z.unknown()), more: z.boolean().optional(), total: count });

/**
 * One Curiosity item. The recorded 2019 response has `sample_type` under `extended` and
 * `https_url` beside `url`; the warehouse reads either place and prefers `https_url`.
 */
export const MslItemSchema = z.looseObject({
  id: z.number().int().nonnegative(),
  imageid: z.string().min(1).optional(),
  sol: z.number().int().nonnegative(),
  instrument: z.string().min(1),
  sample_type: sampleType,
  url: z.url(),
  https_url: imageUrl,
  date_taken: z.string().optional(),
  extended: z.looseObject({ sclk, sample_type: sampleType }).nullable().optional(),
});

export function mars2020Url(baseUrl: string, sol: number, page: number, perPage = FEED_PAGE_SIZE): string {
  const query = new URLSearchParams({
    feed: 'raw_images',
    category: 'mars2020',
    feedtype: 'json',
    sol: String(sol),
    num: String(perPage),
    page: String(page),
  });
  return joinUrl(baseUrl, `rss/api/?${query}`);
}

export function mslUrl(baseUrl: string, solStart: number, solEnd: number, page: number, perPage = FEED_PAGE_SIZE): string {
  // The feed's own parameter syntax: `order=sol desc`, conditions as `value:field:operator`.
  const query = [
    'order=sol%20desc',
    `per_page=${perPage}`,
    `page=${page}`,
    'condition_1=msl:mission',
    `condition_2=${solStart}:sol:gte`,
    `condition_3=${solEnd}:sol:lte`,
  ].join('&');
  return joinUrl(baseUrl, `api/v1/raw_image_items/?${query}`);
}

/** A feed page (pages from 0) is the last when it is short or reaches the announced total. */
function isLastFeedPage(page: number, perPage: number, items: number, total: number | undefined): boolean {
  return items < perPage || (total !== undefined && page * perPage + items >= total);
}

export interface FeedOptions {
  perPage?: number;
  maxPages?: number;
  tally?: RequestTally;
}

/** Perseverance items of one sol, page by page (pages count from 0). */
export async function fetchMars2020Sol(http: HttpClient, baseUrl: string, sol: number, options: FeedOptions = {}): Promise<SourceBatch> {
  const perPage = options.perPage ?? FEED_PAGE_SIZE;
  const pages = await collectPages({
    firstPage: 0,
    maxPages: options.maxPages ?? DEFAULT_MAX_PAGES,
    what: `perseverance raw-image feed of sol ${sol}`,
    idOf: recordId,
    fetchPage: async (page) => {
      const url = mars2020Url(baseUrl, sol, page, perPage);
      const response = await http.getJson(url, Mars2020ResponseSchema, { tally: options.tally });
      return { url, items: response.images, last: isLastFeedPage(page, perPage, response.images.length, response.total_results) };
    },
  });
  return mergeBatches(
    pages.map((page) => {
      const { good, bad } = checkRecords(page.items, page.url, Mars2020ItemSchema, (item) =>
        item.sol === sol ? undefined : `sol ${item.sol} is not the requested sol ${sol}`,
      );
      return { records: good, requests: [page.url], quarantine: bad };
    }),
  );
}

/** Curiosity items of a sol range in one paged query (pages count from 0). */
export async function fetchMslSols(
  http: HttpClient,
  baseUrl: string,
  solStart: number,
  solEnd: number,
  options: FeedOptions = {},
): Promise<SourceBatch> {
  const perPage = options.perPage ?? FEED_PAGE_SIZE;
  const pages = await collectPages({
    firstPage: 0,
    maxPages: options.maxPages ?? DEFAULT_MAX_PAGES,
    what: `curiosity raw-image feed of sols ${solStart}-${solEnd}`,
    idOf: recordId,
    fetchPage: async (page) => {
      const url = mslUrl(baseUrl, solStart, solEnd, page, perPage);
      const response = await http.getJson(url, MslResponseSchema, { tally: options.tally });
      const last = response.more === false || isLastFeedPage(page, perPage, response.items.length, response.total);
      return { url, items: response.items, last };
    },
  });
  return mergeBatches(
    pages.map((page) => {
      const { good, bad } = checkRecords(page.items, page.url, MslItemSchema, (item) =>
        item.sol >= solStart && item.sol <= solEnd ? undefined : `sol ${item.sol} is outside the requested sols ${solStart}-${solEnd}`,
      );
      return { records: good, requests: [page.url], quarantine: bad };
    }),
  );
}
