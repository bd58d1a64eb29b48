"""The walking network as arrays: nodes, undirected edges with lengths, components and a CSR graph.

Readers live in :mod:`spatial.network.read`; this module only assembles and trims networks.

The network is undirected (people walk both ways on one-way streets); two edges between the same
nodes merge only when they are the same line (an osmnx graph lists each street both ways), so
different ways between two nodes all stay. ``DEFAULT_EXCLUDED_HIGHWAYS`` is defined with the
walking filter in :mod:`spatial.network._walkfilter` and re-exported here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import connected_components

from spatial.core._words import counted
from spatial.core.checks import Report
from spatial.network._walkfilter import BOARDWALK, DEFAULT_EXCLUDED_HIGHWAYS, IN_TUNNEL, MERGED, ON_BRIDGE
from spatial.network._water import NO_WATER, Water
from spatial.core.errors import NetworkError

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_EXCLUDED_HIGHWAYS",
    "WalkNetwork",
    "network_from_arrays",
    "keep_components",
    "edges_frame",
]



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
        What was dropped: ``layer, row_id, problem, action`` (and their Chinese, ``problem_zh,
        action_zh``).
    highway, name : numpy.ndarray
        ``(m,)`` OSM class and street name of each edge ("" when unknown).
    component : numpy.ndarray
        ``(n,)`` connected component of each node, numbered by size (0 is the largest).
    dropped_geometry : numpy.ndarray
        Edges of dropped components, so snapping can say a point lies in one.
    water : Water
        River lines and shorelines read with an OSM file (:mod:`spatial.network._water`): no leg
        from a home or station to the network crosses a river line or goes into the water and
        out again. Empty for other sources and with ``read_network(water_barriers=False)``.
    off_ground : numpy.ndarray
        ``(m,)`` True where the edge runs on a bridge or in a tunnel, over all of it or part of it
        (an edge osmnx merged from a bridge and the streets beside it; OSM ``bridge``/``tunnel``
        tags, or such columns of a line layer): on a DEM a bridge or tunnel that is the whole edge
        climbs straight from one end to the other, whatever the valley or hill under or over it,
        and along a merged edge a bridge's deck is not walked below that straight line, a tunnel's
        tube not above it (:mod:`spatial.network.elevation`). Empty when unknown.
    off_ground_kind : numpy.ndarray
        ``(m,)`` int8, which each ``off_ground`` edge is: bit 1 a bridge on it, bit 2 a tunnel in it,
        bit 4 merged by osmnx from several ways, of which the bridge or tunnel is one, bit 8 a
        boardwalk, at the ground's level and not ``off_ground`` (``ON_BRIDGE``, ``IN_TUNNEL``,
        ``MERGED``, ``BOARDWALK`` of :mod:`spatial.network._walkfilter`). An ``off_ground`` edge of
        kind 0 (or with this array empty) climbs straight from one end to the other.

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
    #: Whether the network is OpenStreetMap data (read from .osm, .pbf, .graphml, an osmnx graph,
    #: or a line layer carrying OSM ids), so maps and workbooks credit it; False for a line layer
    #: without OSM ids (a planning bureau's road centrelines, say).
    from_osm: bool = True
    water: Water = NO_WATER
    off_ground: np.ndarray = field(default_factory=lambda: np.empty(0, bool))
    off_ground_kind: np.ndarray = field(default_factory=lambda: np.empty(0, np.int8))

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

    def edges_layer(self) -> gpd.GeoDataFrame:
        """Its edges as a line layer (:func:`edges_frame`): what a function taking ``roads`` or
        ``network_edges`` reads a network as (:func:`spatial.core._frames.lines_frame`)."""
        return edges_frame(self)

    def __repr__(self) -> str:  # pragma: no cover - cosmetic
        return (f"WalkNetwork({self.n_nodes} nodes, {self.n_edges} edges, "
                f"{self.length_m.sum() / 1000:.1f} km, crs={self.crs.to_string()})")


def network_from_arrays(node_xy: np.ndarray, edge_u: np.ndarray, edge_v: np.ndarray, *, crs,
                        node_id: np.ndarray | None = None, geometry: np.ndarray | None = None,
                        highway: np.ndarray | None = None, name: np.ndarray | None = None,
                        off_ground: np.ndarray | None = None,
                        off_ground_kind: np.ndarray | None = None) -> WalkNetwork:
    """Build a :class:`WalkNetwork` directly from metric arrays (straight edges unless ``geometry``;
    ``off_ground``: edges on a bridge or in a tunnel, ``off_ground_kind`` which, see
    :class:`WalkNetwork`; ``off_ground`` defaults to the edges of a kind).

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
    kind = np.zeros(m, np.int8) if off_ground_kind is None else np.asarray(off_ground_kind, np.int8)
    net = WalkNetwork(
        crs=pyproj.CRS.from_user_input(crs),
        node_id=np.arange(len(node_xy)) if node_id is None else np.asarray(node_id),
        node_xy=node_xy, edge_u=edge_u, edge_v=edge_v, length_m=length, geometry=np.asarray(geometry),
        graph=_csr(len(node_xy), edge_u, edge_v, length),
        report=Report().to_frame(zh_columns=True),
        highway=np.full(m, "", object) if highway is None else np.asarray(highway, object),
        name=np.full(m, "", object) if name is None else np.asarray(name, object),
        component=np.zeros(len(node_xy), np.int32),
        off_ground=(kind & (ON_BRIDGE | IN_TUNNEL)) != 0 if off_ground is None else np.asarray(off_ground, bool),
        off_ground_kind=kind,
    )
    return replace(net, component=_components(net.graph))


def keep_components(network: WalkNetwork, components, *, reason: str = "not kept",
                    reason_zh: str | None = None) -> WalkNetwork:
    """Keep the nodes and edges of the listed components; report each dropped one (why: ``reason``,
    in Chinese ``reason_zh``, else ``reason`` again).

    Dropped edges move to ``dropped_geometry`` so points near them can be told apart from points
    far from any road.
    """
    keep_comp = np.zeros(int(network.component.max()) + 1 if network.n_nodes else 0, bool)
    keep_comp[np.asarray(list(components), dtype=np.int64)] = True
    node_keep = keep_comp[network.component]
    if node_keep.all():
        return network
    edge_keep = node_keep[network.edge_u]
    report = Report.from_frame(network.report)
    ecomp = network.edge_component
    dropped = np.flatnonzero(~keep_comp)
    n_nodes = np.bincount(network.component, minlength=len(keep_comp))
    km = np.bincount(ecomp, weights=network.length_m, minlength=len(keep_comp)) / 1000
    for c in dropped:
        report.add("network", f"component {c}", f"disconnected part: {counted(n_nodes[c], 'node')}, {km[c]:.2f} km",
                   f"dropped ({reason})",
                   zh=(f"不连通的部分：{n_nodes[c]} 个节点，{km[c]:.2f} 公里", f"已删除（{reason_zh or reason}）"))
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
        graph=_csr(n, u, v, length), report=report.to_frame(zh_columns=True),
        highway=network.highway[edge_keep], name=network.name[edge_keep],
        component=relabel[network.component[node_keep]],
        dropped_geometry=np.concatenate([network.dropped_geometry, network.geometry[~edge_keep]]),
        from_osm=network.from_osm, water=network.water,
        off_ground=_by_edge(network.off_ground, edge_keep),
        off_ground_kind=_by_edge(network.off_ground_kind, edge_keep),
    )


def _by_edge(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``values`` of the kept edges when it holds one per edge (else as it is: empty, unknown)."""
    return values[keep] if len(values) == len(keep) else values


def edges_frame(network: WalkNetwork) -> gpd.GeoDataFrame:
    """One row per edge: ``u``, ``v`` (original node ids), ``length_m``, ``highway``, ``name``,
    ``component``, ``bridge``, ``tunnel`` and the geometry, in the network's metric CRS.

    ``bridge`` and ``tunnel`` are OSM's values as :func:`read_network` reads them from a line
    layer: ``"yes"`` where the edge runs on a bridge or in a tunnel (``WalkNetwork.off_ground``),
    ``"yes;no"`` where osmnx merged it from a bridge or tunnel and the streets beside it,
    ``"boardwalk"`` on a boardwalk, ``""`` elsewhere. So the edges written to a file and read again
    walk and link as the network did (a bridge's deck over a valley, no home linked into a tunnel).

    Examples
    --------
    >>> import spatial
    >>> edges = spatial.edges_frame(spatial.load_demo()["network"])
    >>> edges.columns.tolist(), edges.crs.to_epsg()
    (['u', 'v', 'length_m', 'highway', 'name', 'component', 'bridge', 'tunnel', 'geometry'], 32650)
    >>> edges["tunnel"].value_counts().to_dict()
    {'': 2406, 'yes': 25, 'yes;no': 9}
    """
    m = len(network.geometry)
    kind = network.off_ground_kind if len(network.off_ground_kind) == m else np.zeros(m, np.int8)
    og = network.off_ground if len(network.off_ground) == m else (kind & (ON_BRIDGE | IN_TUNNEL)) != 0
    kind = np.where(og & (kind == 0), ON_BRIDGE, kind)  # off the ground, kind unknown: climbs straight, as a bridge

    def tag(bit):
        return np.where(kind & bit, np.where(kind & MERGED, "yes;no", "yes"), "").astype(object)

    edges = gpd.GeoDataFrame(
        {
            "u": network.node_id[network.edge_u],
            "v": network.node_id[network.edge_v],
            "length_m": network.length_m,
            "highway": network.highway,
            "name": network.name,
            "component": network.edge_component,
            "bridge": np.where((kind & BOARDWALK) != 0, np.where(kind & MERGED, "boardwalk;no", "boardwalk"),
                               tag(ON_BRIDGE)).astype(object),
            "tunnel": tag(IN_TUNNEL),
        },
        geometry=network.geometry,
        crs=network.crs,
    )
    edges.attrs["from_osm"] = bool(network.from_osm)  # whom a map of these edges credits
    return edges


# --------------------------------------------------------------------------- plumbing

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
    coords, line = shapely.get_coordinates(geom, return_index=True)
    counts = np.bincount(line, minlength=len(geom))
    if (counts > 0).all():  # each line's first vertex, without a Point object per edge
        start = coords[np.cumsum(counts) - counts]
    else:
        start = shapely.get_coordinates(shapely.get_point(geom, 0))
    flip = (np.hypot(*(start - xy[v]).T) < np.hypot(*(start - xy[u]).T)) & (u != v)
    if flip.any():
        geom = geom.copy()
        geom[flip] = shapely.reverse(geom[flip])
    length = shapely.length(geom).astype(np.float64)
    hw = edges["highway"].to_numpy(object)
    nm = edges["name"].to_numpy(object)
    og = edges["off_ground"].fillna(False).to_numpy(bool) if "off_ground" in edges else np.zeros(len(edges), bool)
    kind = (edges["off_ground_kind"].fillna(0).to_numpy(np.int8) if "off_ground_kind" in edges
            else np.zeros(len(edges), np.int8))
    # an undirected street appears as u→v and v→u in osmnx graphs: keep one. Only true
    # duplicates (same nodes, same line) merge; different ways between two nodes all stay.
    dup = _duplicates(u, v, geom)
    if dup.any():
        logger.debug("network %s: merged %d duplicate edges (same nodes and geometry)", label, int(dup.sum()))
        keep = ~dup
        u, v, geom, length, hw, nm, og, kind = (u[keep], v[keep], geom[keep], length[keep], hw[keep], nm[keep],
                                                og[keep], kind[keep])
    n = len(node_ids)
    n_isolated = len(nodes) - n
    if n_isolated > 0:
        report.add("network", "nodes", f"{counted(n_isolated, 'node has', 'nodes have')} no walkable edge", "dropped",
                   zh=(f"{n_isolated} 个节点没有可步行的路段", "已删除"))
    graph = _csr(n, u, v, length)
    comp = _components(graph)
    return WalkNetwork(crs=metric, node_id=node_ids, node_xy=xy, edge_u=u, edge_v=v, length_m=length,
                       geometry=geom, graph=graph, report=report.to_frame(zh_columns=True), highway=hw, name=nm,
                       component=comp, off_ground=og, off_ground_kind=kind)


def _duplicates(u: np.ndarray, v: np.ndarray, geom: np.ndarray, *, precision_m: float = 0.01) -> np.ndarray:
    """Edges that repeat an earlier one: same end nodes and the same line (to ``precision_m``),
    whichever way it runs. ``geom`` runs from ``u`` to ``v``."""
    dup = np.zeros(len(u), bool)
    a, b = np.minimum(u, v).astype(np.int64), np.maximum(u, v).astype(np.int64)
    pair = a * (int(b.max(initial=0)) + 1) + b
    _, inverse, counts = np.unique(pair, return_inverse=True, return_counts=True)
    shared = np.flatnonzero(counts[inverse] > 1)  # only edges whose two nodes meet more than once
    if len(shared) == 0:
        return dup
    coords, idx = shapely.get_coordinates(geom[shared], return_index=True)
    q = np.round(coords / precision_m).astype(np.int64)
    bounds = np.r_[0, np.cumsum(np.bincount(idx, minlength=len(shared)))]
    seen = set()
    for j, i in enumerate(shared):
        seq = q[bounds[j]:bounds[j + 1]]
        if u[i] > v[i]:
            seq = seq[::-1]
        blob = seq.tobytes()
        if u[i] == v[i]:  # a loop may be drawn either way round
            blob = min(blob, seq[::-1].tobytes())
        key = (a[i], b[i], blob)
        dup[i] = key in seen
        seen.add(key)
    return dup


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
