"""Synthetic inputs for tests and benchmarks: Voronoi unit tessellations, and a river crossed by one bridge.

The river network and its networkx oracle serve both the isochrone tests and
``benchmarks/bench_isochrones.py``, so they live here rather than in a test module.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from spatial.core._voronoi import voronoi_cells
from spatial.network.graph import network_from_arrays


def voronoi_units(
    n_units: int,
    *,
    n_communities: int = 2,
    side_m: float | None = None,
    mean_households: float = 20.0,
    seed: int = 0,
    crs: str = "EPSG:32650",
    n_blocks: int = 0,
    irregular: bool = False,
):
    """Units (Voronoi cells of random points in a square), communities (vertical strips) and roads.

    Households are Poisson around ``mean_households``. With ``irregular`` the communities are
    Voronoi cells of a few random seeds instead of vertical strips. With ``n_blocks`` > 0, roads are the
    outlines of about that many street blocks (groups of cells), so some unit borders lie on roads.
    Returns ``(units, communities, roads)``; ``roads`` is None without blocks.
    """
    rng = np.random.default_rng(seed)
    side = side_m if side_m is not None else 60.0 * np.sqrt(n_units)
    pts = rng.uniform(0, side, size=(n_units, 2))
    square = shapely.box(0, 0, side, side)
    cells = shapely.intersection(voronoi_cells(pts, extend_to=square), square)  # malformed GEOS cells mended
    if irregular and n_communities > 1:  # Voronoi cells of a few seeds: non-convex unions, odd shapes
        seeds = rng.uniform(0, side, size=(n_communities, 2))
        strips = list(shapely.intersection(voronoi_cells(seeds, extend_to=square), square))
        comm_of = np.argmin(((pts[:, None, :] - seeds[None, :, :]) ** 2).sum(axis=2), axis=1)
    else:
        edges = np.linspace(0, side, n_communities + 1)
        strips = [shapely.box(edges[i], 0, edges[i + 1], side) for i in range(n_communities)]
        comm_of = np.minimum(np.searchsorted(edges, pts[:, 0], side="right") - 1, n_communities - 1)
    # cut cells along strip lines so units nest in communities
    cells = np.array([shapely.intersection(c, strips[k]) for c, k in zip(cells, comm_of)], dtype=object)
    cells = np.array([max(shapely.get_parts(c), key=lambda p: p.area) if c.geom_type != "Polygon" else c
                      for c in cells], dtype=object)
    communities = gpd.GeoDataFrame({"community_id": [f"C{i + 1}" for i in range(n_communities)]},
                                   geometry=strips, crs=crs)
    units = gpd.GeoDataFrame(
        {
            "unit_id": [f"U{i:05d}" for i in range(n_units)],
            "community_id": [f"C{k + 1}" for k in comm_of],
            "households": rng.poisson(mean_households, n_units).astype(int),
            "population": 0,
            "buildings": rng.integers(1, 4, n_units),
        },
        geometry=cells,
        crs=crs,
    )
    units["population"] = (units["households"] * 2.6).round().astype(int)
    roads = None
    if n_blocks:
        centres = rng.uniform(0, side, size=(n_blocks, 2))
        d = ((pts[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        block = np.argmin(d, axis=1)
        outlines = units.geometry.groupby([comm_of, block]).apply(lambda s: shapely.union_all(s.values))
        lines = shapely.boundary(np.asarray(outlines.values, dtype=object))
        roads = gpd.GeoDataFrame(geometry=list(lines), crs=crs)
    return units, communities, roads


# --- a river with one bridge (isochrone tests and benchmark) ------------------------------

CRS = "EPSG:32650"  # UTM 50N, metres
X0, Y0 = 500_000.0, 2_500_000.0  # local origin (river centre line at y = Y0)


def river_network(*, bridge_x: float = 400.0, half_river_m: float = 60.0):
    """Two street grids (100 m blocks) on the banks of a river with one bridge.

    Water is the band |y| < 50 m; the bank streets run at |y| = ``half_river_m``, the other
    streets every 100 m away from the river, x from 0 to 1,000 m. The bridge joins the bank
    streets at ``x = bridge_x``. Coordinates are local (add X0, Y0 for the CRS).
    """
    xs = np.arange(0.0, 1001.0, 100.0)
    if bridge_x not in xs:
        xs = np.sort(np.append(xs, bridge_x))
    rows = [half_river_m + 100.0 * k for k in range(5)]
    ys = np.array(sorted([-y for y in rows] + rows))
    nodes = {}
    for y in ys:
        for x in xs:
            nodes[(x, y)] = len(nodes)
    edges = []
    for y in ys:  # streets along x
        for a, b in zip(xs[:-1], xs[1:]):
            edges.append((nodes[(a, y)], nodes[(b, y)]))
    for side in (-1, 1):  # streets across, not crossing the river
        ys_side = [y for y in ys if np.sign(y) == side]
        for x in xs:
            for a, b in zip(ys_side[:-1], ys_side[1:]):
                edges.append((nodes[(x, a)], nodes[(x, b)]))
    edges.append((nodes[(bridge_x, -half_river_m)], nodes[(bridge_x, half_river_m)]))
    xy = np.array(list(nodes.keys())) + [X0, Y0]
    u, v = np.array(edges).T
    return network_from_arrays(xy, u, v, crs=CRS), nodes


def stations_at(*points, ids=None, crs=CRS) -> gpd.GeoDataFrame:
    ids = ids or [f"S{i + 1}" for i in range(len(points))]
    geom = [shapely.Point(X0 + x, Y0 + y) for x, y in points]
    return gpd.GeoDataFrame({"station_id": ids, "name": [f"站{i}" for i in ids]}, geometry=geom, crs=crs)


def oracle_walk(network, nodes, station_xy, xy):
    """Walk from a station standing on a node to points (local coordinates), with networkx.

    Each point walks straight to its nearest edge, then along the network.
    """
    import networkx as nx

    g = nx.Graph()
    for k, (a, b) in enumerate(zip(network.edge_u, network.edge_v)):
        g.add_edge(int(a), int(b), weight=float(network.length_m[k]))
    start = nodes[(station_xy[0], station_xy[1])]
    dist = nx.single_source_dijkstra_path_length(g, start, weight="weight")
    d_node = np.array([dist.get(i, np.inf) for i in range(network.n_nodes)])
    pts = shapely.points(np.asarray(xy) + [X0, Y0])
    # nearest edge with a plain STRtree (not spatial.network.snapping)
    (i, e), leg = shapely.STRtree(network.geometry).query_nearest(pts, return_distance=True, all_matches=False)
    assert np.array_equal(i, np.arange(len(pts)))  # every point has its nearest edge, in order
    off = shapely.line_locate_point(network.geometry[e], pts)
    u, v = network.edge_u[e], network.edge_v[e]
    return leg + np.minimum(d_node[u] + off, d_node[v] + network.length_m[e] - off), leg
