import type { DeadLetterRow } from '../../warehouse/ops/ops-store.ts';
import type { Row } from '../../warehouse/warehouse.ts';
import { html, raw, type SafeHtml } from '../html.ts';
import type { PipelineView, Section } from '../pipeline-data.ts';
import { page } from './layout.ts';

/** A warehouse timestamp (UTC, no zone) as milliseconds. */
function instant(text: string): number {
  return Date.parse(`${text.replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? '' : 'Z'}`);
}

export function age(text: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - instant(text)) / 1000));
  if (!Number.isFinite(seconds)) return '';
  if (seconds < 90) return `${seconds} s`;
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`;
  return `${Math.round(seconds / 86400)} d`;
}

const cell = (value: unknown) => (value === null || value === undefined ? '' : typeof value === 'number' && !Number.isInteger(value) ? value.toFixed(1) : String(value));

/** A plain table of rows with the given columns, or why there are none. */
function table<T extends Row>(rows: Section<T>, columns: string[], empty: string, numeric: string[] = []): SafeHtml {
  if (rows.error) return html`<p class="muted">Not available yet: ${rows.error}</p>`;
  if (rows.rows.length === 0) return html`<p class="muted">${empty}</p>`;
  return html`<table><thead><tr>${columns.map((c) => html`<th>${c.replace(/_/g, ' ')}</th>`)}</tr></thead><tbody>${rows.rows.map(
    (row) => html`<tr>${columns.map((c) => html`<td${raw(numeric.includes(c) ? ' class="num"' : '')}>${cell(row[c])}</td>`)}</tr>`,
  )}</tbody></table>`;
}

function deadLetters(section: Section<DeadLetterRow>, now: number): SafeHtml {
  if (section.error) return html`<p class="muted">Not available yet: ${section.error}</p>`;
  if (section.rows.length === 0) return html`<p class="muted">No dead letters.</p>`;
  return html`<table><thead><tr><th>reason</th><th>topic</th><th>age</th><th>detail</th><th>message</th><th>consumer</th><th></th></tr></thead><tbody>${section.rows.map(
    (letter) => html`<tr class="letter" data-letter-id="${letter.letterId}">
  <td>${letter.reason}</td><td><code>${letter.topic}</code></td><td class="num">${age(letter.deadLetteredAt, now)}</td>
  <td>${letter.detail}</td><td><code>${(letter.value ?? '').slice(0, 160)}</code></td><td>${letter.consumer}</td>
  <td>${letter.replayedAt
      ? html`<span class="muted replayed">replayed ${age(letter.replayedAt, now)} ago</span>`
      : html`<button type="button" data-replay="${letter.letterId}">Replay</button>`}</td>
</tr>`,
  )}</tbody></table>`;
}

function planning(section: Section<Row>): SafeHtml {
  if (section.error) return html`<p class="muted">Not available yet: ${section.error}</p>`;
  if (section.rows.length === 0) return html`<p class="muted">No gaps: every manifest sol has its photos.</p>`;
  return html`<table><thead><tr><th>rover</th><th>sols</th><th>missing photos</th><th>reason</th><th></th></tr></thead><tbody>${section.rows.map(
    (row) => html`<tr class="gap"><td>${row.rover_name}</td><td>${row.sol_start}–${row.sol_end}</td><td class="num">${row.missing_photos}</td><td>${row.reason}</td>
  <td><button type="button" data-backfill-rover="${row.rover_name}" data-backfill-sol="${row.sol_start}" data-backfill-end="${row.sol_end}">Schedule a backfill batch</button></td></tr>`,
  )}</tbody></table>`;
}

/** The sections alone: what the page swaps in when the server says something changed. */
export function pipelineSections(view: PipelineView, now = Date.now()): SafeHtml {
  return html`
<section id="ingest-runs"><h2>Ingestion runs</h2>
${table(view.ingestRuns, ['source', 'rover_name', 'sol_start', 'sol_end', 'status', 'attempt', 'requests', 'records', 'quarantined', 'retries', 'rate_limit_waits', 'objects', 'error', 'finished_at'], 'No ingest job has run yet.', ['requests', 'records', 'quarantined', 'retries', 'rate_limit_waits', 'objects'])}
</section>
<section id="ledger"><h2>Loader ledger</h2>
${table(view.ledgerCounts, ['status', 'objects', 'records'], 'Nothing loaded yet.', ['objects', 'records'])}
${table(view.ledger, ['object_key', 'status', 'reason', 'record_count', 'loaded_at'], '', ['record_count'])}
</section>
<section id="builds"><h2>Model runs and data tests</h2>
${table(view.builds, ['started_at', 'objects_loaded', 'objects_refused', 'tests_passed', 'tests_warned', 'tests_failed', 'ms'], 'No build yet.', ['objects_loaded', 'objects_refused', 'tests_passed', 'tests_warned', 'tests_failed', 'ms'])}
<h3>Models of the latest build</h3>
${table(view.modelRuns, ['model', 'materialized', 'row_count', 'merged', 'ms'], 'No build yet.', ['row_count', 'merged', 'ms'])}
<h3>Warnings and failures over the last builds</h3>
${table(view.testHistory, ['started_at', 'test_name', 'severity', 'status', 'failures'], 'Every data test passed in the last builds.', ['failures'])}
</section>
<section id="planning"><h2>Gap plan</h2>
${planning(view.planning)}
</section>
<section id="anomalies"><h2>Anomalies</h2>
${table(view.anomalyCounts, ['kind', 'findings'], 'No anomalies found.', ['findings'])}
${table(view.anomalies, ['kind', 'rover_name', 'sol', 'camera_name', 'expected', 'observed', 'detail'], '', ['sol', 'expected', 'observed'])}
</section>
<section id="dead-letters"><h2>Dead letters</h2>
${deadLetters(view.deadLetters, now)}
</section>`;
}

export function pipelinePage(view: PipelineView, now = Date.now()): string {
  const body = html`<h2>Pipeline</h2>
<p class="muted">What ran, what failed, what is missing and what looks wrong. This page follows the pipeline as it runs. <span id="action-status" role="status"></span></p>
<div id="pipeline">${pipelineSections(view, now)}</div>`;
  return page('Pipeline · Mars timelapses', body, pipelineScript());
}

/**
 * Refreshes the sections when the server's event stream says something changed, and sends the
 * replay and backfill buttons' requests as JSON. Messages are set with textContent only.
 */
function pipelineScript(): SafeHtml {
  return raw(`
(() => {
  const status = document.getElementById('action-status');
  const holder = document.getElementById('pipeline');
  const refresh = async () => {
    const response = await fetch('/pipeline?part=sections', { headers: { accept: 'text/html' } });
    if (response.ok) holder.innerHTML = await response.text();
  };
  const post = async (url, body) => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await response.json().catch(() => ({}));
    status.textContent = answer.message || answer.error || ('HTTP ' + response.status);
    status.className = response.ok ? 'ok' : 'error';
    await refresh();
  };
  document.addEventListener('click', (event) => {
    const button = event.target.closest('button');
    if (!button) return;
    if (button.dataset.replay) {
      button.disabled = true;
      post('/api/dead-letters/replay', { letterId: button.dataset.replay });
    } else if (button.dataset.backfillRover) {
      button.disabled = true;
      post('/api/pipeline/backfill', { rover: button.dataset.backfillRover, solStart: Number(button.dataset.backfillSol), solEnd: Number(button.dataset.backfillEnd) });
    }
  });
  const events = new EventSource('/pipeline/events');
  events.onmessage = () => refresh();
})();
`);
}
