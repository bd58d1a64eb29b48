"""Read any road source into a :class:`~spatial.network.graph.WalkNetwork` in ground metres.

Sources: an osmnx ``.graphml``, OSM XML (``.osm``, via ``osmnx.graph_from_xml``), ``.osm.pbf``
(ways with a ``highway`` tag, read with pyosmium), a LineString layer (GeoPackage, Shapefile,
GeoJSON or a GeoDataFrame; split at vertices shared within 0.1 m), or a networkx graph with node
``x``/``y`` attributes. The network is undirected (people walk both ways on one-way streets),
non-walkable classes (motorways, trunk roads and their links by default) are dropped, everything
is projected to a metric CRS, and by default only the largest connected component is kept.
Whatever is dropped is listed in ``WalkNetwork.report``.

May import :mod:`spatial.network.graph`, :mod:`spatial.network.snapping` (to keep the components
that hold stations), :mod:`spatial.io` and :mod:`spatial.core`.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import networkx as nx
import numpy as np
import pyproj
import shapely

from spatial.core.checks import Report, require_crs
from spatial.core.errors import CRSError, InputFileError, NetworkError
from spatial.network import _readers
from spatial.network.graph import (
    DEFAULT_EXCLUDED_HIGHWAYS,
    WalkNetwork,
    _assemble,
    keep_components,
)
from spatial.network.snapping import snap_points

logger = logging.getLogger(__name__)

__all__ = ["read_network", "network_from_place"]

_LINE_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".zip")


def read_network(
    source,
    *,
    exclude_highways: Iterable[str] = DEFAULT_EXCLUDED_HIGHWAYS,
    keep: str = "largest",
    crs=None,
    barriers: gpd.GeoDataFrame | None = None,
    stations: gpd.GeoDataFrame | None = None,
    max_snap_m: float = 100.0,
) -> WalkNetwork:
    """Read a walking network from a file, a networkx graph or a GeoDataFrame of lines.

    Parameters
    ----------
    source : str, Path, networkx.Graph or geopandas.GeoDataFrame
        ``.graphml`` (osmnx), ``.osm`` (OSM XML), ``.osm.pbf``, a line layer file (``.gpkg``,
        ``.shp``, ``.geojson`` ...), an osmnx-style graph, or a GeoDataFrame of LineStrings.
    exclude_highways : iterable of str
        OSM ``highway`` classes to drop (default motorway, trunk and their links). An edge
        merged from several ways is dropped when any of its classes is listed.
    keep : {"largest", "all", "stations"}
        Which connected components to keep: the largest, all of them (see
        ``WalkNetwork.component``), or every component that holds a station (needs
        ``stations``). Dropped components are reported.
    crs : optional
        Metric CRS to project to; default the local UTM zone of the network.
    barriers : GeoDataFrame of lines, optional
        Rivers, railways, walls: edges crossing a barrier are removed and reported.
    stations : GeoDataFrame of points, optional
        Needed for ``keep="stations"``.
    max_snap_m : float
        With ``keep="stations"``: how far a station may be from a component to hold it.

    Returns
    -------
    WalkNetwork

    Examples
    --------
    >>> import spatial
    >>> net = spatial.read_network(spatial.demo_paths()["network"])
    >>> net.crs.to_epsg(), net.node_xy.shape[1], bool((net.length_m > 0).all())
    (32650, 2, True)
    >>> sorted(net.report["action"].unique())
    ['dropped', "dropped (keep='largest')"]
    """
    if keep not in ("largest", "all", "stations"):
        raise ValueError(f"keep must be 'largest', 'all' or 'stations', not {keep!r}")
    if keep == "stations" and stations is None:
        raise ValueError("keep='stations' needs the station points: read_network(..., stations=gdf)")
    report = Report()
    label = _label(source)
    metric = None if crs is None else pyproj.CRS.from_user_input(crs)
    if metric is not None and not (metric.is_projected and metric.axis_info[0].unit_name in ("metre", "meter")):
        raise CRSError(f"crs={crs!r} is not a metric projected CRS; pass e.g. 'EPSG:32650' or leave it None")

    edges, nodes = _load(source, metric, label)
    if metric is None:
        metric = _target_crs(nodes)
    if nodes.crs is None or pyproj.CRS.from_user_input(nodes.crs) != metric:
        nodes = nodes.to_crs(metric)
        edges = edges.to_crs(metric)

    edges = _drop_highways(edges, tuple(exclude_highways), report, label)
    if barriers is not None:
        edges = _cut_barriers(edges, barriers, report, label, metric)
    if len(edges) == 0:
        raise NetworkError(f"network '{label}' has no walkable edges left (after dropping {list(exclude_highways)})")

    net = _assemble(edges, nodes, metric, report, label)
    if keep == "largest":
        net = keep_components(net, [0], reason="keep='largest'")
    elif keep == "stations":
        pts = stations.to_crs(net.crs) if require_crs(stations, "stations") != net.crs else stations
        xy = shapely.get_coordinates(pts.geometry.representative_point().values)
        snap = snap_points(net, xy, max_snap_m=max_snap_m)
        held = np.unique(net.edge_component[snap.edge[snap.edge >= 0]])
        if len(held) == 0:
            raise NetworkError(f"no station lies within {max_snap_m} m of network '{label}'")
        net = keep_components(net, held, reason="keep='stations': no station in it")
    logger.info("network %s: %d nodes, %d edges, %.1f km (%s)", label, net.n_nodes, net.n_edges,
                net.length_m.sum() / 1000, net.crs.to_string())
    return net


def network_from_place(place: str, *, download: bool = False, network_type: str = "walk",
                       **options) -> WalkNetwork:
    """Download a walking network with ``osmnx.graph_from_place`` (needs internet).

    Nothing is fetched unless ``download=True`` is passed explicitly; offline users should read a
    saved file with :func:`read_network` instead. ``options`` go to :func:`read_network`.
    """
    if not download:
        raise NetworkError(
            f"network_from_place({place!r}) would download from OpenStreetMap; pass download=True "
            "to allow it, or read a saved network with read_network('walk.graphml')"
        )
    import osmnx as ox

    graph = ox.graph_from_place(place, network_type=network_type, retain_all=True)
    return read_network(graph, **options)


def _target_crs(gdf: gpd.GeoDataFrame) -> pyproj.CRS:
    """The layer's own CRS when it is projected in metres, else its local UTM zone."""
    crs = pyproj.CRS.from_user_input(gdf.crs)
    if crs.is_projected and crs.axis_info and crs.axis_info[0].unit_name in ("metre", "meter"):
        return crs
    return pyproj.CRS.from_user_input(gdf.estimate_utm_crs())


def _label(source) -> str:
    if isinstance(source, (str, Path)):
        return str(source)
    return type(source).__name__


def _load(source, metric, label):
    """Dispatch on the kind of source; returns (edges, nodes) in the source CRS or ``metric``."""
    if isinstance(source, nx.Graph):
        return _readers.from_graph(source)
    if isinstance(source, gpd.GeoDataFrame):
        require_crs(source, "network")
        lines = source.to_crs(metric if metric is not None else _target_crs(source))
        return _readers.from_lines(lines, lines.crs)
    if not isinstance(source, (str, Path)):
        raise TypeError(f"network source must be a path, a networkx graph or a GeoDataFrame, not {type(source).__name__}")
    path = Path(source)
    if not path.exists():
        raise InputFileError(f"network file {path} does not exist")
    name = path.name.lower()
    if name.endswith(".graphml"):
        return _readers.from_graphml(path)
    if name.endswith(".osm.pbf") or name.endswith(".pbf"):
        return _readers.from_pbf(path)
    if name.endswith(".osm") or name.endswith(".xml"):
        return _readers.from_osm_xml(path)
    if name.endswith(_LINE_SUFFIXES):
        if name.endswith((".gpkg", ".shp", ".geojson", ".json")):
            from spatial.io.layers import (
                read_layer,  # detects shapefile encodings, refuses files without a CRS
            )

            lines = read_layer(path, name="network")
        else:
            try:
                lines = gpd.read_file(path)
            except Exception as exc:  # noqa: BLE001
                raise InputFileError(f"cannot read network layer {path}: {exc}") from exc
        if lines.crs is None:
            raise CRSError(f"network layer {path} has no CRS; add a .prj / set it with gdf.set_crs(...) and save again")
        lines = lines.to_crs(metric if metric is not None else _target_crs(lines))
        return _readers.from_lines(lines, lines.crs, layer=str(path))
    raise InputFileError(
        f"network file {path}: unknown kind; use .graphml, .osm, .osm.pbf, or a line layer "
        "(.gpkg, .shp, .geojson)"
    )


def _drop_highways(edges: gpd.GeoDataFrame, excluded: tuple[str, ...], report: Report, label: str):
    if not excluded:
        return edges
    excl = set(excluded)
    classes = edges["highway"].astype(str).str.split(";")
    bad = classes.map(lambda cs: any(c.strip() in excl for c in cs)).to_numpy(bool)
    if bad.any():
        for u, v, hw in zip(edges["u"].to_numpy()[bad], edges["v"].to_numpy()[bad], edges["highway"].to_numpy()[bad]):
            report.add("network", f"{u}-{v}", f"highway={hw} is not walkable", "dropped")
        logger.info("network %s: dropped %d non-walkable edges (%s)", label, int(bad.sum()), ", ".join(excluded))
    return edges.loc[~bad]


def _cut_barriers(edges, barriers, report, label, metric):
    require_crs(barriers, "barriers")
    bar = barriers.to_crs(metric).geometry.values
    tree = shapely.STRtree(edges.geometry.values)
    _, hit = tree.query(bar, predicate="intersects")
    hit = np.unique(hit)
    for u, v in zip(edges["u"].to_numpy()[hit], edges["v"].to_numpy()[hit]):
        report.add("network", f"{u}-{v}", "edge crosses a barrier line", "dropped")
    if len(hit):
        logger.info("network %s: %d edges cross barriers and were removed", label, len(hit))
    mask = np.ones(len(edges), bool)
    mask[hit] = False
    return edges.loc[mask]
