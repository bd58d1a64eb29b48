"""Walking networks: read any road source into metric arrays and a CSR graph for routing.

Sources: an osmnx ``.graphml``, OSM XML (``.osm``, via ``osmnx.graph_from_xml``), ``.osm.pbf``
(ways with a ``highway`` tag, read with pyosmium), a LineString layer (GeoPackage, Shapefile,
GeoJSON or a GeoDataFrame; split at vertices shared within 0.1 m), or a networkx graph with node
``x``/``y`` attributes. The network is undirected (people walk both ways on one-way streets),
non-walkable classes (motorways, trunk roads and their links by default) are dropped, everything
is projected to a metric CRS, and by default only the largest connected component is kept.
Whatever is dropped is listed in ``WalkNetwork.report``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyproj
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from . import _network_readers as _readers
from ._errors import CRSError, InputFileError, NetworkError
from ._validate import Report, require_crs

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_EXCLUDED_HIGHWAYS",
    "WalkNetwork",
    "read_network",
    "network_from_arrays",
    "network_from_place",
    "keep_components",
    "edges_frame",
]

#: OSM ``highway`` classes nobody walks on; an edge is dropped when any of its classes is here.
DEFAULT_EXCLUDED_HIGHWAYS: tuple[str, ...] = ("motorway", "motorway_link", "trunk", "trunk_link")

_LINE_SUFFIXES = (".gpkg", ".shp", ".geojson", ".json", ".fgb", ".gml", ".kml", ".zip")


@dataclass(frozen=True, eq=False)
class WalkNetwork:
    """An undirected walking network in a metric CRS, as arrays and a CSR graph.

    Attributes
    ----------
    crs : pyproj.CRS
        Metric CRS of every coordinate.
    node_id : numpy.ndarray
        ``(n,)`` original node ids (OSM ids, or grid ids for line layers).
    node_xy : numpy.ndarray
        ``(n, 2)`` float64 node coordinates.
    edge_u, edge_v : numpy.ndarray
        ``(m,)`` int32 indices into the nodes; edge geometry runs from ``u`` to ``v``.
    length_m : numpy.ndarray
        ``(m,)`` float64 edge lengths (metric length of the geometry).
    geometry : numpy.ndarray
        ``(m,)`` shapely LineStrings.
    graph : scipy.sparse.csr_matrix
        ``(n, n)`` symmetric; weight = length of the shortest parallel edge.
    report : pandas.DataFrame
        What was dropped: ``layer, row_id, problem, action``.
    highway, name : numpy.ndarray
        ``(m,)`` OSM class and street name of each edge ("" when unknown).
    component : numpy.ndarray
        ``(n,)`` connected component of each node, numbered by size (0 is the largest).
    dropped_geometry : numpy.ndarray
        Edges of dropped components, so snapping can say a point lies in one.

    Examples
    --------
    >>> import spatial
    >>> net = spatial.load_demo()["network"]
    >>> n = len(net.node_id)
    >>> net.node_xy.shape == (n, 2), net.graph.shape == (n, n), len(net.edge_u) == len(net.length_m)
    (True, True, True)
    """

    crs: pyproj.CRS
    node_id: np.ndarray
    node_xy: np.ndarray
    edge_u: np.ndarray
    edge_v: np.ndarray
    length_m: np.ndarray
    geometry: np.ndarray
    graph: sp.csr_matrix
    report: pd.DataFrame
    highway: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    name: np.ndarray = field(default_factory=lambda: np.empty(0, object))
    component: np.ndarray = field(default_factory=lambda: np.empty(0, np.int32))
    dropped_geometry: np.ndarray = field(default_factory=lambda: np.empty(0, object))

    @property
    def n_nodes(self) -> int:
        """Number of nodes."""
        return len(self.node_xy)

    @property
    def n_edges(self) -> int:
        """Number of edges."""
        return len(self.edge_u)

    @property
    def edge_component(self) -> np.ndarray:
        """``(m,)`` connected component of each edge."""
        return self.component[self.edge_u]

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (f"WalkNetwork({self.n_nodes} nodes, {self.n_edges} edges, "
                f"{self.length_m.sum() / 1000:.1f} km, crs={self.crs.to_string()})")


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
        from .snapping import snap_points

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


def network_from_arrays(node_xy: np.ndarray, edge_u: np.ndarray, edge_v: np.ndarray, *, crs,
                        node_id: np.ndarray | None = None, geometry: np.ndarray | None = None,
                        highway: np.ndarray | None = None, name: np.ndarray | None = None) -> WalkNetwork:
    """Build a :class:`WalkNetwork` directly from metric arrays (straight edges unless ``geometry``).

    No highway filtering or component selection is done; ``component`` is computed.
    """
    node_xy = np.asarray(node_xy, dtype=np.float64)
    edge_u = np.asarray(edge_u, dtype=np.int32)
    edge_v = np.asarray(edge_v, dtype=np.int32)
    if geometry is None:
        coords = np.stack([node_xy[edge_u], node_xy[edge_v]], axis=1)
        geometry = shapely.linestrings(coords)
    length = shapely.length(geometry).astype(np.float64)
    m = len(edge_u)
    net = WalkNetwork(
        crs=pyproj.CRS.from_user_input(crs),
        node_id=np.arange(len(node_xy)) if node_id is None else np.asarray(node_id),
        node_xy=node_xy, edge_u=edge_u, edge_v=edge_v, length_m=length, geometry=np.asarray(geometry),
        graph=_csr(len(node_xy), edge_u, edge_v, length),
        report=Report().to_frame(),
        highway=np.full(m, "", object) if highway is None else np.asarray(highway, object),
        name=np.full(m, "", object) if name is None else np.asarray(name, object),
        component=np.zeros(len(node_xy), np.int32),
    )
    return replace(net, component=_components(net.graph))


def keep_components(network: WalkNetwork, components, *, reason: str = "not kept") -> WalkNetwork:
    """Keep the nodes and edges of the listed components; report each dropped one.

    Dropped edges move to ``dropped_geometry`` so points near them can be told apart from points
    far from any road.
    """
    keep_comp = np.zeros(int(network.component.max()) + 1 if network.n_nodes else 0, bool)
    keep_comp[np.asarray(list(components), dtype=np.int64)] = True
    node_keep = keep_comp[network.component]
    if node_keep.all():
        return network
    edge_keep = node_keep[network.edge_u]
    report = Report(network.report.to_dict("records"))
    ecomp = network.edge_component
    dropped = np.flatnonzero(~keep_comp)
    n_nodes = np.bincount(network.component, minlength=len(keep_comp))
    km = np.bincount(ecomp, weights=network.length_m, minlength=len(keep_comp)) / 1000
    for c in dropped:
        report.add("network", f"component {c}", f"disconnected part: {n_nodes[c]} nodes, {km[c]:.2f} km",
                   f"dropped ({reason})")
    new_index = np.cumsum(node_keep) - 1
    # renumber kept components by size so 0 stays the largest kept one
    kept_comps = np.flatnonzero(keep_comp)
    order = kept_comps[np.argsort(-n_nodes[kept_comps], kind="stable")]
    relabel = np.full(len(keep_comp), -1, np.int32)
    relabel[order] = np.arange(len(order), dtype=np.int32)
    u = new_index[network.edge_u[edge_keep]].astype(np.int32)
    v = new_index[network.edge_v[edge_keep]].astype(np.int32)
    n = int(node_keep.sum())
    length = network.length_m[edge_keep]
    logger.info("kept %d of %d components (%d of %d nodes)", len(kept_comps), len(keep_comp), n, network.n_nodes)
    return WalkNetwork(
        crs=network.crs, node_id=network.node_id[node_keep], node_xy=network.node_xy[node_keep],
        edge_u=u, edge_v=v, length_m=length, geometry=network.geometry[edge_keep],
        graph=_csr(n, u, v, length), report=report.to_frame(),
        highway=network.highway[edge_keep], name=network.name[edge_keep],
        component=relabel[network.component[node_keep]],
        dropped_geometry=np.concatenate([network.dropped_geometry, network.geometry[~edge_keep]]),
    )


def edges_frame(network: WalkNetwork) -> gpd.GeoDataFrame:
    """One row per edge: ``u``, ``v`` (original node ids), ``length_m``, ``highway``, ``name``,
    ``component`` and the geometry, in the network's metric CRS.

    Examples
    --------
    >>> import spatial
    >>> edges = spatial.edges_frame(spatial.load_demo()["network"])
    >>> edges.columns.tolist(), edges.crs.to_epsg()
    (['u', 'v', 'length_m', 'highway', 'name', 'component', 'geometry'], 32650)
    """
    return gpd.GeoDataFrame(
        {
            "u": network.node_id[network.edge_u],
            "v": network.node_id[network.edge_v],
            "length_m": network.length_m,
            "highway": network.highway,
            "name": network.name,
            "component": network.edge_component,
        },
        geometry=network.geometry,
        crs=network.crs,
    )


# --------------------------------------------------------------------------- plumbing

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
            from .io import read_layer  # detects shapefile encodings, refuses files without a CRS

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


def _assemble(edges, nodes, metric, report: Report, label) -> WalkNetwork:
    """Edge table → arrays: index nodes, orient geometry u→v, merge two-way duplicates, CSR."""
    used = pd.unique(np.concatenate([edges["u"].to_numpy(), edges["v"].to_numpy()]))
    missing = ~pd.Index(used).isin(nodes.index)
    if missing.any():
        raise NetworkError(f"network '{label}': edges refer to nodes without coordinates: {used[missing][:5].tolist()}")
    node_ids = np.asarray(used)
    lookup = pd.Index(node_ids)
    xy = shapely.get_coordinates(nodes.geometry.loc[node_ids].values)
    u = lookup.get_indexer(edges["u"].to_numpy()).astype(np.int32)
    v = lookup.get_indexer(edges["v"].to_numpy()).astype(np.int32)
    geom = edges.geometry.values.to_numpy() if hasattr(edges.geometry.values, "to_numpy") else np.asarray(edges.geometry.values)
    # orient each geometry from u to v
    start = shapely.get_coordinates(shapely.get_point(geom, 0))
    flip = (np.hypot(*(start - xy[v]).T) < np.hypot(*(start - xy[u]).T)) & (u != v)
    if flip.any():
        geom = geom.copy()
        geom[flip] = shapely.reverse(geom[flip])
    length = shapely.length(geom).astype(np.float64)
    hw = edges["highway"].to_numpy(object)
    nm = edges["name"].to_numpy(object)
    # an undirected street appears as u→v and v→u in osmnx graphs: keep one
    a, b = np.minimum(u, v), np.maximum(u, v)
    key = pd.DataFrame({"a": a, "b": b, "len": np.round(length, 1)})
    dup = key.duplicated().to_numpy()
    if dup.any():
        logger.debug("network %s: merged %d reverse-direction duplicates", label, int(dup.sum()))
        keep = ~dup
        u, v, geom, length, hw, nm = u[keep], v[keep], geom[keep], length[keep], hw[keep], nm[keep]
    n = len(node_ids)
    n_isolated = len(nodes) - n
    if n_isolated > 0:
        report.add("network", "nodes", f"{n_isolated} nodes have no walkable edge", "dropped")
    graph = _csr(n, u, v, length)
    comp = _components(graph)
    return WalkNetwork(crs=metric, node_id=node_ids, node_xy=xy, edge_u=u, edge_v=v, length_m=length,
                       geometry=geom, graph=graph, report=report.to_frame(), highway=hw, name=nm,
                       component=comp)


def _csr(n: int, u: np.ndarray, v: np.ndarray, length: np.ndarray) -> sp.csr_matrix:
    """Symmetric CSR adjacency keeping the shortest of parallel edges; self-loops left out."""
    loop = u == v
    rows = np.concatenate([u[~loop], v[~loop]]).astype(np.int64)
    cols = np.concatenate([v[~loop], u[~loop]]).astype(np.int64)
    w = np.concatenate([length[~loop], length[~loop]])
    key = rows * n + cols
    order = np.argsort(key, kind="stable")
    key, w = key[order], w[order]
    first = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    w = np.minimum.reduceat(w, first) if len(first) else w
    key = key[first]
    rows, cols = key // n, key % n
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(rows, minlength=n), out=indptr[1:])
    # explicit zero weights (duplicate nodes) stay edges for csgraph
    return sp.csr_matrix((w, cols.astype(np.int32), indptr), shape=(n, n))


def _components(graph: sp.csr_matrix) -> np.ndarray:
    """Component label per node, renumbered by size (0 = largest)."""
    if graph.shape[0] == 0:
        return np.empty(0, np.int32)
    _, labels = connected_components(graph, directed=False)
    sizes = np.bincount(labels)
    order = np.argsort(-sizes, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    return rank[labels].astype(np.int32)
