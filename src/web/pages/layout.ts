import { html, raw, type SafeHtml } from '../html.ts';

/** Inline styles: the gallery loads nothing from outside this server. */
const styles = raw(`
:root { color-scheme: dark; --bg:#17110e; --panel:#231a15; --line:#3b2c23; --text:#efe4da; --muted:#b39e8e; --accent:#e0703a; --ok:#7cc47f; --bad:#e8685a; }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; background:var(--bg); color:var(--text); }
header { padding:14px 28px; border-bottom:1px solid var(--line); display:flex; align-items:baseline; gap:18px; }
header h1 { margin:0; font-size:20px; letter-spacing:.02em; }
header a { color:var(--text); text-decoration:none; }
header span { color:var(--muted); font-size:13px; }
header nav { margin-left:auto; display:flex; gap:16px; font-size:14px; }
main { padding:20px 28px 40px; max-width:1280px; }
h2 { font-size:17px; margin:26px 0 10px; }
a { color:var(--accent); }
.muted { color:var(--muted); }
.grid { display:grid; grid-template-columns:repeat(auto-fill, minmax(270px, 1fr)); gap:16px; }
.card { background:var(--panel); border:1px solid var(--line); border-radius:8px; overflow:hidden; }
.card a.poster { display:block; aspect-ratio:4/3; background:#000; }
.card img { width:100%; height:100%; object-fit:cover; display:block; }
.card .body { padding:10px 12px; font-size:13px; }
.card .title { font-weight:600; font-size:14px; }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; border:1px solid var(--line); }
.badge.completed { color:var(--ok); border-color:var(--ok); }
.badge.failed { color:var(--bad); border-color:var(--bad); }
.badge.running, .badge.accepted, .badge.progress { color:var(--accent); border-color:var(--accent); }
.badge.view { color:var(--muted); margin-right:4px; }
.views { display:flex; gap:6px; margin-top:8px; }
.views button { background:var(--panel); color:var(--text); border:1px solid var(--line); font-weight:500; }
.views button.active { background:var(--accent); color:#1a0f08; border-color:var(--accent); }
form.request label.check { flex-direction:row; align-items:center; gap:6px; }
form.request label.check input { width:auto; }
form.request { background:var(--panel); border:1px solid var(--line); border-radius:8px; padding:14px; display:flex; flex-wrap:wrap; gap:12px; align-items:end; }
form.request label { display:flex; flex-direction:column; font-size:12px; color:var(--muted); gap:4px; }
form.request input, form.request select { background:#120d0a; color:var(--text); border:1px solid var(--line); border-radius:5px; padding:6px 8px; font-size:14px; width:150px; }
form.request input.small { width:80px; }
button { background:var(--accent); color:#1a0f08; border:0; border-radius:5px; padding:8px 16px; font-weight:600; cursor:pointer; }
.progress { margin-top:12px; display:none; }
.progress.visible { display:block; }
.bar { height:10px; background:#120d0a; border:1px solid var(--line); border-radius:6px; overflow:hidden; margin-top:6px; }
.bar > div { height:100%; width:0; background:var(--accent); transition:width .3s; }
.layout { display:grid; grid-template-columns:minmax(0, 2fr) minmax(280px, 1fr); gap:22px; align-items:start; }
video { width:100%; background:#000; border-radius:8px; display:block; }
dl.facts { display:grid; grid-template-columns:auto 1fr; gap:4px 14px; margin:0; font-size:14px; }
dl.facts dt { color:var(--muted); }
dl.facts dd { margin:0; }
table { border-collapse:collapse; width:100%; font-size:13px; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); vertical-align:top; }
th { color:var(--muted); font-weight:500; }
td.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.rejected td { color:var(--bad); }
img.contact { max-width:100%; border-radius:6px; display:block; }
svg.map { width:100%; height:auto; background:#120d0a; border:1px solid var(--line); border-radius:8px; }
.note { font-size:12px; color:var(--muted); margin-top:6px; }
.error { color:var(--bad); }
.derived { color:#e8c36a; font-size:12px; margin-top:4px; }
.derived.notice { border:1px solid #6b5a2a; background:#241d0f; border-radius:6px; padding:8px 12px; font-size:13px; margin:0 0 14px; }
@media (max-width: 900px) { .layout { grid-template-columns:1fr; } }
`);

export function page(title: string, body: SafeHtml, script?: SafeHtml): string {
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${styles}</style>
</head>
<body>
<header><h1><a href="/">Mars timelapses</a></h1><span>NASA rover imagery, frame by frame, traced to its source</span><nav><a href="/">Timelapses</a><a href="/pipeline">Pipeline</a></nav></header>
<main>${body}</main>
${script ? html`<script>${script}</script>` : ''}
</body>
</html>`}`;
}
