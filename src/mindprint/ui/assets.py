"""The dashboard's one stylesheet and one small script, served from this module (no
CDN, no build step; the CSP allows only these same-origin files)."""

from __future__ import annotations

CSS = """
:root { --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --accent: #1f6feb; --bg: #f6f8fa; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); }
header { display: flex; gap: 24px; align-items: center; padding: 10px 24px;
  border-bottom: 1px solid var(--line); background: var(--bg); flex-wrap: wrap; }
.brand { font-weight: 700; font-size: 18px; }
.who { color: var(--muted); }
nav { display: flex; gap: 4px; flex-wrap: wrap; }
nav a { padding: 4px 10px; border-radius: 6px; color: var(--fg); text-decoration: none; }
nav a.active { background: var(--accent); color: #fff; }
main { max-width: 1100px; margin: 0 auto; padding: 8px 24px 48px; }
h1 { font-size: 24px; margin: 16px 0 8px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 16px; margin: 0 0 6px; }
.lead, .meta, .members, .ctx, .hint { color: var(--muted); }
.hint { font-size: 13px; }
.meta { font-weight: normal; font-size: 13px; margin-left: 6px; }
.answer { float: right; font-weight: 700; }
.sentence { font-size: 20px; font-weight: 600; margin: 12px 0; }
.notice { margin: 0; padding: 8px 24px; background: #dafbe1; border-bottom: 1px solid #aceebb; }
.notice.error { background: #ffebe9; }
article { border: 1px solid var(--line); border-radius: 8px; padding: 12px 16px; margin: 10px 0; }
.factor dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 6px 0; }
.factor dt { color: var(--muted); }
.factor dd { margin: 0; }
.evidence { margin: 4px 0; }
.effect { font-variant-numeric: tabular-nums; }
.effect.up { color: #1a7f37; } .effect.down { color: #cf222e; } .effect.clear { font-weight: 700; }
.tag { font-size: 12px; border: 1px solid var(--line); border-radius: 10px; padding: 0 6px;
  margin-left: 8px; color: var(--muted); font-weight: normal; }
.tag.pinned { background: #fff8c5; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; }
th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg); }
svg { max-width: 100%; height: auto; }
svg .tick { font-size: 11px; fill: var(--muted); }
svg .axis { font-size: 12px; fill: var(--fg); }
svg .axisline, svg .zero { stroke: #8c959f; stroke-width: 1; }
svg .zero { stroke-dasharray: 4 3; }
del { background: #ffebe9; color: #82071e; }
ins { background: #dafbe1; color: #116329; text-decoration: none; }
.search { display: flex; gap: 8px; margin: 8px 0; }
.search input[type=search] { flex: 1; }
input, select, button, textarea { font: inherit; padding: 4px 8px; }
button { cursor: pointer; border: 1px solid var(--line); border-radius: 6px; background: #fff; }
button.danger { border-color: #cf222e; color: #cf222e; }
.controls form { display: inline; margin-right: 4px; }
.pager a { margin-right: 12px; }
code { background: var(--bg); padding: 1px 4px; border-radius: 4px; }
.preference h3 { font-size: 17px; }
.preference .stance { color: var(--accent); font-weight: 700; }
.preference dl { display: grid; grid-template-columns: repeat(4, max-content minmax(0, 1fr));
  gap: 2px 12px; margin: 6px 0; }
.preference dt { color: var(--muted); }
.preference dd { margin: 0; }
.preference .controls { display: flex; gap: 6px; align-items: baseline; flex-wrap: wrap; }
.preference .superseded { border-left: 3px solid var(--line); padding-left: 10px; margin: 6px 0;
  color: var(--muted); }
.said, .preference .members { color: var(--muted); margin: 2px 0; font-size: 13px; }
"""

# Asks before a form marked data-confirm is sent; the server checks every write anyway
# (CSRF token, typed confirmation), so this is convenience, not protection.
JS = """
document.addEventListener("submit", function (ev) {
  var msg = ev.target.getAttribute("data-confirm");
  if (msg && !window.confirm(msg)) { ev.preventDefault(); }
});
"""
