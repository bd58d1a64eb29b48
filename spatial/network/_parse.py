"""A network file read once, before the walking filter: what :func:`spatial.network.read.read_network`
filters under its rules, so that one read of a file serves both the walks and the roads grids
follow (:func:`spatial.network.roads.read_network_and_roads`).

Private plumbing of :mod:`spatial.network.read`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

import geopandas as gpd

from spatial.core.errors import CRSError, InputFileError
from spatial.network import _osmfile, _readers

OSM_SUFFIXES = (".osm", ".osm.pbf", ".pbf", ".osm.bz2", ".osm.gz", ".xml")
LINE_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".kmz", ".zip")


@dataclass(frozen=True)
class Parsed:
    """A network file as read: ``kind`` ``"graphml"`` (``data``: :func:`_readers.graph_rows`),
    ``"osm"`` (:class:`_osmfile.OsmWays`) or ``"lines"`` (the layer, in ``crs``, its own CRS)."""

    path: Path
    kind: str
    data: Any
    crs: Any = None


def parse_file(path: Path, *, layer: str | None = None) -> Parsed:
    """Read the network file ``path`` (any kind :func:`read_network` reads; a line layer's
    ``layer`` of a GeoPackage or folder of a KML file) once, as :class:`Parsed`."""
    if not path.exists():
        raise InputFileError(f"network file {path} does not exist")
    name = path.name.lower()
    if name.endswith(".graphml"):
        return Parsed(path, "graphml", _readers.graphml_rows(path))
    if name.endswith(OSM_SUFFIXES):
        return Parsed(path, "osm", _osmfile.osm_ways(path), "EPSG:4326")
    if name.endswith(LINE_SUFFIXES):
        if name.endswith((".gpkg", ".shp", ".geojson", ".json", ".kml", ".kmz")):
            from spatial.io.layers import (
                read_layer,  # detects shapefile encodings, refuses files without a CRS
            )

            lines = read_layer(path, layer=layer, name="network")
        else:
            try:
                lines = gpd.read_file(path, layer=layer)
            except Exception as exc:  # noqa: BLE001
                raise InputFileError(f"cannot read network layer {path}: {exc}") from exc
        if lines.crs is None:
            raise CRSError(f"network layer {path} has no CRS; add a .prj / set it with gdf.set_crs(...) and save again")
        return Parsed(path, "lines", lines, lines.crs)
    raise InputFileError(
        f"network file {path}: unknown kind; use .osm, .osm.bz2, .osm.gz, .osm.pbf, .graphml, or a "
        "line layer (.gpkg, .shp, .geojson)"
    )


def parsed_loaded(parsed: Parsed, rules: Mapping | None) -> tuple[_readers.Loaded, Any]:
    """``(Loaded, source CRS)`` of a parsed OSM file or GraphML under the walking filter's ``rules``
    (a line layer is reprojected first: :func:`spatial.network.read._load`)."""
    if parsed.kind == "graphml":
        loaded = _readers.graph_loaded(parsed.data, rules=rules)
        return loaded, loaded.nodes.crs
    return _osmfile.osm_loaded(parsed.data, rules=rules), parsed.crs
