import { raw, type SafeHtml } from '../html.ts';

/**
 * The form's behaviour, inline: publish the command through the API, then follow the
 * request's events (Server-Sent Events) until it completes or fails. Text is set with
 * textContent only, never innerHTML.
 */
export function requestFormScript(): SafeHtml {
  return raw(`
(() => {
  const form = document.getElementById('request-form');
  if (!form) return;
  const box = document.getElementById('progress');
  const text = document.getElementById('progress-text');
  const bar = document.getElementById('progress-bar');
  const show = (message, fraction) => {
    box.classList.add('visible');
    text.textContent = message;
    if (typeof fraction === 'number') bar.style.width = Math.round(fraction * 100) + '%';
  };
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const sols = String(data.get('sols') || '').trim().split('-');
    const command = {
      rover: String(data.get('rover')),
      camera: String(data.get('camera')).trim(),
      solStart: Number(sols[0]),
      solEnd: Number(sols[1] ?? sols[0]),
    };
    const sequenceId = String(data.get('sequenceId') || '').trim();
    if (sequenceId) command.sequenceId = sequenceId;
    const fps = Number(data.get('fps'));
    if (fps) command.fps = fps;
    if (data.get('stabilise')) command.stabilise = true;
    const mode = String(data.get('mode') || 'normal');
    if (mode.startsWith('motion')) command.mode = 'motion';
    if (mode === 'motion side-by-side') command.layout = 'side-by-side';
    show('Sending the request…', 0);
    let response;
    try {
      response = await fetch('/api/timelapses', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(command) });
    } catch (error) {
      show('Could not reach the server: ' + error, 0);
      return;
    }
    const body = await response.json().catch(() => ({}));
    if (!response.ok) {
      show('Refused: ' + (body.error || response.status), 0);
      return;
    }
    const requestId = body.requestId;
    form.dataset.requestId = requestId;
    show('Request ' + requestId + ' sent', 0);
    const source = new EventSource('/api/timelapses/' + encodeURIComponent(requestId) + '/events');
    source.onmessage = (message) => {
      const e = JSON.parse(message.data);
      if (e.status === 'accepted') show('Accepted' + (e.frames !== undefined ? ': ' + e.frames + ' candidate frames' : ''), 0);
      else if (e.status === 'progress') show(e.stage + ' ' + Math.round(e.fraction * 100) + '%', e.fraction);
      else if (e.status === 'completed') {
        source.close();
        show('Completed: ' + e.framesAccepted + ' frames used, ' + e.framesRejected + ' rejected. ', 1);
        const link = document.createElement('a');
        link.href = '/runs/' + encodeURIComponent(requestId);
        link.id = 'completed-link';
        link.textContent = 'Watch it';
        text.appendChild(link);
      } else if (e.status === 'failed') {
        source.close();
        show('Failed: ' + e.reason, 0);
        box.classList.add('error');
      }
    };
  });
})();
`);
}
