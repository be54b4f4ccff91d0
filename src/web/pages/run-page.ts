import type { FrameRow, RunRow, TraverseSegment } from '../gallery-data.ts';
import { html, type SafeHtml } from '../html.ts';
import { isServableKey, mediaPath } from '../media-route.ts';
import { derivedNotice } from './derived-label.ts';
import { page } from './layout.ts';
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

export function runPage(input: { run: RunRow; frames: FrameRow[]; traverse: TraverseSegment[] }): string {
  const { run, frames } = input;
  const columns = metricColumns(frames);
  const accepted = frames.filter((f) => f.accepted).length;
  const title = `${run.rover_name} ${run.camera_name} sols ${run.sol_start}-${run.sol_end}`;
  const video = run.video_key && isServableKey(run.video_key) ? mediaPath(run.video_key) : null;
  const poster = run.poster_key && isServableKey(run.poster_key) ? mediaPath(run.poster_key) : null;
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
    ${video
      ? html`<video id="player" controls preload="metadata" playsinline ${poster ? html`poster="${poster}"` : ''} src="${video}"></video>
<p class="note"><a href="${video}" download>Download the video</a>${run.manifest_key && isServableKey(run.manifest_key) ? html` · <a href="${mediaPath(run.manifest_key)}">run manifest (JSON)</a>` : ''}</p>`
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
  return page(title, body);
}
