"""The results as one KMZ for a grid worker's map app (奥维互动地图, Google Earth): folders 网格,
党群服务站, 覆盖盲区 and 建议新站点, each placemark named and described in the maps' own words: a gap
as the map labels it (``盲区 #1``), a new site by its number on the map (``建议新站 1``).

The writing is :func:`spatial.io.kml.write_kml`; what is chosen here is what an official reads
on a phone: which column names a placemark (a grid's number, a station's name), which columns
describe it, their labels (``_style.FIELD_LABELS``) and the words for coded values (a gap's
cause, ``_data.cause_words``). Imports :mod:`spatial.io` and the maps' styling.
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import geopandas as gpd
import pandas as pd

from spatial.core.checks import label_text, yes_no
from spatial.core.errors import SpatialError
from spatial.io._figures import area_words
from spatial.io.columns import find_column
from spatial.io.kml import write_kml
from spatial.maps._data import (GAP_FIELDS, HOME_POINT_DECIMALS, STATION_FIELDS, VALUE_WORDS, cause_words,
                                display_geometry, gap_notes, grid_notes, jsonable, names_of, walls_notes)
from spatial.maps._draw import typed_stations
from spatial.maps._fills import fill_fields, gap_names, gaps_with_homes, site_names_by_id
from spatial.maps._gis_styles import kml_styles
from spatial.maps._style import FIELD_LABELS, coords_notes, feature_names, reason_label, site_labels, site_names, text

__all__ = ["results_kmz"]

#: Per layer: its folder (zh, en), the column naming each placemark, the columns describing it (a
#: station's and a gap's: its popup's rows, in their order; a gap's rank after its id). Gaps and sites are named as the maps
#: name them (:func:`_style.feature_names`, put in ``_NAME``), their ids (G001, NEW001, as the
#: workbook and the CSVs list them) described.
KMZ_LAYERS = {
    "grids": (("网格", "Grids"), "grid_id", ["grid_code", "community", "community_id", "four_bounds", "households",
                                             "population", "deviation_pct", "households_kept_pct",
                                             "units_moved_in", "units_moved_out", "full_time_workers", "part_time_workers",
                                             "building_leads", "household_leads", "note"]),
    "stations": (("党群服务站", "Stations"), "name", ["station_id", *STATION_FIELDS, "coords_note"]),
    "gaps": (("覆盖盲区", "Coverage gaps"), "_name", ["gap_id", "rank", *(c for c in GAP_FIELDS if c != "rank"),
                                                  "slope_note", "coords_note"]),
    "sites": (("建议新站点", "Proposed sites"), "_name", ["site_id", "candidate_id", "build_order", "gain_households",
                                                      "gain_population", "cum_coverage_pct"]),
}
_NAME = "_name"


def results_kmz(path: str | Path, layers: Mapping[str, gpd.GeoDataFrame | None], *, lang: str = "zh",
                station_id_col: str | None = None, slope: str | None = None) -> Path:
    """Write the ``grids``, ``stations``, ``gaps`` and ``sites`` of ``layers`` that have rows to
    one KMZ (or KML), a folder each, in ``lang`` (``"zh"`` or ``"en"``); each station is described
    with its id (站点编号) from ``station_id_col``, else ``station_id`` or the column a list names
    it (站点编号, 编号, 序号 ...); a grid is described with
    its community's name (所属社区) when ``layers["communities"]`` has ``community_id`` and a name (``name``, ``社区名称`` ...),
    and with what the plan's report (``layers["report"]``) says of it (说明), as its map popup.
    When the coverage found the stations or the homes looking like GCJ-02/BD-09 numbers labelled
    WGS-84 (``attrs["coords_hints"]`` of ``layers["coverage_demand"]`` or ``layers["demand"]``), each
    station (or gap, drawn round the homes) says so in its description, as the web maps do.
    ``slope`` is the slope model the walks were timed with (``EdgeTimes.describe(lang)`` of the
    DEM): each gap then says it under 坡度模型 (Slope model) below its walk to the nearest station,
    as the web maps' legend does (743 m uphill and 15.3 minutes at 4 km/h do not read as a slip).

    Examples
    --------
    >>> import os, tempfile, spatial
    >>> demo = spatial.load_demo()
    >>> grids = spatial.partition_grids(demo["units"], demo["communities"]).grids
    >>> path = results_kmz(os.path.join(tempfile.mkdtemp(), "网格.kmz"), {"grids": grids})
    >>> back = spatial.read_layer(path)
    >>> back["Name"].iloc[0], back["description"].iloc[0].split("<br>\\n")[2]
    ('C01-01', '户数: 375')
    """
    if layers.get("gaps") is not None:  # a gap of no households (a park beyond the band) is none: no placemark
        layers = {**layers, "gaps": gaps_with_homes(layers["gaps"])}
    which = {n: spec for n, spec in KMZ_LAYERS.items() if layers.get(n) is not None and len(layers[n])}
    folder = {n: spec[0][0 if lang == "zh" else 1] for n, spec in which.items()}
    shown = {n: layers[n] for n in which}
    names = _community_names(layers.get("communities"))
    for kind in ("grids", "stations", "gaps"):  # each named by its community (ids 101.0 of a column with blanks as 101)
        if names and kind in shown and "community_id" in shown[kind].columns and "community" not in shown[kind]:
            ids = shown[kind]["community_id"].map(label_text)
            shown[kind] = shown[kind].assign(community=[names.get(i) for i in ids])
    if "grids" in shown and (said := grid_notes(shown["grids"], layers.get("report"), lang)) is not None:
        shown["grids"] = shown["grids"].assign(note=said)  # what the report says of a grid, as its map popup does
    if "stations" in shown:  # 站点编号 and 类型 (中心 / 站) as the popups give them
        shown["stations"] = typed_stations(shown["stations"], station_id_col)
    if "stations" in shown and "station_id" in shown["stations"].columns:
        shown["stations"] = _named_stations(shown["stations"], lang)
    if "stations" in shown and {"m2_per_100hh", "under_standard", "fca_m2_per_100hh"} & set(shown["stations"].columns):
        shown["stations"] = _station_load_words(shown["stations"], lang)  # its floor area per 100 households
    if "stations" in shown and "reason" in shown["stations"].columns:  # why one serves nobody, as its popup says
        why = shown["stations"]["reason"].astype(object).where(shown["stations"]["reason"].notna(), None)
        shown["stations"] = shown["stations"].assign(reason=[reason_label(lang, v) if v else None for v in why])
    for kind in ("gap", "site"):  # named as the maps name them: 盲区 #1, 建议新站 1
        if f"{kind}s" in shown:
            frame = shown[f"{kind}s"]
            ranks, ids = (frame[c] if c in frame.columns else [None] * len(frame) for c in ("rank", f"{kind}_id"))
            own = site_names(frame) if kind == "site" else None  # the room's 名称, as on the map
            shown[f"{kind}s"] = frame.assign(**{_NAME: feature_names(lang, kind, ranks, ids, own)})
    if "sites" in shown and "rank" in shown["sites"].columns:  # 建设顺序, as the workbook and the PNG say it
        shown["sites"] = shown["sites"].rename(columns={"rank": "build_order"})
    demand = layers.get("coverage_demand", layers.get("demand"))
    notes = coords_notes(lang, getattr(demand, "attrs", {}).get("coords_hints", ()))
    for layer, note in (("stations", notes.get("stations")), ("gaps", notes.get("demand"))):
        if note and layer in shown:  # the grid worker taps a station 600 m off its street: the reason is there
            shown[layer] = shown[layer].assign(coords_note=note)
    if "stations" in shown and (walls := walls_notes(shown["stations"], demand, lang, "station_id")) is not None:
        shown["stations"] = shown["stations"].assign(walls_note=walls)  # the homes within its walls, as its popup
    if "gaps" in shown:  # outlines drawn round homes' points: to about a metre, as on the maps
        gaps = shown["gaps"].to_crs(4326)
        gaps[gaps.geometry.name] = display_geometry(gaps, "gaps", False, decimals=HOME_POINT_DECIMALS)
        shown["gaps"] = gaps
    if "gaps" in shown and "cause" in shown["gaps"].columns:
        shown["gaps"] = shown["gaps"].assign(cause=cause_words(shown["gaps"], lang))
    if "gaps" in shown:  # its walk to the nearest station (whole metres, tenths of minutes), its note: the 盲区 sheet
        shown["gaps"] = gap_notes(shown["gaps"], lang)
        walks = [c for c in ("walk_to_station_m", "walk_to_station_min") if c in shown["gaps"].columns]
        shown["gaps"] = shown["gaps"].assign(**{c: jsonable(shown["gaps"][c], c) for c in walks})
    if slope and "gaps" in shown:  # its minutes are on the slopes of a DEM: said where they are read
        shown["gaps"] = shown["gaps"].assign(slope_note=str(slope))
    # what a site brings within 5, 10 and 15 minutes and which gaps it fills, a gap's new sites: as the popups say it
    fills: dict[str, list] = {}
    labels = {**FIELD_LABELS[lang], **(site_labels(lang, shown["sites"]) if "sites" in shown else {}),
              "reason": FIELD_LABELS[lang]["station_reason"]}  # only the stations carry one here
    for kind in ("gaps", "sites"):
        if kind in shown:
            values, said = fill_fields(shown[kind], lang, gaps_named=gap_names(layers.get("gaps")),
                                       sites_named=site_names_by_id(layers.get("sites"), lang))
            shown[kind], fills[kind] = shown[kind].assign(**values), list(values)
            labels.update(said)
    looks = kml_styles(shown, lang)  # drawn in the web maps' colours (an unstyled polygon is solid white)
    return write_kml({folder[n]: shown[n] for n in which}, path,
                     names={folder[n]: spec[1] for n, spec in which.items()},
                     fields={folder[n]: [*spec[2], *fills.get(n, [])] for n, spec in which.items()}, labels=labels,
                     styles={folder[n]: looks[n] for n in which if n in looks})


def _named_stations(stations: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    """The stations with a blank or missing ``name`` named by their id (``站点 101``), as on the maps."""
    name = stations["name"] if "name" in stations.columns else pd.Series(None, index=stations.index, dtype=object)
    blank = name.isna() | (name.astype(str).str.strip() == "")
    if not blank.any():
        return stations
    by_id = [text(lang, "station_no_name", id=i) for i in stations["station_id"]]
    return stations.assign(name=name.astype(object).where(~blank, pd.Series(by_id, index=stations.index)))


def _station_load_words(stations: gpd.GeoDataFrame, lang: str) -> gpd.GeoDataFrame:
    """The stations' floor area per 100 households and the floor area in reach (可达面积, 2SFCA) to
    the tenth, and 低于每百户面积标准 where under the standard (blank otherwise), as the popups and
    the 服务站负荷 sheet give them."""
    out = stations
    if "m2_per_100hh" in out.columns:
        out = out.assign(m2_per_100hh=jsonable(out["m2_per_100hh"], "m2_per_100hh"))
    if "under_standard" in out.columns:
        out = out.assign(under_standard=[VALUE_WORDS[lang][True] if v else None for v in yes_no(out["under_standard"])])
    if "fca_m2_per_100hh" in out.columns:  # 可达面积 to the tenth, as the popup and the sheet
        out = out.assign(fca_m2_per_100hh=jsonable(out["fca_m2_per_100hh"], "fca_m2_per_100hh"))
    shown = {c: out[c].tolist() for c in ("floor_area_m2", "m2_per_100hh", "fca_m2_per_100hh") if c in out.columns}
    return out.assign(**area_words(out, shown, lang, area_col="floor_area_m2"))  # a blank area: 未填, as the sheet


def _community_names(communities: gpd.GeoDataFrame | None) -> dict[str, str]:
    """``{community_id: name}`` from the communities' name column (``name``, ``社区名称`` ...), if any."""
    if communities is None:
        return {}
    try:
        found = find_column(communities, "name", layer="communities", required=False)
    except SpatialError:  # several columns could be the name: the grids go without it
        return {}
    return names_of(communities, "community_id", found) if found is not None else {}
