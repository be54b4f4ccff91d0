import type { FrameRow, RunRow, TraverseSegment } from '../gallery-data.ts';
import { html, raw, type SafeHtml } from '../html.ts';
import { isServableKey, mediaPath } from '../media-route.ts';
import { derivedNotice } from './derived-label.ts';
import { page } from './layout.ts';
import { runVideos, type RunVideo } from './run-videos.ts';
import { traverseMap } from './traverse-map.ts';

/** Metrics shown as columns, in this order, when the frames carry them. */
const METRIC_ORDER = ['sharpness', 'entropy', 'brightness', 'meanBrightness', 'width', 'height', 'duplicateDistance'];

function metricColumns(frames: FrameRow[]): string[] {
  const seen = new Set<string>();
  for (const frame of frames) {
    for (const [key, value] of Object.entries(frame.metrics)) if (typeof value === 'number') seen.add(key);
  }
  const ordered = METRIC_ORDER.filter((k) => seen.has(k));
  return [...ordered, ...[...seen].filter((k) => !ordered.includes(k)).sort()].slice(0, 8);
}

function formatMetric(value: unknown): string {
  if (typeof value !== 'number') return '';
  return Number.isInteger(value) ? String(value) : value.toFixed(value >= 100 ? 0 : 2);
}

/** Links to a frame's origins: NASA's URL (only if http(s)) and the cached copy in our store. */
function originLinks(frame: FrameRow): SafeHtml {
  const source = frame.source_url && /^https?:\/\//i.test(frame.source_url) ? frame.source_url : null;
  const cached = frame.object_key && isServableKey(frame.object_key) ? mediaPath(frame.object_key) : null;
  return html`${source ? html`<a href="${source}" rel="noreferrer">original</a>` : ''}${source && cached ? ' · ' : ''}${cached ? html`<a href="${cached}">cached copy</a>` : ''}`;
}

const VIEW_LABELS: Record<RunVideo['view'], string> = { normal: 'Normal', stabilised: 'Stabilised', motion: 'Motion' };

/** Switches the player between the run's videos, keeping the time and whether it plays. */
const viewToggleScript = raw(`
(() => {
  const player = document.getElementById('player');
  const download = document.getElementById('download');
  const buttons = document.querySelectorAll('#views button');
  for (const button of buttons) {
    button.addEventListener('click', () => {
      if (button.classList.contains('active')) return;
      const time = player.currentTime;
      const playing = !player.paused;
      if (button.dataset.poster) player.poster = button.dataset.poster; else player.removeAttribute('poster');
      player.src = button.dataset.src;
      download.href = button.dataset.src;
      player.addEventListener('loadedmetadata', () => {
        player.currentTime = Math.min(time, player.duration || time);
        if (playing) player.play().catch(() => undefined);
      }, { once: true });
      player.load();
      for (const other of buttons) {
        other.classList.toggle('active', other === button);
        other.setAttribute('aria-pressed', String(other === button));
      }
    });
  }
})();
`);

/** The stabilisation's corrections and the motion view's settings, as the facts list shows them. */
function viewFacts(run: RunRow): SafeHtml {
  const stabilisation = run.view_parameters.stabilisation as { meanCorrection?: number; maxCorrection?: number; zoom?: number } | undefined;
  const motion = run.view_parameters.motion as { window?: number; layout?: string; alignedFirst?: boolean } | undefined;
  return html`${stabilisation
    ? html`<dt>stabilisation</dt><dd id="stabilisation">mean correction ${formatMetric(stabilisation.meanCorrection)} px, largest ${formatMetric(stabilisation.maxCorrection)} px, zoom ${formatMetric(stabilisation.zoom)}</dd>`
    : ''}${motion ? html`<dt>motion view</dt><dd>median of ${String(motion.window ?? '')} frames, ${motion.layout ?? ''}${motion.alignedFirst ? ', aligned first' : ''}</dd>` : ''}`;
}

export function runPage(input: { run: RunRow; frames: FrameRow[]; traverse: TraverseSegment[] }): string {
  const { run, frames } = input;
  const columns = metricColumns(frames);
  const accepted = frames.filter((f) => f.accepted).length;
  const title = `${run.rover_name} ${run.camera_name} sols ${run.sol_start}-${run.sol_end}`;
  const videos = runVideos(run);
  const first = videos[0];
  const rows = frames.map(
    (frame) => html`<tr class="${frame.accepted ? 'accepted' : 'rejected'}">
  <td class="num">${frame.candidate_index}</td>
  <td><code>${frame.image_id}</code></td>
  <td class="num">${frame.frame_index ?? '–'}</td>
  <td>${frame.accepted ? 'used' : html`rejected: ${frame.reason ?? 'no reason recorded'}`}${frame.detail ? html`<div class="note">${frame.detail}</div>` : ''}</td>
  ${columns.map((c) => html`<td class="num">${formatMetric(frame.metrics[c])}</td>`)}
  <td>${originLinks(frame)}</td>
</tr>`,
  );
  const parameters = Object.entries(run.parameters).filter(([, v]) => v !== null && typeof v !== 'object');
  const body = html`
<h2>${title}</h2>
${derivedNotice(run)}
<div class="layout">
  <section>
    ${first
      ? html`<video id="player" controls preload="metadata" playsinline ${first.poster ? html`poster="${first.poster}"` : ''} src="${first.src}"></video>
${videos.length > 1
  ? html`<div class="views" id="views" role="group" aria-label="Which video">${videos.map(
      (v, i) => html`<button type="button" class="view${i === 0 ? ' active' : ''}" aria-pressed="${String(i === 0)}" data-view="${v.view}" data-src="${v.src}" data-poster="${v.poster ?? ''}">${VIEW_LABELS[v.view]}</button>`,
    )}</div>`
  : ''}
<p class="note"><a id="download" href="${first.src}" download>Download the video</a>${run.manifest_key && isServableKey(run.manifest_key) ? html` · <a href="${mediaPath(run.manifest_key)}">run manifest (JSON)</a>` : ''}</p>`
      : html`<p class="muted">No video${run.status === 'failed' ? ': the run failed.' : ' yet.'}</p>`}
  </section>
  <aside>
    <dl class="facts">
      <dt>status</dt><dd><span class="badge ${run.status}">${run.status}</span></dd>
      ${run.error ? html`<dt>reason</dt><dd class="error">${run.error}</dd>` : ''}
      <dt>rover</dt><dd>${run.rover_name}</dd>
      <dt>camera</dt><dd>${run.camera_name}</dd>
      <dt>sols</dt><dd>${run.sol_start}–${run.sol_end}</dd>
      <dt>frames</dt><dd>${accepted} used, ${frames.length - accepted} rejected, of ${frames.length} candidates</dd>
      ${run.duration_seconds !== null ? html`<dt>duration</dt><dd>${run.duration_seconds.toFixed(1)} s</dd>` : ''}
      ${viewFacts(run)}
      ${parameters.map(([k, v]) => html`<dt>${k}</dt><dd>${String(v)}</dd>`)}
      <dt>request</dt><dd><code>${run.request_id}</code></dd>
      ${run.started_at ? html`<dt>started</dt><dd>${run.started_at}</dd>` : ''}
      ${run.finished_at ? html`<dt>finished</dt><dd>${run.finished_at}</dd>` : ''}
    </dl>
    <h2>Traverse</h2>
    ${traverseMap(input.traverse, { solStart: run.sol_start, solEnd: run.sol_end })}
    <p class="note">NASA MMGIS traverse; the run's sols in orange.</p>
  </aside>
</div>
${run.contact_key && isServableKey(run.contact_key) ? html`<h2>Contact sheet</h2><img class="contact" src="${mediaPath(run.contact_key)}" alt="Contact sheet of the frames used">` : ''}
<h2>Frames</h2>
<table id="frames">
<thead><tr><th>#</th><th>image</th><th>frame</th><th>decision</th>${columns.map((c) => html`<th>${c}</th>`)}<th>source</th></tr></thead>
<tbody>${rows}</tbody>
</table>
`;
  return page(title, body, videos.length > 1 ? viewToggleScript : undefined);
}
