import { z } from 'zod';
import type { HttpClient, RequestTally } from '../http-client.ts';
import { redactUrl } from '../http-client.ts';
import type { Rover } from '../../timelapse/raw-objects.ts';
import { collectPages, recordId } from './pager.ts';
import { checkRecords, joinUrl, mergeBatches, type SourceBatch } from './source-batch.ts';

/**
 * The classic Mars Rover Photos API (api.nasa.gov/mars-photos/api/v1 until 2025, mirrors since):
 * `<root>/rovers/<rover>/photos?sol=N&page=P&api_key=K`, 25 photos a page when `page` is given.
 */
export const PHOTOS_PAGE_SIZE = 25;

/** Default cap on pages for one sol: 1000 pages is 25 000 photos, far above any real sol. */
export const DEFAULT_MAX_PAGES = 1000;

/** One page of the photos endpoint; records are checked one by one, not here. */
export const PhotosResponseSchema = z.looseObject({ photos: z.array(z.unknown()) });

/** One photo as the classic API describes it; extra fields are kept and allowed. */
export const ClassicPhotoSchema = z.looseObject({
  id: z.number().int().nonnegative(),
  sol: z.number().int().nonnegative(),
  camera: z.looseObject({
    id: z.number().int().optional(),
    name: z.string().min(1),
    rover_id: z.number().int().optional(),
    full_name: z.string().optional(),
  }),
  img_src: z.url(),
  earth_date: z.iso.date(),
  rover: z.looseObject({ id: z.number().int().optional(), name: z.string().min(1) }),
});
export type ClassicPhoto = z.infer<typeof ClassicPhotoSchema>;

export interface ClassicApiTarget {
  baseUrl: string;
  apiKey: string;
}

export function photosUrl(target: ClassicApiTarget, rover: Rover, sol: number, page: number): string {
  const query = new URLSearchParams({ sol: String(sol), page: String(page), api_key: target.apiKey });
  return joinUrl(target.baseUrl, `rovers/${rover}/photos?${query}`);
}

/** Every photo of one sol, page by page, with bad records quarantined. */
export async function fetchPhotosForSol(
  http: HttpClient,
  target: ClassicApiTarget,
  rover: Rover,
  sol: number,
  options: { maxPages?: number; tally?: RequestTally } = {},
): Promise<SourceBatch> {
  const pages = await collectPages({
    firstPage: 1,
    maxPages: options.maxPages ?? DEFAULT_MAX_PAGES,
    what: `${rover} photos of sol ${sol}`,
    idOf: recordId,
    fetchPage: async (page) => {
      const url = photosUrl(target, rover, sol, page);
      const response = await http.getJson(url, PhotosResponseSchema, { tally: options.tally });
      // A server that ignores `page` answers everything at once: more than a page means done.
      return { url: redactUrl(url), items: response.photos, last: response.photos.length !== PHOTOS_PAGE_SIZE };
    },
  });
  return mergeBatches(
    pages.map((page) => {
      const { good, bad } = checkRecords(page.items, page.url, ClassicPhotoSchema, (photo) => {
        if (photo.sol !== sol) return `sol ${photo.sol} is not the requested sol ${sol}`;
        if (photo.rover.name.toLowerCase() !== rover) return `rover ${photo.rover.name} is not the requested ${rover}`;
        return undefined;
      });
      return { records: good, requests: [page.url], quarantine: bad };
    }),
  );
}
