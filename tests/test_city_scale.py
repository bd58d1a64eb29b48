"""City scale: gaps one station could serve, linking by one search, isochrones bounded whatever the band."""

from __future__ import annotations

import geopandas as gpd
import networkx as nx
import numpy as np
import pyogrio
import pytest
import scipy.sparse as sp
import shapely
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import connected_components

from spatial import SpatialError
from spatial.coverage import _raster
from spatial.coverage._gapsplit import walk_links
from spatial.coverage.gaps import assign_gaps, coverage_gaps
from spatial.coverage.service_areas import isochrones
from spatial.datasets.synthetic import X0, Y0, river_network, stations_at
from spatial.network.graph import network_from_arrays
from spatial.network.routing import source_target_pairs
from spatial.network.snapping import snap_points

CRS = "EPSG:32650"


@pytest.fixture(scope="module")
def river():
    return river_network()[0]


def uneven_town(seed: int = 4):
    """A jittered 25 x 25 street lattice (60 m) with 15% of the streets missing, as a WalkNetwork."""
    rng = np.random.default_rng(seed)
    side = 25
    xs, ys = np.meshgrid(np.arange(side) * 60.0, np.arange(side) * 60.0)
    xy = np.column_stack([xs.ravel(), ys.ravel()]) + rng.normal(0, 4, (side * side, 2)) + [X0, Y0]
    idx = np.arange(side * side).reshape(side, side)
    u = np.concatenate([idx[:, :-1].ravel(), idx[:-1, :].ravel()])
    v = np.concatenate([idx[:, 1:].ravel(), idx[1:, :].ravel()])
    keep = rng.random(len(u)) > 0.15
    return network_from_arrays(xy, u[keep], v[keep], crs=CRS)


def uncovered_homes(network, n: int, seed: int) -> gpd.GeoDataFrame:
    """Homes off the streets (up to 40 m), all scored beyond the band (walks past every band used here)."""
    rng = np.random.default_rng(seed)
    lo, hi = network.node_xy.min(axis=0), network.node_xy.max(axis=0)
    xy = rng.uniform(lo, hi, size=(n, 2))
    return gpd.GeoDataFrame(
        {"households": rng.integers(1, 30, n), "population": rng.integers(1, 80, n),
         "walk_m": rng.uniform(600, 1100, n), "walk_min": np.nan, "band": "beyond"},
        geometry=shapely.points(xy), crs=CRS)


def street_graph(network) -> nx.Graph:
    g = nx.Graph()
    for k, (a, b) in enumerate(zip(network.edge_u, network.edge_v)):
        g.add_edge(int(a), int(b), weight=float(network.length_m[k]))
    return g


def oracle_walks(network, g, site_xy, xy):
    """Walk from a point of the network (``site_xy``) to points, with networkx and an STRtree."""
    g = g.copy()
    tree = shapely.STRtree(network.geometry)
    site = shapely.Point(site_xy)
    e_site = int(tree.query_nearest(site)[0])
    off_site = shapely.line_locate_point(network.geometry[e_site], site)
    u, v, length = int(network.edge_u[e_site]), int(network.edge_v[e_site]), float(network.length_m[e_site])
    g.add_edge("site", u, weight=off_site)
    g.add_edge("site", v, weight=length - off_site)
    dist = nx.single_source_dijkstra_path_length(g, "site", weight="weight")
    d_node = np.array([dist.get(i, np.inf) for i in range(network.n_nodes)])
    pts = shapely.points(xy)
    (_, e), leg = tree.query_nearest(pts, return_distance=True, all_matches=False)
    off = shapely.line_locate_point(network.geometry[e], pts)
    walk = leg + np.minimum(d_node[network.edge_u[e]] + off, d_node[network.edge_v[e]] + network.length_m[e] - off)
    same = e == e_site
    walk[same] = np.minimum(walk[same], leg[same] + np.abs(off[same] - off_site))
    return walk


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10_000), reach=st.sampled_from([150.0, 333.0, 500.0]), n=st.integers(5, 250))
def test_every_gap_is_served_from_one_network_point_inside_it(seed, reach, n):
    """Each home of a gap walks at most the band's reach from the gap's site (networkx oracle)."""
    network = uneven_town(seed % 7)
    homes = uncovered_homes(network, n, seed)
    gaps = coverage_gaps(homes, network, band=f"{reach:g}m", link_m=150.0, max_snap_m=60.0)
    labelled = assign_gaps(homes, network, band=f"{reach:g}m", link_m=150.0, max_snap_m=60.0)
    whole = assign_gaps(homes, network, band=f"{reach:g}m", link_m=150.0, max_snap_m=60.0, site_reach_m=np.inf)
    assert gaps["households"].sum() == homes["households"].sum()
    xy = shapely.get_coordinates(homes.geometry.values)
    snapped = snap_points(network, xy, max_snap_m=60.0).edge >= 0
    g = street_graph(network)
    for row in gaps.itertuples():
        mine = (labelled["gap_id"] == row.gap_id).to_numpy()
        assert len(set(whole["gap_id"][mine])) == 1, "a gap never spans two uncovered areas"
        on = mine & snapped
        if on.any():
            walks = oracle_walks(network, g, (row.site_x, row.site_y), xy[on])
            assert walks.max() <= reach + 1e-6
        else:  # off the network: by straight distance from the site (one of its homes)
            assert np.hypot(*(xy[mine] - [row.site_x, row.site_y]).T).max() <= reach + 1e-6


def test_a_large_uncovered_area_is_split_and_totals_kept():
    network = uneven_town(1)
    homes = uncovered_homes(network, 600, 3).assign(walk_m=np.linspace(310, 1200, 600))
    whole = coverage_gaps(homes, network, band="300m", max_snap_m=60.0, site_reach_m=np.inf)
    split = coverage_gaps(homes, network, band="300m", max_snap_m=60.0)
    assert len(split) > 3 * len(whole)
    assert split["households"].sum() == whole["households"].sum() == homes["households"].sum()
    assert split["population"].sum() == homes["population"].sum()
    assert split["n_points"].sum() == 600
    # each gap says how far its nearest home walks to a station
    labelled = assign_gaps(homes, network, band="300m", max_snap_m=60.0)
    nearest = labelled.groupby("gap_id")["walk_m"].min()
    assert split.set_index("gap_id")["walk_to_station_m"].to_dict() == pytest.approx(nearest.to_dict())
    assert (np.diff(split["households"].to_numpy()) <= 0).all()


def test_band_in_minutes_reads_the_speed_the_demand_was_scored_at():
    network = uneven_town(2)
    homes = uncovered_homes(network, 300, 5)
    homes["walk_min"] = homes["walk_m"] / (3000 / 60)  # scored at 3 km/h: 5 min = 250 m
    homes["band"] = "beyond"
    at_3 = assign_gaps(homes, network, band="5min", max_snap_m=60.0)
    metres = assign_gaps(homes, network, band="250m", max_snap_m=60.0)
    assert at_3["gap_id"].tolist() == metres["gap_id"].tolist()
    with pytest.raises(SpatialError, match="site_reach_m"):
        coverage_gaps(homes, network, band="5min", site_reach_m=0.0)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pts=st.lists(st.tuples(st.floats(-50, 1050), st.floats(-500, 500)), min_size=2, max_size=50),
       link_m=st.floats(5, 400), along=st.booleans())
@example(pts=[(0.0, 66.0), (5.0, 66.0)], link_m=5.0, along=False)  # exactly link_m apart, one on its leg
@example(pts=[(0.0, 20.0), (11.00000011920929, 20.0)], link_m=91.0, along=False)  # found in a fresh clone
def test_one_search_links_exactly_the_homes_within_link_m(river, pts, link_m, along):
    """Components of walk_links equal those of every pair within link_m (source_target_pairs), to
    the micrometre walk_links allows (``_SLACK_M``: a walk 0.12 µm over 91 m, found in a fresh
    clone, links there and did not in a reference cut at exactly 91 m)."""
    from spatial.coverage._gapsplit import _SLACK_M

    xy = np.array(pts) + [X0, Y0]
    if along:  # many homes beside one street, to test walks along an edge
        xy[: len(xy) // 2, 1] = Y0 - 160 + np.linspace(-30, 30, len(xy) // 2)
    snap = snap_points(river, xy, max_snap_m=40.0)
    n = len(xy)
    a, b, _ = source_target_pairs(river, snap, snap, limit_m=link_m + _SLACK_M)
    want = connected_components(sp.coo_matrix((np.ones(len(a)), (a, b)), shape=(n, n)), directed=False)[1]
    a2, b2 = walk_links(river, snap, link_m=link_m)
    got = connected_components(sp.coo_matrix((np.ones(len(a2)), (a2, b2)), shape=(n, n)), directed=False)[1]
    on = snap.edge >= 0
    pairs_want = want[on][:, None] == want[on][None, :]
    pairs_got = got[on][:, None] == got[on][None, :]
    assert np.array_equal(pairs_want, pairs_got)


def test_refining_only_where_labels_change_draws_what_every_cell_draws(river, monkeypatch):
    st2 = stations_at((100.0, -160.0), (300.0, -160.0), (800.0, 160.0))
    adaptive = isochrones(st2, river, meters=(300, 600), max_snap_m=50.0, simplify_m=0)
    monkeypatch.setattr(_raster, "COARSE", 1)  # every cell scored
    every = isochrones(st2, river, meters=(300, 600), max_snap_m=50.0, simplify_m=0)
    for band in ("300m", "600m"):
        a = shapely.union_all(adaptive.loc[adaptive.band == band].geometry.values)
        e = shapely.union_all(every.loc[every.band == band].geometry.values)
        assert a.symmetric_difference(e).area <= 0.001 * e.area
    # per station only the split between stations may differ, by cells of 2 x 2
    diff = shapely.area(shapely.symmetric_difference(adaptive.geometry.values, every.geometry.values)).sum()
    assert diff <= 0.02 * every["area_m2"].sum()


def test_any_band_stays_inside_the_network_and_a_huge_box_is_refused(river):
    st1 = stations_at((100.0, -160.0))
    iso = isochrones(st1, river, minutes=(100_000,), max_snap_m=50.0)  # 6,667 km: the whole network
    # nothing farther off the network than max_off_network_m (300 m, estimated walks) is reached
    lo, hi = river.node_xy.min(axis=0) - 300.0, river.node_xy.max(axis=0) + 300.0
    assert iso.geometry.iloc[0].difference(shapely.box(*lo, *hi).buffer(50.0)).area == 0.0
    assert iso["area_m2"].iloc[0] > 0.5 * shapely.box(*lo, *hi).area
    strict = isochrones(st1, river, minutes=(100_000,), max_snap_m=50.0, max_off_network_m=None)
    lo, hi = river.node_xy.min(axis=0) - 50.0, river.node_xy.max(axis=0) + 50.0
    assert strict.geometry.iloc[0].difference(shapely.box(*lo, *hi).buffer(50.0)).area == 0.0
    with pytest.raises(SpatialError, match="cell_m"):
        isochrones(st1, river, meters=(600,), cell_m=0.02, max_snap_m=50.0)  # 1.8 billion cells


def test_cli_without_isochrones_names_its_steps(tmp_path, capsys):
    from spatial.cli import main

    network = uneven_town(0)
    roads = gpd.GeoDataFrame({"highway": ["residential"] * network.n_edges}, geometry=network.geometry, crs=CRS)
    roads.to_file(tmp_path / "roads.gpkg")
    stations_at((300.0, 300.0), (1100.0, 900.0)).to_file(tmp_path / "stations.gpkg")
    uncovered_homes(network, 400, 1).drop(columns=["walk_m", "walk_min", "band"]).to_file(tmp_path / "homes.gpkg")
    files = [str(tmp_path / f) for f in ("roads.gpkg", "stations.gpkg", "homes.gpkg")]
    assert main(["coverage", *files, "--out", str(tmp_path / "a.gpkg"), "--meters", "500", "--no-isochrones"]) == 0
    out = capsys.readouterr().out
    times = next(line for line in out.splitlines() if line.startswith("time: "))
    assert "read network" in times and "gaps" in times and "isochrones" not in times
    assert "isochrones" not in set(pyogrio.list_layers(tmp_path / "a.gpkg")[:, 0])
    assert main(["coverage", *files, "--out", str(tmp_path / "b.gpkg"), "--meters", "500"]) == 0
    assert "isochrones" in set(pyogrio.list_layers(tmp_path / "b.gpkg")[:, 0])
    gaps = gpd.read_file(tmp_path / "b.gpkg", layer="gaps")
    assert {"walk_to_station_m", "site_x", "site_y"} <= set(gaps.columns)
