"""Walks through unmapped ground: estates whose inner paths the map lacks, gates and barriers.

The references are built independently of the code under test: networkx shortest paths over the
raw street segments, and the off-network leg worked out from the estate's rectangle by hand.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
from shapely.geometry import LineString, Point, box

from spatial import CRSError, GeometryError, SpatialError
from spatial.coverage.walks import walking_coverage
from spatial.network.graph import network_from_arrays

METRIC = "EPSG:32650"
W, H = 800.0, 700.0  # the estate: x 0..800, y 0..700, streets only on its outline
STEP = 50.0
STATION = (400.0, 0.0)  # at the south gate


def _outline_nodes():
    """Street nodes every 50 m around the estate, in order, and a 300 m spur going south-east."""
    pts = [(x, 0.0) for x in np.arange(0, W, STEP)] + [(W, y) for y in np.arange(0, H, STEP)]
    pts += [(x, H) for x in np.arange(W, 0, -STEP)] + [(0.0, y) for y in np.arange(H, 0, -STEP)]
    ring = len(pts)
    edges = [(i, (i + 1) % ring) for i in range(ring)]
    spur = [(W + 100.0 * k, -60.0 * k) for k in (1, 2, 3)]
    corner = pts.index((W, 0.0))
    for k, p in enumerate(spur):
        pts.append(p)
        edges.append((corner if k == 0 else len(pts) - 2, len(pts) - 1))
    return np.array(pts), np.array(edges)


@pytest.fixture(scope="module")
def estate():
    xy, edges = _outline_nodes()
    net = network_from_arrays(xy, edges[:, 0], edges[:, 1], crs=METRIC)
    rng = np.random.default_rng(7)
    g = np.arange(12.5, W, 25.0)
    hx, hy = np.meshgrid(g, np.arange(12.5, H, 25.0))
    homes = np.column_stack([hx.ravel(), hy.ravel()]) + rng.uniform(-4, 4, (hx.size, 2))
    demand = gpd.GeoDataFrame({"households": rng.integers(1, 40, len(homes))},
                              geometry=gpd.points_from_xy(homes[:, 0], homes[:, 1]), crs=METRIC)
    stations = gpd.GeoDataFrame({"station_id": ["S1"]}, geometry=[Point(STATION)], crs=METRIC)
    graph = nx.Graph()
    for u, v in edges:
        graph.add_edge(int(u), int(v), weight=float(np.hypot(*(xy[u] - xy[v]))))
    station_node = int(np.flatnonzero((xy == STATION).all(axis=1))[0])
    to_station = nx.single_source_dijkstra_path_length(graph, station_node, weight="weight")
    return net, demand, stations, xy, to_station


def _reference(homes, xy, to_station, detour):
    """Leg to the nearest side of the rectangle (hand arithmetic), then networkx from the foot."""
    x, y = homes[:, 0], homes[:, 1]
    sides = np.column_stack([y, W - x, H - y, x])  # south, east, north, west
    side = sides.argmin(axis=1)
    leg = sides.min(axis=1)
    foot = homes.copy()
    foot[side == 0, 1] = 0.0
    foot[side == 1, 0] = W
    foot[side == 2, 1] = H
    foot[side == 3, 0] = 0.0
    walk = np.empty(len(homes))
    for i, f in enumerate(foot):
        # the two street nodes bounding the foot's 50 m segment
        near = np.flatnonzero(np.hypot(*(xy - f).T) <= STEP + 1e-9)
        walk[i] = min(to_station[int(n)] + np.hypot(*(xy[n] - f)) for n in near if _on_segment(xy, n, f))
    cost = np.where(leg > 100, detour * leg, leg)  # a leg within the snap distance is walked as is
    return leg, cost + walk


def _on_segment(xy, n, f):
    """Whether node ``n`` and the foot ``f`` lie on one street segment (same side of the ring)."""
    return bool(np.isclose(xy[n][0], f[0]) or np.isclose(xy[n][1], f[1]))


@pytest.mark.parametrize("detour", [1.0, 1.25, 1.4])
def test_estate_without_inner_paths_every_home_within_reach_gets_a_bounded_walk(estate, detour):
    net, demand, stations, xy, to_station = estate
    out = walking_coverage(demand, stations, net, detour_factor=detour)
    homes = shapely.get_coordinates(demand.geometry.values)
    leg, ref = _reference(homes, xy, to_station, detour)
    reach = leg <= 300
    expected = np.where(leg <= 100, "network", np.where(reach, "estimated", "unreachable"))
    assert (out["access"].to_numpy() == expected).all()
    assert (expected == "estimated").sum() > 100 and (expected == "unreachable").sum() > 10
    walk = out["walk_m"].to_numpy()
    assert np.isfinite(walk[reach]).all() and not np.isfinite(walk[~reach]).any()
    straight = np.hypot(*(homes - STATION).T)
    assert (walk[reach] >= straight[reach] - 1e-9).all()
    # never longer than the detour-weighted leg plus the network walk; here exactly that
    np.testing.assert_allclose(walk[reach], ref[reach], rtol=0, atol=1e-6)
    np.testing.assert_allclose(out["off_network_m"].to_numpy()[reach], leg[reach], atol=1e-6)
    assert out.loc[~reach, "band"].eq("unreachable").all()
    assert out.loc[~reach, "reason"].eq("too far from network").all()


def test_estimated_walks_off_gives_the_old_answer(estate):
    net, demand, stations, *_ = estate
    off = walking_coverage(demand, stations, net, max_off_network_m=None)
    assert set(off["access"]) == {"network", "unreachable"}
    assert off.loc[off["access"] == "unreachable", "reason"].eq("too far from network").all()


def test_walled_estate_walks_out_through_its_gate(estate):
    """Every home inside the wall leaves by its gate, however far (until December 2026 the homes
    whose way out was over max_off_network_m, 300 m, had no walk: the limit is for homes far off
    any mapped path, not for an estate whose walls and gate are given)."""
    net, demand, stations, *_ = estate
    wall = gpd.GeoDataFrame(geometry=[box(5, 5, W - 5, H - 5).exterior], crs=METRIC)
    gate = gpd.GeoDataFrame({"name": ["south gate"]}, geometry=[Point(400, 5)], crs=METRIC)
    out = walking_coverage(demand, stations, net, gates=gate, barriers=wall)
    homes = shapely.get_coordinates(demand.geometry.values)
    to_gate = np.hypot(homes[:, 0] - 400, homes[:, 1] - 5)
    assert (to_gate + 5 > 300).sum() > 100  # the old limit would leave these without a walk
    assert out["access"].eq("estimated").all() and out["reason"].eq("").all()
    # home -> gate, gate -> street (5 m), at the detour factor; the station is at the gate's foot
    np.testing.assert_allclose(out["walk_m"], 1.25 * (to_gate + 5), atol=1e-6)
    np.testing.assert_allclose(out["off_network_m"], to_gate + 5, atol=1e-6)


def test_a_leg_never_crosses_a_river(estate):
    net, demand, stations, *_ = estate
    # a river 20 m inside the south street: homes south of it keep their street, the rest go north
    river = gpd.GeoDataFrame(geometry=[LineString([(-10, 20), (W + 10, 20)])], crs=METRIC)
    one = demand.iloc[[0]].copy()
    one.geometry = [Point(400, 60)]  # 60 m from the south street, across the river; 640 m to the north one
    near = demand.iloc[[0]].copy()
    near.geometry = [Point(150, 120)]  # across the river from the south street (120 m); the west one is 150 m
    out = walking_coverage(one, stations, net, barriers=river)
    assert out["access"].iloc[0] == "unreachable" and out["reason"].iloc[0] == "cut off by a barrier"
    out = walking_coverage(near, stations, net, barriers=river)
    assert out["access"].iloc[0] == "estimated" and out["off_network_m"].iloc[0] == pytest.approx(150)
    assert out["walk_m"].iloc[0] == pytest.approx(1.25 * 150 + 120 + 400)


def test_bad_gates_barriers_and_detour_factor_are_refused_by_name(estate):
    net, demand, stations, *_ = estate
    no_crs = gpd.GeoDataFrame(geometry=[Point(400, 5)])
    with pytest.raises(CRSError, match="'gates' has no CRS"):
        walking_coverage(demand, stations, net, gates=no_crs)
    with pytest.raises(CRSError, match="'barriers' has no CRS"):
        walking_coverage(demand, stations, net, barriers=gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])]))
    lines = gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])], crs=METRIC)
    with pytest.raises(GeometryError, match="'gates' must hold points.*LineString"):
        walking_coverage(demand, stations, net, gates=lines)
    with pytest.raises(SpatialError, match="detour_factor must be a number >= 1.*0.9"):
        walking_coverage(demand, stations, net, detour_factor=0.9)


def _cli_files(tmp_path, estate):
    net, demand, stations, *_ = estate
    gpd.GeoDataFrame({"highway": ["residential"] * net.n_edges}, geometry=list(net.geometry),
                     crs=METRIC).to_file(tmp_path / "roads.gpkg")
    demand.assign(unit_id=[f"u{i}" for i in range(len(demand))]).to_file(tmp_path / "units.gpkg")
    stations.assign(floor_area_m2=[200.0]).to_file(tmp_path / "stations.gpkg")
    gpd.GeoDataFrame(geometry=[Point(400, 5)], crs=METRIC).to_file(tmp_path / "gates.gpkg")
    # a LineString: pyogrio 0.11 crashes writing a LinearRing to a GeoPackage
    wall = LineString(box(5, 5, W - 5, H - 5).exterior.coords)
    gpd.GeoDataFrame(geometry=[wall], crs=METRIC).to_file(tmp_path / "walls.gpkg")
    return [str(tmp_path / f) for f in ("roads.gpkg", "stations.gpkg", "units.gpkg")]


def test_cli_coverage_with_gates_barriers_and_station_load(estate, tmp_path, capsys):
    import pandas as pd
    import pyogrio

    from spatial.cli import main

    args = _cli_files(tmp_path, estate)
    out = tmp_path / "cov.gpkg"
    assert main(["coverage", *args, "--out", str(out), "--gates", str(tmp_path / "gates.gpkg"),
                 "--barriers", str(tmp_path / "walls.gpkg"), "--detour-factor", "1.3"]) == 0
    said = capsys.readouterr().out
    demand = pyogrio.read_dataframe(out, layer="demand")
    assert set(demand["access"]) == {"estimated"}  # every home walks out through the gate
    est = demand["access"] == "estimated"
    assert f"{est.sum()} units" in said and "estimated walk" in said
    stations = pyogrio.read_dataframe(out, layer="stations")
    served = demand.loc[demand["nearest_station"].notna(), "households"].sum()
    assert stations["households_served"].iloc[0] == served
    assert stations["m2_per_100hh"].iloc[0] == pytest.approx(100 * 200 / served)
    assert bool(stations["under_standard"].iloc[0]) is True and "under 30 m² per 100 households" in said
    load = pd.read_csv(tmp_path / "cov_station_load.csv", encoding="utf-8-sig")
    assert load["households_served"].tolist() == [served]
    assert (tmp_path / "cov_fca_by_community.csv").exists()
    gaps = pyogrio.read_dataframe(out, layer="gaps")
    assert set(gaps["cause"]) <= {"service", "no mapped path"}  # no home inside the wall is cut off by it


@pytest.mark.parametrize("extra, message", [
    (["--detour-factor", "0.9"], "--detour-factor: expected a number >= 1"),
    (["--gates", "{lines}"], "'--gates .*lines.gpkg' must hold points"),
    (["--gates", "{nocrs}"], "nocrs.shp"),
    (["--barriers", "{nocrs}"], "nocrs.shp"),
    (["--max-off-network-m", "50"], "--max-off-network-m 50 is below --max-snap-m 100"),
])
def test_cli_refuses_bad_gates_barriers_and_detour_factor_in_one_line(estate, tmp_path, capsys, extra, message):
    import re

    from spatial.cli import main

    args = _cli_files(tmp_path, estate)
    gpd.GeoDataFrame(geometry=[LineString([(0, 0), (1, 1)])], crs=METRIC).to_file(tmp_path / "lines.gpkg")
    with warnings.catch_warnings():  # a shapefile without .prj, on purpose
        warnings.simplefilter("ignore", UserWarning)
        gpd.GeoDataFrame(geometry=[Point(400, 5)]).to_file(tmp_path / "nocrs.shp")
    extra = [e.format(lines=tmp_path / "lines.gpkg", nocrs=tmp_path / "nocrs.shp") for e in extra]
    assert main(["coverage", *args, "--out", str(tmp_path / "x.gpkg"), *extra]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and re.search(message, err), err
    assert not (tmp_path / "x.gpkg").exists()


def test_project_file_keys_for_estimated_walks_gates_and_station_load(tmp_path):
    from spatial.project.config import load_project

    (tmp_path / "a.gpkg").write_bytes(b"")
    base = ('[inputs]\ncommunities = { path = "a.gpkg", layer = "communities" }\n'
            'units = { path = "a.gpkg", layer = "units" }\ngates = { path = "a.gpkg", layer = "gates" }\n')
    path = tmp_path / "p.toml"
    path.write_text(base + "[coverage]\ndetour_factor = 1.3\nmax_off_network_m = 250\nmin_m2_per_100hh = 40\n",
                    encoding="utf-8")
    project = load_project(path)
    assert project.coverage["detour_factor"] == 1.3 and project.coverage["max_off_network_m"] == 250
    assert project.coverage["min_m2_per_100hh"] == 40 and project.inputs["gates"].layer == "gates"
    path.write_text(base + "[coverage]\ndetour_factor = 0.8\n", encoding="utf-8")
    with pytest.raises(SpatialError, match=r"\[coverage\] key 'detour_factor' must be a number >= 1"):
        load_project(path)
    path.write_text(base + "[coverage]\nmax_off_network_m = 50\n", encoding="utf-8")
    with pytest.raises(SpatialError, match=r"max_off_network_m 50 is below max_snap_m 100"):
        load_project(path)


def test_estimated_legs_end_on_their_walkway_never_past_its_end(futian_graphml):
    """Points 101-250 m beyond the ends of the Futian walkways: the nearest-edge search put 3 of
    2,000 of them past the end of their edge (by up to 3e-11 m), where a walk's remainder along
    the edge came out negative; the gaps clipped it, the coverage did not."""
    from spatial.network.read import read_network
    from spatial.network.snapping import snap_walks

    net = read_network(futian_graphml)
    rng = np.random.default_rng(0)
    ends = np.array([g.coords[-1] for g in net.geometry[:2000]])
    ang, r = rng.uniform(0, 2 * np.pi, len(ends)), rng.uniform(101, 250, len(ends))
    snap = snap_walks(net, ends + np.c_[np.cos(ang) * r, np.sin(ang) * r], max_snap_m=100, max_off_network_m=300)
    hit = snap.edge >= 0
    assert hit.sum() > 1900
    assert (snap.offset_m[hit] >= 0).all() and (snap.offset_m[hit] <= net.length_m[snap.edge[hit]]).all()
