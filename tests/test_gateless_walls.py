"""Walls given as ``--barriers`` with no gate in them: the homes inside have no walk, and the
report says so once per estate, with their count, and what to do.

The town (EPSG:32650) is ``tests/test_outside_walls.py``'s: one street along y = 0 from 0 to
2,000 m; 乙小区's walls 800-1,200 x 50-450, here with no gate; S1 on the street at 0, S2 inside
the walls at (1,000, 250). Homes IN1 (900, 300) 100 households, IN2 (1,000, 200) 50 and IN3
(1,100, 400) 60 inside; O1 (300, 20) 80 outside. A second estate, 丙小区, walls 1,400-1,800 x
50-450 with a gate at (1,600, 50), holds IN4 (1,600, 200), 40 households.

Until 7 December 2026 the homes inside gateless walls were ``unreachable`` as "cut off by a
barrier" (IN1, IN2) or "too far from network" (IN3), one report row each saying nothing of the
walls, and nothing said the walls had no gate: an official read a wall, a river or a far home.
They stay without a walk (a gate's place is not guessed: the walk out may be 400 m longer on the
estate's far side), with reason "in walls with no gate given", and the report has one row per
such walls (layer ``barriers``) with their homes and households and the gates to give.

Expected walks are worked out with shapely and networkx on the raw street, not the package's objects.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import Point, Polygon

# the same street and the same networkx reference along it
from test_outside_walls import STREET_XS, _street_walk

CRS = "EPSG:32650"
F = 1.25
WALL = Polygon([(800, 50), (1200, 50), (1200, 450), (800, 450)])
WALL2 = Polygon([(1400, 50), (1800, 50), (1800, 450), (1400, 450)])
GATE2 = Point(1600, 50)
HOMES = {"IN1": (900, 300), "IN2": (1000, 200), "IN3": (1100, 400), "O1": (300, 20), "IN4": (1600, 200)}
HH = {"IN1": 100, "IN2": 50, "IN3": 60, "O1": 80, "IN4": 40}


def _points(xy, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=CRS)


@pytest.fixture(scope="module")
def town():
    from spatial.network.graph import network_from_arrays

    xs = STREET_XS
    network = network_from_arrays(np.c_[xs, np.zeros_like(xs)], np.arange(len(xs) - 1), np.arange(1, len(xs)), crs=CRS)
    homes = _points(HOMES.values(), unit_id=list(HOMES), households=list(HH.values()))
    stations = _points([(0, 0), (1000, 250)], station_id=["S1", "S2"])
    walls = gpd.GeoDataFrame({"名称": ["乙小区围墙", "丙小区围墙"]}, geometry=[WALL, WALL2], crs=CRS)
    gates = _points([(GATE2.x, GATE2.y)], gate_id=["M2"])
    return network, homes, stations, walls, gates


@pytest.fixture(scope="module")
def walks(town):
    from spatial.coverage.walks import walking_coverage

    network, homes, stations, walls, gates = town
    return walking_coverage(homes, stations, network, gates=gates, barriers=walls)


def test_homes_in_walls_with_no_gate_have_no_walk_and_say_why(walks):
    rows = walks.set_index("unit_id")
    for uid in ("IN1", "IN2", "IN3"):
        assert (rows.loc[uid, "band"], rows.loc[uid, "access"]) == ("unreachable", "unreachable"), uid
        assert rows.loc[uid, "reason"] == "in walls with no gate given", uid
        assert np.isinf(rows.loc[uid, "walk_m"]), uid


def test_homes_in_walls_with_a_gate_and_outside_walk_as_before(walks):
    """IN4 leaves 丙小区 by its gate: 150 m to it, 50 m on to the street at 1,600, at the detour
    factor, then the street to S1; O1 walks 20 m to the street and along it."""
    rows = walks.set_index("unit_id")
    leg = Point(HOMES["IN4"]).distance(GATE2) + 50
    assert rows.loc["IN4", "walk_m"] == pytest.approx(F * leg + _street_walk(1600, 0))
    assert (rows.loc["IN4", "access"], rows.loc["IN4", "reason"]) == ("estimated", "")
    assert rows.loc["O1", "walk_m"] == pytest.approx(20 + _street_walk(300, 0))


def test_one_report_row_per_gateless_walls_with_their_homes_and_what_to_do(walks):
    from spatial.core.checks import Report
    from spatial.coverage.walks import report_reasons

    report = report_reasons(Report(), walks, "demand", id_col="unit_id").to_frame(zh_columns=True)
    walls = report[report["layer"] == "barriers"]
    assert walls["row_id"].tolist() == ["乙小区围墙"]  # by its name; 丙小区 has its gate
    (row,) = walls.to_dict("records")
    hh = sum(HH[u] for u in ("IN1", "IN2", "IN3"))
    assert row["problem"].startswith("walls with no gate given (around ")
    assert row["problem"].endswith(f"3 homes ({hh} households) inside have no walk")
    assert "--gates" in row["action"] and "--gates" in row["action_zh"]
    assert f"墙内 3 个居民单元（{hh} 户）无法步行到达" in row["problem_zh"]
    # each home is a row of its own too, its reason in Chinese
    homes = report[report["layer"] == "demand"].set_index("row_id")
    assert sorted(homes.index) == ["IN1", "IN2", "IN3"]
    assert set(homes["problem_zh"]) == {"位于围墙内，未给出大门（请补充大门）"}


def test_the_walls_place_in_the_row_is_inside_them(walks):
    """The longitude and latitude the row gives lie inside 乙小区's walls (pyproj, not the package)."""
    import re

    from pyproj import Transformer
    from spatial.core.checks import Report
    from spatial.coverage.walks import report_reasons

    report = report_reasons(Report(), walks, "demand", id_col="unit_id").to_frame()
    text = report.loc[report["layer"] == "barriers", "problem"].iloc[0]
    lon, lat = map(float, re.search(r"around ([\d.]+), ([\d.]+)\)", text).groups())
    x, y = Transformer.from_crs(4326, CRS, always_xy=True).transform(lon, lat)
    assert WALL.buffer(1.0).contains(Point(x, y))


def test_the_gap_of_gateless_walls_asks_for_the_gates_not_a_station(walks, town):
    """Until 7 December 2026 this gap was N001 of cause "no mapped path", 缺少路网数据：先补图 on the
    map and in the workbook: the streets were there, the gates were not given."""
    from spatial.coverage.gaps import coverage_gaps

    network, *_ = town
    gaps = coverage_gaps(walks, network, band="15min")
    inside = gaps[gaps["households"] == 210]
    assert inside["cause"].tolist() == ["no gate given"]
    assert inside["gap_id"].tolist() == ["W001"]
    assert inside["rank"].isna().all()  # not ranked for siting
    assert gaps.loc[gaps["households"] == 40, "cause"].tolist() == ["service"]  # IN4, beyond by its gate


def test_the_gap_of_gateless_walls_says_so_where_an_official_reads_it(walks, town, tmp_path):
    """The map's popup, the 盲区 sheet and gaps.csv's ``cause_zh`` say the gap's cause in the words
    of each of its homes' report rows (位于围墙内，未给出大门（请补充大门）), not 缺少路网数据."""
    import pandas as pd
    from openpyxl import load_workbook

    from spatial.coverage.gaps import coverage_gaps
    from spatial.io._figures import csv_words
    from spatial.io.workbook import write_workbook
    from spatial.maps._data import decode
    from spatial.maps._layers import VectorLayer
    from spatial.maps.interactive import coverage_map

    network, homes, stations, *_ = town
    gaps = coverage_gaps(walks, network, band="15min")
    words = "位于围墙内，未给出大门（请补充大门）"
    said = dict(zip(gaps["gap_id"], csv_words(pd.DataFrame(gaps.drop(columns="geometry")), "zh")["cause_zh"]))
    assert said == {"G001": "距站点过远：需新站", "W001": words}
    summary = pd.DataFrame({"level": ["overall"], "id": ["all"], "households": [330], "hh_15min": [80],
                            "pct_hh_15min": [24.2]})
    book = load_workbook(write_workbook(tmp_path / "s.xlsx", summary, gaps=gaps, lang="zh"))
    rows = list(book["盲区"].values)
    assert {r[0]: dict(zip(rows[0], r))["成因"] for r in rows[1:]} == said
    m = coverage_map(walks, stations, bands=["15min"], gaps=gaps)
    (layer,) = [c for c in m._children.values() if isinstance(c, VectorLayer) and c.options["key"] == "gaps"]
    assert sorted(f["properties"]["cause"] for f in decode(layer.data_js)) == sorted(said.values())
    m_en = coverage_map(walks, stations, bands=["15min"], gaps=gaps, lang="en")
    (layer,) = [c for c in m_en._children.values() if isinstance(c, VectorLayer) and c.options["key"] == "gaps"]
    assert "in walls with no gate given: give the gates" in [f["properties"]["cause"] for f in decode(layer.data_js)]


def test_a_gate_given_turns_the_row_and_the_reason_off(town):
    from spatial.coverage.walks import walking_coverage

    network, homes, stations, walls, gates = town
    both = pd_concat(gates, _points([(1000, 50)], gate_id=["M1"]))
    out = walking_coverage(homes, stations, network, gates=both, barriers=walls)
    assert out.attrs["gateless"] == []
    assert not (out["reason"] == "in walls with no gate given").any()
    assert set(out.loc[out["unit_id"].isin(["IN1", "IN2", "IN3"]), "access"]) == {"estimated"}


def test_without_barriers_nothing_is_said(town):
    from spatial.coverage.walks import walking_coverage

    network, homes, stations, *_ = town
    out = walking_coverage(homes, stations, network)
    assert "gateless" not in out.attrs and not (out["reason"] == "in walls with no gate given").any()


def pd_concat(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import pandas as pd

    return gpd.GeoDataFrame(pd.concat([a, b], ignore_index=True), crs=CRS)


def test_the_chinese_report_names_the_walls_layer_in_chinese(walks):
    """The workbook's 数据问题清单 said the layer as ``barriers`` among 路网 and 需求点."""
    from spatial.core.checks import Report, report_in
    from spatial.coverage.walks import report_reasons

    table = report_in(report_reasons(Report(), walks, "demand", id_col="unit_id").to_frame(zh_columns=True), "zh")
    assert table.loc[table["row_id"] == "乙小区围墙", "layer"].tolist() == ["围墙与阻隔"]


def test_the_station_inside_gateless_walls_says_nobody_walks(walks):
    """S2's row had said its homes were "walked across on estimated walks ... 0 households walk
    straight across to it", of walls nobody walks in or out of."""
    (sid, (en, zh)), = walks.attrs["enclosed"]
    assert sid == "S2"
    assert en == ("inside walls no mapped path enters with no gate given, with 3 homes (210 households): "
                  "neither it nor they have a walk until the gates are given")
    assert "请补充大门" in zh


def test_the_headline_says_the_households_inside_gateless_walls(walks):
    """README.txt, the run's last lines and overview.png gave the bands' shares and nothing of the
    210 households no band could count for want of a gate."""
    from spatial.coverage.walks import coverage_summary
    from spatial.project._headline import figures

    hh = sum(HH[u] for u in ("IN1", "IN2", "IN3"))
    layers = {"coverage_summary": coverage_summary(walks, bands=["15min"]), "coverage_demand": walks}
    zh, en = figures(layers, {}, "zh"), figures(layers, {}, "en")
    assert zh[1] == f"其中 {hh} 户在 1 处未给出大门的围墙内，无法步行到达：请补充大门（见数据问题清单）。"
    assert en[1] == f"{hh} households inside 1 walled area with no gate given have no walk: give the gates (see the report)."
    assert len(figures({"coverage_summary": layers["coverage_summary"]}, {}, "zh")) == 1
