import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStore } from '../../platform/object-store/object-store.ts';
import type { FrameCandidate } from '../../timelapse/frame-candidate.ts';
import type { ImageAsset } from '../../timelapse/lineage-records.ts';
import { keySegment, originalKey } from '../../timelapse/object-keys.ts';
import type { ImageHeader } from '../dominant-size.ts';
import type { RejectReason } from '../quality-judge.ts';
import { DownloadRefused, downloadImage, type DownloadLimits } from '../safe-download.ts';
import type { ImageAssetRecorder } from './lineage-recorder.ts';

export type LocalOriginal =
  | { ok: true; localPath: string; objectKey: string; sha256: string; bytes: number; downloaded: boolean }
  | { ok: false; reason: RejectReason; detail: string };

export interface OriginalsDeps {
  store: ObjectStore;
  lineage: ImageAssetRecorder;
  limits: DownloadLimits;
  /** Folder for this run's local copies. */
  dir: string;
  signal?: AbortSignal;
  /** Downloads and cache reads at once. Default 6. */
  concurrency?: number;
  onDone?: (done: number, total: number) => void;
}

/** The originals of a selection as they arrive. */
export interface Originals {
  /** One per candidate, in order: settles once that original is local, or refused. */
  readonly each: ReadonlyArray<Promise<LocalOriginal>>;
  /**
   * Size and format of every candidate's original as the cache recorded them, known before
   * any byte is fetched; null unless the cache knows every candidate with its size.
   */
  readonly recorded: ReadonlyArray<ImageHeader> | null;
  /** Every original, once all are local. */
  all(): Promise<LocalOriginal[]>;
  /** Fetches nothing more; resolves once the fetches under way have ended. */
  stop(): Promise<void>;
}

const FORMAT_OF: Record<string, string> = { 'image/jpeg': 'jpeg', 'image/png': 'png', 'image/gif': 'gif', 'image/webp': 'webp', 'image/tiff': 'tiff' };

/** What IMAGE_ASSETS says of the originals, when it knows each one's size and type. */
function recordedHeaders(candidates: readonly FrameCandidate[], assets: ReadonlyMap<string, ImageAsset>): ImageHeader[] | null {
  const headers: ImageHeader[] = [];
  for (const candidate of candidates) {
    const asset = assets.get(candidate.imageId);
    const format = asset && FORMAT_OF[asset.contentType];
    if (!asset?.width || !asset.height || !format) return null;
    headers.push({ width: asset.width, height: asset.height, format });
  }
  return headers;
}

/**
 * Brings every candidate's original to a local file, in order and a few at a time, while the
 * caller goes on with the ones already there: from the object-store cache when
 * MARS_LINEAGE.IMAGE_ASSETS knows it and the object is there, else by a safe download that
 * is cached and recorded. A refused download becomes that frame's rejection; a failing store
 * or warehouse fails that original and every one after it (the render is worth retrying).
 */
export async function fetchOriginals(candidates: readonly FrameCandidate[], deps: OriginalsDeps): Promise<Originals> {
  const assets = await deps.lineage.findImageAssets([...new Set(candidates.map((c) => c.imageId))]);
  const settle = candidates.map(() => {
    let resolve!: (original: LocalOriginal) => void;
    let reject!: (error: unknown) => void;
    const promise = new Promise<LocalOriginal>((res, rej) => ([resolve, reject] = [res, rej]));
    // Observed by whoever awaits it; never an unhandled rejection before then.
    promise.catch(() => undefined);
    return { promise, resolve, reject };
  });
  let next = 0;
  let done = 0;

  const one = async (index: number): Promise<LocalOriginal> => {
    const candidate = candidates[index]!;
    const base = path.join(deps.dir, `${String(index).padStart(6, '0')}-${keySegment(candidate.imageId)}`);
    const asset = assets.get(candidate.imageId);
    if (asset) {
      const localPath = `${base}${path.extname(asset.objectKey)}`;
      // Where the store's objects are files here (the embedded store), a second name for the
      // file rather than a copy of it: originals are written once under their image's key, and
      // the encoder takes the bytes the judge read, not the file again.
      if (await deps.store.getToFile(asset.objectKey, localPath, { link: true })) {
        return { ok: true, localPath, objectKey: asset.objectKey, sha256: asset.sha256, bytes: asset.bytes, downloaded: false };
      }
    }
    let image;
    try {
      image = await downloadImage(candidate.imgSrc, deps.limits, deps.signal);
    } catch (error) {
      if (error instanceof DownloadRefused) return { ok: false, reason: error.reason, detail: error.message };
      throw error;
    }
    const objectKey = originalKey(candidate, image.type.ext);
    const sha256 = createHash('sha256').update(image.body).digest('hex');
    // One PUT of a complete buffer is atomic in S3: no reader sees a partial original.
    await deps.store.putBuffer(objectKey, image.body, image.type.contentType);
    await deps.lineage.recordImageAsset({
      imageId: candidate.imageId,
      roverName: candidate.rover,
      cameraName: candidate.camera,
      sol: candidate.sol,
      sourceUrl: candidate.imgSrc,
      objectKey,
      sha256,
      bytes: image.body.length,
      contentType: image.type.contentType,
      width: image.width,
      height: image.height,
      fetchedAt: new Date().toISOString(),
    });
    const localPath = `${base}.${image.type.ext}`;
    await writeFile(localPath, image.body);
    return { ok: true, localPath, objectKey, sha256, bytes: image.body.length, downloaded: true };
  };

  const worker = async () => {
    while (next < candidates.length) {
      const index = next++;
      try {
        deps.signal?.throwIfAborted();
        settle[index]!.resolve(await one(index));
      } catch (error) {
        // Nothing after a failure is fetched, and nobody waits for it.
        for (const rest of settle.slice(index)) rest.reject(error);
        next = candidates.length;
        return;
      }
      deps.onDone?.(++done, candidates.length);
    }
  };
  const workers = Array.from({ length: Math.min(deps.concurrency ?? 6, candidates.length) }, worker);
  const each = settle.map((s) => s.promise);
  return {
    each,
    recorded: recordedHeaders(candidates, assets),
    all: () => Promise.all(each),
    stop: async () => {
      next = candidates.length;
      await Promise.all(workers);
    },
  };
}
