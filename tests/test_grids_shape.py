"""Specification of the engine's Polsby-Popper term (``Weights.shape``, ``Shapes``).

The references here are built straight from the polygons with shapely (the union of a part's
cells, its area and its boundary length), not from the engine's adjacency. The engine keeps each
part's area and perimeter up to date move by move; these tests check where its moves and swaps
end (a move it missed, or a swap it misjudged, shows there).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from spatial.core.checks import Report
from spatial.grids._engine import repair_contiguity
from spatial.grids._objective import Shapes, Weights, objective
from spatial.grids._prep import prepare
from spatial.grids._search import local_search
from spatial.grids._swap import swap_pass
from spatial.grids.partition import contract, node_arrays, node_shapes, partition_grids

CRS = "EPSG:32650"
#: only the shape counts: no band, no size, no cut, no spread
SHAPE_ONLY = Weights(band=0.0, deviation=0.0, beyond=0.0, cut=0.0, spread=0.0, shape=1.0)


def cells(n=60, seed=3, side=1000.0):
    """Voronoi cells of uneven random points (a dense cluster and a sparse rest) in a square."""
    rng = np.random.default_rng(seed)
    pts = np.vstack([rng.uniform(0, side, (n // 2, 2)), rng.normal(side * 0.3, side * 0.08, (n - n // 2, 2))])
    pts = np.clip(pts, 1, side - 1)
    box = shapely.box(0, 0, side, side)
    vor = shapely.voronoi_polygons(shapely.MultiPoint(pts), extend_to=box)
    return np.array([shapely.intersection(g, box) for g in shapely.get_parts(vor)], dtype=object)


def own_shapes(polys):
    """Areas, perimeters and shared boundary lengths, straight from the polygons."""
    n = len(polys)
    rows, cols, vals = [], [], []
    for a in range(n):
        for b in range(a + 1, n):
            ln = shapely.intersection(polys[a].boundary, polys[b].boundary).length
            if ln > 1e-6:
                rows += [a, b]
                cols += [b, a]
                vals += [ln, ln]
    shared = sparse.csr_matrix((vals, (rows, cols)), shape=(n, n))
    return Shapes(shapely.area(polys), shapely.length(polys), shared)


def town(n, seed, k):
    """Cells, their shapes, their rook graph, centroids and a connected ragged start of ``k`` parts."""
    polys = cells(n=n, seed=seed)
    sh = own_shapes(polys)
    adj = (sh.shared > 0).astype(float).tocsr()
    xy = shapely.get_coordinates(shapely.centroid(polys))
    return polys, sh, adj, xy, strips(xy, k, adj)


def pp_of(polys, labels):
    """Polsby-Popper of each part's dissolved polygon."""
    out = []
    for p in range(int(labels.max()) + 1):
        g = shapely.union_all(polys[labels == p])
        out.append(4 * np.pi * g.area / g.length**2)
    return np.array(out)


def strips(xy, k, adj=None):
    """A ragged start: parts as vertical strips of the cells' x order (pieces handed to a
    neighbouring part when ``adj`` is given, so every part is connected)."""
    order = np.argsort(xy[:, 0], kind="stable")
    labels = np.empty(len(xy), dtype=np.int64)
    labels[order] = np.arange(len(xy)) * k // len(xy)
    if adj is not None:
        labels = repair_contiguity(adj, labels, np.ones(len(xy)))
        assert connected(adj, labels)
    return labels


def connected(adj, labels):
    for p in np.unique(labels):
        m = np.flatnonzero(labels == p)
        if connected_components(adj[m][:, m], directed=False)[0] != 1:
            return False
    return True


def test_shapes_give_the_polsby_popper_of_the_dissolved_parts():
    polys = cells()
    sh = own_shapes(polys)
    xy = shapely.get_coordinates(shapely.centroid(polys))
    labels = strips(xy, 4)
    np.testing.assert_allclose(sh.polsby_popper(labels), pp_of(polys, labels), rtol=1e-6)


def test_nodes_of_contracted_estates_keep_the_area_and_outline_of_their_units():
    polys = cells(n=50, seed=5)
    c = shapely.get_coordinates(shapely.centroid(polys))
    gated = np.where((c[:, 0] < 400) & (c[:, 1] < 400), "E1", np.where(c[:, 0] > 700, "E2", None))
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(50)], "households": 10,
                              "gated": gated}, geometry=list(polys), crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs=CRS)
    prep = prepare(units, comm, Report())
    node = contract(prep, [("gated", gated)], Report())
    assert node.max() + 1 < 50  # some estates became one node
    sh = node_shapes(prep, node)
    hh, xy, _, _ = node_arrays(prep, node)
    labels = strips(xy, 3)
    # contraction changes nothing: the same parts drawn on the units themselves
    units_sh = Shapes(shapely.area(prep.pieces), shapely.length(prep.pieces), prep.adj.matrix(prep.adj.edge_m))
    np.testing.assert_allclose(sh.polsby_popper(labels), units_sh.polsby_popper(labels[node]), rtol=1e-9)
    # and that of the dissolved polygons (shared edges are found within a 0.1 m buffer, their
    # length is the edge's own: within a few centimetres)
    np.testing.assert_allclose(sh.polsby_popper(labels), pp_of(polys, labels[node]), rtol=2e-3)


def test_the_search_on_shape_alone_ends_where_no_single_move_rounds_the_parts_more():
    polys, sh, adj, xy, start = town(60, 3, 4)
    hh = np.ones(len(polys))
    out = local_search(adj, hh, xy, start, min_hh=0, max_hh=1e9, weights=SHAPE_ONLY, shapes=sh, max_rounds=200)
    assert connected(adj, out)
    before, after = pp_of(polys, start).sum(), pp_of(polys, out).sum()
    assert after > before + 0.1
    # no single move that keeps its donor connected raises the sum of Polsby-Popper (from scratch)
    for u in range(len(out)):
        a = out[u]
        rest = np.flatnonzero(out == a)
        rest = rest[rest != u]
        if len(rest) == 0 or connected_components(adj[rest][:, rest], directed=False)[0] != 1:
            continue
        for b in set(out[adj[u].indices]) - {a}:
            trial = out.copy()
            trial[u] = b
            assert pp_of(polys, trial).sum() <= after + 1e-7, (u, a, b)
    kw = dict(min_hh=0, max_hh=1e9, weights=SHAPE_ONLY, shapes=sh)
    assert objective(adj, hh, xy, out, **kw) == pytest.approx(len(np.unique(out)) - after)


def test_swaps_on_shape_keep_part_sizes_and_round_the_parts():
    polys, sh, adj, xy, start = town(80, 11, 5)
    hh = np.ones(len(polys))
    out = swap_pass(adj, hh, xy, start, min_hh=0, max_hh=1e9, weights=SHAPE_ONLY, shapes=sh, rounds=10)
    assert (out != start).any()
    assert connected(adj, out)
    np.testing.assert_array_equal(np.bincount(out), np.bincount(start))
    assert pp_of(polys, out).sum() > pp_of(polys, start).sum()


def test_equal_grids_on_a_lumpy_town_stay_balanced_with_the_shape_term():
    polys = cells(n=120, seed=2)
    rng = np.random.default_rng(2)
    hh = np.where(rng.random(120) < 0.3, 0, rng.poisson(40, 120))  # empty lots among homes
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(120)], "households": hh},
                             geometry=list(polys), crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 1000, 1000)], crs=CRS)
    res = partition_grids(units, comm, n_grids=8, min_households=300, max_households=500, balance="equal")
    g = res.grids
    assert len(g) == 8 and g["households"].sum() == hh.sum()
    assert (abs(g["households"] / g["households"].mean() - 1) <= 0.05).all()
    got = res.units.groupby("grid_id")["households"].sum()
    assert (got.sort_index().to_numpy() == g.set_index("grid_id")["households"].sort_index().to_numpy()).all()


@pytest.mark.parametrize("n, seed, neighbours", [
    (60, 3, True),  # the best swap is of two neighbouring units: their shared edge counts on both sides
    (40, 6, False),  # it is not: a swap of neighbours must not look better than it is on either side
])
def test_a_swap_between_two_parts_is_the_one_that_rounds_them_most(n, seed, neighbours):
    polys, sh, adj, xy, start = town(n, seed, 2)
    out = swap_pass(adj, np.ones(len(polys)), xy, start, min_hh=0, max_hh=1e9, weights=SHAPE_ONLY, shapes=sh,
                    rounds=1)
    moved = np.flatnonzero(out != start)
    assert len(moved) == 2  # one swap
    got = pp_of(polys, out).sum()
    # every swap of two border units that leaves both parts connected, scored from the polygons
    border = [u for u in range(len(start)) if (start[adj[u].indices] != start[u]).any()]
    best, pick = -np.inf, None
    for u in border:
        for v in border:
            if start[u] == 0 and start[v] == 1:
                trial = start.copy()
                trial[u], trial[v] = 1, 0
                if connected(adj, trial) and pp_of(polys, trial).sum() > best:
                    best, pick = pp_of(polys, trial).sum(), (u, v)
    assert (adj[pick[0], pick[1]] > 0) == neighbours
    assert set(moved) == set(pick)
    assert got == pytest.approx(best, rel=1e-9)


def test_shared_edges_have_their_true_length_for_perimeters():
    # the rook rule finds neighbours within a 0.1 m buffer, which catches the first 0.1 m of the
    # edges leaving each end; ``edge_m`` is the edge's own length (shapely's exact overlap of the
    # two boundaries, the cells being a Voronoi tessellation with shared vertices)
    from spatial.grids._adjacency import rook_adjacency

    polys = cells(n=120, seed=9)
    adj = rook_adjacency(polys)
    exact = np.array([shapely.intersection(polys[i].boundary, polys[j].boundary).length
                      for i, j in zip(adj.i, adj.j)])
    assert np.median(np.abs(adj.edge_m - exact)) < 0.01
    assert abs(adj.edge_m.sum() / exact.sum() - 1) < 1e-3
    assert adj.shared_m.sum() / exact.sum() - 1 > 2e-3  # the buffered length: what cut costs weigh


def test_partition_grids_hands_each_community_its_own_shapes_for_the_finish(monkeypatch):
    import spatial.grids._engine as engine

    monkeypatch.setattr(engine, "PROCESSES", 1)  # every call in this process, to watch them
    seen = []
    real = engine.local_search

    def spy(adj, hh, xy, labels, **kw):
        if kw.get("shapes") is not None:
            seen.append((adj.shape[0], len(kw["shapes"].area), kw["weights"].shape))
        return real(adj, hh, xy, labels, **kw)

    monkeypatch.setattr(engine, "local_search", spy)
    polys = cells(n=120, seed=2)
    xs = shapely.get_coordinates(shapely.centroid(polys))[:, 0]
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(120)], "households": 40},
                             geometry=list(polys), crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["W", "E"]}, crs=CRS,
                            geometry=[shapely.box(0, 0, 500, 1000), shapely.box(500, 0, 1000, 1000)])
    partition_grids(units, comm, n_grids={"W": 4, "E": 3}, balance="equal", restarts=0)
    sizes = sorted({n for n, _, _ in seen})
    assert sizes == sorted([int((xs < 500).sum()), int((xs >= 500).sum())])  # one graph per community
    assert all(n == m and w > 0 for n, m, w in seen)  # shapes of the community's own nodes
    seen.clear()
    partition_grids(units, comm, n_grids={"W": 4, "E": 3}, balance="band")
    assert seen == []  # "band" has no finish
