"""Specification of spatial.network.snapping: points meet the nearest edge, with offset and leg; none dropped."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Polygon

from spatial import CRSError
from spatial.network.graph import network_from_arrays
from spatial.network.read import read_network
from spatial.network.snapping import (
    DROPPED_COMPONENT,
    NO_LOCATION,
    TOO_FAR,
    clear_cache,
    layer_xy,
    snap_layer,
    snap_points,
)

METRIC = "EPSG:32650"


@pytest.fixture(scope="module")
def path_net():
    # 0 --100-- 1 --100-- 2 along the x axis
    return network_from_arrays(np.array([[0, 0], [100, 0], [200, 0]], float), [0, 1], [1, 2], crs=METRIC)


def test_point_snaps_to_edge_interior_not_node(path_net):
    snap = snap_points(path_net, np.array([[30.0, 40.0], [170.0, -5.0]]))
    assert snap.edge.tolist() == [0, 1]
    np.testing.assert_allclose(snap.offset_m, [30, 70])
    np.testing.assert_allclose(snap.leg_m, [40, 5])
    assert snap.reason.tolist() == ["", ""]


def test_the_index_is_kept_for_the_network_until_the_cache_is_cleared(path_net):
    import spatial.network._snapindex as si

    xy = np.array([[30.0, 40.0], [170.0, -5.0], [np.nan, 1.0]])
    first = snap_points(path_net, xy)
    kept = si._cache[id(path_net.geometry)][1]
    snap_points(path_net, xy[:1])
    assert si._cache[id(path_net.geometry)][1] is kept
    clear_cache()
    assert id(path_net.geometry) not in si._cache
    again = snap_points(path_net, xy)
    assert si._cache[id(path_net.geometry)][1] is not kept
    for a, b in zip((first.edge, first.offset_m, first.leg_m), (again.edge, again.offset_m, again.leg_m)):
        np.testing.assert_array_equal(a, b)
    assert again.reason.tolist() == ["", "", NO_LOCATION]


def test_offset_is_measured_from_the_u_end():
    net = network_from_arrays(np.array([[0, 0], [100, 0]], float), [1], [0], crs=METRIC)
    snap = snap_points(net, np.array([[30.0, 1.0]]))
    assert snap.offset_m[0] == pytest.approx(70)


def test_too_far_points_are_kept_with_a_reason(path_net):
    snap = snap_points(path_net, np.array([[50.0, 150.0], [50.0, 99.0], [np.nan, np.nan]]), max_snap_m=100)
    assert snap.edge.tolist() == [-1, 0, -1]
    assert snap.reason.tolist() == [TOO_FAR, "", NO_LOCATION]
    assert np.isnan(snap.leg_m[0]) and snap.ok.tolist() == [False, True, False]
    assert snap_points(path_net, np.array([[50.0, 150.0]]), max_snap_m=200).edge.tolist() == [0]
    with pytest.raises(ValueError, match="max_snap_m"):
        snap_points(path_net, np.zeros((1, 2)), max_snap_m=0)


def test_point_near_a_dropped_component_says_so():
    roads = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (500, 0)]), LineString([(0, 1000), (50, 1000)])],
                             crs=METRIC)
    net = read_network(roads)
    snap = snap_points(net, np.array([[20.0, 1010.0], [20.0, 600.0], [20.0, 10.0]]))
    assert snap.reason.tolist() == [DROPPED_COMPONENT, TOO_FAR, ""]


def test_points_between_two_edges_pick_the_nearer():
    net = network_from_arrays(np.array([[0, 0], [100, 0], [0, 50], [100, 50]], float), [0, 2], [1, 3], crs=METRIC)
    snap = snap_points(net, np.array([[10.0, 20.0], [10.0, 30.0]]))
    assert snap.edge.tolist() == [0, 1]
    np.testing.assert_allclose(snap.leg_m, [20, 20])


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.floats(-300, 500), st.floats(-300, 300)), min_size=1, max_size=30))
def test_leg_is_the_distance_to_the_nearest_edge(points):
    xy = np.array([[0, 0], [100, 0], [200, 80], [40, 200]], float)
    net = network_from_arrays(xy, [0, 1, 2, 0], [1, 2, 3, 3], crs=METRIC)
    pts = np.array(points)
    snap = snap_points(net, pts, max_snap_m=150)
    dist = shapely.distance(shapely.points(pts)[:, None], net.geometry[None, :])
    best = dist.min(axis=1)
    np.testing.assert_array_equal(snap.ok, best <= 150)
    ok = snap.ok
    np.testing.assert_allclose(snap.leg_m[ok], best[ok], atol=1e-6)
    # the offset locates the snapped point: from there the leg is the distance to the point
    on = shapely.line_interpolate_point(net.geometry[snap.edge[ok]], snap.offset_m[ok])
    np.testing.assert_allclose(shapely.distance(on, shapely.points(pts[ok])), snap.leg_m[ok], atol=1e-6)


def test_layer_xy_reprojects_and_uses_representative_points(path_net):
    square = Polygon([(40, 10), (60, 10), (60, 30), (40, 30)])
    layer = gpd.GeoDataFrame({"unit_id": [1, 2, 3]}, geometry=[square, shapely.Point(5, 5), None], crs=METRIC)
    xy = layer_xy(layer.to_crs("EPSG:4326"), path_net, name="units")
    assert shapely.contains_xy(square.buffer(0.01), *xy[0])
    np.testing.assert_allclose(xy[1], [5, 5], atol=1e-6)
    assert np.isnan(xy[2]).all()
    with pytest.raises(CRSError, match="'units' has no CRS"):
        layer_xy(layer.set_crs(None, allow_override=True), path_net, name="units")


def test_snap_layer_keeps_rows_and_adds_columns(path_net):
    layer = gpd.GeoDataFrame({"station_id": ["a", "b"]}, geometry=shapely.points([(50, 3), (50, 900)]),
                             crs=METRIC, index=[10, 20])
    out = snap_layer(layer, path_net, max_snap_m=100, name="stations")
    assert out.index.tolist() == [10, 20] and out.station_id.tolist() == ["a", "b"]
    assert out.snap_leg_m.iloc[0] == pytest.approx(3) and out.reason.tolist() == ["", TOO_FAR]


#: Stage settings of spatial.network._snapindex: the default, and each stage forced to answer alone
#: (a grid pass in small chunks then STRtree, one wide grid block, KD-tree second stage, STRtree).
STAGES = {
    "default": {},
    "grid+strtree": {"_BLOCKS": (3,), "_WIDE": False, "_KS": (), "_GRID_CHUNK": 500, "_GRID_BUDGET": 64},
    "wide grid": {"_BLOCKS": (), "_WIDE": True},
    "kd stage 2": {"_BLOCKS": (), "_WIDE": False, "_KS": (1,)},
    "strtree": {"_BLOCKS": (), "_WIDE": False, "_KS": ()},
}


@pytest.mark.parametrize("stages", STAGES)
def test_fast_index_matches_the_strtree_on_futian(futian_graphml, monkeypatch, stages):
    """The grid and KD-tree indexes are exact: same distances as STRtree.query_nearest (also when
    every point must go through one stage: a grid pass, the wide block, the KD-tree's second
    stage or the STRtree fallback)."""
    import spatial.network._snapindex as si

    for name, value in STAGES[stages].items():
        monkeypatch.setattr(si, name, value)
    net = read_network(futian_graphml)
    rng = np.random.default_rng(7)
    lo, hi = net.node_xy.min(axis=0), net.node_xy.max(axis=0)
    xy = rng.uniform(lo, hi, (3000, 2))
    # the index itself, on every edge (``snap_points`` leaves tunnels out: tests/test_linking.py)
    edge, leg, offset = si.nearest_edges(net.geometry, xy, 60)
    ok = edge >= 0
    pts = shapely.points(xy)
    (i_pt, i_geom), d = shapely.STRtree(net.geometry).query_nearest(pts, max_distance=60, return_distance=True,
                                                                    all_matches=False)
    expect = np.full(len(xy), np.nan)
    expect[i_pt] = d
    np.testing.assert_array_equal(ok, np.isfinite(expect))
    np.testing.assert_allclose(leg[ok], expect[ok], atol=1e-9)
    on = shapely.line_interpolate_point(net.geometry[edge[ok]], offset[ok])
    np.testing.assert_allclose(shapely.distance(on, pts[ok]), leg[ok], atol=1e-6)


_coord = st.integers(-40, 40).map(lambda v: v * 2.5) | st.floats(-100, 100).map(lambda v: round(v, 9))


@settings(max_examples=60, deadline=None)
@given(lines=st.lists(st.lists(st.tuples(_coord, _coord), min_size=2, max_size=6), min_size=1, max_size=12),
       points=st.lists(st.tuples(_coord.map(lambda v: 3 * v), _coord.map(lambda v: 3 * v)), min_size=1, max_size=40),
       max_m=st.sampled_from([1.0, 20.0, 150.0]), data=st.data())
def test_every_stage_gives_the_exact_nearest_edge(lines, points, max_m, data):
    """Random polylines (long, diagonal, zero-length segments, shared vertices) and points (some on
    vertices, some far away): every stage finds the brute-force nearest distance, an offset that
    locates the foot, and the same edge as the default stages (unless two edges tie)."""
    import spatial.network._snapindex as si

    geometry = np.array([shapely.linestrings(np.array(line, float)) for line in lines])
    vertices = shapely.get_coordinates(geometry)
    on_vertex = data.draw(st.lists(st.integers(0, len(vertices) - 1), max_size=5))
    xy = np.concatenate([np.array(points, float), vertices[on_vertex]]).reshape(-1, 2)
    pts = shapely.points(xy)
    dist = shapely.distance(pts[:, None], geometry[None, :])
    best = dist.min(axis=1)
    ok = best <= max_m
    ranked = np.sort(dist, axis=1)
    untied = ok & ((ranked[:, 1] - ranked[:, 0] > 1e-9) if dist.shape[1] > 1 else True)
    results = {}
    for stages, settings_ in STAGES.items():
        with pytest.MonkeyPatch.context() as m:
            for name, value in settings_.items():
                m.setattr(si, name, value)
            si._cache.clear()
            edge, leg, offset = si.nearest_edges(geometry, xy, max_m)
        np.testing.assert_array_equal(edge >= 0, ok, err_msg=stages)
        np.testing.assert_allclose(leg[ok], best[ok], atol=1e-9, err_msg=stages)
        on = shapely.line_interpolate_point(geometry[edge[ok]], offset[ok])
        np.testing.assert_allclose(shapely.distance(on, pts[ok]), leg[ok], atol=1e-6, err_msg=stages)
        results[stages] = edge, leg, offset
    edge = results["default"][0]
    for stages, (e, _, _) in results.items():
        np.testing.assert_array_equal(e[untied], edge[untied], err_msg=stages)


@pytest.mark.parametrize("stages", STAGES)
def test_threaded_chunks_give_the_serial_answer_bit_for_bit(monkeypatch, stages):
    """The grid passes and the KD-tree stage answer chunks of points on worker threads: the
    edges, distances and offsets are exactly the serial ones (random polylines with long,
    zero-length and shared-vertex segments; points on vertices, near and far), and the chunks
    did run off the main thread."""
    import threading

    import spatial.network._snapindex as si

    for name, value in STAGES[stages].items():
        monkeypatch.setattr(si, name, value)
    # small chunks: many of them in every stage
    monkeypatch.setattr(si, "_GRID_CHUNK", 97)
    monkeypatch.setattr(si, "_CHUNK", 113)
    rng = np.random.default_rng(11)
    starts = rng.uniform(0, 2000, (400, 2))
    lines = [np.cumsum(np.vstack([s, rng.normal(0, rng.choice([0.0, 5.0, 60.0, 400.0]), (rng.integers(1, 6), 2))]),
                       axis=0) for s in starts]
    geometry = np.array([shapely.linestrings(line) for line in lines])
    vertices = shapely.get_coordinates(geometry)
    xy = np.concatenate([rng.uniform(-300, 2300, (3000, 2)), vertices[rng.integers(0, len(vertices), 300)],
                         [[np.nan, 1.0]]])
    threads = set()
    chunk, settle = si._grid_chunk, si._settle

    def spy(fn):
        def wrapped(*args, **kwargs):
            threads.add(threading.get_ident())
            return fn(*args, **kwargs)
        return wrapped

    monkeypatch.setattr(si, "_grid_chunk", spy(chunk))
    monkeypatch.setattr(si, "_settle", spy(settle))
    for max_m in (3.0, 40.0, 400.0):
        si._cache.clear()
        monkeypatch.setattr(si, "_THREADS", 1)
        threads.clear()
        serial = si.nearest_edges(geometry, xy, max_m)
        assert threads <= {threading.get_ident()}
        monkeypatch.setattr(si, "_THREADS", 4)
        threads.clear()
        threaded = si.nearest_edges(geometry, xy, max_m)
        if stages != "strtree":
            assert threads and threading.get_ident() not in threads, "chunks ran on the main thread"
        assert (serial[0] >= 0).sum() > 100
        for a, b in zip(serial, threaded):
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a.view(np.int64), b.view(np.int64))


@pytest.mark.parametrize("stages", STAGES)
def test_a_line_end_exactly_max_m_away_is_found_by_every_stage(monkeypatch, stages):
    # found by hypothesis: the KD-tree stage's bound is strict, and the end's sample lies exactly on it
    import spatial.network._snapindex as si

    for name, value in STAGES[stages].items():
        monkeypatch.setattr(si, name, value)
    si._cache.clear()
    geometry = np.array([shapely.linestrings([(0.0, 0.0), (-97.5, 0.0)])])
    edge, leg, offset = si.nearest_edges(geometry, np.array([(-247.5, 0.0), (-247.6, 0.0)]), 150.0)
    assert edge.tolist() == [0, -1]
    assert leg[0] == pytest.approx(150.0) and offset[0] == pytest.approx(97.5)
    si._cache.clear()
