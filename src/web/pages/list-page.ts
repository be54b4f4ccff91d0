import { ROVERS, type Rover } from '../../timelapse/raw-objects.ts';
import type { TimelapseEvent } from '../../timelapse/schemas.ts';
import type { RunRow, Suggestion } from '../gallery-data.ts';
import { html, raw, urlPart } from '../html.ts';
import { mediaPath } from '../media-route.ts';
import { derivedBadge } from './derived-label.ts';
import { page } from './layout.ts';
import { requestFormScript } from './request-form-script.ts';
import { runVideos } from './run-videos.ts';

export interface ListPageInput {
  runs: RunRow[];
  pending: TimelapseEvent[];
  suggestions: Suggestion[];
  /** Where each rover's photos come from (source routing), shown beside it in the form. */
  sourceRoutes: Record<Rover, string>;
}

export function listPage(input: ListPageInput): string {
  const first = input.suggestions[0];
  const cards = input.runs.map((run) => {
    const rejected = run.frames_total !== null && run.frames_accepted !== null ? run.frames_total - run.frames_accepted : null;
    const href = `/runs/${urlPart(run.request_id)}`;
    return html`<article class="card" data-request-id="${run.request_id}">
  <a class="poster" href="${href}">${run.poster_key ? html`<img src="${mediaPath(run.poster_key)}" alt="Poster of ${run.rover_name} ${run.camera_name} sols ${run.sol_start}-${run.sol_end}" loading="lazy">` : ''}</a>
  <div class="body">
    <div class="title"><a href="${href}">${run.rover_name} · ${run.camera_name}</a></div>
    <div>sols ${run.sol_start}–${run.sol_end} · <span class="badge ${run.status}">${run.status}</span></div>
    <div class="muted">${run.frames_accepted ?? '–'} frames used, ${rejected ?? '–'} rejected${run.duration_seconds !== null ? html` · ${run.duration_seconds.toFixed(1)} s` : ''}</div>
    ${run.error ? html`<div class="error">${run.error}</div>` : ''}
    <div class="videos">${runVideos(run).map((v) => html`<span class="badge view" data-view="${v.view}">${v.view}</span>`)}</div>
    ${derivedBadge(run)}
  </div>
</article>`;
  });
  const pending = input.pending.map(
    (event) => html`<li><code>${event.requestId}</code> <span class="badge ${event.status}">${event.status}</span>${event.status === 'progress' ? html` ${event.stage} ${Math.round(event.fraction * 100)}%` : ''}</li>`,
  );
  const body = html`
<h2>Request a timelapse</h2>
<form class="request" id="request-form" autocomplete="off">
  <label>Rover<select name="rover">${ROVERS.map((r) => html`<option value="${r}"${raw(first?.rover === r ? ' selected' : '')}>${r} (${input.sourceRoutes[r]})</option>`)}</select></label>
  <label>Camera<input name="camera" required list="cameras" value="${first?.camera ?? ''}" placeholder="NAVCAM_LEFT"></label>
  <datalist id="cameras">${[...new Set(input.suggestions.map((s) => s.camera))].map((c) => html`<option value="${c}">`)}</datalist>
  <label>Sols<input name="sols" required class="small" value="${first ? `${first.solStart}-${first.solEnd}` : ''}" placeholder="394-394" pattern="\\d+(-\\d+)?"></label>
  <label>Sequence<input name="sequenceId" class="small" placeholder="NCAM00545" pattern="[A-Za-z0-9_]{1,40}"></label>
  <label>Frames per second<input name="fps" class="small" type="number" min="1" max="60" value="10"></label>
  <label class="check"><input name="stabilise" type="checkbox"> Stabilise</label>
  <label>Also<select name="mode"><option value="normal">no motion view</option><option value="motion">motion view</option><option value="motion side-by-side">motion view, side by side</option></select></label>
  <button type="submit">Render</button>
</form>
<div class="progress" id="progress"><span id="progress-text"></span><div class="bar"><div id="progress-bar"></div></div></div>
${input.suggestions.length > 0 ? html`<p class="note">In the warehouse: ${input.suggestions.slice(0, 8).map((s, i) => html`${i > 0 ? ', ' : ''}${s.rover} ${s.camera}${s.eye ? ` ${s.eye}` : ''} sols ${s.solStart}–${s.solEnd}${s.sequenceId ? ` sequence ${s.sequenceId}` : ''} (${s.frames} frames)`)}</p>` : ''}
${pending.length > 0 ? html`<h2>In progress</h2><ul>${pending}</ul>` : ''}
<h2>Timelapses</h2>
${cards.length > 0 ? html`<div class="grid" id="runs">${cards}</div>` : html`<p class="muted" id="runs">No timelapse yet. Request one above.</p>`}
`;
  return page('Mars timelapses', body, requestFormScript());
}
