import type { ImageAsset, RenderFrameRecord, RenderRunRecord } from '../../timelapse/lineage-records.ts';

/** Where the originals' cache is looked up and every download recorded. */
export interface ImageAssetRecorder {
  findImageAssets(imageIds: readonly string[]): Promise<Map<string, ImageAsset>>;
  recordImageAsset(asset: ImageAsset): Promise<void>;
}

/**
 * Everything a render reads and writes about itself: its run, its frame decisions and the
 * originals it caches. The warehouse's `LineageStore` is one; whoever owns the warehouse makes
 * its schema exist before a render starts.
 */
export interface LineageRecorder extends ImageAssetRecorder {
  getRun(requestId: string): Promise<RenderRunRecord | null>;
  getFrames(requestId: string): Promise<RenderFrameRecord[]>;
  /** Writes the run, and with `frames` replaces the run's frame records, at once. */
  saveRun(run: RenderRunRecord, frames?: readonly RenderFrameRecord[]): Promise<void>;
}
