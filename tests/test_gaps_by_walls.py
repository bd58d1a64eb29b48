"""Gaps never group an estate's homes with the homes across its wall.

The town (EPSG:32650): one street along y = 0 from 0 to 3,000 m; 丁小区's walls 2,000-2,400 x
50-500 (no mapped path inside), its gate at (2,200, 50) on the street side. Homes IN1
(2,200, 470) and IN2 (2,150, 470) inside, 100 households each, 30 m from the north wall; OUT1
(2,200, 560) and OUT2 (2,150, 560) outside it, 100 households each, 560 m from the street (no walk:
too far from the network). The homes inside and outside are 90 m apart in a straight line,
within the 300 m that groups homes with no walk, but no one walks across the wall.

Until 7 December 2026 the four were one gap: with the gate, N001 of 400 households "grouped by
straight distance: estimated walk" (the gate not used in the grouping, the homes inside linked by
straight lines across the wall); with no gate, N001 of 400 households "grouped by straight
distance: in walls with no gate given", said of the two outside too. Each is now two gaps of 200.
Expected walks: shapely distances times the detour factor (1.25), not the package's objects.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, Polygon

CRS = "EPSG:32650"
F = 1.25
WALL = Polygon([(2000, 50), (2400, 50), (2400, 500), (2000, 500)])
GATE = Point(2200, 50)
HOMES = {"IN1": (2200, 470), "IN2": (2150, 470), "OUT1": (2200, 560), "OUT2": (2150, 560)}


def _points(xy, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(p) for p in xy], crs=CRS)


@pytest.fixture(scope="module")
def town():
    from spatial.network.graph import network_from_arrays

    xs = np.arange(0, 3001, 500.0)
    network = network_from_arrays(np.c_[xs, np.zeros(len(xs))], np.arange(len(xs) - 1), np.arange(1, len(xs)),
                                  crs=CRS)
    homes = _points(HOMES.values(), unit_id=list(HOMES), households=[100] * 4)
    walls = gpd.GeoDataFrame({"name": ["丁小区围墙"]}, geometry=[WALL], crs=CRS)
    return network, homes, walls, _points([(GATE.x, GATE.y)], gate_id=["M1"])


def _members(labelled) -> dict:
    return {g: sorted(labelled.loc[labelled["gap_id"] == g, "unit_id"]) for g in labelled["gap_id"].dropna().unique()}


def test_homes_leaving_by_the_gate_are_not_grouped_across_the_wall(town):
    """Station S1 on the street at the gate (2,200, 0), band 500 m: IN1 walks 1.25 x 470 = 587.5 m
    out by the gate (no mapped path: the straight 470 m is within the band), OUT1 has no walk."""
    from spatial.coverage.gaps import assign_gaps, coverage_gaps
    from spatial.coverage.walks import walking_coverage

    network, homes, walls, gates = town
    station = _points([(2200, 0)], station_id=["S1"])
    walks = walking_coverage(homes, station, network, meters=[500], gates=gates, barriers=walls)
    leg = Point(HOMES["IN1"]).distance(GATE) + GATE.distance(Point(2200, 0))
    assert walks.set_index("unit_id").loc["IN1", "walk_m"] == pytest.approx(F * leg)
    labelled = assign_gaps(walks, network, band="500m", barriers=walls, gates=gates)
    assert sorted(_members(labelled).values()) == [["IN1", "IN2"], ["OUT1", "OUT2"]]
    gaps = coverage_gaps(walks, network, band="500m", barriers=walls, gates=gates).set_index("gap_id")
    assert sorted(gaps["households"]) == [200, 200]
    inside = gaps[gaps["walk_to_station_m"].notna()].iloc[0]
    assert inside["walk_to_station_m"] == pytest.approx(F * leg)
    assert inside["note"] == ""  # linked on foot through the gate, as they were scored
    outside = gaps[gaps["walk_to_station_m"].isna()].iloc[0]
    assert outside["note"] == "grouped by straight distance: too far from network"


def test_homes_in_walls_with_no_gate_are_not_grouped_with_the_homes_outside(town):
    from spatial.coverage.gaps import coverage_gaps
    from spatial.coverage.walks import walking_coverage

    network, homes, walls, _ = town
    station = _points([(0, 0)], station_id=["S1"])
    walks = walking_coverage(homes, station, network, barriers=walls)
    gaps = coverage_gaps(walks, network, band="15min", barriers=walls)
    assert sorted(gaps["note"]) == ["grouped by straight distance: in walls with no gate given",
                                    "grouped by straight distance: too far from network"]
    assert gaps["households"].tolist() == [200, 200]
    # the homes outside wait on the map's paths; those inside on the estate's gates (since 7 December 2026)
    causes = dict(zip(gaps["note"], gaps["cause"]))
    assert causes == {"grouped by straight distance: in walls with no gate given": "no gate given",
                      "grouped by straight distance: too far from network": "no mapped path"}


def test_without_walls_the_four_homes_with_no_walk_are_one_gap(town):
    """The straight grouping is unchanged where no walls part the homes: the four, all too far from
    the street (a station far off), within 300 m of each other, are one gap."""
    from spatial.coverage.gaps import coverage_gaps
    from spatial.coverage.walks import walking_coverage

    network, homes, *_ = town
    far = homes.assign(geometry=homes.geometry.translate(0, 500))  # 970-1,060 m from the street
    walks = walking_coverage(far, _points([(0, 0)], station_id=["S1"]), network)
    gaps = coverage_gaps(walks, network, band="15min")
    assert gaps["households"].tolist() == [400]
