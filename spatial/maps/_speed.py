"""A coverage map at a walking speed other than the one its walks were scored at.

:func:`walked_speed` redraws the homes (their minutes and bands) at the map's speed. What the map
cannot make again without the walking network (the gaps, the service areas, a station's 2SFCA
floor area in reach) is drawn only when it was made at the map's speed, and a summary table only
when its figures are those of the homes as drawn; the rest is left out, with a note in the legend
and a row in the report saying why and how to make it again (:func:`at_map_speed`,
:func:`left_out_notes`). A map never shows a home beyond 15 minutes in no gap.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd

from spatial.core.checks import Report, is_number
from spatial.core.errors import OptionError

logger = logging.getLogger(__name__)

#: The legend's notes on what a map at another speed leaves out ({found}: the speed it was made at).
TEXT = {
    "zh": {
        "found_at": "步行速度 {speed} 公里/小时",
        "found_run": "运行时的步行速度",
        "gaps": "盲区按{found}找出，与本图的步行速度不同，未画出；请按 {speed} 公里/小时重算盲区"
                "（coverage_gaps 的 speed_kmh={speed}）",
        "isochrones": "服务范围按{found}画出，与本图的步行速度不同，未画出；请按 {speed} 公里/小时重画"
                      "（isochrones 的 speed_kmh={speed}）",
        "coverage_summary": "覆盖率表按另一步行速度统计，与本图不符，未列出；请按 {speed} 公里/小时重算"
                            "（coverage_summary 的 bands=make_bands(speed_kmh={speed})）",
        "stations": "服务站的可达面积（2SFCA）按运行时的步行速度算出，未列出；请按 {speed} 公里/小时的步行距离重算"
                    "（station_fca 的 limit_m）",
        "sites": "建议新站的新增覆盖户数和建成后覆盖率按{found}算出，与本图的步行速度不同，未列出（新站位置照画）；"
                 "请按 {speed} 公里/小时重新选址（site_stations 的 speed_kmh={speed}）",
        "notice": "本图按步行速度 {speed} 公里/小时重画：{what}按另一速度算出，未画出或未列出，见图例",
        "what": {"gaps": "盲区", "isochrones": "服务范围", "stations": "可达面积", "sites": "新站新增覆盖户数"},
    },
    "en": {
        "found_at": "{speed} km/h",
        "found_run": "the run's walking speed",
        "gaps": "Gaps not drawn: they were found at {found}, not this map's walking speed; "
                "find them again at {speed} km/h (coverage_gaps(..., speed_kmh={speed}))",
        "isochrones": "Service areas not drawn: they were made at {found}, not this map's walking "
                      "speed; make them again at {speed} km/h (isochrones(..., speed_kmh={speed}))",
        "coverage_summary": "Coverage table not shown: it was counted at another walking speed; "
                            "count it again at {speed} km/h (coverage_summary(..., bands=make_bands(speed_kmh={speed})))",
        "stations": "Stations' floor area in reach (2SFCA) was worked out at the run's walking speed "
                    "and is not shown; work it out again for the walk of {speed} km/h (station_fca(..., limit_m=))",
        "sites": "New sites' households gained and coverage after them were counted at {found}, not this map's "
                 "walking speed, and are not shown (the sites are drawn); site them again at {speed} km/h "
                 "(site_stations(..., speed_kmh={speed}))",
        "notice": "Redrawn at {speed} km/h: {what} of another walking speed left out (see the legend)",
        "what": {"gaps": "gaps", "isochrones": "service areas", "stations": "floor area in reach",
                 "sites": "new sites' gains"},
    },
}


def walked_speed(demand: pd.DataFrame, speed_kmh: float | None, band_col: str,
                  band_list: list[str]) -> tuple[pd.DataFrame, float]:
    """``demand`` as a coverage map draws it and the speed it states: by default the speed the
    walks were scored at (``walking_coverage`` notes it, else the walks' ``walk_m`` / ``walk_min``
    tell it), else 4 km/h (it was 4 km/h whatever the walks: walks at the elderly 3 km/h were
    said to be "15 min ≈ 1000 m"). At another ``speed_kmh`` the homes' minute bands (of
    ``band_list``) and ``walk_min`` are those of that speed (15 min at 3 km/h: within 750 m;
    ``walk_m`` stays, a home with no walk keeps its label)."""
    from spatial.coverage.bands import BEYOND, UNREACHABLE, DEFAULT_SPEED_KMH, scored_speed_kmh

    if speed_kmh is not None and not (is_number(speed_kmh) and speed_kmh > 0):
        raise OptionError(f"speed_kmh must be a walking speed > 0 km/h (4 is usual), got {speed_kmh!r}")
    scored = scored_speed_kmh(demand, exact=True)
    if speed_kmh is None:
        return demand, scored if scored is not None else DEFAULT_SPEED_KMH
    if scored is None or abs(float(speed_kmh) - scored) <= 1e-6 * scored:
        return demand, float(speed_kmh)
    labels = demand[band_col].astype(object).to_numpy()
    minutes = sorted(float(m.group(1)) for m in (re.fullmatch(r"(\d+(?:\.\d+)?)min", str(b)) for b in band_list) if m)
    if not minutes:  # bands of metres are no matter of speed
        return demand, float(speed_kmh)
    walk = pd.to_numeric(demand["walk_min"], errors="coerce").to_numpy(float) * scored / float(speed_kmh)
    out = np.full(len(demand), BEYOND, dtype=object)
    for value in reversed(minutes):  # each home its smallest band, labelled as walking_coverage labels
        out[np.isfinite(walk) & (walk <= value + 1e-9)] = f"{value:g}min"
    keep = ~np.isfinite(walk) | (labels.astype(str) == UNREACHABLE)
    out[keep] = labels[keep]
    logger.info("coverage map: walks scored at %g km/h drawn at %g km/h", scored, speed_kmh)
    return demand.assign(**{band_col: out, "walk_min": walk}), float(speed_kmh)


def _flat_speed(metres, minutes) -> float | None:
    """The one speed (km/h) walks of ``metres`` in ``minutes`` were timed at; None when their
    ratios differ (slopes), or no walk tells (:func:`~spatial.coverage.bands.scored_speed_kmh`)."""
    from spatial.coverage.bands import scored_speed_kmh

    walks = pd.DataFrame({"walk_m": np.asarray(metres, dtype=object), "walk_min": np.asarray(minutes, dtype=object)})
    return scored_speed_kmh(walks, exact=True)  # a new frame: no noted speed, the walks' own ratio


def layer_at_speed(layer, demand: pd.DataFrame, speed_kmh: float, *, redrawn: bool, slope: str | None,
                   walk_cols: tuple[str, str] = ("walk_to_station_m", "walk_to_station_min"),
                   ) -> tuple[gpd.GeoDataFrame | None, float | None]:
    """``layer`` (the gaps, or the service areas with ``walk_cols=("limit_m", "limit_min")``) when
    it agrees with the homes a coverage map draws at ``speed_kmh``, else None and the speed it was
    made at (None when it is not known).

    A gap holds the homes beyond its band at the speed :func:`~spatial.coverage.gaps.coverage_gaps`
    walked, and its ``walk_to_station_min`` is at that speed; a service area reaches its band's
    metres at the speed :func:`~spatial.coverage.service_areas.isochrones` was given. Drawn at
    another (``redrawn``: the homes' minutes rescaled by :func:`walked_speed`), a home 900 m away
    is beyond 15 minutes at 3 km/h while no gap of the 4 km/h run holds it and its 15-minute area
    covers it: such a layer is left out (the map has no network to make it again). A layer of
    bands of metres is no matter of speed. Its speed is read off its ``walk_cols`` (metres over
    minutes) only on flat ground (walks on slopes have no fixed pace); a layer that does not tell
    is taken to be the run's.
    """
    if layer is None or not len(layer):
        return layer, None
    bands = layer["band"].astype(str) if "band" in layer.columns else pd.Series([], dtype=str)
    if len(bands) and bands.str.fullmatch(r"\d+(?:\.\d+)?m").all():
        return layer, None
    own = None
    flat = slope is None and {"walk_m", "walk_min"} <= set(demand.columns) and \
        _flat_speed(demand["walk_m"], demand["walk_min"]) is not None
    if flat and set(walk_cols) <= set(layer.columns):
        own = _flat_speed(layer[walk_cols[0]], layer[walk_cols[1]])
    if own is not None:
        # within 1 %: one gap read back from a CSV, its metres and minutes rounded (1002 m, 15.0 min)
        return (layer, None) if abs(own - speed_kmh) <= 0.01 * speed_kmh else (None, own)
    return (None, None) if redrawn else (layer, None)


def summary_at_speed(summary: pd.DataFrame | None, demand: pd.DataFrame, band_list: list[str],
                     households_col: str) -> pd.DataFrame | None:
    """``summary`` when its overall households within each band are those of the homes as drawn
    (``demand`` at the map's speed), else None: a summary of the run's 4 km/h said 50 % within
    15 minutes on a map drawn at 3 km/h whose homes were 16.7 % (the table is then made from the
    homes, :func:`community_coverage`)."""
    if summary is None or "level" not in summary.columns or households_col not in demand.columns:
        return summary
    overall = summary[summary["level"] == "overall"]
    if len(overall) != 1:
        return summary
    hh = pd.to_numeric(demand[households_col], errors="coerce").fillna(0).to_numpy(float)
    labels = demand["band"].astype(str).to_numpy() if "band" in demand.columns else None
    if labels is None:
        return summary
    for k, band in enumerate(band_list):
        col = f"hh_{band}"
        if col not in overall.columns:
            continue
        within = hh[np.isin(labels, band_list[:k + 1])].sum()
        if not np.isclose(float(pd.to_numeric(overall[col], errors="coerce").iloc[0]), within, rtol=1e-9, atol=1e-6):
            logger.info("coverage map: the summary's %s (%s) is not the homes' at the map's speed (%g): made again",
                        col, overall[col].iloc[0], within)
            return None
    return summary

@dataclass
class AtSpeed:
    """What a coverage map draws at its speed: the homes, the speed stated, whether the homes were
    redrawn, the gaps, service areas and stations to draw (None: left out) and what was left out
    (``(layer, the speed it was made at or None)``)."""

    demand: pd.DataFrame
    speed_kmh: float
    redrawn: bool
    gaps: gpd.GeoDataFrame | None
    isochrones: gpd.GeoDataFrame | None
    stations: gpd.GeoDataFrame
    left_out: list[tuple[str, float | None]] = field(default_factory=list)


def walks_slope(demand: pd.DataFrame, slope: str | None, lang: str) -> str | None:
    """The slope model a map states by its speed: ``slope`` when given, else the one the walks
    were timed with (``walking_coverage(..., dem=)`` keeps it in ``attrs["slope"]``), else None
    (flat ground). A map of walks on a DEM said "15 分钟约 1000 米" and nothing of the slopes.

    Examples
    --------
    >>> walks = pd.DataFrame({"band": ["15min"]})
    >>> walks.attrs["slope"] = {"en": "walk times by Tobler", "zh": "步行时间按 Tobler 计算"}
    >>> walks_slope(walks, None, "zh"), walks_slope(walks, "given", "en"), walks_slope(pd.DataFrame(), None, "en")
    ('步行时间按 Tobler 计算', 'given', None)
    """
    if slope is not None:
        return slope
    attrs = getattr(demand, "attrs", {})
    said = attrs.get("slope")
    if not isinstance(said, dict):
        return None
    from spatial.coverage._slopes import effect_text

    effect = effect_text(attrs.get("slope_effect"), lang)  # by how much the slopes move the circle
    model = said.get(lang) or said.get("en")
    return model if effect is None else f"{model}{'；' if lang == 'zh' else '; '}{effect}"


def at_map_speed(demand, speed_kmh, band_col, band_list, *, gaps, isochrones, stations, slope) -> AtSpeed:
    """The layers of a coverage map at ``speed_kmh`` (see the module's docstring)."""
    walked, speed_kmh = walked_speed(demand, speed_kmh, band_col, band_list)
    redrawn = walked is not demand  # the homes' minutes rescaled to the map's speed
    drawn_gaps, gaps_speed = layer_at_speed(gaps, walked, speed_kmh, redrawn=redrawn, slope=slope)
    areas, areas_speed = layer_at_speed(isochrones, walked, speed_kmh, redrawn=redrawn, slope=slope,
                                        walk_cols=("limit_m", "limit_min"))
    out = AtSpeed(walked, speed_kmh, redrawn, drawn_gaps, areas, stations)
    if gaps is not None and drawn_gaps is None:
        out.left_out.append(("gaps", gaps_speed))
    if isochrones is not None and areas is None:
        out.left_out.append(("isochrones", areas_speed))
    # the 2SFCA floor area in reach counts the homes within the run's band (1,000 m), not the map's (750 m)
    if redrawn and "fca_m2_per_100hh" in stations.columns and stations["fca_m2_per_100hh"].notna().any():
        out.stations = stations.drop(columns="fca_m2_per_100hh")
        out.left_out.append(("stations", None))
    return out


def _said(language: str, layer: str, made: float | None, speed_kmh: float) -> str:
    words = TEXT[language]
    found = words["found_run"] if made is None else words["found_at"].format(speed=f"{made:.1f}")
    return words[layer].format(found=found, speed=f"{speed_kmh:g}")


def _left_out(layer: str, made: float | None, speed_kmh: float, lang: str, report: Report | None) -> str:
    """The legend's note on ``layer`` left out at ``speed_kmh``, in ``lang``; a row in ``report``."""
    logger.info("coverage map: %s left out: %s", layer, _said("en", layer, made, speed_kmh))
    if report is not None:
        report.add(layer, "-", f"made at another walking speed than the map's {speed_kmh:g} km/h",
                   "left off the map; make it again at the map's speed",
                   zh=(f"按另一步行速度算出，与本图的 {speed_kmh:g} 公里/小时不同", "未画出；请按本图速度重算"))
    return _said(lang, layer, made, speed_kmh)


def left_out_notes(at: AtSpeed, lang: str, report: Report | None) -> list[str]:
    """The legend's note on each layer ``at`` left out, in ``lang``; a row each in ``report``."""
    return [_left_out(layer, made, at.speed_kmh, lang, report) for layer, made in at.left_out]


def speed_notice(state: dict, lang: str, at: AtSpeed) -> None:
    """Keep in a map's ``state`` that its homes were redrawn at another speed than the walks' (the
    speed, for the new sites drawn after, :func:`sites_at_speed`), and, when something of the run's
    speed was left out, one short line saying so on the map itself, above the scale bar: a phone
    folds the legend's notes into its button, and an official there saw a map without gaps with
    nothing saying why."""
    if not at.redrawn:
        return
    state["redrawn_kmh"] = at.speed_kmh
    _notice(state, lang, [layer for layer, _ in at.left_out])


def _notice(state: dict, lang: str, layers: list[str]) -> None:
    said = state.setdefault("left_out_layers", [])
    said.extend(layer for layer in layers if layer not in said and layer in TEXT[lang]["what"])
    old = state.get("speed_notice")
    notices = [n for n in state.get("notices", []) if n != old]
    if said:
        what = ("、" if lang == "zh" else ", ").join(TEXT[lang]["what"][layer] for layer in said)
        state["speed_notice"] = TEXT[lang]["notice"].format(speed=f"{state['redrawn_kmh']:g}", what=what)
        notices.append(state["speed_notice"])
    state["notices"] = notices


#: A new site's figures counted within the run's band at the run's walking speed.
SITE_GAINS = ("gain_households", "gain_population", "cum_coverage_pct")


def sites_at_speed(sites: gpd.GeoDataFrame, state: dict, lang: str,
                   report: Report | None) -> tuple[gpd.GeoDataFrame, list[str]]:
    """``sites`` as a map redrawn at another walking speed (``state["redrawn_kmh"]``, kept by
    :func:`speed_notice`) draws them, and the notes of their legend: their gains within a band of
    minutes (:data:`SITE_GAINS`) were counted at the run's speed and are left out (a 3 km/h map whose
    table said 58.2 % within 15 minutes showed a site "建成后累计覆盖率 83.5%" of 4 km/h); where to
    build them is drawn. Sites of a band of metres, or on a map at the walks' speed, as they are."""
    speed = state.get("redrawn_kmh")
    gains = [c for c in SITE_GAINS if c in sites.columns]
    bands = sites["band"].dropna().astype(str) if "band" in sites.columns else pd.Series([], dtype=str)
    if speed is None or not gains or (len(bands) and bands.str.fullmatch(r"\d+(?:\.\d+)?m").all()):
        return sites, []
    _notice(state, lang, ["sites"])
    # (and the households each brings within each band of minutes, and the gaps it fills, of the same walks)
    gains += [c for c in sites.columns if str(c).startswith("new_hh_") or c == "gaps"]
    return sites.drop(columns=gains), [_left_out("sites", None, speed, lang, report)]
