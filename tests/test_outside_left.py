"""Numbers an earlier review of siting and coverage left standing, checked as a user meets them.

Each test builds a tiny case with a known answer from independent code (networkx flows and
Dijkstra, hand sums), never from the package's own objects.
"""

from __future__ import annotations

import re

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from shapely.geometry import Point

from spatial.network.graph import network_from_arrays
from spatial.siting.sites import site_stations

CRS = "EPSG:32650"


def _points(xy, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=CRS)


def _street():
    """One straight street 0-4,000 m along y = 0, nodes every 500 m (15 min at 4 km/h = 1,000 m)."""
    xs = np.arange(0, 4001, 500, dtype=float)
    return network_from_arrays(np.c_[xs, np.zeros_like(xs)], np.arange(len(xs) - 1), np.arange(1, len(xs)),
                               crs=CRS)


def _served(reach: dict, hh: dict, sites, cap: float) -> float:
    """Most households ``sites`` serve, each at most ``cap``: a max flow (networkx)."""
    g = nx.DiGraph()
    g.add_node("S")
    g.add_node("T")
    for s in sites:
        g.add_edge("S", ("site", s), capacity=cap)
        for h in reach[s]:
            g.add_edge(("site", s), ("home", h), capacity=float("inf"))
    for h, n in hh.items():
        g.add_edge(("home", h), "T", capacity=float(n))
    return nx.maximum_flow_value(g, "S", "T")


# ------------------------------------------------ 1: cum_coverage_pct with a household cap per site


def test_capped_sites_coverage_once_built_is_what_the_sites_built_so_far_serve():
    # homes of 90 households at 2,500 m and 30 at 1,500 m; candidates at 2,000 m (reaches both,
    # 500 m each), 4,000 m (neither: 1,500 m to the first) and 1,000 m (the 30 only); 110 a site.
    # The plan is c0 then c2, and c0 built alone serves 110 (91.7%); the table said 75.0% (c0's
    # share, 90, of one optimal assignment of both)
    homes = _points([(2500, 0), (1500, 0)], unit_id=["a", "b"], households=[90, 30])
    cands = _points([(2000, 0), (4000, 0), (1000, 0)], candidate_id=["c0", "c1", "c2"])
    result = site_stations(homes, None, _street(), candidates=cands, k=2, capacity_households=110)
    reach = {"c0": ["a", "b"], "c1": [], "c2": ["b"]}  # within 1,000 m along the street
    hh = {"a": 90, "b": 30}
    order = result.sites["candidate_id"].tolist()
    assert sorted(order) == ["c0", "c2"]
    want = [100 * _served(reach, hh, order[: r + 1], 110.0) / 120 for r in range(len(order))]
    assert want == pytest.approx([100 * 110 / 120, 100.0])
    np.testing.assert_allclose(result.sites["cum_coverage_pct"], want)
    # what each adds, built in this order, sums to the households served
    assert result.sites["gain_households"].tolist() == [110, 10]
    assert result.demand["new_households_served"].sum() == 120


@pytest.mark.parametrize("seed", range(60))  # 10 of these 60 read low before
def test_capped_sites_cumulative_coverage_matches_a_max_flow_on_every_prefix(seed):
    rng = np.random.default_rng(seed)
    xs = np.arange(0, 4001, 500, dtype=float)
    nh, nc = int(rng.integers(3, 7)), int(rng.integers(3, 6))
    hx, cx = rng.choice(xs, nh), rng.choice(xs, nc, replace=False)
    households = rng.integers(1, 10, nh) * 10
    cap = float(rng.integers(3, 15) * 10)
    homes = _points([(x, 0) for x in hx], unit_id=[f"h{i}" for i in range(nh)], households=households)
    cands = _points([(x, 0) for x in cx], candidate_id=[f"c{i}" for i in range(nc)])
    result = site_stations(homes, None, _street(), candidates=cands, k=min(nc, 3), capacity_households=cap,
                           exact=False)
    reach = {f"c{i}": [f"h{j}" for j in range(nh) if abs(cx[i] - hx[j]) <= 1000] for i in range(nc)}
    hh = {f"h{j}": households[j] for j in range(nh)}
    order = result.sites["candidate_id"].tolist()
    want = [100 * _served(reach, hh, order[: r + 1], cap) / households.sum() for r in range(len(order))]
    np.testing.assert_allclose(result.sites["cum_coverage_pct"], want)
    assert (np.diff(result.sites["gain_households"]) <= 0).all()


# ------------------------------------------- 2: a summary of bands made at their own walking speed


def _scored_at_4kmh():
    """Homes 200, 400, 700 and 900 m along the street from one station at 0 m (10, 20, 30 and 40
    households), scored at 4 km/h: all within 15 min (1,000 m); at 3 km/h (750 m) 900 m is not."""
    from spatial.coverage.walks import walking_coverage

    homes = _points([(200, 0), (400, 0), (700, 0), (900, 0)], unit_id=["a", "b", "c", "d"],
                    households=[10, 20, 30, 40], community_id=["C1"] * 4)
    station = _points([(0, 0)], station_id=["S1"], name=["一站"])
    return walking_coverage(homes, station, _street()), station


def test_summary_of_bands_at_an_elderly_pace_counts_each_bands_own_metres():
    # make_bands(speed_kmh=3.0): 250, 500 and 750 m. Homes within: 200 | 200, 400 | 200, 400, 700
    # = 10, 30 and 60 of 100 households. The summary said 10, 30 and 100 (the 4 km/h labels)
    from spatial.coverage.bands import ELDERLY_SPEED_KMH, make_bands
    from spatial.coverage.walks import coverage_summary

    demand, _ = _scored_at_4kmh()
    slow = make_bands(speed_kmh=ELDERLY_SPEED_KMH)
    assert [round(b.limit_m) for b in slow] == [250, 500, 750]
    summary = coverage_summary(demand, bands=slow)
    overall = summary.iloc[0]
    assert [overall[f"hh_{b}"] for b in ("5min", "10min", "15min")] == [10, 30, 60]
    assert [overall[f"pct_hh_{b}"] for b in ("5min", "10min", "15min")] == pytest.approx([10.0, 30.0, 60.0])
    # at the walks' own speed, and by label, as before: 10, 30, 100
    for bands in (make_bands(), ["5min", "10min", "15min"]):
        again = coverage_summary(demand, bands=bands).iloc[0]
        assert [again[f"hh_{b}"] for b in ("5min", "10min", "15min")] == [10, 30, 100]
    # a file's demand (no note of its speed) reads the speed off its walks
    demand.attrs.clear()
    assert coverage_summary(demand, bands=slow).iloc[0]["hh_15min"] == 60


def test_elderly_pace_figures_are_the_same_in_the_csv_workbook_and_map(tmp_path):
    import pandas as pd

    from spatial.coverage.bands import ELDERLY_SPEED_KMH, make_bands
    from spatial.coverage.walks import coverage_summary
    from spatial.io._figures import csv_figures
    from spatial.io.workbook import write_workbook
    from spatial.maps.interactive import coverage_map

    demand, station = _scored_at_4kmh()
    summary = coverage_summary(demand, bands=make_bands(speed_kmh=ELDERLY_SPEED_KMH))
    assert csv_figures(summary).iloc[0]["pct_hh_15min"] == pytest.approx(60.0)
    book = write_workbook(tmp_path / "s.xlsx", summary, about={"speed_kmh": ELDERLY_SPEED_KMH},
                          lang="en")
    sheet = pd.read_excel(book, sheet_name=0, engine="openpyxl")
    assert 60 in sheet.to_numpy().ravel().tolist() and 100 not in sheet.iloc[:, 3:].to_numpy().ravel().tolist()
    html = coverage_map(demand, station, summary=summary, speed_kmh=ELDERLY_SPEED_KMH,
                        lang="en").get_root().render()
    cells = re.findall(r'sp-num\\"\\u003e([\d.,]+)\\u003c', html)  # the table of households and % per band
    assert "60.0" in cells and "100.0" not in cells, cells
