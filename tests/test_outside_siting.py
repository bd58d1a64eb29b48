"""An outside tester's specification of coverage gaps and new station sites, on tiny inputs.

The street is a straight line 0-4,000 m along y = 0 (EPSG:32650); homes stand on it, so every
walk is the distance along the street and the answers can be read off by hand.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point

from spatial.core.errors import SpatialError
from spatial.network.graph import network_from_arrays
from spatial.siting.sites import site_stations

CRS = "EPSG:32650"


def _street() -> object:
    """One straight street 0-4,000 m, nodes every 500 m."""
    xs = np.arange(0, 4001, 500, dtype=float)
    return network_from_arrays(np.c_[xs, np.zeros_like(xs)], np.arange(len(xs) - 1), np.arange(1, len(xs)), crs=CRS)


def _points(xy, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=CRS)


def _homes() -> gpd.GeoDataFrame:
    # 100 households at 0 m, 50 at 2,000 m, 30 at 4,000 m
    return _points([(0, 0), (2000, 0), (4000, 0)], unit_id=["A", "B", "C"], households=[100, 50, 30])


def test_site_refuses_stations_that_all_lie_far_off_the_network():
    # the one existing station is 50 km north of the street (a mistyped latitude): it was left out
    # silently and the run sited as if the town had no station (0% covered before), exit 0
    stations = _points([(0, 50_000)], station_id=["S1"], name=["一站"])
    candidates = _points([(0, 0), (2000, 0)], candidate_id=["C1", "C2"])
    with pytest.raises(SpatialError, match=r"no station lies within 300 m of the walking network "
                                           r"\(the nearest is 50\.0 km away\)"):
        site_stations(_homes(), stations, _street(), candidates=candidates, k=1)


def test_site_names_the_stations_it_leaves_out(caplog):
    # S1 is on the street at 0 m, S2 50 km off: S2 is named once, as walking_coverage names it
    stations = _points([(0, 0), (0, 50_000)], station_id=["S1", "S2"], name=["一站", "二站"])
    candidates = _points([(2000, 0), (4000, 0)], candidate_id=["C1", "C2"])
    with caplog.at_level(logging.WARNING, logger="spatial"):
        result = site_stations(_homes(), stations, _street(), candidates=candidates, k=1)
    said = [r.getMessage() for r in caplog.records if "S2" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("1 station lies far from the walking network the others are on: "
                                                 "S2 50 km off at ("), said
    assert said[0].endswith("; it serves nobody: check its coordinates, typed or copied wrong?"), said
    # S1 covers A (100 of 180 households); C1 at 2,000 m adds B (50), C2 would add C (30)
    assert result.sites["candidate_id"].tolist() == ["C1"]
    assert result.before_after["pct_before"].iloc[0] == pytest.approx(100 / 180 * 100)


def test_fewer_useful_sites_than_k_is_said(caplog):
    # C1 (0 m) serves A; C2 (100 m) serves only A too; nothing reaches B or C within 1,000 m but C3
    # (2,000 m). k=5 gave 2 sites and no word why (the reason sat unread in optimality["message"])
    candidates = _points([(0, 0), (100, 0), (2000, 0)], candidate_id=["C1", "C2", "C3"])
    with caplog.at_level(logging.WARNING, logger="spatial"):
        result = site_stations(_homes(), None, _street(), candidates=candidates, k=5)
    assert result.sites["candidate_id"].tolist() == ["C1", "C3"]
    assert result.sites["gain_households"].tolist() == [100, 50]
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("siting: only")]
    assert said == ["siting: only 2 of the k=5 sites add households: the other 1 of the 3 candidates reaches "
                    "nobody left uncovered"]


def test_fewer_sites_than_k_because_everyone_is_covered_is_said_so(caplog):
    # A (0 m), B (2,000 m) and C (4,000 m) each have a room at their door: after those three sites every
    # household is covered. k=5 said "the other 1 of the 4 candidates reaches nobody left uncovered",
    # read as rooms wanting where nobody was left to cover.
    candidates = _points([(0, 0), (2000, 0), (4000, 0), (100, 0)], candidate_id=["C1", "C2", "C3", "C4"])
    with caplog.at_level(logging.WARNING, logger="spatial"):
        result = site_stations(_homes(), None, _street(), candidates=candidates, k=5)
    assert result.sites["candidate_id"].tolist() == ["C1", "C2", "C3"]
    assert result.sites["gain_households"].tolist() == [100, 50, 30]
    assert result.before_after["pct_after"].iloc[0] == 100.0
    said = "only 3 of the k=5 sites are needed: every household is covered once they are built"
    assert result.optimality["message"] == said and said in caplog.text


def test_no_candidate_left_after_the_floor_area_filter_is_said(caplog):
    candidates = _points([(0, 0), (2000, 0)], candidate_id=["C1", "C2"], floor_area_m2=[80.0, 120.0])
    with caplog.at_level(logging.WARNING, logger="spatial"):
        result = site_stations(_homes(), None, _street(), candidates=candidates, k=2, min_floor_area_m2=500)
    assert len(result.sites) == 0
    assert sorted(result.report.loc[result.report["layer"] == "candidates", "row_id"]) == ["C1", "C2"]
    assert "siting: no site for k=2: no candidate is left to choose from (see the report layer)" in [
        r.getMessage() for r in caplog.records]


def test_spatial_site_counts_left_out_candidates_by_rule_not_by_value(tmp_path, capsys):
    # 3 candidates under --min-floor-area-m2 500: the line listed each value once
    # ("floor area 80 m² < 500 m² 1, floor area 120 m² < 500 m² 1, ..."), 15 entries on the demo
    from shapely.geometry import LineString

    from spatial.cli import main

    net = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (4000, 0)])], crs=CRS)
    net.to_file(tmp_path / "net.gpkg")
    _homes().to_file(tmp_path / "homes.gpkg")
    _points([(0, 0)], station_id=["S1"], name=["一站"]).to_file(tmp_path / "stations.gpkg")
    _points([(2000, 0), (4000, 0), (3000, 0), (1000, 0)], candidate_id=["C1", "C2", "C3", "C4"],
            floor_area_m2=[80.0, 120.0, 499.0, 600.0]).to_file(tmp_path / "cands.gpkg")
    code = main(["site", str(tmp_path / "net.gpkg"), str(tmp_path / "stations.gpkg"), str(tmp_path / "homes.gpkg"),
                 "--candidates", str(tmp_path / "cands.gpkg"), "--k", "1", "--min-floor-area-m2", "500",
                 "--out", str(tmp_path / "sites.gpkg")])
    assert code == 0
    out = capsys.readouterr().out
    assert "3 candidates left out (see the report layer): floor area < 500 m² 3\n" in out
    # C4 at 1,000 m is the one left: it adds B (2,000 m from S1, 1,000 m from C4)
    assert "NEW001  C4  +50 households" in out


def test_spatial_map_draws_new_sites_over_a_coverage_without_grids(tmp_path):
    # spatial coverage then spatial site, no grid plan: `spatial map --coverage C --sites S` was
    # refused ("--sites are drawn on the overview; give --grids and --coverage too"), so the
    # proposed sites could not be seen on any map made from these commands
    from shapely.geometry import LineString

    from spatial.cli import main

    net = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(0, 0), (4000, 0)])], crs=CRS)
    net.to_file(tmp_path / "net.gpkg")
    _homes().to_file(tmp_path / "homes.gpkg")
    _points([(0, 0)], station_id=["S1"], name=["一站"]).to_file(tmp_path / "stations.gpkg")
    f = [str(tmp_path / n) for n in ("net.gpkg", "stations.gpkg", "homes.gpkg")]
    assert main(["-q", "coverage", *f, "--no-isochrones", "--out", str(tmp_path / "cov.gpkg")]) == 0
    assert main(["-q", "site", *f, "--k", "1", "--out", str(tmp_path / "sites.gpkg")]) == 0
    out = tmp_path / "map.html"
    assert main(["-q", "map", "--coverage", str(tmp_path / "cov.gpkg"), "--sites", str(tmp_path / "sites.gpkg"),
                 "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "NEW001" in page and "建议新增站点" in page


def test_spatial_map_sites_over_grids_alone_is_one_line(tmp_path, capsys):
    # sites are drawn over the walks that chose them: with grids but no coverage, say what to add
    from spatial.cli import main

    _points([(0, 0)], site_id=["NEW001"], rank=[1]).to_file(tmp_path / "sites.gpkg", layer="sites")
    _points([(0, 0)], grid_id=["G1"]).to_file(tmp_path / "grids.gpkg", layer="grids")
    out = tmp_path / "map.html"
    assert main(["map", "--grids", str(tmp_path / "grids.gpkg"), "--sites", str(tmp_path / "sites.gpkg"),
                 "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "spatial map: error: --sites are drawn over the coverage; give --coverage too"]
    assert not out.exists()


@pytest.mark.parametrize("given", ["5,,15", ",10,15"])
def test_a_band_missing_between_commas_is_refused_not_dropped(given, tmp_path, capsys):
    # '--minutes 5,,15' (10 typed and lost) ran with the bands 5min and 15min, the 10-minute
    # column missing from every output without a word
    from spatial.cli import main

    out = tmp_path / "cov.gpkg"
    code = main(["coverage", "net.graphml", "st.csv", "homes.gpkg", "--minutes", given, "--out", str(out)])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1] == (f"spatial coverage: error: argument --minutes: a band is missing between two commas in "
                       f"{given!r}; write e.g. 5,10,15 (see 'spatial coverage -h')")
    assert not out.exists()


def test_site_names_bad_household_rows_by_the_demand_id_column():
    # spatial coverage named them 'H0001=...'; spatial site, given the same file (ids under 小区编号),
    # named them by row number: "bad rows: 1='约200户', 3='abc'"
    homes = _points([(0, 0), (2000, 0), (4000, 0)], 小区编号=["X1", "X2", "X3"], households=["12", "约200户", 30])
    with pytest.raises(SpatialError, match=r"bad rows: X2='约200户'\. Fill in the count"):
        site_stations(homes, None, _street(), k=1, demand_id_col="小区编号")


def test_coverage_after_siting_is_what_walking_coverage_then_measures():
    # S1 at 0 m covers A (100 of 180 households); of C1 (1,000 m: reaches A, B) and C2 (3,000 m:
    # reaches B, C), C2 adds the most (80): 100% after. Scoring the homes again with C2 added as a
    # station agrees
    from spatial.coverage.bands import make_bands
    from spatial.coverage.walks import coverage_summary, walking_coverage

    stations = _points([(0, 0)], station_id=["S1"], name=["一站"])
    candidates = _points([(1000, 0), (3000, 0)], candidate_id=["C1", "C2"])
    result = site_stations(_homes(), stations, _street(), candidates=candidates, k=1)
    assert result.sites["candidate_id"].tolist() == ["C2"]
    assert result.before_after["pct_after"].iloc[0] == pytest.approx(100.0)
    added = _points([(0, 0), (3000, 0)], station_id=["S1", "NEW001"], name=["一站", "新站"])
    demand = walking_coverage(_homes(), added, _street())
    assert demand["nearest_station"].tolist() == ["S1", "NEW001", "NEW001"]
    assert demand["walk_m"].tolist() == pytest.approx([0.0, 1000.0, 1000.0])
    overall = coverage_summary(demand, bands=make_bands()).query("level == 'overall'").iloc[0]
    assert overall["pct_hh_15min"] == pytest.approx(result.before_after["pct_after"].iloc[0])


def _two_streets(tmp_path) -> list[str]:
    """West street 0-1,000 m (the larger part) and, apart from it, east street 5,000-5,500 m with
    the only station, S1 at 5,000 m; homes W at 500 m (40 households) and E at 5,200 m (10)."""
    from shapely.geometry import LineString

    gpd.GeoDataFrame({"highway": ["footway", "footway"]},
                     geometry=[LineString([(0, 0), (1000, 0)]), LineString([(5000, 0), (5500, 0)])],
                     crs=CRS).to_file(tmp_path / "net.gpkg")
    _points([(500, 0), (5200, 0)], unit_id=["W", "E"], households=[40, 10]).to_file(tmp_path / "homes.gpkg")
    _points([(5000, 0)], station_id=["S1"], name=["一站"]).to_file(tmp_path / "stations.gpkg")
    _points([(400, 0)], candidate_id=["C1"]).to_file(tmp_path / "cands.gpkg")
    return [str(tmp_path / n) for n in ("net.gpkg", "stations.gpkg", "homes.gpkg")]


def test_spatial_site_keeps_the_parts_of_the_network_it_is_told_to(tmp_path, capsys):
    # spatial site had no --keep: S1's street was dropped with the smaller part, S1 served nobody and
    # the siting started from 0% (E, 200 m from S1, counted as not covered)
    from spatial.cli import main

    f = _two_streets(tmp_path)
    out = tmp_path / "sites.gpkg"
    assert main(["site", *f, "--candidates", str(tmp_path / "cands.gpkg"), "--k", "1", "--out", str(out)]) == 2
    assert capsys.readouterr().err.strip().splitlines()[-1].startswith(
        "spatial site: error: every station is on a small disconnected part of the walking network")
    assert not out.exists()
    assert main(["site", *f, "--candidates", str(tmp_path / "cands.gpkg"), "--k", "1", "--keep", "all",
                 "--out", str(out)]) == 0
    said = capsys.readouterr().out
    # E is covered by S1 (10 of 50 households), C1 adds W (40): 20% -> 100%
    assert "NEW001  C1  +40 households -> 100.0%" in said
    assert "coverage within 15min: 20.0% -> 100.0% of households" in said


def _two_close_nodes(tmp_path) -> list[str]:
    """A street 0-4,500 m with nodes at 0, 1,001, 1,049, 2,400 and 4,500 m (the two middle ones in the
    same 100 m square), homes H1 (100 households) at 20 m and H3 (100) at 1,990 m, and a station at
    4,500 m that reaches neither: the files of `spatial site` without candidates."""
    from shapely.geometry import LineString

    xs = [0, 1001, 1049, 2400, 4500]
    gpd.GeoDataFrame(geometry=[LineString([(a, 0), (b, 0)]) for a, b in zip(xs, xs[1:])], crs=CRS).to_file(
        tmp_path / "net.gpkg")
    _points([(20, 0), (1990, 0)], unit_id=["H1", "H3"], households=[100, 100]).to_file(tmp_path / "homes.gpkg")
    _points([(4500, 0)], station_id=["S1"]).to_file(tmp_path / "stations.gpkg")
    return [str(tmp_path / n) for n in ("net.gpkg", "stations.gpkg", "homes.gpkg")]


@pytest.mark.parametrize("spacing, x, gain", [(None, 0.0, 100), ("100", 0.0, 100), ("25", 1001.0, 200)])
def test_spatial_site_says_its_optimum_is_among_the_nodes_sited_and_a_finer_spacing_finds_more(
        tmp_path, capsys, spacing, x, gain):
    # Without candidates the sites are network nodes, at most one per 100 m square: the node at
    # 1,001 m (within 1,000 m of both homes) shares its square with 1,049 m (29 m too far from H1),
    # nearer the square's centre and kept. `spatial site` said "optimal" with 100 households where
    # one site on these streets brings 200; it now says what the optimum is among, and
    # --candidate-spacing-m 25 sites both nodes.
    import itertools

    import networkx as nx

    from spatial.cli import main

    files = _two_close_nodes(tmp_path)
    g = nx.Graph()  # the reference: every node of the street, homes inserted where they stand
    stops = sorted([0, 1001, 1049, 2400, 4500, 20, 1990])
    g.add_weighted_edges_from((a, b, b - a) for a, b in zip(stops, stops[1:]))
    reach = {n: {h for h in (20, 1990) if nx.shortest_path_length(g, n, h, weight="weight") <= 1000}
             for n in (0, 1001, 1049, 2400, 4500)}
    best = max(reach, key=lambda n: len(reach[n]))
    assert best == 1001 and len(reach[best]) == 2 and not any(len(reach[n]) == 2 for n in reach if n != best)
    assert not reach[4500] and list(itertools.chain(*(r for n, r in reach.items() if n in (0, 1049, 2400))))
    out = tmp_path / "sites.gpkg"
    opt = [] if spacing is None else ["--candidate-spacing-m", spacing]
    assert main(["site", *files, "--k", "1", *opt, "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    sites = gpd.read_file(out, layer="sites")
    assert sites["gain_households"].tolist() == [gain]
    assert sites.geometry.x.round(1).tolist() == [x]  # of the nodes adding 100, the smallest id: 0 m
    square = spacing or "100"
    count = {"100": 3, "25": 4}[square]  # 0, 1,049 (and 1,001), 2,400: within 1,000 m of a home left uncovered
    tail = "; --candidate-spacing-m 25 tries more)" if square == "100" else ")"
    assert (f"sited among {count} network nodes near homes left uncovered, at most one per {square} m square "
            f"(the optimum above is among them{tail}") in printed


def test_a_candidate_spacing_with_candidate_rooms_is_refused(tmp_path, capsys):
    from spatial.cli import main

    files = _two_close_nodes(tmp_path)
    _points([(1001, 0)], candidate_id=["R1"]).to_file(tmp_path / "rooms.gpkg")
    assert main(["site", *files, "--k", "1", "--candidates", str(tmp_path / "rooms.gpkg"),
                 "--candidate-spacing-m", "25", "--out", str(tmp_path / "s.gpkg")]) == 2
    assert "--candidate-spacing-m thins the network nodes sited when no --candidates are given" in \
        capsys.readouterr().err
    assert not (tmp_path / "s.gpkg").exists()
