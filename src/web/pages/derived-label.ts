import { SAMPLE } from '../../timelapse/sample.ts';
import type { RunRow } from '../gallery-data.ts';
import { html, type SafeHtml } from '../html.ts';

/**
 * Whether a run is made of the offline sample's frames: the sample's selection, with frames
 * fetched from this machine (the replay server) rather than NASA's hosts. Those frames are
 * derived from a real image, and every page that shows them says so.
 */
export function isDerivedSample(run: RunRow): boolean {
  return (
    run.local_frames > 0 &&
    run.rover_name === SAMPLE.rover &&
    run.camera_name === SAMPLE.camera &&
    run.sol_start >= SAMPLE.solStart &&
    run.sol_end <= SAMPLE.solEnd
  );
}

export function derivedBadge(run: RunRow): SafeHtml | '' {
  return isDerivedSample(run) ? html`<div class="derived">offline sample: derived frames</div>` : '';
}

export function derivedNotice(run: RunRow): SafeHtml | '' {
  return isDerivedSample(run)
    ? html`<p class="derived notice">These are the offline sample's frames: derived from one real Perseverance Navcam image
(panned and cropped, with a brightness drift and two frames degraded on purpose), not NASA's images of sol ${SAMPLE.solStart}.
The metadata is NASA's. See <code>sample/README.md</code>.</p>`
    : '';
}
