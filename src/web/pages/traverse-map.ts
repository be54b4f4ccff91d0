import type { TraverseSegment } from '../gallery-data.ts';
import { html, raw, type SafeHtml } from '../html.ts';

const WIDTH = 480;
const HEIGHT = 320;
const PAD = 18;

/**
 * The rover's drive as an inline SVG (no map tiles: nothing is fetched from outside). Longitude
 * is scaled by cos(latitude) so distances look right; the run's sols are drawn bright, the sols
 * around them dim, and the drive's last point is marked.
 */
export function traverseMap(segments: TraverseSegment[], highlight: { solStart: number; solEnd: number }): SafeHtml {
  const all = segments.flatMap((s) => s.points);
  if (all.length === 0) return html`<p class="muted">No traverse data for these sols.</p>`;
  const meanLat = all.reduce((sum, [, lat]) => sum + lat, 0) / all.length;
  const kx = Math.cos((meanLat * Math.PI) / 180);
  const xs = all.map(([lon]) => lon * kx);
  const ys = all.map(([, lat]) => lat);
  const [minX, maxX, minY, maxY] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const scale = Math.min((WIDTH - 2 * PAD) / (maxX - minX || 1e-9), (HEIGHT - 2 * PAD) / (maxY - minY || 1e-9));
  const offsetX = (WIDTH - (maxX - minX) * scale) / 2;
  const offsetY = (HEIGHT - (maxY - minY) * scale) / 2;
  const project = ([lon, lat]: [number, number]): [number, number] => [
    offsetX + (lon * kx - minX) * scale,
    HEIGHT - (offsetY + (lat - minY) * scale),
  ];
  const fmt = (n: number) => n.toFixed(1);

  const paths = segments.map((segment) => {
    const inRun = segment.sol !== null && segment.sol >= highlight.solStart && segment.sol <= highlight.solEnd;
    const d = segment.points.map((p, i) => `${i === 0 ? 'M' : 'L'}${fmt(project(p)[0])} ${fmt(project(p)[1])}`).join(' ');
    const stroke = inRun ? '#e0703a' : '#6b5546';
    const width = inRun ? 3 : 1.5;
    return html`<path d="${d}" fill="none" stroke="${stroke}" stroke-width="${width}" stroke-linejoin="round" stroke-linecap="round"><title>sol ${segment.sol ?? 'unknown'}</title></path>`;
  });
  const last = segments.at(-1)?.points.at(-1);
  const marker = last ? html`<circle cx="${fmt(project(last)[0])}" cy="${fmt(project(last)[1])}" r="4" fill="#efe4da"/>` : '';
  // A scale bar: metres per degree of latitude on Mars (radius 3389.5 km).
  const metresPerUnit = (Math.PI * 3_389_500) / 180;
  const barMetres = niceLength(((WIDTH - 2 * PAD) / scale) * metresPerUnit * 0.25);
  const barPx = (barMetres / metresPerUnit) * scale;
  return html`<svg class="map" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Rover traverse map">
${paths}${marker}
<line x1="${PAD}" y1="${HEIGHT - PAD}" x2="${fmt(PAD + barPx)}" y2="${HEIGHT - PAD}" stroke="#efe4da" stroke-width="2"/>
<text x="${PAD}" y="${HEIGHT - PAD - 6}" fill="#b39e8e" font-size="11">${raw(String(barMetres))} m</text>
</svg>`;
}

function niceLength(metres: number): number {
  const power = 10 ** Math.floor(Math.log10(Math.max(metres, 1)));
  const step = [1, 2, 5, 10].find((s) => s * power >= metres) ?? 10;
  return step * power;
}
