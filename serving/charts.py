"""Bar charts as inline SVG for the reports: no plotting library, text in the page's CJK font,
so the browser that draws the page draws the charts with the same glyphs."""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

WIDTH, BAR, GAP, LABEL, PAD = 460, 18, 8, 110, 12


def bar_chart(
    title: str, items: Sequence[tuple[str, float | None]], font: str, decimals: int = 0
) -> str:
    """A horizontal bar per (label, value); an unknown value is drawn as "–" with no bar."""
    known = [v for _, v in items if v is not None]
    top = max([abs(v) for v in known], default=0) or 1
    span = WIDTH - LABEL - 2 * PAD - 70
    height = 40 + len(items) * (BAR + GAP) + PAD
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'font-family="{escape(font)}" font-size="13" role="img" aria-label="{escape(title)}">',
        f'<text x="{PAD}" y="22" font-size="15" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = 36 + i * (BAR + GAP)
        parts.append(
            f'<text x="{PAD + LABEL - 6}" y="{y + BAR - 5}" text-anchor="end">'
            f"{escape(str(label))}</text>"
        )
        if value is None:
            parts.append(f'<text x="{PAD + LABEL + 4}" y="{y + BAR - 5}">–</text>')
            continue
        length = max(1.0, span * abs(value) / top)
        parts.append(
            f'<rect x="{PAD + LABEL}" y="{y}" width="{length:.1f}" height="{BAR}" '
            f'fill="{"#c0392b" if value < 0 else "#2e86de"}"/>'
        )
        parts.append(
            f'<text x="{PAD + LABEL + length + 4:.1f}" y="{y + BAR - 5}">'
            f"{value:,.{decimals}f}</text>"
        )
    parts.append("</svg>")
    return "\n".join(parts)
