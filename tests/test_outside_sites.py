"""An outside tester's specification of new-station siting checked against exact answers.

Tiny networks (a straight street along y = 0, EPSG:32650, or a small jittered grid) with homes
and candidates on the nodes: each candidate's reach comes from an independent Dijkstra
(networkx) and the best plans from brute force over every set of sites.
"""

from __future__ import annotations

import itertools

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point

from spatial.core.errors import SpatialError
from spatial.network.graph import network_from_arrays
from spatial.siting.sites import site_stations

CRS = "EPSG:32650"
LIMIT_M = 600.0


def _points(xy, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=CRS)


def _street():
    """One straight street 0-4,000 m, nodes every 500 m (15 min at 4 km/h = 1,000 m)."""
    xs = np.arange(0, 4001, 500, dtype=float)
    return network_from_arrays(np.c_[xs, np.zeros_like(xs)], np.arange(len(xs) - 1), np.arange(1, len(xs)),
                               crs=CRS)


def _grid_case(seed: int):
    """A 4 x 4 grid (200 m apart, nodes moved up to 40 m, a few streets missing), 10-40 homes,
    5-15 candidates and one station on its nodes; the reach matrix by networkx's Dijkstra."""
    rng = np.random.default_rng(seed)
    xy = np.array([(i * 200 + rng.uniform(-40, 40), j * 200 + rng.uniform(-40, 40))
                   for i in range(4) for j in range(4)])
    g = nx.Graph()
    for i, j in itertools.product(range(4), range(4)):
        for di, dj in ((1, 0), (0, 1)):
            if i + di < 4 and j + dj < 4 and rng.random() < 0.85:
                u, v = i * 4 + j, (i + di) * 4 + j + dj
                g.add_edge(u, v, length=float(np.hypot(*(xy[u] - xy[v]))))
    nodes = sorted(max(nx.connected_components(g), key=len))
    g = nx.convert_node_labels_to_integers(g.subgraph(nodes), ordering="sorted")
    xy = xy[nodes]
    edges = np.array(list(g.edges()))
    net = network_from_arrays(xy, edges[:, 0], edges[:, 1], crs=CRS)
    n = len(xy)
    home_at = rng.integers(0, n, int(rng.integers(10, 41)))
    cand_at = rng.choice(n, min(int(rng.integers(5, 16)), n), replace=False)
    station_at = rng.integers(0, n, 1)
    hh = rng.integers(0, 60, len(home_at))
    homes = _points(xy[home_at], unit_id=[f"h{i}" for i in range(len(home_at))], households=hh)
    cands = _points(xy[cand_at], candidate_id=[f"c{i}" for i in range(len(cand_at))])
    stations = _points(xy[station_at], station_id=["S1"])
    dist = dict(nx.all_pairs_dijkstra_path_length(g, weight="length"))
    reach = np.array([[dist[c].get(h, np.inf) <= LIMIT_M for h in home_at] for c in cand_at])
    before = np.array([dist[station_at[0]].get(h, np.inf) <= LIMIT_M for h in home_at])
    return net, homes, cands, stations, reach, before, hh


def _best_k(reach, before, hh, k) -> int:
    return max(int(hh[before | reach[list(c)].any(axis=0)].sum())
               for c in itertools.combinations(range(len(reach)), min(k, len(reach))))


def _fewest(reach, before, hh, share) -> int | None:
    for r in range(len(reach) + 1):
        for c in itertools.combinations(range(len(reach)), r):
            cov = before | (reach[list(c)].any(axis=0) if c else False)
            if hh[cov].sum() >= share * hh.sum() - 1e-9:
                return r
    return None


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_maximal_coverage_covers_the_brute_force_optimum_and_the_table_adds_up(seed, k):
    net, homes, cands, stations, reach, before, hh = _grid_case(seed)
    res = site_stations(homes, stations, net, candidates=cands, k=k, meters=(LIMIT_M,), band="600m")
    after = res.demand["covered_after"].to_numpy()
    assert list(res.demand["covered_before"]) == list(before)
    assert int(hh[after].sum()) == _best_k(reach, before, hh, k)
    # households before + newly covered = after, in the sites and in the before/after table
    assert hh[before].sum() + res.sites["gain_households"].sum() == pytest.approx(hh[after].sum())
    overall = res.before_after.iloc[0]
    assert overall["pct_before"] == pytest.approx(100 * hh[before].sum() / hh.sum())
    assert overall["pct_after"] == pytest.approx(100 * hh[after].sum() / hh.sum())


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("share", [0.5, 0.8, 1.0])
def test_set_cover_takes_the_brute_force_fewest_sites(seed, share):
    net, homes, cands, stations, reach, before, hh = _grid_case(seed)
    res = site_stations(homes, stations, net, candidates=cands, target=share, meters=(LIMIT_M,), band="600m")
    fewest = _fewest(reach, before, hh, share)
    assert res.optimality["target_reached"] == (fewest is not None)
    if fewest is not None:
        assert len(res.sites) == fewest
        assert hh[res.demand["covered_after"].to_numpy()].sum() >= share * hh.sum() - 1e-9


def test_a_home_of_no_households_reached_by_a_capacitated_site_is_covered_after():
    # homes at 2,000 m (50 households) and 2,600 m (0 households); one site at 2,000 m, capacity 40:
    # both homes are within its 1,000 m; the empty one is covered, as without capacity
    homes = _points([(0, 0), (2000, 0), (2600, 0)], unit_id=["A", "B", "E"], households=[100, 50, 0])
    cands = _points([(2000, 0)], candidate_id=["X"])
    stations = _points([(0, 0)], station_id=["S1"])
    plain = site_stations(homes, stations, _street(), candidates=cands, k=1, minutes=(15,))
    capped = site_stations(homes, stations, _street(), candidates=cands, k=1, minutes=(15,),
                           capacity_households=40)
    assert list(plain.demand["covered_after"]) == [True, True, True]
    assert list(capped.demand["covered_after"]) == [True, False, True]  # B: 40 of its 50 served
    assert capped.demand["new_site"].isna().tolist() == [True, False, False]
    assert list(capped.demand["new_site"])[1:] == ["NEW001", "NEW001"]
    assert list(capped.demand["new_households_served"]) == pytest.approx([0, 40, 0])


def test_before_after_keeps_the_homes_in_no_community_or_grid_as_the_coverage_summary_does():
    # A (100, covered by S1 at 0 m), B (50, no community) and C (30, no grid); the site at 2,000 m serves B
    homes = _points([(0, 0), (2000, 0), (4000, 0)], unit_id=["A", "B", "C"], households=[100, 50, 30],
                    community_id=["c1", None, "c1"], grid_id=["g1", "g2", None])
    res = site_stations(homes, _points([(0, 0)], station_id=["S1"]), _street(),
                        candidates=_points([(2000, 0)], candidate_id=["X"]), k=1, minutes=(15,))
    table = res.before_after.set_index(["level", "id"])
    for level in ("community", "grid"):  # every level's rows add up to the overall 180 households
        assert table.loc[level, "households"].sum() == pytest.approx(180)
    assert table.loc[("community", "(none)"), "households"] == pytest.approx(50)
    assert table.loc[("community", "(none)"), "pct_before"] == pytest.approx(0.0)
    assert table.loc[("community", "(none)"), "pct_after"] == pytest.approx(100.0)
    assert table.loc[("grid", "(none)"), "households"] == pytest.approx(30)
    assert table.loc[("grid", "(none)"), "pct_after"] == pytest.approx(0.0)


def test_a_candidate_adding_nobody_is_in_the_report_with_its_reason():
    # S1 at 0 m covers A (100); candidate ON_STATION stands on S1 and reaches only A, DUP and X at
    # 2,000 m reach B (50); FAR is 9 km off. k=3: DUP is taken (of the two, the smaller id), X adds
    # nothing after it (not chosen, compared), ON_STATION can never add anyone and FAR is off the
    # network: both said why
    homes = _points([(0, 0), (2000, 0)], unit_id=["A", "B"], households=[100, 50])
    cands = _points([(0, 0), (2000, 0), (2000, 0), (2000, 9000)], candidate_id=["ON_STATION", "X", "DUP", "FAR"])
    res = site_stations(homes, _points([(0, 0)], station_id=["S1"]), _street(), candidates=cands, k=3,
                        minutes=(15,))
    assert res.sites["candidate_id"].tolist() == ["DUP"]
    rows = res.report[res.report["layer"] == "candidates"].set_index("row_id")
    assert sorted(rows.index) == ["FAR", "ON_STATION", "X"]
    assert rows.loc["ON_STATION", "problem"] == "reaches no uncovered household within 15min"
    assert rows.loc["FAR", "problem"] == "too far from network"
    assert rows.loc["X", "problem"] == "same place as chosen site NEW001 (DUP)"
    # every candidate is a site or in the report
    assert set(res.sites["candidate_id"]) | set(rows.index) == set(cands["candidate_id"])


def test_candidate_ids_that_are_the_same_once_written_are_refused():
    # a spreadsheet's 1 (a number) and '1' (text): both were sited and written as candidate 1
    from spatial.core.errors import DuplicateIdError

    cands = _points([(2000, 0), (4000, 0)], candidate_id=[1, "1"])
    homes = _points([(0, 0), (2000, 0), (4000, 0)], unit_id=["A", "B", "C"], households=[100, 50, 30])
    with pytest.raises(DuplicateIdError, match=r"'candidates' column 'candidate_id' holds ids that are the same "
                                               r"once written as text: 1, '1'; give every row its own id"):
        site_stations(homes, None, _street(), candidates=cands, k=2, minutes=(15,))
    # ids of mixed types that differ are fine: both sites, named as given
    cands["candidate_id"] = [1, "A"]
    res = site_stations(homes, None, _street(), candidates=cands, k=2, minutes=(15,))
    assert res.sites["candidate_id"].tolist() == [1, "A"]


def test_a_floor_area_or_land_use_filter_without_candidates_is_refused_not_ignored(tmp_path, capsys):
    # no candidates: network nodes are sited, with no floor area; min_floor_area_m2=500 was ignored
    # and a node in the street chosen as if it had passed the 500 m² rule
    from spatial.cli import main
    from spatial.network.graph import edges_frame

    homes = _points([(0, 0), (2000, 0)], unit_id=["A", "B"], households=[100, 50])
    stations = _points([(0, 0)], station_id=["S1"])
    with pytest.raises(SpatialError, match=r"^min_floor_area_m2 filters a candidates layer .* give candidates "
                                           r"\(spatial site --candidates FILE\) or leave out min_floor_area_m2$"):
        site_stations(homes, stations, _street(), k=1, minutes=(15,), min_floor_area_m2=500)
    with pytest.raises(SpatialError, match=r"^allowed_land_use filters a candidates layer"):
        site_stations(homes, stations, _street(), k=1, minutes=(15,), allowed_land_use=["public"])
    edges_frame(_street())[["geometry"]].to_file(tmp_path / "street.gpkg")
    homes.to_file(tmp_path / "homes.gpkg")
    stations.to_file(tmp_path / "stations.gpkg")
    code = main(["site", str(tmp_path / "street.gpkg"), str(tmp_path / "stations.gpkg"), str(tmp_path / "homes.gpkg"),
                 "--k", "1", "--min-floor-area-m2", "500", "--out", str(tmp_path / "s.gpkg")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert err.endswith("give --candidates FILE or leave out --min-floor-area-m2")
    assert not (tmp_path / "s.gpkg").exists()
