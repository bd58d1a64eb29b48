"""Readers that turn every network source into one edge table (u, v, highway, name, geometry).

Private plumbing for :mod:`spatial.network.graph`. Each reader returns ``(edges, nodes)``: ``edges`` a
GeoDataFrame with columns ``u``, ``v`` (node ids), ``highway``, ``name`` and LineString geometry
running from node ``u`` to node ``v``; ``nodes`` a GeoDataFrame of Points indexed by node id.
Both carry the source CRS.

Splitting a LineString layer at shared vertices is written here rather than taken from
``momepy.gdf_to_nx`` because momepy joins lines only at exactly equal endpoints and builds a
networkx graph first; the vectorised version below snaps vertices to a 0.1 m grid, splits at
every vertex shared by two lines (not only endpoints) and stays in numpy arrays.
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from spatial.core.errors import CRSError, InputFileError, NetworkError

logger = logging.getLogger(__name__)

EDGE_COLUMNS = ["u", "v", "highway", "name", "geometry"]


def _tag_text(value) -> str:
    """OSM tag values as text; osmnx lists (merged ways) are joined with ';'."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, (list, tuple, set)):
        return ";".join(str(v) for v in value)
    return str(value)


def from_graph(graph: nx.Graph, *, crs=None) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Edges and nodes of an osmnx-style networkx graph (node attributes ``x`` and ``y``)."""
    src_crs = graph.graph.get("crs", crs)
    if src_crs is None:
        raise CRSError(
            "the network graph has no CRS (graph.graph['crs'] is missing); set it with "
            "G.graph['crs'] = 'EPSG:4326' (or the CRS the x/y are in) or pass crs=..."
        )
    ids, xs, ys = [], [], []
    for node, data in graph.nodes(data=True):
        if "x" not in data or "y" not in data:
            raise NetworkError(
                f"network node {node!r} has no 'x'/'y' attribute; a graph needs node coordinates "
                "(as osmnx graphs have)"
            )
        ids.append(node)
        xs.append(float(data["x"]))
        ys.append(float(data["y"]))
    nodes = gpd.GeoDataFrame(geometry=shapely.points(xs, ys), index=pd.Index(ids, name="node"), crs=src_crs)
    pos = dict(zip(ids, zip(xs, ys)))
    rows_u, rows_v, hw, nm, geoms = [], [], [], [], []
    for u, v, data in graph.edges(data=True):
        g = data.get("geometry")
        if g is None or g.is_empty:
            g = shapely.LineString([pos[u], pos[v]])
        rows_u.append(u)
        rows_v.append(v)
        hw.append(_tag_text(data.get("highway")))
        nm.append(_tag_text(data.get("name")))
        geoms.append(g)
    edges = gpd.GeoDataFrame(
        {"u": rows_u, "v": rows_v, "highway": hw, "name": nm}, geometry=geoms, crs=src_crs
    )
    return edges, nodes


def from_graphml(path: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Read a ``.graphml`` file written by osmnx."""
    import osmnx as ox

    try:
        graph = ox.load_graphml(path)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a bad input file
        raise InputFileError(f"cannot read network file {path}: {exc}") from exc
    return from_graph(graph)


def from_osm_xml(path: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Read an OSM XML file with osmnx.graph_from_xml (every component kept)."""
    import osmnx as ox

    try:
        with warnings.catch_warnings():
            # osmnx warns when the XML was written by osmnx itself; the data reads the same
            warnings.filterwarnings("ignore", message="The XML file you are loading appears", category=UserWarning)
            graph = ox.graph_from_xml(path, bidirectional=True, simplify=True, retain_all=True)
    except Exception as exc:  # noqa: BLE001
        raise InputFileError(f"cannot read OSM XML file {path}: {exc}") from exc
    return from_graph(graph)


def from_pbf(path: Path) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Read ways with a ``highway`` tag from an ``.osm.pbf`` with pyosmium, split at shared nodes."""
    import osmium

    way_nodes: list[np.ndarray] = []
    way_lon: list[np.ndarray] = []
    way_lat: list[np.ndarray] = []
    tags_hw: list[str] = []
    tags_nm: list[str] = []
    try:
        fp = osmium.FileProcessor(str(path)).with_locations().with_filter(osmium.filter.KeyFilter("highway"))
        for obj in fp:
            if not obj.is_way() or len(obj.nodes) < 2:
                continue
            refs, lons, lats = [], [], []
            for n in obj.nodes:
                if not n.location.valid():
                    continue
                refs.append(n.ref)
                lons.append(n.location.lon)
                lats.append(n.location.lat)
            if len(refs) < 2:
                continue
            way_nodes.append(np.asarray(refs, dtype=np.int64))
            way_lon.append(np.asarray(lons))
            way_lat.append(np.asarray(lats))
            tags_hw.append(obj.tags.get("highway", ""))
            tags_nm.append(obj.tags.get("name", ""))
    except (RuntimeError, OSError) as exc:
        raise InputFileError(f"cannot read OSM PBF file {path}: {exc}") from exc
    if not way_nodes:
        raise NetworkError(f"OSM PBF file {path} holds no ways with a highway tag and node locations")
    refs = np.concatenate(way_nodes)
    lon = np.concatenate(way_lon)
    lat = np.concatenate(way_lat)
    line = np.repeat(np.arange(len(way_nodes)), [len(w) for w in way_nodes])
    edges = _split_at_shared(refs, np.column_stack([lon, lat]), line, np.array(tags_hw, object),
                             np.array(tags_nm, object), crs="EPSG:4326")
    uniq, first = np.unique(refs, return_index=True)
    nodes = gpd.GeoDataFrame(geometry=shapely.points(lon[first], lat[first]),
                             index=pd.Index(uniq, name="node"), crs="EPSG:4326")
    return edges, nodes


def _split_at_shared(vertex: np.ndarray, coords: np.ndarray, line: np.ndarray,
                     highway: np.ndarray, name: np.ndarray, *, crs) -> gpd.GeoDataFrame:
    """Split lines at vertices shared by two or more lines (and at their ends).

    ``vertex`` is the id of each coordinate (OSM node id or snapped-grid id), ``line`` the line
    each coordinate belongs to (coordinates of a line are consecutive).
    """
    n = len(vertex)
    first = np.r_[True, line[1:] != line[:-1]]
    last = np.r_[line[1:] != line[:-1], True]
    # how many distinct lines touch each vertex (a line passing a vertex twice counts twice: loop)
    _, vinv = np.unique(vertex, return_inverse=True)
    touches = np.bincount(vinv)
    split = first | last | (touches[vinv] >= 2)
    pos = np.flatnonzero(split)
    starts, ends = pos[:-1], pos[1:]
    same = line[starts] == line[ends]
    starts, ends = starts[same], ends[same]
    counts = ends - starts + 1
    piece = np.repeat(np.arange(len(starts)), counts)
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    take = np.repeat(starts, counts) + offsets
    geoms = shapely.linestrings(coords[take], indices=piece)
    src = line[starts]
    logger.debug("split %d lines into %d edges at shared vertices (%d coordinates)", line.max() + 1, len(starts), n)
    return gpd.GeoDataFrame(
        {"u": vertex[starts], "v": vertex[ends], "highway": highway[src], "name": name[src]},
        geometry=geoms, crs=crs,
    )


def from_lines(lines: gpd.GeoDataFrame, metric, *, tolerance_m: float = 0.1,
               layer: str = "network") -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Split a LineString layer (already in the metric CRS ``metric``) into a graph's edges.

    Vertices closer than ``tolerance_m`` (same cell of a 0.1 m grid) become one node.
    """
    geom = lines.geometry.values
    kinds = set(shapely.get_type_id(geom[~shapely.is_missing(geom)]).tolist())
    if not kinds <= {1, 5}:
        raise NetworkError(
            f"'{layer}' must hold LineStrings (roads); it has geometry types "
            f"{sorted(shapely.GeometryType(k).name for k in kinds)}"
        )
    hw = lines["highway"].map(_tag_text).to_numpy(object) if "highway" in lines else np.full(len(lines), "", object)
    nm = lines["name"].map(_tag_text).to_numpy(object) if "name" in lines else np.full(len(lines), "", object)
    parts, part_row = shapely.get_parts(geom, return_index=True)
    keep = ~shapely.is_empty(parts)
    parts, part_row = parts[keep], part_row[keep]
    if len(parts) == 0:
        raise NetworkError(f"'{layer}' holds no lines")
    coords, line = shapely.get_coordinates(parts, return_index=True)
    grid = np.round(coords / tolerance_m).astype(np.int64)
    _, vertex = np.unique(grid, axis=0, return_inverse=True)
    vertex = vertex.ravel().astype(np.int64)
    # drop repeated consecutive vertices within a line (they would make zero-length pieces)
    dup = np.r_[False, (vertex[1:] == vertex[:-1]) & (line[1:] == line[:-1])]
    coords, line, vertex = coords[~dup], line[~dup], vertex[~dup]
    # a line whose coordinates all fell on one vertex has one coordinate left: drop it
    counts = np.bincount(line, minlength=len(parts))
    ok = counts[line] >= 2
    coords, line, vertex = coords[ok], line[ok], vertex[ok]
    edges = _split_at_shared(vertex, coords, line, hw[part_row], nm[part_row], crs=metric)
    uniq, first = np.unique(vertex, return_index=True)
    nodes = gpd.GeoDataFrame(geometry=shapely.points(coords[first]), index=pd.Index(uniq, name="node"), crs=metric)
    return edges, nodes
