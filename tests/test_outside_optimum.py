"""Are the siting and coverage numbers right? An outside tester's specification, on tiny inputs
whose answers are read off by hand (a straight street along y = 0, EPSG:32650, homes on it or a
measured distance off it), each fault pinned where a real run (the Futian demo, the Huangpu
extract) first showed it.

Checked and found right on real data (not pinned here, the references live with the tester):
every home's walk on Futian (1,866 demo units) and Huangpu (600 random homes, stations in Web
Mercator) equals, to 1e-8 m, a reference built from the raw graphml / OSM XML with its own walking
filter, snapping and scipy Dijkstra; MCLP and LSCP plans on 20-60 candidates equal
``scipy.optimize.milp``'s optimum, and the households each site adds equal a recount.
"""

from __future__ import annotations

import re

import geopandas as gpd
import pytest
from shapely.geometry import LineString, Point

from spatial.cli import main

CRS = "EPSG:32650"


def _points(xy, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=CRS)


# ------------------------------------------- 1: spatial site walks as spatial coverage was told to


@pytest.fixture()
def town(tmp_path):
    """A footway 0-4,000 m; station S1 at 0 m. Home A on the street at 500 m (100 households),
    home B 200 m north of the street at 600 m (60 households: an estimated walk 200 x 1.25 + 600 =
    850 m, within 15 minutes at 4 km/h), home C at 3,000 m (40 households, beyond). One candidate
    at 3,000 m. A wall runs between B and the street."""
    gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (4000, 0)])],
                     crs=CRS).to_file(tmp_path / "net.gpkg")
    _points([(0, 0)], station_id=["S1"], name=["一站"]).to_file(tmp_path / "stations.gpkg")
    _points([(500, 0), (600, 200), (3000, 0)], unit_id=["A", "B", "C"],
            households=[100, 60, 40]).to_file(tmp_path / "homes.gpkg")
    _points([(3000, 0)], candidate_id=["K1"]).to_file(tmp_path / "cands.gpkg")
    gpd.GeoDataFrame({"kind": ["wall"]}, geometry=[LineString([(400, 100), (800, 100)])],
                     crs=CRS).to_file(tmp_path / "wall.gpkg")
    return tmp_path


@pytest.mark.parametrize("option", [["--max-off-network-m", "100"], ["--detour-factor", "3"],
                                    ["--barriers", "wall.gpkg"]])
def test_site_starts_from_the_coverage_spatial_coverage_measured_with_the_same_walk_options(town, capsys, option):
    # `spatial coverage ... --max-off-network-m 100` (estimated walks off), `--detour-factor 3` or
    # `--barriers wall.gpkg` leaves B uncovered: 50.0% within 15 minutes. `spatial site` had none of
    # these options ("unrecognized arguments"), so an official could only site from 80.0% before, a
    # coverage no run of `spatial coverage` had reported (on the demo: 76.6% with estimated walks
    # off, 79.4% before siting)
    opt = [str(town / o) if o.endswith(".gpkg") else o for o in option]
    args = [str(town / "net.gpkg"), str(town / "stations.gpkg"), str(town / "homes.gpkg")]
    assert main(["coverage", *args, "--out", str(town / "cov.gpkg"), "--no-isochrones", *opt]) == 0
    cov = capsys.readouterr().out
    assert "15min 50.0%" in cov
    assert main(["site", *args, "--candidates", str(town / "cands.gpkg"), "--k", "1",
                 "--out", str(town / "sites.gpkg"), *opt]) == 0
    out = capsys.readouterr().out
    # K1 adds C (40 of 200 households): 50.0% -> 70.0%
    assert "coverage within 15min: 50.0% -> 70.0% of households" in out


def test_site_without_walk_options_counts_the_estimated_walk_as_coverage_does(town, capsys):
    args = [str(town / "net.gpkg"), str(town / "stations.gpkg"), str(town / "homes.gpkg")]
    assert main(["site", *args, "--candidates", str(town / "cands.gpkg"), "--k", "1",
                 "--out", str(town / "sites.gpkg")]) == 0
    assert "coverage within 15min: 80.0% -> 100.0% of households" in capsys.readouterr().out


def test_site_refuses_an_off_network_limit_below_the_snap_limit_before_reading(town, capsys):
    args = [str(town / "net.gpkg"), str(town / "stations.gpkg"), str(town / "homes.gpkg")]
    code = main(["site", *args, "--k", "1", "--out", str(town / "sites.gpkg"), "--max-off-network-m", "50"])
    assert code == 2
    err = capsys.readouterr().err
    assert re.search(r"--max-off-network-m 50 is below --max-snap-m 100; give at least --max-snap-m", err)
    assert not (town / "sites.gpkg").exists()


# ------------------------------------------- 2: with capacity, the sites table follows the ranking


def test_the_same_sites_in_any_order_are_assigned_the_same_households():
    # sites 0 and 1 reach homes 2 and 3, site 2 reaches homes 0 and 2; households 50, 100, 100, 50;
    # 100 a site. Every optimum serves 200, but HiGHS split it [100, 0, 100] for the sites in one
    # order and [100, 50, 50] in another: the plan was ranked on one split and its table filled in
    # from the other
    import itertools

    import numpy as np
    import scipy.sparse as sp

    from spatial.siting import _cover

    a = sp.csr_matrix(np.array([[0, 0, 1, 1], [0, 0, 1, 1], [1, 0, 1, 0]], bool))
    prob = _cover.reduce_problem(a, np.array([50.0, 100.0, 100.0, 50.0]), np.zeros(4, bool))
    sites = np.arange(prob.matrix.shape[0])
    base = _cover.assign_capacity(prob, sites, 100.0)
    assert base.sum() == pytest.approx(200.0)
    for perm in itertools.permutations(range(len(sites))):
        perm = np.array(perm)
        np.testing.assert_allclose(_cover.assign_capacity(prob, sites[perm], 100.0), base[perm])
        served, rows, groups, flows = _cover.assign_capacity(prob, sites[perm], 100.0, return_flows=True)
        np.testing.assert_allclose(np.bincount(rows, weights=flows, minlength=len(sites)), served)


def test_capacitated_sites_on_the_demo_are_listed_from_the_one_serving_most():
    # three of 40 candidates in 农科 and 沙头 (C05, C06), 1,500 households a site: NEW001 was listed
    # with +1,442 households and NEW003 with +1,500, and cum_coverage_pct rose 24.0 -> 34.4 -> 47.7
    # (the ranking from one optimal assignment, the table from another)
    import numpy as np

    import spatial

    demo = spatial.load_demo()
    units = demo["units"][demo["units"]["community_id"].isin(["C05", "C06"])]
    stations = demo["stations"][demo["stations"]["community_id"].isin(["C05"])].iloc[:1]
    rng = np.random.default_rng(1)
    b = units.to_crs(32650).total_bounds
    cands = gpd.GeoDataFrame({"candidate_id": [f"c{i:02d}" for i in range(40)]},
                             geometry=gpd.points_from_xy(rng.uniform(b[0], b[2], 40), rng.uniform(b[1], b[3], 40)),
                             crs=32650)
    result = spatial.site_stations(units, stations, demo["network"], candidates=cands, k=3, capacity_households=1500)
    gains = result.sites["gain_households"].to_numpy()
    assert gains.sum() == result.optimality["exact_value"] == 4082  # scipy.optimize.milp's optimum of this model
    assert (np.diff(gains) <= 0).all(), gains
    assert result.demand["new_households_served"].sum() == 4082
    base = result.before_after["pct_before"].iloc[0] * units["households"].sum() / 100
    cum = 100 * (base + np.cumsum(gains)) / units["households"].sum()
    np.testing.assert_allclose(result.sites["cum_coverage_pct"], cum)


# ------------------------------------------- 3: set cover keeps the fewest sites that cover the most


def test_set_cover_of_two_sites_takes_the_two_covering_the_most_even_when_the_greedy_found_two():
    # a crossing of two streets, arms 2,000 m long; homes 900 m east (60 households) and north (60)
    # of the crossing, and 1,900 m east (55) and north (55). X at the crossing reaches the first two
    # (120), Y 1,400 m east the east ones (115), Z 1,400 m north the north ones (115). A target of
    # 70% (161 of 230) needs two sites. The greedy took X then Y (175, 76.1%) and, being already the
    # fewest, was kept; Y and Z cover everyone (100%). With more sites than needed found first, the
    # exact search's plan was raised to the most households: the answer depended on the greedy.
    import numpy as np

    from spatial.network.graph import network_from_arrays
    from spatial.siting.sites import site_stations

    arms = [(2000, 0), (0, 2000), (-2000, 0), (0, -2000)]
    net = network_from_arrays(np.array([(0, 0), *arms], float), np.zeros(4, int), np.arange(1, 5), crs=CRS)
    homes = _points([(900, 0), (0, 900), (1900, 0), (0, 1900)], unit_id=["E1", "N1", "E2", "N2"],
                    households=[60, 60, 55, 55])
    cands = _points([(0, 0), (1400, 0), (0, 1400)], candidate_id=["X", "Y", "Z"])
    result = site_stations(homes, None, net, candidates=cands, target=0.7)
    assert sorted(result.sites["candidate_id"]) == ["Y", "Z"]
    assert result.before_after["pct_after"].iloc[0] == pytest.approx(100.0)
    assert result.optimality["exact_value"] == result.optimality["greedy_value"] == 2


# ------------------------------------------- 4: nothing to site is said as such


def test_k_sites_where_everyone_is_covered_says_no_station_is_needed_not_that_candidates_are_missing(caplog):
    # every home within 15 minutes of S1: the node candidates are generated near uncovered homes
    # only, so there were none, and the warning read "no candidate is left to choose from (see the
    # report layer)", sending the official to an empty report for a data problem that is not there
    import logging

    import numpy as np

    from spatial.network.graph import network_from_arrays
    from spatial.siting.sites import site_stations

    xs = np.arange(0, 2001, 500, dtype=float)
    net = network_from_arrays(np.c_[xs, np.zeros_like(xs)], np.arange(4), np.arange(1, 5), crs=CRS)
    homes = _points([(200, 0), (900, 0)], unit_id=["A", "B"], households=[30, 20])
    stations = _points([(0, 0)], station_id=["S1"], name=["一站"])
    with caplog.at_level(logging.WARNING, logger="spatial"):
        result = site_stations(homes, stations, net, k=2)
    assert len(result.sites) == 0
    assert result.before_after["pct_before"].iloc[0] == 100.0
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("siting:")]
    assert said == ["siting: no site for k=2: every household is already covered by the existing stations; "
                    "no new station is needed"]
    assert result.optimality["message"] == said[0][len("siting: "):]


# ------------------------------------------- 5: a proven optimum reads as no gap


def test_a_greedy_plan_proven_optimal_has_no_gap_in_whole_households():
    # 竹林/香蜜 (C01, C02), 30 candidates, k=2: the greedy's 4,294 households are the optimum
    # (every pair of the 30 tried, each candidate's homes walked alone; 4,613 before the demo's road
    # land held no homes), the search said
    # 'optimal', yet gap_pct and plan_gap_pct were 1.0e-05 (bound 4613.0004614, the LP tolerance
    # margin): a notebook testing `gap_pct > 0` read the greedy as short of the optimum
    import numpy as np

    import spatial

    demo = spatial.load_demo()
    units = demo["units"][demo["units"]["community_id"].isin(["C01", "C02"])].to_crs(32650)
    units = units.set_geometry(units.geometry.representative_point())
    stations = demo["stations"][demo["stations"]["community_id"].isin(["C01", "C02"])].iloc[:1]
    rng = np.random.default_rng(2)
    b = units.total_bounds
    cands = gpd.GeoDataFrame({"candidate_id": [f"c{i:02d}" for i in range(30)]},
                             geometry=gpd.points_from_xy(rng.uniform(b[0], b[2], 30), rng.uniform(b[1], b[3], 30)),
                             crs=32650)
    o = spatial.site_stations(units, stations, demo["network"], candidates=cands, k=2).optimality
    assert (o["greedy_value"], o["exact_value"], o["bound"], o["status"]) == (4294, 4294, 4294, "optimal")
    assert o["gap_pct"] == 0.0 and o["plan_gap_pct"] == 0.0


# ------------------------------------------- 6: candidates picked on Amap


def test_spatial_site_reads_candidates_picked_on_amap_as_it_reads_stations(tmp_path, capsys):
    # 47 candidate rooms (every 40th demo unit) read off Amap, in GCJ-02: `spatial site` had no
    # --candidates-coord-sys ("unrecognized arguments"), took them as WGS-84 some 500 m off, and
    # chose k028, k039, k014 for 85.6% instead of k031, k017, k043 for 87.3%, 4 of them "too far
    # from network", without a word
    import spatial

    demo = spatial.load_demo()
    units = demo["units"].to_crs(32650)
    points = units.geometry.representative_point().iloc[::40]
    picked = gpd.GeoDataFrame({"candidate_id": [f"k{i:03d}" for i in range(len(points))]},
                              geometry=points.to_numpy(), crs=32650).to_crs(4326)
    spatial.from_wgs84(picked, "gcj02").to_file(tmp_path / "rooms.gpkg")
    demo["stations"].to_file(tmp_path / "stations.gpkg")
    demo["units"].to_file(tmp_path / "units.gpkg")
    args = [str(spatial.demo_paths()["network"]), str(tmp_path / "stations.gpkg"), str(tmp_path / "units.gpkg"),
            "--candidates", str(tmp_path / "rooms.gpkg"), "--k", "3", "--out", str(tmp_path / "sites.gpkg")]
    assert main(["site", *args, "--candidates-coord-sys", "gcj02"]) == 0
    out = capsys.readouterr().out
    assert "NEW001  k020  +1520 households -> 83.5%" in out
    assert "coverage within 15min: 81.0% -> 88.1% of households" in out
    sites = gpd.read_file(tmp_path / "sites.gpkg", layer="sites").to_crs(32650)
    # written where the rooms are (WGS-84), not where Amap's numbers fall
    at = dict(zip(picked["candidate_id"], picked.to_crs(32650).geometry))
    assert max(g.distance(at[c]) for c, g in zip(sites["candidate_id"], sites.geometry)) < 1.0


def test_site_stations_says_when_candidates_look_like_amap_numbers(caplog):
    # the demo's stations (all within 60 m of a walkway) offered as candidate rooms, read off Amap
    import logging

    import spatial

    demo = spatial.load_demo()
    rooms = spatial.from_wgs84(demo["stations"], "gcj02").rename(columns={"station_id": "candidate_id"})
    with caplog.at_level(logging.WARNING, logger="spatial"):
        spatial.site_stations(demo["units"], demo["stations"].iloc[:3], demo["network"], candidates=rooms, k=1)
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("'candidates':")]
    assert len(said) == 1 and "--candidates-coord-sys gcj02 (spatial site)," in said[0], said


# ------------------------------------------- 7: a station given as its building is walked from one point


def test_coverage_and_site_walk_from_the_same_point_of_a_station_building(tmp_path, capsys):
    # the demo's 17 stations given as L-shaped buildings (80 m arms, 15 m wide) in EPSG:4326:
    # `spatial coverage` took a point inside each in degrees, `spatial site` (and walking_coverage)
    # in metres; in one building the two lay 72.5 m apart, and the coverage read 80.3% within 15
    # minutes where siting started from 80.2%
    import numpy as np
    import shapely
    from shapely import affinity

    import spatial

    demo = spatial.load_demo()
    stations = demo["stations"].to_crs(32650)
    rng = np.random.default_rng(0)
    ell = shapely.Polygon([(0, 0), (80, 0), (80, 15), (15, 15), (15, 80), (0, 80)])
    buildings = [affinity.translate(affinity.rotate(ell, np.degrees(rng.uniform(0, 2 * np.pi)), origin=(0, 0)),
                                    p.x - 7, p.y - 7) for p in stations.geometry]
    stations.set_geometry(buildings).to_crs(4326).to_file(tmp_path / "stations.gpkg")
    demo["units"].to_file(tmp_path / "units.gpkg")
    args = [str(spatial.demo_paths()["network"]), str(tmp_path / "stations.gpkg"), str(tmp_path / "units.gpkg")]
    assert main(["coverage", *args, "--out", str(tmp_path / "cov.gpkg"), "--no-isochrones"]) == 0
    cov = capsys.readouterr().out
    assert main(["site", *args, "--k", "1", "--out", str(tmp_path / "sites.gpkg")]) == 0
    site = capsys.readouterr().out
    before = re.search(r"coverage within 15min: (\d+\.\d)% ->", site).group(1)
    assert f"15min {before}%" in cov, (before, cov)
    # and both walk from the point inside each building found in metres
    drawn = gpd.read_file(tmp_path / "cov.gpkg", layer="stations").to_crs(32650).geometry
    inside = shapely.point_on_surface(np.asarray(buildings, dtype=object))
    assert shapely.distance(drawn.to_numpy(), inside).max() < 0.01


# ------------------------------------------- 8: invalid footprints are walked from the same point


def test_site_walks_from_footprints_repaired_as_the_coverage_repairs_them(tmp_path, capsys):
    # B is a footprint with no area (a ring 800-900 m along the street, 10 m north): the coverage
    # repairs it and walks from its centre (850 m: 860 m to S1), siting walked from one end (810 m),
    # so within 835 m the coverage read 50.0% and siting started from 80.0%
    from shapely.geometry import Polygon

    gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (4000, 0)])],
                     crs=CRS).to_file(tmp_path / "net.gpkg")
    _points([(0, 0)], station_id=["S1"], name=["一站"]).to_file(tmp_path / "stations.gpkg")
    homes = gpd.GeoDataFrame(
        {"unit_id": ["A", "B", "C"], "households": [100, 60, 40]},
        geometry=[Polygon([(400, 10), (500, 10), (500, 60), (400, 60)]),
                  Polygon([(800, 10), (900, 10), (900, 10), (800, 10)]),
                  Polygon([(2900, 10), (3100, 10), (3100, 60), (2900, 60)])], crs=CRS)
    homes.to_file(tmp_path / "homes.gpkg")
    args = [str(tmp_path / "net.gpkg"), str(tmp_path / "stations.gpkg"), str(tmp_path / "homes.gpkg")]
    assert main(["coverage", *args, "--out", str(tmp_path / "cov.gpkg"), "--no-isochrones", "--meters", "835"]) == 0
    assert "835m 50.0%" in capsys.readouterr().out
    assert main(["site", *args, "--k", "1", "--band", "835m", "--out", str(tmp_path / "sites.gpkg")]) == 0
    assert "coverage within 835m: 50.0% -> " in capsys.readouterr().out
    report = gpd.read_file(tmp_path / "sites.gpkg", layer="report")
    said = report[(report["layer"] == "demand") & (report["row_id"] == "B")]["problem"].tolist()
    assert "no area left after the repair (a line or a point)" in said


def test_site_refuses_a_households_column_no_unit_could_hold_as_coverage_does(tmp_path, capsys):
    # 1e12 households in one unit (an area or an id column taken as households): spatial coverage
    # stops naming the row; spatial site sited for it and printed its shares
    gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (4000, 0)])],
                     crs=CRS).to_file(tmp_path / "net.gpkg")
    _points([(0, 0)], station_id=["S1"], name=["一站"]).to_file(tmp_path / "stations.gpkg")
    _points([(500, 0), (3000, 0)], unit_id=["A", "B"], households=[100.0, 1e12]).to_file(tmp_path / "homes.gpkg")
    args = [str(tmp_path / "net.gpkg"), str(tmp_path / "stations.gpkg"), str(tmp_path / "homes.gpkg")]
    assert main(["site", *args, "--k", "1", "--out", str(tmp_path / "sites.gpkg")]) == 2
    err = capsys.readouterr().err
    assert "column 'households' holds more than 1,000,000 in one row: B=1000000000000.0" in err
    assert not (tmp_path / "sites.gpkg").exists()


def test_site_matches_community_ids_whose_leading_zero_excel_dropped_as_coverage_does(town, capsys):
    # communities 01 and 02 (text, from a GeoPackage), the units' community_id 1 and 2 (numbers, a
    # CSV once opened in Excel): spatial coverage matched them; spatial site --communities refused
    # the same files ("names communities that are not in 'communities'")
    from shapely.geometry import box

    homes = gpd.read_file(town / "homes.gpkg")
    homes.assign(community_id=[1, 1, 2]).to_file(town / "homes_cid.gpkg")
    gpd.GeoDataFrame({"community_id": ["01", "02"]}, geometry=[box(-100, -500, 2000, 500), box(2000, -500, 4100, 500)],
                     crs=CRS).to_file(town / "communities.gpkg")
    args = [str(town / "net.gpkg"), str(town / "stations.gpkg"), str(town / "homes_cid.gpkg"),
            "--communities", str(town / "communities.gpkg")]
    assert main(["coverage", *args, "--out", str(town / "cov.gpkg"), "--no-isochrones"]) == 0
    capsys.readouterr()
    assert main(["site", *args, "--candidates", str(town / "cands.gpkg"), "--k", "1",
                 "--out", str(town / "sites.gpkg")]) == 0
    table = gpd.read_file(town / "sites.gpkg", layer="before_after")
    rows = table[table["level"] == "community"].set_index("id")
    # A and B (160 households) in 01, both covered; C (40) in 02, covered by K1 after
    assert rows.loc["01", "households"] == 160 and rows.loc["01", "pct_before"] == 100.0
    assert rows.loc["02", "households"] == 40 and rows.loc["02", "pct_after"] == 100.0
