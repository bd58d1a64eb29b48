"""Specification of spatial.network.routing: walks = legs + along-edge parts + network, checked by networkx."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from spatial.network.graph import network_from_arrays
from spatial.network.read import read_network
from spatial.network.routing import nearest_source, source_target_pairs
from spatial.network.snapping import snap_points

METRIC = "EPSG:32650"


def square_with_diagonal():
    # 0 (0,0) - 1 (100,0) - 2 (100,100) - 3 (0,100) - 0, diagonal 0-2 (141.42 m)
    xy = np.array([[0, 0], [100, 0], [100, 100], [0, 100]], float)
    return network_from_arrays(xy, [0, 1, 2, 3, 0], [1, 2, 3, 0, 2], crs=METRIC)


def test_path_network_known_distance():
    net = network_from_arrays(np.array([[0, 0], [100, 0], [200, 0], [300, 0]], float), [0, 1, 2], [1, 2, 3],
                              crs=METRIC)
    src = snap_points(net, np.array([[10.0, 5.0]]))
    tgt = snap_points(net, np.array([[290.0, -7.0], [10.0, 5.0]]))
    walk, which = nearest_source(net, src, tgt)
    np.testing.assert_allclose(walk, [5 + 280 + 7, 10])  # same spot: both legs, no along-edge part
    assert which.tolist() == [0, 0]


def test_square_with_diagonal_takes_the_diagonal():
    net = square_with_diagonal()
    src = snap_points(net, np.array([[0.0, 0.0]]))
    tgt = snap_points(net, np.array([[100.0, 100.0], [100.0, 50.0]]))
    walk, _ = nearest_source(net, src, tgt)
    np.testing.assert_allclose(walk, [np.sqrt(2) * 100, 100 + 50])


def test_station_and_point_on_the_same_edge_walk_directly():
    # a 1 km edge: the point 40 m from the station along it must not detour via the ends
    net = network_from_arrays(np.array([[0, 0], [1000, 0]], float), [0], [1], crs=METRIC)
    src = snap_points(net, np.array([[480.0, 10.0]]))
    tgt = snap_points(net, np.array([[520.0, -3.0]]))
    walk, which = nearest_source(net, src, tgt)
    assert walk[0] == pytest.approx(10 + 40 + 3)
    s, t, d = source_target_pairs(net, src, tgt, limit_m=100)
    assert (s.tolist(), t.tolist()) == ([0], [0]) and d[0] == pytest.approx(53)


def test_nearest_of_two_stations_and_limit():
    net = network_from_arrays(np.array([[0, 0], [1000, 0]], float), [0], [1], crs=METRIC)
    src = snap_points(net, np.array([[0.0, 0.0], [1000.0, 0.0]]))
    tgt = snap_points(net, np.array([[300.0, 0.0], [900.0, 0.0], [500.0, 0.0]]))
    walk, which = nearest_source(net, src, tgt)
    np.testing.assert_allclose(walk, [300, 100, 500])
    assert which[:2].tolist() == [0, 1]
    walk, which = nearest_source(net, src, tgt, limit_m=200)
    assert walk.tolist() == [np.inf, 100, np.inf] and which.tolist() == [-1, 1, -1]


def test_unsnapped_and_disconnected_targets_are_unreachable():
    xy = np.array([[0, 0], [100, 0], [500, 0], [600, 0]], float)
    net = network_from_arrays(xy, [0, 2], [1, 3], crs=METRIC)  # two components
    src = snap_points(net, np.array([[10.0, 0.0], [5000.0, 0.0]]))  # second station not snapped
    tgt = snap_points(net, np.array([[50.0, 0.0], [550.0, 0.0], [50.0, 900.0]]))
    walk, which = nearest_source(net, src, tgt)
    assert walk[0] == pytest.approx(40) and which.tolist() == [0, -1, -1]
    assert np.isinf(walk[1:]).all()


def test_zero_distance_pairs_are_kept():
    net = square_with_diagonal()
    src = snap_points(net, np.array([[100.0, 0.0]]))
    tgt = snap_points(net, np.array([[100.0, 0.0], [0.0, 0.0]]))
    s, t, d = source_target_pairs(net, src, tgt, limit_m=100)
    assert t.tolist() == [0, 1] and d.tolist() == pytest.approx([0, 100])


@settings(max_examples=30, deadline=None)
@given(st.integers(0, 2**31 - 1), st.floats(50, 400))
def test_nearest_source_is_the_minimum_over_all_pairs(seed, limit):
    rng = np.random.default_rng(seed)
    xs, ys = np.meshgrid(np.arange(5) * 60.0, np.arange(4) * 45.0)
    xy = np.column_stack([xs.ravel(), ys.ravel()]) + rng.normal(0, 5, (20, 2))
    idx = np.arange(20).reshape(4, 5)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    keep = rng.random(len(u)) < 0.8
    net = network_from_arrays(xy, u[keep], v[keep], crs=METRIC)
    src = snap_points(net, rng.uniform(-20, 260, (4, 2)), max_snap_m=30)
    tgt = snap_points(net, rng.uniform(-20, 260, (25, 2)), max_snap_m=30)
    walk, which = nearest_source(net, src, tgt, limit_m=limit)
    s, t, d = source_target_pairs(net, src, tgt, limit_m=limit)
    expect = np.full(len(tgt), np.inf)
    np.minimum.at(expect, t, d)
    np.testing.assert_allclose(walk, expect, atol=1e-9)
    hit = np.isfinite(walk)
    # the chosen source is one of those at the minimum distance
    for ti in np.flatnonzero(hit):
        best = s[(t == ti) & np.isclose(d, walk[ti])]
        assert which[ti] in best
    assert (which[~hit] == -1).all()


def networkx_walks(net, src, tgt):
    """Independent oracle: split edges at the snapped points, add legs, multi_source_dijkstra."""
    g = nx.MultiGraph()
    for k, (u, v, length) in enumerate(zip(net.edge_u, net.edge_v, net.length_m)):
        g.add_edge(int(u), int(v), weight=float(length), key=k)
    on_edge: dict[int, list] = {}
    for kind, snap in (("s", src), ("t", tgt)):
        for i in np.flatnonzero(snap.edge >= 0):
            on_edge.setdefault(int(snap.edge[i]), []).append((float(snap.offset_m[i]), (kind, int(i))))
            g.add_edge((kind, int(i)), (kind, int(i), "on"), weight=float(snap.leg_m[i]))
    for e, pts in on_edge.items():
        u, v, length = int(net.edge_u[e]), int(net.edge_v[e]), float(net.length_m[e])
        g.remove_edge(u, v, key=e)
        chain = [(0.0, u)] + sorted((off, (*name, "on")) for off, name in pts) + [(length, v)]
        for (o1, a), (o2, b) in zip(chain[:-1], chain[1:]):
            g.add_edge(a, b, weight=o2 - o1)
    sources = [("s", int(i)) for i in np.flatnonzero(src.edge >= 0)]
    dist = nx.multi_source_dijkstra_path_length(g, sources, weight="weight")
    return np.array([dist.get(("t", i), np.inf) for i in range(len(tgt))])


def random_points(net, n, rng):
    lo, hi = net.node_xy.min(axis=0), net.node_xy.max(axis=0)
    return rng.uniform(lo, hi, (n, 2))


@pytest.mark.parametrize("which", ["futian", "huangpu"])
def test_walks_match_networkx_on_real_networks(which, futian_graphml, huangpu_osm):
    net = read_network(futian_graphml if which == "futian" else huangpu_osm)
    rng = np.random.default_rng(42)
    src = snap_points(net, random_points(net, 20, rng))
    tgt = snap_points(net, random_points(net, 300, rng))
    assert src.ok.sum() >= 10 and tgt.ok.sum() >= 150
    walk, _ = nearest_source(net, src, tgt)
    expect = networkx_walks(net, src, tgt)
    assert np.isfinite(expect).sum() >= 150
    np.testing.assert_array_equal(np.isfinite(walk), np.isfinite(expect))
    fin = np.isfinite(expect)
    np.testing.assert_allclose(walk[fin], expect[fin], atol=0.5)
    # the pairs routine agrees too, at a 15-minute limit
    s, t, d = source_target_pairs(net, src, tgt, limit_m=1000)
    nearest = np.full(len(tgt), np.inf)
    np.minimum.at(nearest, t, d)
    within = expect <= 1000
    np.testing.assert_allclose(nearest[within], expect[within], atol=0.5)
    assert np.isinf(nearest[~within & (expect > 1000.5)]).all()


def test_targets_worked_out_in_parts_on_threads_get_the_serial_walks(monkeypatch):
    import spatial.core._threads as threads
    import spatial.network.routing as routing

    rng = np.random.default_rng(7)
    xs, ys = np.meshgrid(np.arange(12) * 50.0, np.arange(10) * 50.0)
    xy = np.column_stack([xs.ravel(), ys.ravel()]) + rng.normal(0, 3, (120, 2))
    idx = np.arange(120).reshape(10, 12)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    net = network_from_arrays(xy, u, v, crs=METRIC)
    src = snap_points(net, rng.uniform(0, 550, (6, 2)))
    # some targets far off the lattice are not snapped: the parts then gather through them
    for tgt_xy in (rng.uniform(0, 550, (500, 2)), rng.uniform(-300, 850, (500, 2))):
        tgt = snap_points(net, tgt_xy, max_snap_m=60)
        monkeypatch.setattr(threads, "THREADS", 1)
        serial = nearest_source(net, src, tgt, limit_m=400)
        parts = []
        monkeypatch.setattr(routing, "thread_map", lambda fn, items: parts.append(len(items)) or threads.thread_map(fn, items))
        monkeypatch.setattr(threads, "THREADS", 3)
        monkeypatch.setattr(threads, "MIN_PART", 40)
        threaded = nearest_source(net, src, tgt, limit_m=400)
        assert parts == [3], (parts, int((tgt.edge >= 0).sum()))
        for a, b in zip(serial, threaded):
            np.testing.assert_array_equal(a, b)
        assert np.isfinite(serial[0]).sum() > 100 and (serial[1] >= 0).sum() > 100
        monkeypatch.undo()
