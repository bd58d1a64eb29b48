"""Interactive HTML maps of grids and walking coverage that open offline (folium).

Every function returns a ``folium.Map`` (it displays inline in Jupyter) and accepts ``m=`` to add
its layers to an existing map. Layers follow docs/layers.md; each is checked for a CRS and drawn in
EPSG:4326, coordinates rounded to 6 decimals (about 0.1 m) and embedded as compact JSON.
:func:`save_map` writes one self-contained HTML file with Leaflet and its plugins inlined from
``spatial/maps/_assets`` (see :mod:`spatial.maps._offline`), so the map opens on an intranet with no internet.
No basemap by default: the walking network is the context; ``tiles=`` adds one.

What an official sees: layers stacked by meaning (service areas and gaps under the residential
units, units under grid and community outlines, stations and new sites on top); a click shows
the feature drawn on top there first, named (community, station, grid code) with ids in small
print, and everything else under the click folded below it; the search, layer list, legends and
tables in one panel beside the map on a desktop and behind one button on a phone.
"""

from __future__ import annotations

import html
import logging
from pathlib import Path
from typing import Sequence

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
from folium import plugins

from spatial.core.atomic import atomic_path
from spatial.core.checks import Report, check_band, check_households, marked_synthetic, require_columns, require_crs
from spatial.core.errors import ColumnError, OptionError, OptionTypeError
from spatial.maps import _style as st
from spatial.maps import _draw as draw
from spatial.maps._data import (GRID_FIELDS, community_coverage, file_status, grid_notes, head_props, jsonable,
                                popup_props, short_labels, station_id_column, with_station_reasons)
from spatial.maps._fills import gaps_with_homes
from spatial.maps._speed import at_map_speed, left_out_notes, speed_notice, summary_at_speed, walks_slope
from spatial.maps._draw import GAP_LABELS  # noqa: F401  (public constant, kept here)
from spatial.maps._tables import coverage_table, grid_table
from spatial.maps._layers import (Attribution, BoxControl, Layout, OfflineMap, ScaleBar, layers_top_first, render_page,
                                  set_page_lang)
from spatial.maps._offline import inline_assets

logger = logging.getLogger(__name__)

__all__ = ["grid_map", "coverage_map", "overview_map", "save_map", "tianditu_tiles"]

#: Above this many drawn features the map draws on a canvas instead of one SVG path per feature.
CANVAS_ABOVE = 5000
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
AMAP_TILES = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
_UNCOVERED = ("beyond", "unreachable")


# ---------------------------------------------------------------- map frame and finishing
def tianditu_tiles(key: str) -> list[str]:
    """Tianditu (天地图) vector basemap and its label layer, Web Mercator, for ``tiles=``.

    Parameters
    ----------
    key : str
        Your Tianditu developer key (``tk``).
    """
    base = ("https://t{s}.tianditu.gov.cn/%s_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
            "&LAYER=%s&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}"
            "&TILECOL={x}&tk=" + key)
    return [base % ("vec", "vec"), base % ("cva", "cva")]


def _check_lang(lang: str) -> None:
    if lang not in st.TEXT:
        raise OptionError(f"lang must be 'zh' (Chinese) or 'en' (English), got {lang!r}")


def _state(m: folium.Map, lang: str = "zh") -> dict:
    """Per-map bookkeeping (bounds, feature count, notes already shown, names)."""
    if not hasattr(m, "_spatial_state"):
        m._spatial_state = {"gcj02": False, "bounds": [], "n_features": 0, "notes": set(),
                            "lang": lang, "names": {}}
    m._spatial_state["lang"] = lang
    return m._spatial_state


def _new_map(lang: str, tiles, tiles_attr: str | None, tiles_crs: str, n_hint: int,
             title: str) -> folium.Map:
    m = OfflineMap(location=None, tiles=None, prefer_canvas=n_hint > CANVAS_ABOVE, zoom_start=14,
                   zoom_snap=0.25, zoom_delta=0.5)  # fit the study area snugly, not to a whole zoom level
    ScaleBar().add_to(m)
    m.get_root().title = title
    set_page_lang(m, lang)
    state = _state(m, lang)
    if tiles_crs not in ("wgs84", "gcj02"):
        raise OptionError(f"tiles_crs must be 'wgs84' (OSM, Tianditu) or 'gcj02' (Amap, Tencent), got {tiles_crs!r}")
    state["gcj02"] = tiles_crs == "gcj02" or tiles == "amap"
    for i, url in enumerate([tiles] if isinstance(tiles, str) else list(tiles or [])):
        attr, sub = tiles_attr, "abc"
        if url == "osm":
            url, attr = OSM_TILES, attr or st.OSM_ATTRIBUTION
        elif url == "amap":
            url, attr, sub = AMAP_TILES, attr or "© 高德地图 AutoNavi", "1234"
        elif "tianditu.gov.cn" in url:
            attr, sub = attr or "© 天地图 Tianditu", "01234567"
        folium.TileLayer(url, attr=html.escape(attr or url.split("/")[2]), name=st.text(lang, "basemap"),
                         overlay=i > 0, control=False, subdomains=sub, max_zoom=20).add_to(m)
    return m


def _synthetic(flag: bool | None, *layers) -> bool:
    if flag is not None:
        return bool(flag)
    return marked_synthetic(*layers)


def _synthetic_once(state: dict, lang: str, synthetic: bool) -> str:
    """The synthetic-data note for the first legend of a map that needs it, else ''."""
    if not synthetic or "synthetic_legend" in state["notes"]:
        return ""
    state["notes"].add("synthetic_legend")
    return st.text(lang, "synthetic")


def _finish(m: folium.Map, *, own: bool, lang: str, synthetic: bool, credits: Sequence[str] = ()) -> folium.Map:
    """Controls (once per map), attribution, the layer control and the layout, last.

    OpenStreetMap is credited when the walking network is drawn (a map of the planner's own
    grids credits no one); tiles carry their own credit; ``credits`` (the sources of the data
    drawn, as the planner names them) follow, each once."""
    state = _state(m, lang)
    attribution = st.OSM_ATTRIBUTION if state.get("network_drawn") else None
    kids = list(m._children.values())
    if not any(isinstance(k, plugins.Fullscreen) for k in kids):
        plugins.Fullscreen(title=st.text(lang, "fullscreen"),
                           title_cancel=st.text(lang, "fullscreen_exit")).add_to(m)
        plugins.MeasureControl(position="topleft", primary_length_unit="meters",
                               secondary_length_unit="kilometers", primary_area_unit="sqmeters",
                               secondary_area_unit="hectares",
                               localization="cn" if lang == "zh" else "en").add_to(m)
    notes = list(dict.fromkeys(a for a in [attribution, *st.credit_list(credits)] if a))  # each once
    if synthetic:
        notes.append(st.text(lang, "synthetic_short"))
    new = [n for n in notes if n not in state["notes"]]
    if new:
        Attribution(new).add_to(m)
        state["notes"].update(new)
    bounds = None
    if own and state["bounds"]:
        b = np.vstack(state["bounds"])
        bounds = [[float(b[:, 1].min()), float(b[:, 0].min())], [float(b[:, 3].max()), float(b[:, 2].max())]]
        state["fit"] = bounds
    for key, child in list(m._children.items()):
        if isinstance(child, (folium.LayerControl, Layout)):
            del m._children[key]
    layers_top_first(m)
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    Layout(lang, bounds or state.get("fit"), state.get("notices")).add_to(m)
    return m


# ---------------------------------------------------------------- public maps
def grid_map(
    grids: gpd.GeoDataFrame,
    *,
    communities: gpd.GeoDataFrame | None = None,
    network_edges: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    min_households: float = 300,
    max_households: float = 500,
    households_col: str = "households",
    label_col: str | None = None,
    status_col: str | None = None,
    lang: str = "zh",
    tiles: str | list[str] | None = None,
    tiles_attr: str | None = None,
    tiles_crs: str = "wgs84",
    synthetic_note: bool | None = None,
    credits: Sequence[str] | str = (),
    report: Report | None = None,
    notes: pd.DataFrame | Report | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Map of management grids coloured by households against the band, with labels and popups.

    Parameters
    ----------
    grids : GeoDataFrame
        The ``grids`` layer (docs/layers.md); needs ``households_col`` and ``grid_code`` or
        ``grid_id`` (or ``label_col``). Any CRS.
    communities, network_edges, units : GeoDataFrame, optional
        Community outlines, the walking network (lines, or the WalkNetwork) and units as context.
    min_households, max_households : float
        The household band: grids under it, in it and over it get their own colour.
    households_col, label_col : str
        Column names; the map label defaults to ``grid_id`` (short), else ``grid_code``. The
        popup is headed by the grid code, with the grid id in small print.
    status_col : str, optional
        A column of each grid's own status against the band it was drawn for (``under``, ``in``,
        ``over``: the ``band_status`` of ``spatial grids``), for grids whose band is not known
        here: they are coloured by it, and the legend names the statuses without numbers
        (``min_households`` and ``max_households`` are then not used).
    lang : {"zh", "en"}
        Language of labels, legend and popups.
    tiles : str or list of str, optional
        No basemap by default. ``"osm"``, ``"amap"`` (GCJ-02, overlays shifted for display), an
        XYZ URL template, or a list such as :func:`tianditu_tiles`.
    tiles_attr : str, optional
        Attribution of a custom tile URL.
    tiles_crs : {"wgs84", "gcj02"}
        Coordinate system of the basemap; ``"gcj02"`` shifts overlays for display only.
    synthetic_note : bool, optional
        Show the synthetic-data note; by default when a layer has a truthy ``synthetic`` column.
    credits : str or sequence of str, optional
        The sources of the data drawn, in the map's credit line after OpenStreetMap's (e.g.
        ``"住户数：XX区2025年房屋普查"``): the planner's own data is credited as they name it.
    report : Report, optional
        Receives rows that could not be drawn (no geometry).
    notes : DataFrame or Report, optional
        The report of the plan (``plan.report``, the ``report`` layer): its rows about a grid
        (layer ``grids``, row id its ``grid_id``) are shown in that grid's popup, such as why no
        plan brings it within the rule and what to do.
    m : folium.Map, optional
        Add the layers to this map instead of a new one (it keeps its basemap and view; the
        ``tiles*`` options apply to new maps only).

    Returns
    -------
    folium.Map

    Raises
    ------
    ColumnError
        ``status_col`` holds a value other than ``under``, ``in`` and ``over``.

    Examples
    --------
    >>> import folium, spatial
    >>> demo = spatial.load_demo()
    >>> plan = spatial.partition_grids(demo["units"], demo["communities"])
    >>> m = spatial.grid_map(plan.grids, communities=demo["communities"], lang="en")
    >>> isinstance(m, folium.Map)  # shows inline in Jupyter; save it with save_map
    True
    """
    _check_lang(lang)
    check_band(min_households, max_households)
    require_crs(grids, "grids")
    for layer, name in ((communities, "communities"), (units, "units")):  # (network_edges: draw.network)
        if layer is not None:
            require_crs(layer, name)
    label_col = label_col or next((c for c in ("grid_id", "grid_code") if c in grids.columns), None)
    if label_col is None:
        raise ColumnError("'grids' has neither 'grid_code' nor 'grid_id'; pass label_col= with the "
                          "column that names each grid")
    require_columns(grids, [label_col], "grids")
    hh = check_households(grids, households_col, "grids")
    own = m is None
    if own:
        m = _new_map(lang, tiles, tiles_attr, tiles_crs, len(grids) + len(units if units is not None else []),
                     st.text(lang, "map_grids"))
    state = _state(m, lang)
    draw.remember_names(state, communities)
    if network_edges is not None:
        draw.network(m, state, lang, report, network_edges)
    if communities is not None:
        draw.communities(m, state, lang, report, communities)
    if units is not None:
        props, fields = popup_props(units, ["community", "grid_id", "households", "population"], lang,
                                    names=state["names"])
        uid = jsonable(units["unit_id"], "unit_id") if "unit_id" in units.columns else None
        props.update(head_props(len(units), title=uid))
        draw.add_layer(m, units, "units", name=st.text(lang, "units"), kind="kind_unit", props=props,
                   fields=fields, styles=[{"color": st.UNIT_COLOUR, "weight": 0.6, "fillOpacity": 0.15,
                                           "radius": 3}], state=state, report=report)
    order = ["under", "in", "over"]
    if status_col is not None:  # the grids' own status: the band they were drawn for is not known here
        status = file_status(grids, status_col)
        word = {s: f"{s}_file" for s in order}
    else:
        status = np.where(hh < min_households, "under", np.where(hh > max_households, "over", "in"))
        word = {s: s for s in order}
    fmt = {"lo": f"{min_households:g}", "hi": f"{max_households:g}"}
    cols = list(GRID_FIELDS) + ([households_col] if households_col not in GRID_FIELDS else [])
    props, fields = popup_props(grids, cols, lang, names=state["names"])
    props["band_status"] = [st.text(lang, word[s], **fmt) for s in status]
    if (said := grid_notes(grids, notes, lang)) is not None:  # the report's rows on a grid, under its deviation
        props["note"] = said
        fields.insert(next((i + 1 for i, f in enumerate(fields) if f[0] == "deviation_pct"), len(fields)),
                      st.field(lang, "note"))
    if not any(f[0] == "band_status" for f in fields):
        at = next((i + 1 for i, f in enumerate(fields) if f[0] == households_col), len(fields))
        fields.insert(at, st.field(lang, "band_status"))
    label = jsonable(grids[label_col], label_col)
    code = jsonable(grids["grid_code"], "grid_code") if "grid_code" in grids.columns else None
    gid = jsonable(grids["grid_id"], "grid_id") if "grid_id" in grids.columns else None
    community = props.get("community") or ([None] * len(grids))
    props.update(_label=label, **({"_short": short} if any(short := short_labels(grids, label_col)) else {}))
    props.update(head_props(
        len(grids), title=code or label, sub=community,
        summary=[st.text(lang, "households_n", n=h) + f" · {s}" for h, s in
                 zip(jsonable(grids[households_col], households_col), props["band_status"])],
        ids=draw.id_texts(lang, "ids_grid", gid) if code and gid else None))
    # the code and the community head the popup; no need to repeat them as rows
    fields = [f for f in fields if f[0] not in (("grid_code", "community") if code else ("community",))]
    if state.get("overview"):  # units are drawn underneath: status as the outline's colour
        styles = [{"color": st.STATUS_OUTLINES[s], "weight": 1.6, "fillColor": st.STATUS_COLOURS[s],
                   "fillOpacity": 0.06} for s in order]
    else:
        styles = [{"color": "#333333", "weight": 1.2, "fillColor": st.STATUS_COLOURS[s],
                   "fillOpacity": st.STATUS_FILL_OPACITY}
                  for s in order]
    draw.add_layer(m, grids, "grids", name=st.text(lang, "grids"), kind="kind_grid", props=props, fields=fields,
               styles=styles, style_index=[order.index(s) for s in status], state=state, report=report,
               label="_label", label_fit=True)
    synthetic = _synthetic(synthetic_note, grids, units, communities)
    if state.get("overview"):
        rows = [(st.STATUS_OUTLINES[s], st.text(lang, word[s], **fmt) + f" ({int((status == s).sum())})", "line")
                for s in order]
        notes = [st.text(lang, "grid_outline_note")]
    else:
        rows = [(st.faded(st.STATUS_COLOURS[s], st.STATUS_FILL_OPACITY),
                 st.text(lang, word[s], **fmt) + f" ({int((status == s).sum())})") for s in order]
        notes = []
    if status_col is not None:
        notes.append(st.text(lang, "band_file_note"))
    syn = _synthetic_once(state, lang, synthetic)
    BoxControl(st.legend_html(st.text(lang, "grid_legend"), rows, notes, synthetic=syn)).add_to(m)
    if not state.get("overview") and (table := grid_table(grids, hh, status, communities, lang)) is not None:
        BoxControl(table, kind="table").add_to(m)  # each community's grids (the overview has its coverage)
    return _finish(m, own=own, lang=lang, synthetic=synthetic, credits=credits)


def _bands(bands, demand: pd.DataFrame, band_col: str, isochrones, summary=None) -> list[str]:
    """The bands nearest first: as given, else those the demand, the service areas or the
    summary's ``pct_hh_<band>`` columns name (a band that no home falls in, as every band when
    no home is covered, is still a column of the summary, so of the map's table and legend)."""
    if bands is not None:
        return [str(b) for b in bands]
    found = set(map(str, demand[band_col].dropna().unique()))
    if isochrones is not None and "band" in isochrones.columns:
        found |= set(map(str, isochrones["band"].dropna().unique()))
    if summary is not None:
        found |= {str(c)[len("pct_hh_"):] for c in summary.columns if str(c).startswith("pct_hh_")}
    return sorted(found - set(_UNCOVERED), key=st.band_sort_key)


def coverage_map(
    demand: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    *,
    isochrones: gpd.GeoDataFrame | None = None,
    gaps: gpd.GeoDataFrame | None = None,
    summary: pd.DataFrame | None = None,
    communities: gpd.GeoDataFrame | None = None,
    network_edges: gpd.GeoDataFrame | None = None,
    bands: Sequence[str] | None = None,
    speed_kmh: float | None = None,
    slope: str | None = None,
    band_col: str = "band",
    households_col: str = "households",
    name_col: str = "name",
    lang: str = "zh",
    tiles: str | list[str] | None = None,
    tiles_attr: str | None = None,
    tiles_crs: str = "wgs84",
    synthetic_note: bool | None = None,
    credits: Sequence[str] | str = (),
    report: Report | None = None,
    m: folium.Map | None = None,
    sites: gpd.GeoDataFrame | None = None,
) -> folium.Map:
    """Map of the walking service circles: stations, service areas, residents by band and gaps.

    Parameters
    ----------
    demand : GeoDataFrame
        The ``demand`` layer after coverage (points or footprints) with ``band_col``. When
        :func:`~spatial.coverage.walks.walking_coverage` found the stations or the homes looking
        like GCJ-02 (Amap) or BD-09 (Baidu) numbers labelled WGS-84 (its ``attrs["coords_hints"]``),
        the map says so in a short note above the scale bar, on a phone too.
    stations : GeoDataFrame
        Party-mass service stations with ``name_col``; searchable by any part of the name or by
        ``station_id``. Stations with no ``name`` column (and ``name_col`` left at "name") are
        labelled by their ids: the column the walks were scored with (``walking_coverage``'s
        ``station_id_col``), ``station_id``, or the one column holding the walks' ``nearest_station``.
    isochrones, gaps : GeoDataFrame, optional
        Service areas (one toggle per band) and ranked gap areas.
    summary : DataFrame, optional
        The ``coverage_summary`` table; its community rows fill the popups and the table box.
        Without it, it is computed from ``demand`` when that has ``community_id``.
    communities, network_edges : GeoDataFrame, optional
        Community outlines and the walking network (its edges, or the WalkNetwork itself) as context.
    bands : sequence of str, optional
        Band labels nearest first (default: those found in ``demand`` and ``isochrones``).
    speed_kmh : float, optional
        The walking speed stated on the map; default the walks' own (else 4 km/h). At another, the
        homes' bands and the table follow it; ``gaps``, ``isochrones``, the stations' 2SFCA figures and
        a ``summary`` of another speed are left out with a note (``_speed.at_map_speed``).
    slope : str, optional
        The slope model the walks used (``EdgeTimes.describe()``), stated next to the speed;
        default the one ``walking_coverage(..., dem=)`` kept in ``demand.attrs["slope"]``, else flat.
    band_col, households_col, name_col : str
        Column names.
    lang, tiles, tiles_attr, tiles_crs, synthetic_note, credits, report, m
        As for :func:`grid_map`.
    sites : GeoDataFrame, optional
        New sites from :func:`spatial.site_stations` (``site_id``, ``rank`` ...), drawn on top as
        in :func:`overview_map`: a plan without grids shows its proposed sites too.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> import folium, spatial
    >>> demo = spatial.load_demo()
    >>> demand = spatial.walking_coverage(demo["units"], demo["stations"], demo["network"])
    >>> m = spatial.coverage_map(demand, demo["stations"], communities=demo["communities"])
    >>> isinstance(m, folium.Map)
    True
    """
    _check_lang(lang)
    require_crs(demand, "demand")
    require_crs(stations, "stations")
    require_columns(demand, [band_col], "demand")
    if name_col == "name" and "name" not in stations.columns:
        name_col = station_id_column(stations, demand)  # stations with no names (a run on ids alone) shown by id
    require_columns(stations, [name_col], "stations")
    for name, layer in {"isochrones": isochrones, "gaps": gaps, "communities": communities, "sites": sites}.items():
        if layer is not None:
            require_crs(layer, name)
    if isochrones is not None:
        require_columns(isochrones, ["band"], "isochrones")
    # before the demand is copied or renamed; the sites' (from candidates read off Amap ...) too
    hints = [*demand.attrs.get("coords_hints", ()), *([] if sites is None else sites.attrs.get("coords_hints", ()))]
    car = bool(demand.attrs.get("car_network"))  # a network with no footway: walks along the roads only
    band_list = _bands(bands, demand, band_col, isochrones, summary)
    # gaps, service areas, 2SFCA figures and a table of another speed than the homes drawn: left out
    at = at_map_speed(demand, speed_kmh, band_col, band_list, gaps=gaps, isochrones=isochrones, stations=stations,
                      slope=(slope := walks_slope(demand, slope, lang)))  # walks on a DEM: said by the speed
    demand, speed_kmh, gaps, isochrones, stations = at.demand, at.speed_kmh, at.gaps, at.isochrones, at.stations
    gaps = None if gaps is None else gaps_with_homes(gaps, households_col)  # (a park beyond the band is no gap)
    colours = st.band_colours(band_list)
    demand = demand.rename(columns={band_col: "band"}) if band_col != "band" else demand
    own = m is None
    if own:
        m = _new_map(lang, tiles, tiles_attr, tiles_crs, len(demand), st.text(lang, "map_coverage"))
    state = _state(m, lang)
    # homes that look like Amap numbers, layers of another speed left out: said on the map itself (a phone too)
    st.keep_notices(state, lang, hints, car_network=car)
    speed_notice(state, lang, at)
    draw.remember_names(state, communities, stations, name_col)
    table = community_coverage(summary_at_speed(summary, demand, band_list, households_col) if at.redrawn else summary,
                               demand, band_list, households_col, communities)
    if summary is not None and table is None:
        at.left_out.append(("coverage_summary", None))
    if network_edges is not None:
        draw.network(m, state, lang, report, network_edges)
    if communities is not None:
        draw.communities(m, state, lang, report, communities, draw.community_extra(table, communities, band_list, lang))
    if isochrones is not None:
        draw.isochrones(m, state, lang, report, isochrones, band_list, colours)
    draw.demand(m, state, lang, report, demand, band_list, colours, households_col)
    if gaps is not None and len(gaps):
        draw.gaps(m, state, lang, report, gaps, households_col, state.get("sites", sites))  # (named in its popup)
    draw.stations(m, with_station_reasons(stations, demand, lang), state, lang, report, name_col)  # as the CLI's
    if sites is not None:
        draw.sites(m, state, lang, report, sites)
    synthetic = _synthetic(synthetic_note, demand, stations, communities,
                           *([] if sites is None else [sites]))
    m15 = round(speed_kmh * 1000 / 60 * 15)
    rows = draw.demand_rows(lang, demand, band_list, colours, households_col, gaps)  # as drawn
    syn = _synthetic_once(state, lang, synthetic)
    # on slopes 15 minutes reach 1000 m on the flat only (uphill less, slightly downhill more)
    flat = ("平地上 " if lang == "zh" else " on the flat") if slope else ""
    notes = [st.text(lang, "speed", speed=f"{speed_kmh:.1f}", m15=m15, flat=flat)]
    if slope:
        notes.append(st.text(lang, "slope", model=slope))
    notes += left_out_notes(at, lang, report)
    BoxControl(st.legend_html(st.text(lang, "coverage_legend"), rows, notes, synthetic=syn)).add_to(m)
    if table is not None:
        BoxControl(coverage_table(table, band_list, communities, lang), kind="table").add_to(m)
    return _finish(m, own=own, lang=lang, synthetic=synthetic, credits=credits)


def overview_map(
    grids: gpd.GeoDataFrame,
    demand: gpd.GeoDataFrame,
    stations: gpd.GeoDataFrame,
    *,
    sites: gpd.GeoDataFrame | None = None,
    isochrones: gpd.GeoDataFrame | None = None,
    gaps: gpd.GeoDataFrame | None = None,
    summary: pd.DataFrame | None = None,
    communities: gpd.GeoDataFrame | None = None,
    network_edges: gpd.GeoDataFrame | None = None,
    units: gpd.GeoDataFrame | None = None,
    min_households: float = 300,
    max_households: float = 500,
    status_col: str | None = None,
    bands: Sequence[str] | None = None,
    speed_kmh: float | None = None,
    slope: str | None = None,
    lang: str = "zh",
    tiles: str | list[str] | None = None,
    tiles_attr: str | None = None,
    tiles_crs: str = "wgs84",
    synthetic_note: bool | None = None,
    credits: Sequence[str] | str = (),
    report: Report | None = None,
    notes: pd.DataFrame | Report | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Grids and coverage on one map, plus recommended new sites (the ``sites`` layer).

    Parameters are those of :func:`grid_map` (``status_col`` too) and :func:`coverage_map`; ``sites`` is the siting
    result (``site_id``, ``rank``, ``gain_households`` ...), drawn as gold markers numbered by
    the order in which to build them. Grids are outlined in their household-status colour over
    the units' coverage colours; the service areas are off until toggled.

    Returns
    -------
    folium.Map

    Examples
    --------
    >>> import folium, spatial
    >>> demo = spatial.load_demo()
    >>> plan = spatial.partition_grids(demo["units"], demo["communities"])
    >>> demand = spatial.walking_coverage(plan.units, demo["stations"], demo["network"])
    >>> m = spatial.overview_map(plan.grids, demand, demo["stations"], communities=demo["communities"])
    >>> isinstance(m, folium.Map)
    True
    """
    _check_lang(lang)
    for layer, name in ((grids, "grids"), (demand, "demand"), (stations, "stations")):
        require_crs(layer, name)
    own = m is None
    if own:
        m = _new_map(lang, tiles, tiles_attr, tiles_crs, len(demand) + len(grids), st.text(lang, "map_overview"))
    common = {"lang": lang, "synthetic_note": synthetic_note, "report": report, "m": m, "credits": credits}
    state = _state(m, lang)
    state.update(overview=True, sites=sites)  # grid outlines over unit colours, service areas off; the gaps' sites
    draw.remember_names(state, communities, stations)
    grid_map(grids, network_edges=network_edges, units=units,
             min_households=min_households, max_households=max_households, status_col=status_col, notes=notes,
             **common)
    coverage_map(demand, stations, isochrones=isochrones, gaps=gaps, summary=summary, bands=bands,
                 communities=communities, speed_kmh=speed_kmh, slope=slope, **common)
    if sites is not None:
        draw.sites(m, state, lang, report, sites)
        st.keep_notices(state, lang, sites.attrs.get("coords_hints", ()))  # candidates read off Amap ...
    synthetic = _synthetic(synthetic_note, grids, demand, stations, sites)
    return _finish(m, own=own, lang=lang, synthetic=synthetic, credits=credits)


def save_map(m: folium.Map, path: str | Path, *, offline: bool = True) -> Path:
    """Write ``m`` to ``path`` as one HTML file; by default self-contained (works offline).

    Parameters
    ----------
    m : folium.Map
        A map from this module or any folium map.
    path : str or Path
        The ``.html`` file to write (whole or not at all); folders are created.
    offline : bool
        Inline Leaflet and the plugins from the vendored assets (default). With ``False`` the page
        loads them from folium's CDNs.

    Returns
    -------
    Path
        The written file.

    Raises
    ------
    SpatialError
        With ``offline=True``, when the map uses a remote script or stylesheet with no vendored copy.

    Examples
    --------
    >>> import os, tempfile, spatial
    >>> demo = spatial.load_demo()
    >>> m = spatial.grid_map(spatial.partition_grids(demo["units"], demo["communities"]).grids)
    >>> path = spatial.save_map(m, os.path.join(tempfile.mkdtemp(), "grids.html"))
    >>> path.name, '<script src="http' in path.read_text(encoding="utf-8")  # self-contained
    ('grids.html', False)
    """
    path = Path(path)
    if not isinstance(m, folium.Map):
        raise OptionTypeError(f"save_map needs a folium.Map (from grid_map, coverage_map or overview_map), got "
                              f"{type(m).__name__}")
    page = inline_assets(render_page(m)) if offline else render_page(m)
    with atomic_path(path) as tmp:  # a full disk or Ctrl-C never leaves half a map
        tmp.write_text(page, encoding="utf-8")
    logger.info("wrote %s (%.2f MB)", path, path.stat().st_size / 1e6)
    return path
