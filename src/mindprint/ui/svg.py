"""Plots as inline SVG, drawn on the server: no chart library, no script.

Coordinates are computed here; every text label goes through :func:`esc`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from mindprint.ui.html import Html, esc

W, H = 640, 260
PAD_L, PAD_R, PAD_T, PAD_B = 56, 16, 16, 44
MINE, EVERYONE = "#1f6feb", "#9a6700"
# An effect's colour by sign, as in the CLI and the MCP App card (views.EFFECT_LEGEND).
UP, DOWN = "#1a7f37", "#cf222e"


@dataclass(frozen=True, slots=True)
class Series:
    name: str
    color: str
    points: Sequence[tuple[int, float]]  # (x index, y)


def _scale(lo: float, hi: float, a: float, b: float, v: float) -> float:
    return a if hi == lo else a + (v - lo) * (b - a) / (hi - lo)


def line_chart(x_labels: Sequence[str], series: Sequence[Series], y_label: str,
               title: str) -> Html:
    """Lines over categorical x positions (the learning curve's bins)."""
    ys = [y for s in series for _, y in s.points]
    if not x_labels or not ys:
        return Html("")
    top = max(ys) * 1.1 or 1.0
    n = len(x_labels)

    def x(i: int) -> float:
        return _scale(0, max(1, n - 1), PAD_L + 20, W - PAD_R - 20, i)

    def y(v: float) -> float:
        return _scale(0, top, H - PAD_B, PAD_T, v)

    parts = [_axes(y_label, top, y)]
    for i, lab in enumerate(x_labels):
        parts.append(f'<text x="{x(i):.1f}" y="{H - PAD_B + 16}" text-anchor="middle" '
                     f'class="tick">{esc(lab)}</text>')
    parts.append(f'<text x="{(PAD_L + W - PAD_R) / 2:.1f}" y="{H - 6}" text-anchor="middle" '
                 'class="axis">answered items seen before the prediction</text>')
    for k, s in enumerate(series):
        pts = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in s.points)
        parts.append(f'<polyline points="{pts}" fill="none" stroke="{s.color}" stroke-width="2.5"/>')
        parts += [f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" fill="{s.color}"/>'
                  for i, v in s.points]
        parts.append(f'<rect x="{W - PAD_R - 190}" y="{PAD_T + 4 + 18 * k}" width="12" height="12" '
                     f'fill="{s.color}"/><text x="{W - PAD_R - 172}" y="{PAD_T + 14 + 18 * k}" '
                     f'class="tick">{esc(s.name)}</text>')
    return _svg(title, "".join(parts))


def interval_chart(rows: Sequence[tuple[str, float, float, float]], title: str,
                   x_label: str) -> Html:
    """One row per (name, effect, low, high): a dot and its interval around zero."""
    if not rows:
        return Html("")
    row_h = 26
    height = PAD_T + row_h * len(rows) + PAD_B
    left = 210
    lo = min(0.0, *(r[2] for r in rows))
    hi = max(0.0, *(r[3] for r in rows))
    span = (hi - lo) or 1.0
    lo, hi = lo - 0.05 * span, hi + 0.05 * span

    def x(v: float) -> float:
        return _scale(lo, hi, left, W - PAD_R, v)

    parts = [f'<line x1="{x(0):.1f}" x2="{x(0):.1f}" y1="{PAD_T}" y2="{height - PAD_B}" '
             'class="zero"/>']
    for i, (name, eff, a, b) in enumerate(rows):
        cy = PAD_T + row_h * i + row_h / 2
        label = name if len(name) <= 30 else name[:29] + "…"
        color = UP if eff >= 0 else DOWN
        parts.append(f'<text x="{left - 8}" y="{cy + 4:.1f}" text-anchor="end" class="tick">'
                     f'{esc(label)}</text>')
        parts.append(f'<line x1="{x(a):.1f}" x2="{x(b):.1f}" y1="{cy:.1f}" y2="{cy:.1f}" '
                     f'stroke="{color}" stroke-width="2"/>')
        parts.append(f'<circle cx="{x(eff):.1f}" cy="{cy:.1f}" r="4.5" fill="{color}"/>')
    for v in (lo, 0.0, hi):
        parts.append(f'<text x="{x(v):.1f}" y="{height - PAD_B + 16}" text-anchor="middle" '
                     f'class="tick">{v:+.1f}</text>')
    parts.append(f'<text x="{(left + W - PAD_R) / 2:.1f}" y="{height - 10}" text-anchor="middle" '
                 f'class="axis">{esc(x_label)}</text>')
    return _svg(title, "".join(parts), height)


def _axes(y_label: str, top: float, y: Callable[[float], float]) -> str:
    out = [f'<line x1="{PAD_L}" x2="{PAD_L}" y1="{PAD_T}" y2="{H - PAD_B}" class="axisline"/>',
           f'<line x1="{PAD_L}" x2="{W - PAD_R}" y1="{H - PAD_B}" y2="{H - PAD_B}" class="axisline"/>']
    for k in range(5):
        v = top * k / 4
        out.append(f'<text x="{PAD_L - 6}" y="{y(v) + 4:.1f}" text-anchor="end" class="tick">'
                   f"{v:.2f}</text>")
    out.append(f'<text x="14" y="{(PAD_T + H - PAD_B) / 2:.1f}" class="axis" text-anchor="middle" '
               f'transform="rotate(-90 14 {(PAD_T + H - PAD_B) / 2:.1f})">{esc(y_label)}</text>')
    return "".join(out)


def _svg(title: str, body: str, height: int = H) -> Html:
    return Html(f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {height}" '
                f'width="{W}" height="{height}" role="img" aria-label="{esc(title)}">'
                f"<title>{esc(title)}</title>{body}</svg>")
