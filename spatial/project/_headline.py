"""The headline figures of a run: households within each band of a station on foot, and with the
proposed sites, as ``spatial run`` ends with them (:func:`spatial.project.run.headline`), README.txt
gives them and overview.png prints them under its title; one wording for the three.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

from spatial.core._words import counted
from spatial.core.checks import round_half_up
from spatial.coverage._slopes import effect_text
from spatial.coverage.bands import band_words

__all__ = ["figures"]


def figures(layers: Mapping, log: Mapping, lang: str) -> list[str]:
    """The headline's figure lines: households within each band (``layers["coverage_summary"]``'s
    overall row) and with the proposed sites (``layers["sites"]``, ``layers["sites_before_after"]``,
    counted within ``log["parameters"]["siting"]["band"]``, else the largest band), and, for minute
    bands timed on a DEM (``layers["dem"]``), that the minutes are on the slopes, at
    ``log["parameters"]["coverage"]["speed_kmh"]`` on the flat, and the households inside walls
    with no gate given (``layers["coverage_demand"].attrs["gateless"]``, which have no walk), in
    ``lang``; none for a run that walked nothing.

    Examples
    --------
    >>> import pandas as pd
    >>> summary = pd.DataFrame({"level": ["overall"], "id": ["all"], "households": [1000.0],
    ...                         "hh_15min": [500.0], "pct_hh_15min": [50.0]})
    >>> figures({"coverage_summary": summary}, {}, "zh")
    ['共 1,000 户，步行到党群服务中心/站：15分钟内 500 户（50.0%）。']
    """
    zh = lang == "zh"
    lines: list[str] = []
    summary = layers.get("coverage_summary")
    if summary is not None and (summary["level"] == "overall").any():
        row = summary[summary["level"] == "overall"].iloc[0]
        total = float(row["households"])
        bands = [c[3:] for c in summary.columns if c.startswith("hh_") and f"pct_{c}" in summary.columns]
        parts = []
        for b in bands:
            n = float(row[f"hh_{b}"])
            words = band_words(b, zh)
            parts.append(f"{words}内 {n:,.0f} 户（{_pct(n, total)}）" if zh else f"{n:,.0f} ({_pct(n, total)}) within {words}")
        if zh:
            lines.append(f"共 {total:,.0f} 户，步行到党群服务中心/站：" + "，".join(parts) + "。")
        else:
            lines.append(f"Of {total:,.0f} households, " + ", ".join(parts) + " of a station on foot.")
        walls = getattr(layers.get("coverage_demand"), "attrs", {}).get("gateless", ())
        if walls:  # homes with no walk for want of a gate: not in any band, and said where it is read first
            hh = sum(float(w[3]) for w in walls)
            lines.append(f"其中 {hh:,.0f} 户在 {len(walls)} 处未给出大门的围墙内，无法步行到达：请补充大门"
                         f"（见数据问题清单）。" if zh else
                         f"{hh:,.0f} households inside {counted(len(walls), 'walled area')} with no gate given have "
                         f"no walk: give the gates (see the report).")
        after = layers.get("sites_before_after")
        sites = layers.get("sites")
        if after is not None and (after["level"] == "overall").any() and sites is not None and len(sites):
            a = after[after["level"] == "overall"].iloc[0]
            band = log.get("parameters", {}).get("siting", {}).get("band") or (bands[-1] if bands else "")
            hh_after = float(a["pct_after"]) / 100 * float(a["households"])
            words = band_words(band, zh)
            after_pct, before_pct = round_half_up(a["pct_after"], 1), round_half_up(a["pct_before"], 1)
            lines.append(f"建议新增 {len(sites)} 处站点后：{words}内 {hh_after:,.0f} 户（{after_pct:.1f}%，"
                         f"原为 {before_pct:.1f}%）。" if zh else
                         f"With the {counted(len(sites), 'proposed site')}: {hh_after:,.0f} ({after_pct:.1f}%, "
                         f"was {before_pct:.1f}%) within {words}.")
        if layers.get("dem") is not None and any(b.endswith("min") for b in bands):
            line = _slope_line(layers["dem"], log.get("parameters", {}).get("coverage", {}).get("speed_kmh"), zh)
            effect = effect_text(getattr(layers.get("coverage_demand"), "attrs", {}).get("slope_effect"),
                                 "zh" if zh else "en")  # by how much the slopes move the circle
            lines.append(line)
            if effect:  # a line of its own: overview.png's title lines are as wide as the page
                lines.append(f"{effect}。" if zh else f"{effect[0].upper()}{effect[1:]}.")
    return lines


def _slope_line(dem, speed_kmh, zh: bool) -> str:
    """What the minutes of a run with a DEM (:class:`~spatial.network.elevation.EdgeTimes`) are:
    times on the slopes, the DEM and its share of edges, the flat speed and the rule, so a figure
    forwarded on its own (README.txt, overview.png) is not read as a flat walk."""
    name = Path(str(dem.source)).name
    pct = f"{100 * dem.share:.1f}%"
    if zh:
        speed = f"平地 {speed_kmh:g} 公里/小时，" if speed_kmh else ""
        return (f"步行时间计入坡度（高程 {name}，{pct} 的路段有高程）：{speed}坡上按 Tobler 坡度模型，"
                f"台阶 ×{dem.steps_factor:.2f}，从住处算到服务站。")
    speed = f"{speed_kmh:g} km/h on the flat, " if speed_kmh else ""
    return (f"Walk times on the slopes (DEM {name}, elevations on {pct} of edges): {speed}Tobler's hiking "
            f"function on slopes, steps ×{dem.steps_factor:.2f}, from home to station.")


def _pct(n: float, total: float) -> str:
    return f"{round_half_up(100 * n / total, 1):.1f}%" if total > 0 else "–"
