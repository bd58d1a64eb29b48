"""Interactive HTML maps of grids and walking coverage that open offline (folium).

Every function returns a ``folium.Map`` (it displays inline in Jupyter) and accepts ``m=`` to add
its layers to an existing map. Layers follow docs/layers.md; each is checked for a CRS and drawn in
EPSG:4326, coordinates rounded to 6 decimals (about 0.1 m) and embedded as compact JSON.
:func:`save_map` writes one self-contained HTML file with Leaflet and its plugins inlined from
``spatial/maps/_assets`` (see :mod:`spatial.maps._offline`), so the map opens on an intranet with no internet.
No basemap by default: the walking network is the context; ``tiles=`` adds one.
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

from spatial.core.checks import Report, check_households, require_columns, require_crs
from spatial.core.errors import ColumnError
from spatial.maps import _style as st
from spatial.maps._data import (
    community_coverage,
    coverage_table,
    jsonable,
    layer_json,
    popup_props,
)
from spatial.maps._offline import OfflineMap, inline_assets

logger = logging.getLogger(__name__)

__all__ = ["grid_map", "coverage_map", "overview_map", "save_map", "tianditu_tiles"]

#: Gaps with a permanent rank label (the largest ones); the rest show it in their popup.
GAP_LABELS = 10
#: Above this many drawn features the map draws on a canvas instead of one SVG path per feature.
CANVAS_ABOVE = 5000
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
AMAP_TILES = "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}"
_UNCOVERED = ("beyond", "unreachable")


def _add_layer(m, gdf, name, *, layer_name, props, fields, styles, style_index=None, state,
               report, show=True, **opts) -> st.VectorLayer:
    data, n, bounds = layer_json(gdf, name, props, style_index, gcj02=state["gcj02"], report=report)
    layer = st.VectorLayer(data, name=layer_name, styles=styles, fields=fields, show=show,
                           n_features=n, **opts)
    layer.add_to(m)
    state["n_features"] += n
    if bounds is not None:
        state["bounds"].append(bounds)
    return layer


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
        raise ValueError(f"lang must be 'zh' or 'en', got {lang!r}")


def _state(m: folium.Map) -> dict:
    """Per-map bookkeeping (bounds, feature count, notes already shown)."""
    if not hasattr(m, "_spatial_state"):
        m._spatial_state = {"gcj02": False, "bounds": [], "n_features": 0, "notes": set()}
    return m._spatial_state


def _new_map(lang: str, tiles, tiles_attr: str | None, tiles_crs: str, n_hint: int,
             title: str) -> folium.Map:
    m = OfflineMap(location=None, tiles=None, prefer_canvas=n_hint > CANVAS_ABOVE, zoom_start=14,
                   zoom_snap=0.25, zoom_delta=0.5)  # fit the study area snugly, not to a whole zoom level
    st.ScaleBar().add_to(m)
    m.get_root().title = title
    state = _state(m)
    if tiles_crs not in ("wgs84", "gcj02"):
        raise ValueError(f"tiles_crs must be 'wgs84' or 'gcj02', got {tiles_crs!r}")
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
    for layer in layers:
        if layer is not None and "synthetic" in layer.columns:
            if layer["synthetic"].fillna(False).astype(bool).any():
                return True
    return False


def _synthetic_once(state: dict, lang: str, synthetic: bool) -> str:
    """The synthetic-data note for the first legend of a map that needs it, else ''."""
    if not synthetic or "synthetic_legend" in state["notes"]:
        return ""
    state["notes"].add("synthetic_legend")
    return st.text(lang, "synthetic")


def _finish(m: folium.Map, *, own: bool, lang: str, synthetic: bool,
            attribution: str | None = st.OSM_ATTRIBUTION) -> folium.Map:
    """Controls (once per map), attribution, fit to the data, and the layer control last."""
    state = _state(m)
    kids = list(m._children.values())
    if not any(isinstance(k, plugins.Fullscreen) for k in kids):
        plugins.Fullscreen(title=st.text(lang, "fullscreen"),
                           title_cancel=st.text(lang, "fullscreen_exit")).add_to(m)
        plugins.MeasureControl(position="topleft", primary_length_unit="meters",
                               secondary_length_unit="kilometers", primary_area_unit="sqmeters",
                               secondary_area_unit="hectares",
                               localization="cn" if lang == "zh" else "en").add_to(m)
    notes = [a for a in [attribution] if a]
    if synthetic:
        notes.append(st.text(lang, "synthetic"))
    new = [n for n in notes if n not in state["notes"]]
    if new or "extras" not in state["notes"]:
        st.MapExtras(new, labels="extras" not in state["notes"]).add_to(m)
        state["notes"].update([*new, "extras"])
    if own and state["bounds"]:
        b = np.vstack(state["bounds"])
        m.fit_bounds([[b[:, 1].min(), b[:, 0].min()], [b[:, 3].max(), b[:, 2].max()]])
    for key, child in list(m._children.items()):
        if isinstance(child, folium.LayerControl):
            del m._children[key]
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    return m


def _context(m, state, lang, report, *, communities, network_edges, community_props=None):
    """Walking network and community outlines, the map's context layers."""
    if network_edges is not None:
        _add_layer(m, network_edges, "network_edges", layer_name=st.text(lang, "network"), props={},
                   fields=[], styles=[{"color": st.NETWORK_COLOUR, "weight": 1, "opacity": 0.7,
                                       "radius": 1}], state=state, report=report, interactive=False)
    if communities is not None:
        require_crs(communities, "communities")
        props, fields = popup_props(communities, ["community_id", "name", "code", "street"], lang)
        extra = community_props or {}
        props.update({k: v for k, (v, _) in extra.items()})
        fields += [(k, label) for k, (_, label) in extra.items()]
        tip = "name" if "name" in communities.columns else ("community_id" if "community_id" in communities.columns else None)
        _add_layer(m, communities, "communities", layer_name=st.text(lang, "communities"),
                   props=props, fields=fields, state=state, report=report, tooltip_field=tip,
                   title_field=tip,
                   styles=[{"color": st.COMMUNITY_COLOUR, "weight": 2.5, "dashArray": "6 4",
                            "fill": False}])


# ---------------------------------------------------------------- public maps
GRID_FIELDS = ["grid_code", "grid_id", "community_id", "households", "population", "n_units",
               "n_buildings", "area_m2", "polsby_popper", "road_share", "band_status",
               "full_time_workers", "part_time_workers", "building_leads", "household_leads"]


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
    lang: str = "zh",
    tiles: str | list[str] | None = None,
    tiles_attr: str | None = None,
    tiles_crs: str = "wgs84",
    synthetic_note: bool | None = None,
    report: Report | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Map of management grids coloured by households against the band, with labels and popups.

    Parameters
    ----------
    grids : GeoDataFrame
        The ``grids`` layer (docs/layers.md); needs ``households_col`` and ``grid_code`` or
        ``grid_id`` (or ``label_col``). Any CRS.
    communities, network_edges, units : GeoDataFrame, optional
        Community outlines, the walking network (LineStrings) and residential units as context.
    min_households, max_households : float
        The household band: grids under it, in it and over it get their own colour.
    households_col, label_col : str
        Column names; the label defaults to ``grid_id`` (short), else ``grid_code``; both are
        in the popup.
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
    report : Report, optional
        Receives rows that could not be drawn (no geometry).
    m : folium.Map, optional
        Add the layers to this map instead of a new one (it keeps its basemap and view; the
        ``tiles*`` options apply to new maps only).

    Returns
    -------
    folium.Map

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
    if min_households > max_households:
        raise ValueError(f"min_households ({min_households}) is above max_households ({max_households})")
    require_crs(grids, "grids")
    label_col = label_col or next((c for c in ("grid_id", "grid_code") if c in grids.columns), None)
    if label_col is None:
        raise ColumnError("'grids' has neither 'grid_code' nor 'grid_id'; pass label_col= with the "
                          "column that names each grid")
    require_columns(grids, [label_col], "grids")
    hh = check_households(grids, households_col, "grids")
    own = m is None
    if own:
        m = _new_map(lang, tiles, tiles_attr, tiles_crs, len(grids) + len(units if units is not None else []),
                     "网格划分" if lang == "zh" else "Management grids")
    state = _state(m)
    _context(m, state, lang, report, communities=communities, network_edges=network_edges)
    if units is not None:
        props, fields = popup_props(units, ["unit_id", "households", "population", "grid_id", "community_id"], lang)
        _add_layer(m, units, "units", layer_name=st.text(lang, "units"), props=props, fields=fields,
                   styles=[{"color": st.UNIT_COLOUR, "weight": 0.6, "fillOpacity": 0.15, "radius": 3}],
                   state=state, report=report, title_field="unit_id" if "unit_id" in units else None)
    status = np.where(hh < min_households, "under", np.where(hh > max_households, "over", "in"))
    order = ["under", "in", "over"]
    fmt = {"lo": f"{min_households:g}", "hi": f"{max_households:g}"}
    cols = [c for c in GRID_FIELDS if c != "band_status"] + (
        [label_col] if label_col not in GRID_FIELDS else [])
    if households_col not in cols:
        cols.append(households_col)
    props, fields = popup_props(grids, cols, lang)
    props["band_status"] = [st.text(lang, s, **fmt) for s in status]
    props["_label"] = jsonable(grids[label_col], label_col)
    fields.insert(min(3, len(fields)), ("band_status", st.field_label(lang, "band_status")))
    fill = 0.12 if state.get("overview") else 0.45  # let coverage colours show through
    styles = [{"color": "#333333", "weight": 1.2, "fillColor": st.STATUS_COLOURS[s], "fillOpacity": fill}
              for s in order]
    _add_layer(m, grids, "grids", layer_name=st.text(lang, "grids"), props=props, fields=fields,
               styles=styles, style_index=[order.index(s) for s in status], state=state, report=report,
               label_field="_label", title_field="_label", minor_labels=True)
    synthetic = _synthetic(synthetic_note, grids, units, communities)
    rows = [(st.STATUS_COLOURS[s], st.text(lang, s, **fmt) + f" ({int((status == s).sum())})") for s in order]
    syn = _synthetic_once(state, lang, synthetic)
    st.BoxControl(st.legend_html(st.text(lang, "grid_legend"), rows, [], synthetic=syn),
                  position="bottomleft").add_to(m)
    return _finish(m, own=own, lang=lang, synthetic=synthetic)


def _bands(bands, demand: pd.DataFrame, band_col: str, isochrones) -> list[str]:
    if bands is not None:
        return [str(b) for b in bands]
    found = set(map(str, demand[band_col].dropna().unique()))
    if isochrones is not None and "band" in isochrones.columns:
        found |= set(map(str, isochrones["band"].dropna().unique()))
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
    speed_kmh: float = 4.0,
    band_col: str = "band",
    households_col: str = "households",
    name_col: str = "name",
    lang: str = "zh",
    tiles: str | list[str] | None = None,
    tiles_attr: str | None = None,
    tiles_crs: str = "wgs84",
    synthetic_note: bool | None = None,
    report: Report | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Map of the walking service circles: stations, service areas, residents by band and gaps.

    Parameters
    ----------
    demand : GeoDataFrame
        The ``demand`` layer after coverage (points or footprints) with ``band_col``.
    stations : GeoDataFrame
        Party-mass service stations with ``name_col`` (searchable on the map).
    isochrones, gaps : GeoDataFrame, optional
        Service areas (one toggle per band) and ranked gap areas.
    summary : DataFrame, optional
        The ``coverage_summary`` table; its community rows fill the popups and the table box.
        Without it, it is computed from ``demand`` when that has ``community_id``.
    communities, network_edges : GeoDataFrame, optional
        Community outlines and the walking network as context.
    bands : sequence of str, optional
        Band labels nearest first (default: those found in ``demand`` and ``isochrones``).
    speed_kmh : float
        The walking speed the bands assume, stated on the map.
    band_col, households_col, name_col : str
        Column names.
    lang, tiles, tiles_attr, tiles_crs, synthetic_note, report, m
        As for :func:`grid_map`.

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
    if not speed_kmh > 0:
        raise ValueError(f"speed_kmh must be > 0, got {speed_kmh}")
    require_crs(demand, "demand")
    require_crs(stations, "stations")
    require_columns(demand, [band_col], "demand")
    require_columns(stations, [name_col], "stations")
    if isochrones is not None:
        require_crs(isochrones, "isochrones")
        require_columns(isochrones, ["band"], "isochrones")
    if gaps is not None:
        require_crs(gaps, "gaps")
    band_list = _bands(bands, demand, band_col, isochrones)
    colours = st.band_colours(band_list)
    demand = demand.rename(columns={band_col: "band"}) if band_col != "band" else demand
    own = m is None
    if own:
        m = _new_map(lang, tiles, tiles_attr, tiles_crs, len(demand),
                     "15分钟服务圈" if lang == "zh" else "15-minute service circles")
    state = _state(m)
    table = community_coverage(summary, demand, band_list, households_col)
    community_props = None
    if table is not None and communities is not None and "community_id" in communities.columns:
        per_community = table[table["level"] == "community"].drop_duplicates("id").set_index("id")
        ids = communities["community_id"].astype(str)
        community_props = {}
        for b in band_list:
            col = f"pct_hh_{b}"
            if col in per_community.columns:
                label = ("{}覆盖率 (%)" if lang == "zh" else "{} coverage (%)").format(st.band_label(lang, b))
                community_props[col] = (jsonable(ids.map(per_community[col]), col), label)
    _context(m, state, lang, report, communities=communities, network_edges=network_edges,
             community_props=community_props)
    if isochrones is not None:
        for b in reversed(band_list):
            part = isochrones[isochrones["band"].astype(str) == b]
            if part.empty:
                continue
            props, fields = popup_props(part, ["station_id", "band", "limit_m", "limit_min", "area_m2"], lang)
            props["band"] = [st.band_label(lang, b)] * len(part)
            _add_layer(m, part, f"isochrones[{b}]", show=not state.get("overview"),
                       layer_name=html.escape(st.text(lang, "service_area", band=st.band_label(lang, b))),
                       props=props, fields=fields, state=state, report=report,
                       styles=[{"color": colours[b], "weight": 1, "fillColor": colours[b], "fillOpacity": 0.2}])
    demand_cols = ["unit_id", "building_id", "demand_id", "community_id", households_col, "population",
                   "walk_m", "walk_min", "nearest_station", "band", "reason"]
    uncovered = ~demand["band"].astype(str).isin(band_list)
    for mask, key in ((~uncovered, "demand_covered"), (uncovered, "demand_uncovered")):
        part = demand[mask.to_numpy()]
        if part.empty:
            continue
        props, fields = popup_props(part, demand_cols, lang)
        raw = part["band"].astype(str)
        props["band"] = [st.band_label(lang, b) for b in raw]
        if "reason" in props:
            props["reason"] = [st.reason_label(lang, r) for r in props["reason"]]
        if key == "demand_covered":
            styles = [{"color": colours[b], "weight": 0.5, "fillColor": colours[b], "fillOpacity": 0.8,
                       "radius": 3} for b in band_list]
            index = [band_list.index(b) for b in raw]
        else:
            styles = [{"color": c, "weight": 0.5, "fillColor": c, "fillOpacity": 0.85, "radius": 3.5}
                      for c in (st.BEYOND_COLOUR, st.UNREACHABLE_COLOUR)]
            index = (raw == "unreachable").astype(int).to_numpy()
        _add_layer(m, part, "demand", layer_name=st.text(lang, key), props=props, fields=fields,
                   styles=styles, style_index=index, state=state, report=report)
    if gaps is not None and len(gaps):
        g = gaps.sort_values("rank") if "rank" in gaps.columns else gaps
        props, fields = popup_props(g, ["gap_id", "rank", households_col, "population", "n_points"], lang)
        if "rank" in g.columns:
            # a permanent label for the ten largest gaps; every gap has its popup
            props["_label"] = [None if r is None or k >= GAP_LABELS else f"#{r}"
                               for k, r in enumerate(jsonable(g["rank"], "rank"))]
        _add_layer(m, g, "gaps", layer_name=st.text(lang, "gaps"), props=props, fields=fields,
                   state=state, report=report, label_field="_label" if "rank" in g.columns else None,
                   styles=[{"color": st.GAP_COLOUR, "weight": 2.5, "dashArray": "5 3",
                            "fillColor": st.GAP_COLOUR, "fillOpacity": 0.08, "radius": 8}])
    _stations(m, stations, state, lang, report, name_col)
    synthetic = _synthetic(synthetic_note, demand, stations, communities)
    m15 = round(speed_kmh * 1000 / 60 * 15)
    rows = [(colours[b], st.band_label(lang, b)) for b in band_list]
    rows += [(st.BEYOND_COLOUR, st.text(lang, "beyond")), (st.UNREACHABLE_COLOUR, st.text(lang, "unreachable"))]
    if gaps is not None:
        rows.append((st.GAP_COLOUR, st.text(lang, "gaps")))
    rows.append((st.STATION_COLOUR, st.text(lang, "stations")))
    syn = _synthetic_once(state, lang, synthetic)
    notes = [st.text(lang, "speed", speed=f"{speed_kmh:.1f}", m15=m15)]
    st.BoxControl(st.legend_html(st.text(lang, "coverage_legend"), rows, notes, synthetic=syn),
                  position="bottomleft").add_to(m)
    if table is not None:
        coverage_table(table, band_list, communities, lang).add_to(m)
    return _finish(m, own=own, lang=lang, synthetic=synthetic)


def _stations(m, stations, state, lang, report, name_col) -> None:
    props, fields = popup_props(stations, ["station_id", name_col, "type", "floor_area_m2", "reason"], lang)
    if "reason" in props:
        props["reason"] = [st.reason_label(lang, r) for r in props["reason"]]
    kind = stations["type"].astype(str).to_numpy() if "type" in stations.columns else np.array([""] * len(stations))
    styles = [{"color": "#ffffff", "weight": 2.5, "fillColor": st.STATION_COLOUR, "fillOpacity": 1, "radius": r}
              for r in (8, 10)]
    layer = _add_layer(m, stations, "stations", layer_name=st.text(lang, "stations"), props=props,
                       fields=fields, styles=styles, style_index=(kind == "中心").astype(int),
                       state=state, report=report, title_field=name_col, tooltip_field=name_col)
    if len(stations):
        search = plugins.Search(layer, search_label=name_col, geom_type="Point", search_zoom=17,
                                placeholder=st.text(lang, "search"), collapsed=False, position="topleft")
        search.add_to(m)
        st.TextSearchTips(search).add_to(m)


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
    bands: Sequence[str] | None = None,
    speed_kmh: float = 4.0,
    lang: str = "zh",
    tiles: str | list[str] | None = None,
    tiles_attr: str | None = None,
    tiles_crs: str = "wgs84",
    synthetic_note: bool | None = None,
    report: Report | None = None,
    m: folium.Map | None = None,
) -> folium.Map:
    """Grids and coverage on one map, plus recommended new sites (the ``sites`` layer).

    Parameters are those of :func:`grid_map` and :func:`coverage_map`; ``sites`` is the siting
    result (``site_id``, ``rank``, ``gain_households`` ...), drawn as ranked gold markers.

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
    own = m is None
    if own:
        m = _new_map(lang, tiles, tiles_attr, tiles_crs, len(demand) + len(grids),
                     "网格与15分钟服务圈" if lang == "zh" else "Grids and 15-minute service circles")
    common = {"lang": lang, "synthetic_note": synthetic_note, "report": report, "m": m}
    _state(m)["overview"] = True  # lighter grid fill, service areas off until toggled
    grid_map(grids, network_edges=network_edges, units=units,
             min_households=min_households, max_households=max_households, **common)
    coverage_map(demand, stations, isochrones=isochrones, gaps=gaps, summary=summary, bands=bands,
                 communities=communities, speed_kmh=speed_kmh, **common)
    state = _state(m)
    if sites is not None:
        require_crs(sites, "sites")
        s = sites.sort_values("rank") if "rank" in sites.columns else sites
        props, fields = popup_props(s, ["site_id", "rank", "candidate_id", "gain_households",
                                   "gain_population", "cum_coverage_pct"], lang)
        if "rank" in s.columns:
            props["_label"] = props["rank"]
        _add_layer(m, s, "sites", layer_name=st.text(lang, "sites"), props=props, fields=fields,
                   state=state, report=report, label_field="_label" if "rank" in s.columns else None,
                   styles=[{"color": "#000000", "weight": 2, "fillColor": st.SITE_COLOUR,
                            "fillOpacity": 1, "radius": 9}])
        st.BoxControl(st.legend_html(st.text(lang, "sites"), [(st.SITE_COLOUR, st.text(lang, "sites_note"))], []),
                      position="bottomleft").add_to(m)
    synthetic = _synthetic(synthetic_note, grids, demand, stations, sites)
    return _finish(m, own=own, lang=lang, synthetic=synthetic)


def save_map(m: folium.Map, path: str | Path, *, offline: bool = True) -> Path:
    """Write ``m`` to ``path`` as one HTML file; by default self-contained (works offline).

    Parameters
    ----------
    m : folium.Map
        A map from this module or any folium map.
    path : str or Path
        The ``.html`` file to write; folders are created.
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
        raise TypeError(f"save_map needs a folium.Map, got {type(m).__name__}")
    page = m.get_root().render()
    if offline:
        page = inline_assets(page)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    logger.info("wrote %s (%.2f MB)", path, path.stat().st_size / 1e6)
    return path

