"""Outside review: a coverage map drawn at another walking speed than its walks were scored at.

``coverage_map(..., speed_kmh=3)`` on walks scored at 4 km/h redraws the homes at 3 km/h (15 min =
750 m). The gaps, the service areas and a summary table handed in were drawn as given, at 4 km/h:
a home 900 m away was magenta ("beyond every band") while no gap held it and its 15-minute area
covered it, and the table said 50 % within 15 minutes of homes drawn 16.7 % within. The map has no
walking network to make them again, so they are left out with a note saying why, unless they
were made at the map's speed. Figures below are worked by hand from metres and km/h.
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from spatial.core.checks import Report
from spatial.maps.interactive import coverage_map
from spatial.network.graph import network_from_arrays

CRS = "EPSG:32650"
M_PER_MIN = {4.0: 4000 / 60, 3.0: 3000 / 60}  # 66.7 and 50 m a minute


def _points(xy, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=CRS)


def _street():
    """One straight street 0-2,000 m, nodes every 500 m."""
    xs = np.arange(0, 2001, 500, dtype=float)
    return network_from_arrays(np.c_[xs, np.zeros_like(xs)], np.arange(len(xs) - 1), np.arange(1, len(xs)), crs=CRS)


@pytest.fixture(scope="module")
def case():
    """Homes 200, 900 and 1,500 m along the street from one station (10, 20, 30 households),
    scored at 4 km/h: 3, 13.5 and 22.5 minutes; at 3 km/h 4, 18 and 30."""
    from spatial.coverage.walks import walking_coverage

    homes = _points([(200, 0), (900, 0), (1500, 0)], unit_id=["a", "b", "c"], households=[10, 20, 30],
                    community_id=["C1"] * 3)
    station = _points([(0, 0)], station_id=["S1"], name=["一站"])
    demand = walking_coverage(homes, station, _street())
    assert demand["walk_min"].tolist() == pytest.approx([200 / M_PER_MIN[4.0], 900 / M_PER_MIN[4.0],
                                                          1500 / M_PER_MIN[4.0]])
    return demand, station


def _gaps(walks_m, speed_kmh, households):
    """A gaps layer as coverage_gaps writes it (only the columns the map reads), by hand."""
    return _points([(w, 0) for w in walks_m], gap_id=[f"G{k + 1:03d}" for k in range(len(walks_m))],
                   rank=list(range(1, len(walks_m) + 1)), cause=["service"] * len(walks_m),
                   community_id=["C1"] * len(walks_m), band=["15min"] * len(walks_m), households=households,
                   walk_to_station_m=[float(w) for w in walks_m],
                   walk_to_station_min=[w / M_PER_MIN[speed_kmh] for w in walks_m])


def _html(m) -> str:
    return m.get_root().render()


def _table(html: str) -> list[str]:
    return re.findall(r'sp-num\\"\\u003e([\d.,]+)\\u003c', html)


def test_gaps_of_the_runs_speed_are_left_off_a_map_drawn_slower_with_a_note_and_a_report_row(case):
    demand, station = case
    # at 4 km/h the home at 1,500 m (30 households, 22.5 min) is the only gap; at 3 km/h the home at
    # 900 m (18 min) is beyond 15 minutes too, and that gap does not hold it
    gaps = _gaps([1500], 4.0, [30])
    report = Report()
    html = _html(coverage_map(demand, station, gaps=gaps, speed_kmh=3.0, lang="en", report=report))
    assert "At a walking speed of 3.0 km/h (15 min ≈ 750 m)" in html
    assert "G001" not in html  # no gap drawn, labelled or in the legend
    assert "Gaps not drawn: they were found at 4.0 km/h" in html and "speed_kmh=3" in html
    rows = report.to_frame()
    assert rows["layer"].tolist() == ["gaps"] and "3 km/h" in rows["problem"].iloc[0]
    zh = _html(coverage_map(demand, station, gaps=gaps, speed_kmh=3.0, lang="zh"))
    assert "盲区按步行速度 4.0 公里/小时找出" in zh and "请按 3 公里/小时重算盲区" in zh
    # at the walks' own speed they are drawn, as before
    assert "G001" in _html(coverage_map(demand, station, gaps=gaps, lang="en"))


def test_gaps_found_at_the_maps_speed_are_drawn_and_not_on_a_map_of_another(case):
    demand, station = case
    # coverage_gaps(speed_kmh=3): the homes beyond 750 m, 900 m (18 min) and 1,500 m (30 min)
    slow = _gaps([1500, 900], 3.0, [30, 20])
    html = _html(coverage_map(demand, station, gaps=slow, speed_kmh=3.0, lang="en"))
    assert "G001" in html and "G002" in html and "Gaps not drawn" not in html
    html = _html(coverage_map(demand, station, gaps=slow, lang="en"))  # drawn at the walks' 4 km/h
    assert "G001" not in html and "Gaps not drawn: they were found at 3.0 km/h" in html


def test_service_areas_of_the_runs_speed_are_left_off_a_map_drawn_slower(case):
    from spatial.coverage.service_areas import isochrones

    demand, station = case
    areas = {v: isochrones(station, _street(), minutes=[15], speed_kmh=v, max_off_network_m=None)
             for v in (4.0, 3.0)}
    assert areas[4.0]["limit_m"].tolist() == pytest.approx([1000.0])  # covers the home at 900 m
    assert areas[3.0]["limit_m"].tolist() == pytest.approx([750.0])
    html = _html(coverage_map(demand, station, isochrones=areas[4.0], speed_kmh=3.0, lang="en"))
    assert "Service areas not drawn: they were made at 4.0 km/h" in html
    html = _html(coverage_map(demand, station, isochrones=areas[3.0], speed_kmh=3.0, lang="en"))
    assert "Service areas not drawn" not in html


def test_a_summary_of_the_runs_speed_is_counted_again_at_the_maps(case):
    from spatial.coverage.walks import coverage_summary

    demand, station = case
    summary = coverage_summary(demand, bands=["5min", "10min", "15min"])  # at 4 km/h: 30 of 60 within 15 min
    assert summary.iloc[0]["pct_hh_15min"] == pytest.approx(50.0)
    # at 3 km/h: within 250 m, 500 m and 750 m only the home at 200 m: 10 of 60 in every band
    want = f"{100 * 10 / 60:.1f}"
    cells = _table(_html(coverage_map(demand, station, summary=summary, speed_kmh=3.0, lang="en")))
    assert cells and "50.0" not in cells and cells.count(want) >= 3, cells
    # a summary that cannot be counted again (no community of the homes known) is left out, said why
    bare = demand.drop(columns="community_id")
    html = _html(coverage_map(bare, station, summary=summary, speed_kmh=3.0, lang="en"))
    assert "50.0" not in _table(html) and "Coverage table not shown" in html


def test_walks_on_slopes_are_judged_by_the_runs_speed_not_their_pace(case):
    # minutes on slopes are no fixed share of the metres (Tobler's function): a gap's own ratio,
    # 1,500 m in 25 minutes (3.6 km/h), says nothing of the speed. At the walks' 4 km/h it is
    # drawn; at 3 km/h it is the run's, and left out
    demand, station = case
    hilly = demand.assign(walk_min=[3.5, 14.0, 25.0])
    hilly.attrs["speed_kmh"] = 4.0
    gaps = _gaps([1500], 4.0, [30]).assign(walk_to_station_min=[25.0])
    for slope in (None, "Tobler"):
        assert "G001" in _html(coverage_map(hilly, station, gaps=gaps, slope=slope, lang="en"))
        html = _html(coverage_map(hilly, station, gaps=gaps, slope=slope, speed_kmh=3.0, lang="en"))
        assert "G001" not in html and "Gaps not drawn: they were found at the run" in html


def test_a_stations_floor_area_in_reach_of_the_runs_band_is_not_shown_on_a_slower_map(case):
    # station_fca counted the households within the run's 1,000 m; at 3 km/h 15 minutes reach 750 m
    demand, station = case
    station = station.assign(households_served=[60], fca_m2_per_100hh=[123.4])
    assert "123.4" in _html(coverage_map(demand, station, lang="en"))
    html = _html(coverage_map(demand, station, speed_kmh=3.0, lang="en"))
    assert "123.4" not in html and "floor area in reach (2SFCA) was worked out at the run" in html


def test_one_gap_read_back_rounded_is_still_of_the_maps_speed(case):
    # gaps.csv keeps whole metres and minutes to one decimal: 1,002 m in 15.0 min reads as 4.008 km/h
    demand, station = case
    gap = _gaps([1002], 4.0, [30]).assign(walk_to_station_min=[15.0])
    html = _html(coverage_map(demand, station, gaps=gap, lang="en"))
    assert "G001" in html and "Gaps not drawn" not in html
