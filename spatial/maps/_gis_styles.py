"""The maps' colours for desktop GIS and map apps: QGIS styles (QML) stored in a GeoPackage's
``layer_styles`` table, and the per-placemark styles of a KMZ.

A planner opening ``results.gpkg`` in QGIS, or an official opening ``results.kmz`` in 奥维 or
Google Earth, sees the layers drawn as the web maps draw them: grids filled by household status,
homes by walking band, service areas by band, gaps as dashed purple outlines, stations and sites
as dots, with the same colours (:mod:`spatial.maps._style`), labels (a grid's number, a gap's
rank, a station's name) and Chinese (or English) field aliases. Without a style QGIS draws every
layer in one random colour, and Google Earth fills a polygon solid white, hiding the map under it.

:func:`layer_looks` says what each layer looks like, in the maps' own terms (Leaflet path options
``color``, ``weight``, ``fillColor``, ``fillOpacity``, ``radius``, ``dashArray``);
:func:`qgis_styles` writes that as QML for :func:`spatial.io.writers.write_layers` (``styles=``),
:func:`kml_styles` as the ``styles=`` of :func:`spatial.io.kml.write_kml`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Mapping, NamedTuple

import geopandas as gpd
import numpy as np
import shapely

from spatial.maps import _style as st
from spatial.maps._legend import HATCH

__all__ = ["Look", "layer_looks", "qgis_styles", "kml_styles", "GEOMETRY_TYPES", "POINT_LAYERS"]

#: QGIS version the QML is written for (3.x reads it; older 3.x read the ``prop`` elements).
_QGIS_VERSION = "3.28.0"
_UNCOVERED = ("beyond", "unreachable")
#: The class of the homes layer's units of 0 households in QGIS (its renderer's expression names it).
NO_HOMES = "no homes"
#: The layers of points whatever their rows; :data:`GEOMETRY_TYPES` declares them so when empty.
POINT_LAYERS = ("stations", "sites")
#: The geometry type of this package's result layers, declared for them when they have no rows
#: (``write_layers(geometry_types=)``): the gaps of a fully covered district, the sites of a
#: siting with nothing to gain.
GEOMETRY_TYPES = {"gaps": "MultiPolygon", "isochrones": "MultiPolygon", "stations": "Point", "sites": "Point"}


class Look(NamedTuple):
    """How one layer is drawn: by the values of ``column`` (``None``: one style for all), each
    value's ``(label, style)``, and the field (or QGIS expression) its features are labelled by."""

    column: str | None
    classes: dict
    label: str | None = None
    label_is_expression: bool = False


def layer_looks(layers: Mapping[str, gpd.GeoDataFrame | None], lang: str = "zh") -> dict[str, Look]:
    """What each known layer of ``layers`` (grids, units, communities, coverage demand as
    ``demand`` or ``coverage_demand``, isochrones, gaps, stations, sites) looks like on the web
    maps. Layers without the column their colours follow, and unknown layers, are left out.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> g = gpd.GeoDataFrame({"band_status": ["in"], "grid_id": ["C01-01"]}, geometry=[shapely.box(0, 0, 1, 1)])
    >>> look = layer_looks({"grids": g})["grids"]
    >>> look.column, look.classes["in"]
    ('band_status', ('符合户数标准', {'color': '#333333', 'weight': 1.2, 'fillColor': '#1a9850', 'fillOpacity': 0.45}))
    """
    frames = {str(k): v for k, v in layers.items() if isinstance(v, gpd.GeoDataFrame)}
    found: set[str] = set()
    for name in ("demand", "coverage_demand", "isochrones"):
        if name in frames and "band" in frames[name].columns:
            found |= set(map(str, frames[name]["band"].dropna().unique()))
    bands = sorted(found - set(_UNCOVERED), key=st.band_sort_key)
    colours = st.band_colours(bands)
    out = {}
    for name, gdf in frames.items():
        cols = set(gdf.columns)
        if name == "grids" and "band_status" in cols:
            out[name] = Look("band_status", {
                s: (st.text(lang, f"{s}_file"), {"color": "#333333", "weight": 1.2, "fillColor": st.STATUS_COLOURS[s],
                                                 "fillOpacity": 0.45}) for s in ("under", "in", "over")},
                label="grid_id" if "grid_id" in cols else None)
        elif name in ("demand", "coverage_demand") and "band" in cols:
            classes = {b: (st.band_reach(lang, b), {"color": colours[b], "weight": 0.5, "fillColor": colours[b],
                                                    "fillOpacity": 0.8, "radius": 3}) for b in bands}
            for b, c in zip(_UNCOVERED, (st.BEYOND_COLOUR, st.UNREACHABLE_COLOUR)):
                classes[b] = (st.band_reach(lang, b), {"color": c, "weight": 0.5, "fillColor": c, "fillOpacity": 0.85,
                                                       "radius": 3.5})
            column = "band"
            if "households" in cols:  # land with no homes hatched whatever its walk's band, as on the web maps
                classes[NO_HOMES] = (st.text(lang, "no_homes"), {
                    "color": HATCH, "weight": 0.5, "fillColor": st.NO_HOMES_COLOUR, "fillOpacity": st.NO_HOMES_OPACITY,
                    "hatch": HATCH, "radius": 2.5})
                column = f"CASE WHEN \"households\" = 0 THEN '{NO_HOMES}' ELSE \"band\" END"
            out[name] = Look(column, classes)
        elif name == "isochrones" and "band" in cols:
            out[name] = Look("band", {b: (st.text(lang, "service_area", band=st.band_label(lang, b)),
                                          {"color": colours[b], "weight": 1, "fillColor": colours[b],
                                           "fillOpacity": 0.2}) for b in reversed(bands)})
        elif name == "gaps":
            rank = "rank" in cols
            out[name] = Look(None, {None: (st.gaps_name(lang, gdf), {
                "color": st.GAP_COLOUR, "weight": 2.5, "dashArray": "5 3", "fillColor": st.GAP_COLOUR,
                "fillOpacity": 0.08, "radius": 8})}, label="'#' || \"rank\"" if rank else None, label_is_expression=rank)
        elif name == "stations":
            out[name] = Look(None, {None: (st.text(lang, "stations"), {
                "color": "#ffffff", "weight": 2.5, "fillColor": st.STATION_COLOUR, "fillOpacity": 1, "radius": 8})},
                label=next((c for c in ("name", "station_id") if c in cols), None))
        elif name == "sites":
            out[name] = Look(None, {None: (st.text(lang, "sites"), {
                "color": "#000000", "weight": 2, "fillColor": st.SITE_COLOUR, "fillOpacity": 1, "radius": 10})},
                label="rank" if "rank" in cols else None)
        elif name == "communities":
            out[name] = Look(None, {None: (st.text(lang, "communities"), {
                "color": st.COMMUNITY_COLOUR, "weight": 2.5, "dashArray": "6 4", "fill": False})},
                label="name" if "name" in cols else None)
        elif name == "units":
            out[name] = Look(None, {None: (st.text(lang, "units"), {
                "color": st.UNIT_COLOUR, "weight": 0.6, "fillColor": st.UNIT_COLOUR, "fillOpacity": 0.15,
                "radius": 3})})
    return out


def qgis_styles(layers: Mapping[str, gpd.GeoDataFrame | None], lang: str = "zh") -> dict[str, str]:
    """QML text per styled layer of ``layers``: a categorized (or single) renderer in the web maps'
    colours, labels, and the columns' aliases in ``lang`` (户数 for ``households``)."""
    looks = layer_looks(layers, lang)
    return {name: _qml(look, layers[name], lang, name) for name, look in looks.items()}


def kml_styles(layers: Mapping[str, gpd.GeoDataFrame | None], lang: str = "zh") -> dict[str, tuple]:
    """``{layer: (column, {value: style})}`` for :func:`spatial.io.kml.write_kml`'s ``styles=``."""
    return {name: (look.column, {v: style for v, (_, style) in look.classes.items()})
            for name, look in layer_looks(layers, lang).items()
            if look.column is None or look.column in layers[name].columns}  # (a QGIS expression: no KML style)


def _rgba(colour: str, opacity: float = 1.0) -> str:
    """``#rrggbb`` and an opacity as QGIS writes a colour: ``r,g,b,a`` with ``a`` of 0-255."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"{r},{g},{b},{round(255 * opacity)}"


def _props(parent: ET.Element, props: dict[str, str]) -> None:
    """A symbol layer's properties, both as QGIS 3.26+ writes them (``Option``) and as older 3.x
    read them (``prop``)."""
    options = ET.SubElement(parent, "Option", type="Map")
    for k, v in props.items():
        ET.SubElement(options, "Option", name=k, type="QString", value=v)
    for k, v in props.items():
        ET.SubElement(parent, "prop", k=k, v=v)


def _symbol(parent: ET.Element, name: str, kind: str, style: dict) -> None:
    symbol = ET.SubElement(parent, "symbol", type=kind, name=name, alpha="1", clip_to_extent="1", force_rhr="0")
    line = _rgba(style["color"], style.get("opacity", 1.0))
    dash = "dash" if style.get("dashArray") else "solid"
    fill = _rgba(style.get("fillColor", style["color"]), style.get("fillOpacity", 0.2))
    width = f"{style.get('weight', 1):g}"
    if kind == "fill":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"})
        _props(layer, {"color": fill, "style": "solid" if style.get("fill", True) else "no", "outline_color": line,
                       "outline_style": dash, "outline_width": width, "outline_width_unit": "Pixel",
                       "joinstyle": "round"})
        if style.get("hatch"):  # grey lines over the light fill (QGIS's diagonal brush)
            layer = ET.SubElement(symbol, "layer", {"class": "SimpleFill", "enabled": "1", "locked": "0", "pass": "0"})
            _props(layer, {"color": _rgba(style["hatch"]), "style": "b_diagonal", "outline_style": "no"})
    elif kind == "line":
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleLine", "enabled": "1", "locked": "0", "pass": "0"})
        _props(layer, {"line_color": line, "line_style": dash, "line_width": width, "line_width_unit": "Pixel",
                       "capstyle": "round", "joinstyle": "round"})
    else:
        layer = ET.SubElement(symbol, "layer", {"class": "SimpleMarker", "enabled": "1", "locked": "0", "pass": "0"})
        _props(layer, {"name": "circle", "color": fill, "outline_color": line, "outline_style": "solid",
                       "outline_width": width, "outline_width_unit": "Pixel",
                       "size": f"{2 * style.get('radius', 4):g}", "size_unit": "Pixel"})


#: GEOS type ids (``shapely.get_type_id``) by name, as ``GeoSeries.geom_type`` writes them.
_TYPE_NAMES = ("Point", "LineString", "LinearRing", "Polygon", "MultiPoint", "MultiLineString", "MultiPolygon",
               "GeometryCollection")


def _kind(gdf: gpd.GeoDataFrame, name: str = "") -> tuple[str, str]:
    """QGIS's symbol type and layer geometry type (0 point, 1 line, 2 polygon) of a layer; an
    empty layer of stations or sites is of points."""
    # the distinct type ids, not a name a row (200,000 homes: 0.5 s of iterating text)
    ids = np.unique(shapely.get_type_id(np.asarray(gdf.geometry.values, dtype=object)))
    types = {_TYPE_NAMES[k] for k in ids if k >= 0}  # (-1: no geometry)
    if types and all("Point" in t for t in types) or not types and name in POINT_LAYERS:
        return "marker", "0"
    if types and all("LineString" in t for t in types):
        return "line", "1"
    return "fill", "2"


def _qml(look: Look, gdf: gpd.GeoDataFrame, lang: str, name: str = "") -> str:
    kind, geometry_type = _kind(gdf, name)
    root = ET.Element("qgis", version=_QGIS_VERSION, styleCategories="Symbology|Labeling|Fields",
                      labelsEnabled="1" if look.label else "0")
    if look.column is None:
        renderer = ET.SubElement(root, "renderer-v2", type="singleSymbol", forceraster="0", symbollevels="0",
                                 enableorderby="0")
    else:
        renderer = ET.SubElement(root, "renderer-v2", type="categorizedSymbol", attr=look.column, forceraster="0",
                                 symbollevels="0", enableorderby="0")
        categories = ET.SubElement(renderer, "categories")
        for k, (value, (label, _)) in enumerate(look.classes.items()):
            ET.SubElement(categories, "category", render="true", value=str(value), symbol=str(k), label=label,
                          type="string")
    symbols = ET.SubElement(renderer, "symbols")
    for k, (_, style) in enumerate(look.classes.values()):
        _symbol(symbols, str(k), kind, style)
    if look.label:
        settings = ET.SubElement(ET.SubElement(root, "labeling", type="simple"), "settings", calloutType="simple")
        text_style = ET.SubElement(settings, "text-style", fieldName=look.label,
                                   isExpression="1" if look.label_is_expression else "0", fontSize="9",
                                   fontSizeUnit="Point", textColor="33,33,33,255", textOpacity="1", fontWeight="50")
        ET.SubElement(text_style, "text-buffer", bufferDraw="1", bufferSize="1", bufferSizeUnits="MM",
                      bufferColor="255,255,255,255", bufferOpacity="0.9")
        # polygons: over the centroid, kept inside; points: around the point
        ET.SubElement(settings, "placement", placement="1" if kind == "fill" else "0", centroidInside="1",
                      dist="1.5" if kind == "marker" else "0", distUnits="MM")
        ET.SubElement(settings, "rendering", obstacle="1", displayAll="0", limitNumLabels="0")
    aliases = ET.SubElement(root, "aliases")
    for k, col in enumerate(c for c in gdf.columns if c != gdf.geometry.name):
        ET.SubElement(aliases, "alias", field=str(col), index=str(k), name=_alias(lang, str(col)))
    ET.SubElement(root, "layerGeometryType").text = geometry_type
    ET.indent(root, space="  ")
    return "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>\n" + ET.tostring(root, encoding="unicode")


def _alias(lang: str, column: str) -> str:
    """The words the maps' popups show for ``column`` (empty: QGIS shows the field's name)."""
    label = st.FIELD_LABELS[lang].get(column, "")
    return label if "{" not in label else ""

