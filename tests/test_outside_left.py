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
from test_outside_sites import _points, _street  # the same street and points as the siting review

CRS = "EPSG:32650"


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


def test_a_faster_band_past_the_walks_scored_is_refused_naming_it_as_given():
    # 15 min at 6 km/h is 1,500 m; the walks were scored up to 15 min at 4 km/h (1,000 m), and a home
    # 1,200 m away labelled 'beyond' may walk within it: refused, as a band past the scored ones is
    from spatial.coverage.bands import make_bands
    from spatial.coverage.walks import coverage_summary, walking_coverage
    from spatial.core.errors import SpatialError

    homes = _points([(200, 0), (1200, 0)], unit_id=["a", "b"], households=[1, 1])
    demand = walking_coverage(homes, _points([(0, 0)], station_id=["S1"]), _street())
    with pytest.raises(SpatialError, match=r"band '15min' at its own 6 km/h \(1500 m\) is '22.5min' of these walks"):
        coverage_summary(demand, bands=make_bands(speed_kmh=6.0))
    assert coverage_summary(demand, bands=make_bands(minutes=[5], speed_kmh=6.0)).iloc[0]["hh_5min"] == 1


def test_gaps_of_a_band_at_an_elderly_pace_are_the_homes_beyond_it_at_that_pace():
    # coverage_gaps(speed_kmh=3.0) walked the sites' reach at 3 km/h (750 m) but took the homes
    # beyond 15 min at the walks' 4 km/h (none): no gap. The home 900 m away (40 households) is one
    from spatial.coverage.gaps import coverage_gaps

    demand, _ = _scored_at_4kmh()
    assert coverage_gaps(demand, _street(), band="15min").empty
    gaps = coverage_gaps(demand, _street(), band="15min", speed_kmh=3.0)
    assert gaps["households"].tolist() == [40] and gaps["band"].tolist() == ["15min"]
    assert gaps["walk_to_station_m"].tolist() == pytest.approx([900.0])


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
    # the map's table, given the summary or made from the walks at the map's speed, and its homes
    for given in (summary, None):
        m = coverage_map(demand, station, summary=given, speed_kmh=ELDERLY_SPEED_KMH, lang="en")
        html = m.get_root().render()
        cells = re.findall(r'sp-num\\"\\u003e([\d.,]+)\\u003c', html)  # the table: households and % per band
        assert "60.0" in cells and "100.0" not in cells, cells
        assert "At a walking speed of 3.0 km/h (15 min ≈ 750 m)" in html


def test_a_coverage_map_states_the_speed_its_walks_were_scored_at():
    # walks at the elderly 3 km/h were said to be "at 4.0 km/h (15 min ≈ 1000 m)" unless the
    # speed was given again; and at a speed given other than the walks', the homes are drawn at it
    from spatial.coverage.walks import walking_coverage
    from spatial.maps.interactive import coverage_map

    homes = _points([(200, 0), (700, 0), (900, 0)], unit_id=["a", "b", "c"], households=[1, 1, 1],
                    community_id=["C1"] * 3)
    station = _points([(0, 0)], station_id=["S1"], name=["一站"])
    slow = walking_coverage(homes, station, _street(), speed_kmh=3.0)
    assert slow["band"].tolist() == ["5min", "15min", "beyond"]
    html = coverage_map(slow, station, lang="en").get_root().render()
    assert "At a walking speed of 3.0 km/h (15 min ≈ 750 m)" in html
    slow.attrs.clear()  # read back from a file: the walks' own ratio tells the speed
    assert "3.0 km/h" in coverage_map(slow, station, lang="en").get_root().render()
    fast = walking_coverage(homes, station, _street())
    drawn = coverage_map(fast, station, speed_kmh=3.0, lang="en").get_root().render()
    table = re.findall(r'sp-num\\"\\u003e([\d.,]+)\\u003c', drawn)
    assert "66.7" in table and "100.0" not in table, table  # 2 of 3 homes within 750 m


# ------------------------------------------------------ 3: every gate of an estate is tried, exactly


def _gate_walk_reference(home, gates, streets, station, *, limit, detour, max_snap, wall=None):
    """The shortest walk home -> any gate -> street -> station by networkx's Dijkstra over every
    gate: streets are horizontal lines ``(y, x0, x1)``; a gate is used when a street is within
    ``max_snap`` of it, its leg home -> gate -> street is within ``limit`` and it is not across
    ``wall`` (a shapely line; a crossing within 10 m of the gate does not count)."""
    from shapely.geometry import LineString

    g = nx.Graph()
    ends = {}
    for y, x0, x1 in streets:
        xs = sorted({x0, x1, *[x for x, gy in gates if x0 <= x <= x1], station[0] if station[1] == y else x0})
        ends[y] = xs
        for a, b in zip(xs, xs[1:]):
            g.add_edge((a, y), (b, y), weight=b - a)
    ys = sorted(ends)  # the streets' west ends joined by a north-south road
    for a, b in zip(ys, ys[1:]):
        g.add_edge((ends[a][0], a), (ends[b][0], b), weight=b - a)
    for x, y in gates:
        leg = min(abs(y - sy) for sy, x0, x1 in streets if x0 <= x <= x1)
        sy = min((sy for sy, x0, x1 in streets if x0 <= x <= x1), key=lambda v: abs(y - v))
        to_gate = float(np.hypot(x - home[0], y - home[1]))
        if leg > max_snap or to_gate + leg > limit:
            continue
        if wall is not None:
            v = np.array(home) - np.array([x, y])
            inner = np.array([x, y]) + v * min(1.0, 10.0 / np.hypot(*v))
            if LineString([home, tuple(inner)]).crosses(wall):
                continue
        g.add_edge("home", (x, sy), weight=detour * (to_gate + leg))
    return nx.shortest_path_length(g, "home", tuple(station), weight="weight")


def test_a_home_whose_nine_nearest_gates_lead_nowhere_within_reach_walks_out_through_the_tenth():
    # a walled estate 300-700 m square, the home at (500, 520): nine gates in the north wall
    # (y = 700, 180-197 m away) open 90 m from a lane (legs of 270-287 m > 260 m), one in the
    # south wall (y = 300, 220 m away) 20 m from the street: 240 m, within reach. Only the 8
    # nearest gates were tried: the home was 'unreachable'; it walks 1.25 x 240 + 500 = 800 m
    from shapely.geometry import Polygon

    from spatial.coverage.walks import walking_coverage

    xy = np.array([[0, 280], [500, 280], [1000, 280], [0, 790], [500, 790], [1000, 790]], float)
    net = network_from_arrays(xy, np.array([0, 1, 3, 4, 0]), np.array([1, 2, 4, 5, 3]), crs=CRS)
    north = [(x, 700.0) for x in range(420, 581, 20)]
    gates_xy = north + [(500.0, 300.0)]
    wall = Polygon([(300, 300), (700, 300), (700, 700), (300, 700)])
    home = _points([(500, 520)], unit_id=["h"], households=[10])
    station = _points([(1000, 280)], station_id=["S"])
    gates = _points(gates_xy, gate=list(range(len(gates_xy))))
    walls = gpd.GeoDataFrame(geometry=[wall.exterior], crs=CRS)
    out = walking_coverage(home, station, net, max_off_network_m=260, gates=gates, barriers=walls, minutes=[15])
    want = _gate_walk_reference((500, 520), gates_xy, [(280, 0, 1000), (790, 0, 1000)], (1000, 280), limit=260,
                                detour=1.25, max_snap=100, wall=wall.exterior)
    assert want == pytest.approx(800.0)
    assert out["access"].tolist() == ["estimated"]
    assert out["walk_m"].iloc[0] == pytest.approx(want)


@pytest.mark.parametrize("seed", range(6))
def test_a_home_leaves_through_its_nearest_gate_within_reach_however_many_are_nearer(seed):
    # an estate between a street (y = 280) and a lane (y = 790): 9-30 gates in its north side
    # (y = 700, 90 m from the lane) and 1-3 in its south side (y = 300, 20 m from the street); 40
    # homes at y 480-540. By brute force over every gate: the nearest whose leg home -> gate ->
    # walkway is within 260 m (the north gates are nearer, but 170 m and more away: 260 m and more)
    from spatial.network.snapping import snap_walks

    rng = np.random.default_rng(seed)
    xy = np.array([[0, 280], [1000, 280], [0, 790], [1000, 790]], float)
    net = network_from_arrays(xy, np.array([0, 2, 0]), np.array([1, 3, 2]), crs=CRS)
    n_north, n_south = int(rng.integers(9, 31)), int(rng.integers(1, 4))
    gates = np.r_[np.c_[rng.uniform(380, 620, n_north), np.full(n_north, 700.0)],
                  np.c_[rng.uniform(420, 580, n_south), np.full(n_south, 300.0)]]
    leg = np.where(gates[:, 1] == 700, 90.0, 20.0)
    homes = np.c_[rng.uniform(430, 570, 40), rng.uniform(480, 540, 40)]
    d = np.hypot(homes[:, None, 0] - gates[None, :, 0], homes[:, None, 1] - gates[None, :, 1])
    order = np.argsort(d, axis=1, kind="stable")
    fits = np.take_along_axis(d + leg[None, :] <= 260, order, axis=1)
    rank = np.where(fits.any(axis=1), fits.argmax(axis=1), -1)  # of the first gate within reach
    rows = np.arange(len(homes))
    first = order[rows, np.maximum(rank, 0)]
    want = np.where(rank >= 0, d[rows, first] + leg[first], np.nan)
    snap = snap_walks(net, homes, max_snap_m=100, max_off_network_m=260, gates_xy=gates)
    assert (rank >= 8).sum() >= 3  # homes whose 8 nearest gates lead nowhere within reach
    through = rank >= 0
    np.testing.assert_allclose(snap.off_network_m[through], want[through])
    np.testing.assert_allclose(snap.leg_m[through], 1.25 * want[through])


# ------------------------------- 4: the inner service-area call needs no logging filter to keep quiet


def _off_road_station_case(offset_m: float):
    xy = np.array([[0.0, 0.0], [400.0, 0.0], [800.0, 0.0]])
    net = network_from_arrays(xy, np.array([0, 1]), np.array([1, 2]), crs=CRS)
    station = _points([(400.0, offset_m)], station_id=["S5"])
    study = gpd.GeoDataFrame({"community_id": ["C"]}, geometry=[Point(400, 0).buffer(600)], crs=CRS)
    return net, station, study


def test_warnings_logged_while_service_areas_are_drawn_are_not_held_back(caplog, monkeypatch):
    # the inner call drawing the areas on the mapped network alone (study_area given) was quietened
    # by a filter on the module's logger: any warning logged there meanwhile (another thread's
    # isochrones) was lost. A station 150 m off the road has areas and no "no service area" warning
    import logging

    from spatial.coverage import service_areas

    net, station, study = _off_road_station_case(150.0)
    real = service_areas.band_pieces

    def pieces(*args, **kwargs):  # what another thread might log on the same logger meanwhile
        logging.getLogger("spatial.coverage.service_areas").warning("a warning from elsewhere")
        return real(*args, **kwargs)

    monkeypatch.setattr(service_areas, "band_pieces", pieces)
    with caplog.at_level(logging.WARNING):
        areas = service_areas.isochrones(station, net, minutes=(15,), study_area=study)
    said = [r.getMessage() for r in caplog.records]
    assert said.count("a warning from elsewhere") == 2  # the areas asked for, and those on the network alone
    assert not [m for m in said if "no service area" in m]
    assert areas["reason"].tolist() == [""]


def test_a_station_that_really_has_no_service_area_is_named_once(caplog):
    import logging

    from spatial.coverage.service_areas import isochrones

    net, station, study = _off_road_station_case(500.0)  # beyond the 300 m of estimated walks
    with caplog.at_level(logging.WARNING):
        areas = isochrones(station, net, minutes=(15,), study_area=study)
    said = [r.getMessage() for r in caplog.records if "no service area" in r.getMessage()]
    assert len(said) == 1 and "S5" in said[0], said
    assert areas["reason"].iloc[0] != ""


# ------------------------------------------------------------- 5: the version is written in one place


def test_the_version_is_written_once_and_the_install_metadata_follows_it(tmp_path):
    # pyproject.toml said version = "0.1.0" and spatial/__init__.py __version__ = "0.1.0": a release
    # that bumped one left `spatial --version` and pip's metadata disagreeing. A checkout whose
    # package says 9.8.7 now installs (editable metadata) as 9.8.7 and reports 9.8.7
    import os
    import shutil
    import subprocess
    import sys
    import tomllib
    from pathlib import Path

    repo = Path(__file__).resolve().parents[1]
    project = tomllib.loads((repo / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert "version" not in project and "version" in project["dynamic"]
    copy = tmp_path / "repo"
    copy.mkdir()
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE", "MANIFEST.in"):
        shutil.copy(repo / name, copy / name)
    shutil.copytree(repo / "spatial", copy / "spatial", ignore=shutil.ignore_patterns("__pycache__", "_assets"))
    init = copy / "spatial" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    assert text.count("__version__ = ") == 1
    init.write_text(re.sub(r'__version__ = "[^"]*"', '__version__ = "9.8.7"', text), encoding="utf-8")
    hook = ("import sys; from setuptools import build_meta as b; "
            "print(b.prepare_metadata_for_build_editable(sys.argv[1]))")
    out = tmp_path / "meta"
    out.mkdir()
    made = subprocess.run([sys.executable, "-c", hook, str(out)], cwd=copy, capture_output=True, text=True,
                          timeout=300)
    assert made.returncode == 0, made.stderr[-2000:]
    meta = (out / made.stdout.strip().splitlines()[-1] / "METADATA").read_text(encoding="utf-8")
    assert re.search(r"^Version: (.+)$", meta, re.M).group(1).strip() == "9.8.7"
    said = subprocess.run([sys.executable, "-m", "spatial", "--version"], cwd=copy, capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(copy)}, timeout=120)
    assert said.stdout.strip() == "spatial 9.8.7"
