import sharp, { type Metadata } from 'sharp';
import { MarsError, errorMessage } from '../platform/errors.ts';
import { retry } from '../platform/retry.ts';
import { readCapped } from '../http/read-capped.ts';
import { parseRetryAfter } from '../http/retry-after.ts';
import { sniffImageType, type ImageType } from './image-type.ts';
import type { RejectReason } from './quality-judge.ts';

/** Limits on one image download; every default documented on its field. */
export interface DownloadLimits {
  /** Hosts images may come from, checked on the first URL and on every redirect. */
  allowedHosts: readonly string[];
  /** Largest body accepted. Default 50 MiB. */
  maxBytes?: number;
  /** Largest image (width x height) accepted, read from the header. Default 100 megapixels. */
  maxPixels?: number;
  /** Time for one attempt, headers and body. Default 30 s. */
  timeoutMs?: number;
  /** Redirects followed. Default 5. */
  maxRedirects?: number;
  /** Attempts for failures that may pass (network, 5xx, 429). Default 3. */
  attempts?: number;
  /** First backoff delay. Default 250 ms. */
  baseDelayMs?: number;
}

export const DOWNLOAD_DEFAULTS = {
  maxBytes: 50 * 1024 * 1024,
  maxPixels: 100_000_000,
  timeoutMs: 30_000,
  maxRedirects: 5,
  attempts: 3,
  baseDelayMs: 250,
} as const;

/** A download refused for a reason recorded against the frame; retriable ones are retried first. */
export class DownloadRefused extends MarsError {
  constructor(
    readonly reason: RejectReason,
    message: string,
    retriable = false,
    readonly retryAfterMs?: number,
  ) {
    super(message, `DOWNLOAD_${reason.toUpperCase().replace(/-/g, '_')}`, retriable);
  }
}

export interface DownloadedImage {
  body: Buffer;
  type: ImageType;
  width: number;
  height: number;
  /** Where the bytes finally came from, after redirects. */
  finalUrl: string;
}

function checkHost(url: URL, allowed: readonly string[], reason: RejectReason): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new DownloadRefused(reason, `${url.protocol} URLs are not downloaded (${url.href})`);
  }
  const host = url.hostname.toLowerCase();
  if (!allowed.some((h) => h.toLowerCase() === host)) {
    throw new DownloadRefused(reason, `host ${host} is not in DOWNLOAD_ALLOWED_HOSTS (${allowed.join(', ')})`);
  }
}

async function attemptDownload(url: string, limits: Required<DownloadLimits>, signal?: AbortSignal): Promise<DownloadedImage> {
  const timeout = AbortSignal.timeout(limits.timeoutMs);
  const combined = signal ? AbortSignal.any([signal, timeout]) : timeout;
  let current = new URL(url);
  checkHost(current, limits.allowedHosts, 'host-not-allowed');
  try {
    for (let hop = 0; ; hop++) {
      // Redirects are followed by hand so that each new host is checked before it is contacted.
      const response = await fetch(current, { redirect: 'manual', signal: combined, headers: { accept: 'image/*' } });
      if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
        await response.body?.cancel();
        if (hop >= limits.maxRedirects) throw new DownloadRefused('download-failed', `more than ${limits.maxRedirects} redirects`);
        current = new URL(response.headers.get('location')!, current);
        checkHost(current, limits.allowedHosts, 'redirect-host-not-allowed');
        continue;
      }
      if (!response.ok) {
        await response.body?.cancel();
        const transient = response.status === 429 || response.status >= 500;
        throw new DownloadRefused('http-error', `HTTP ${response.status} from ${current.host}`, transient, parseRetryAfter(response.headers.get('retry-after')));
      }
      const body = await readCapped(response, limits.maxBytes, (declared) =>
        declared === undefined
          ? new DownloadRefused('too-large', `the body passed the ${limits.maxBytes}-byte limit`)
          : new DownloadRefused('too-large', `the body declares ${declared} bytes, over the ${limits.maxBytes}-byte limit`),
      );
      const type = sniffImageType(body);
      if (!type) {
        const claimed = response.headers.get('content-type') ?? 'no content type';
        throw new DownloadRefused('not-an-image', `the body is not an image (its first bytes match no image format; the server said ${claimed})`);
      }
      // The header alone gives the size: a decompression bomb is refused before any decode.
      let meta: Metadata;
      try {
        // No libvips limit here: the header's own numbers are checked against ours just below.
        meta = await sharp(body, { limitInputPixels: false }).metadata();
      } catch (error) {
        throw new DownloadRefused('undecodable', `the ${type.format} header cannot be read: ${errorMessage(error).split('\n')[0]}`);
      }
      const width = meta.width ?? 0;
      const height = meta.height ?? 0;
      if (width * height > limits.maxPixels) {
        throw new DownloadRefused('too-many-pixels', `the image declares ${width}x${height} pixels, over the ${limits.maxPixels}-pixel limit`);
      }
      return { body, type, width, height, finalUrl: current.href };
    }
  } catch (error) {
    if (error instanceof DownloadRefused) throw error;
    if (timeout.aborted && !signal?.aborted) {
      throw new DownloadRefused('timeout', `no complete answer within ${limits.timeoutMs} ms`, true);
    }
    if (signal?.aborted) throw error;
    throw new DownloadRefused('download-failed', `network error: ${errorMessage(error)}`, true);
  }
}

/**
 * Downloads one image safely: allowed hosts only (every redirect re-checked), bytes, pixels and
 * time capped, the type judged from the bytes, transient failures retried with backoff. Throws
 * DownloadRefused with the reason to record against the frame.
 */
export async function downloadImage(url: string, limits: DownloadLimits, signal?: AbortSignal): Promise<DownloadedImage> {
  const full: Required<DownloadLimits> = { ...DOWNLOAD_DEFAULTS, ...limits };
  return retry(() => attemptDownload(url, full, signal), {
    attempts: full.attempts,
    baseDelayMs: full.baseDelayMs,
    requestedDelayMs: (error) => (error instanceof DownloadRefused ? error.retryAfterMs : undefined),
    signal,
  });
}
