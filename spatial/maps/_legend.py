"""Legend rows and tables of the maps (split from :mod:`spatial.maps._style`, which re-exports them):
a swatch per row drawn as the map draws that layer (a filled box at the opacity drawn, a line, a
dashed line, a round marker, a hatched box), notes, and escaped HTML tables.
"""

from __future__ import annotations

import html
import math

from spatial.core.checks import round_half_up

#: The hatch's lines over units with no homes (parks, water, road land): a neutral grey, as drawn.
HATCH = "#a6a6a6"

#: Legend swatch shapes beyond the filled box: an outline, a dashed outline, a point marker (the
#: shape drawn on the map, so that a row is told by its shape where colours print as one grey).
SWATCH_SHAPES = ("line", "dash", "point", "hatch")


def swatch_row(colour: str, label: str, *, line: bool = False, shape: str = "") -> str:
    """One legend row: a colour swatch (a filled box; ``shape`` ``"line"`` or ``line=True`` a
    line for outlines, ``"dash"`` a dashed line, ``"point"`` a round marker, ``"hatch"`` a box of
    ``colour`` hatched as the map hatches units with no homes, :data:`HATCH`) and escaped text."""
    shape = "line" if line and not shape else shape
    if shape == "hatch":
        swatch = (f'<span class="sp-swatch sp-hatch" style="background-color:{colour};background-image:'
                  f'repeating-linear-gradient(-45deg,{HATCH} 0 1.5px,transparent 1.5px 4.5px);"></span>')
    elif shape in ("line", "dash"):
        swatch = f'<span class="sp-swatch sp-{shape}" style="border-top-color:{colour};"></span>'
    elif shape == "point":
        swatch = f'<span class="sp-swatch sp-point" style="background:{colour};"></span>'
    else:
        swatch = f'<span class="sp-swatch" style="background:{colour};"></span>'
    return f"<div>{swatch}{html.escape(label)}</div>"


def faded(colour: str, opacity: float) -> str:
    """``colour`` (``#rrggbb``) at ``opacity`` as CSS ``rgba()``: a legend swatch as the fill is drawn.

    Examples
    --------
    >>> faded("#cc3399", 0.85)
    'rgba(204,51,153,0.85)'
    """
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({r},{g},{b},{opacity:g})"


def legend_html(title: str, rows: list[tuple], notes: list[str], *, synthetic: str = "") -> str:
    """Legend HTML: a title, swatch rows ``(colour, label)`` or ``(colour, label, shape)`` with a
    shape of :data:`SWATCH_SHAPES`, notes, and a synthetic-data note."""
    parts = [f"<h4>{html.escape(title)}</h4>"]
    parts += [swatch_row(r[0], r[1], shape=r[2] if len(r) > 2 else "") for r in rows]
    parts += [f'<div class="sp-note">{html.escape(n)}</div>' for n in notes]
    if synthetic:
        parts.append(f'<div class="sp-note sp-synthetic">{html.escape(synthetic)}</div>')
    return "".join(parts)


def table_html(title: str, header: list[str], rows: list[list]) -> str:
    """An escaped HTML table; numbers right-aligned, floats to one decimal (a missing one, such
    as the share of a community without households, as ``—``); a cell given as ``(name, small)``
    shows ``small`` in small print after ``name``."""
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = []
    for row in rows:
        cells = []
        for v in row:
            if isinstance(v, tuple):
                name, small = v
                small_html = f' <span class="sp-small">{html.escape(small)}</span>' if small else ""
                cells.append(f"<td>{html.escape(name)}{small_html}</td>")
                continue
            cls = ' class="sp-num"' if isinstance(v, (int, float)) else ""
            shown = (("—" if math.isnan(v) else f"{round_half_up(v, 1):.1f}") if isinstance(v, float) else str(v))
            cells.append(f"<td{cls}>{html.escape(shown)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<h4>{html.escape(title)}</h4><table><tr>{head}</tr>" + "".join(body) + "</table>")
