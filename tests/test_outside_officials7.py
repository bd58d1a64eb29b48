"""An official of a 街道 checking the 15-minute circle, seventh pass: the CSVs read in WPS in the
words of the map and the sheet, and a map redrawn at another walking speed says plainly, on a
phone too, what it left out, new sites' gains included.

The town is tests/test_outside_officials6.py's (EPSG:32650, near Shenzhen; one footway along
y = 0 from 0 to 2,000 m, community 甲社区 C1), run by ``spatial run`` with grids, maps, workbook and
KMZ. At 4 km/h 15 minutes is 1,000 m. Its gaps: G001 (U5, 120 households, 1,520 m from the
station, ranked 1), G002 (U6, 0 households, 1,920 m), N001 (U8, 30 households over an estimated
walk of 700 + 1.25 x 250 = 1,012.5 m) and N002 (U7, 0 households, 400 m from the street: no walk,
grouped by straight distance). Stations: O6-1 serves all 650 households (600 m² x 100 / 650 =
92.3 m² per 100 households, over the 30 of the standard: not under it); O6-2, 50 m beyond O6-1
from every home, serves nobody; O6-3, 3 km north, no walk reaches. Grids: C1-01 (300) and C1-02
(350), both in the band 300-500.

The map at another speed is tests/test_outside_speed2.py's street: homes 200, 900 and 1,500 m
from the station (10, 20, 30 households), walks scored at 4 km/h (3, 13.5, 22.5 min); at 3 km/h
15 minutes is 750 m, so 10 of 60 households (16.7 %) are within 15 minutes, where a site
proposed at 1,500 m by the 4 km/h run said "30 households more, 100 % after it".
"""

from __future__ import annotations

import contextlib
import io
import re
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from shapely.geometry import Point, box

from test_outside_officials2 import _project
from test_outside_officials6 import _files

CRS = "EPSG:32650"


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> Path:
    """``spatial run`` of the town in Chinese (the default): its output folder."""
    from spatial.cli import main

    folder = tmp_path_factory.mktemp("town7")
    project = _project(folder, _files(folder), siting="k = 1", grids=True)
    project.write_text(project.read_text(encoding="utf-8").replace("workbook = false", "workbook = true"),
                       encoding="utf-8")
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["-q", "run", str(project)]) == 0
    return folder / "out"


def _csv(path: Path) -> pd.DataFrame:
    """A CSV as Excel or WPS shows it: every cell as text, blank cells empty."""
    with open(path, encoding="utf-8-sig") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


def _sheet(path: Path, name: str) -> list[dict]:
    rows = list(load_workbook(path)[name].values)
    return [dict(zip(rows[0], r)) for r in rows[1:]]


# ------------------------------------------------ 1: the CSVs in the words of the map and the sheet


def test_gaps_csv_says_each_gaps_cause_and_note_in_the_sheets_words_beside_the_code(town):
    """gaps.csv said ``no mapped path`` and ``grouped by straight distance: too far from network``
    where the map, the KMZ and the 盲区 sheet say 缺少路网数据：先补图 and 按直线距离归组：距路网过远."""
    table = _csv(town / "gaps.csv")
    cols = list(table.columns)
    assert cols[cols.index("cause") + 1] == "cause_zh" and cols[cols.index("note") + 1] == "note_zh"
    rows = table.set_index("gap_id")
    assert rows["cause"].to_dict() == {"G001": "service", "G002": "service", "N001": "no mapped path",
                                       "N002": "no mapped path"}  # the codes stay, for machines
    assert rows["cause_zh"].to_dict() == {"G001": "距站点过远：需新站", "G002": "距站点过远：无住户，不需新站",
                                          "N001": "缺少路网数据：先补图", "N002": "缺少路网数据：无住户，不需补图"}
    assert rows["note_zh"].to_dict() == {"G001": "", "G002": "", "N001": "", "N002": "按直线距离归组：距路网过远"}
    sheet = {r["盲区编号"]: r for r in _sheet(town / "summary.xlsx", "盲区")}
    assert {g: (r["成因"], r["备注"] or "") for g, r in sheet.items()} == \
        {g: (r["cause_zh"], r["note_zh"]) for g, r in rows.iterrows()}


def test_station_load_csv_says_why_a_station_serves_nobody_and_the_standard_in_chinese(town):
    """station_load.csv said ``its homes are all nearer 甲社区党群服务中心`` and ``too far from
    network`` (the sheet: 附近住户都离甲社区党群服务中心更近, 距路网过远), and under_standard
    ``False`` (the sheet: 否)."""
    table = _csv(town / "station_load.csv").set_index("station_id")
    assert table["station_reason"].to_dict() == {"O6-1": "", "O6-2": "its homes are all nearer 甲社区党群服务中心",
                                                 "O6-3": "too far from network"}
    assert table["station_reason_zh"].to_dict() == {"O6-1": "", "O6-2": "附近住户都离甲社区党群服务中心更近",
                                                    "O6-3": "距路网过远"}
    # 600 m² for 650 households: 92.3 per 100, not under 30; no households or no area: no answer
    assert table["m2_per_100hh"].to_dict() == {"O6-1": "92.3", "O6-2": "", "O6-3": ""}
    assert table["under_standard_zh"].to_dict() == {"O6-1": "否", "O6-2": "", "O6-3": ""}
    sheet = {r["站点编号"]: r for r in _sheet(town / "summary.xlsx", "服务站负荷")}
    assert {s: (r["不能服务住户的原因"] or "", r["低于面积标准"] or "") for s, r in sheet.items()} == \
        {s: (r["station_reason_zh"], r["under_standard_zh"]) for s, r in table.iterrows()}


def test_grids_and_fca_csvs_give_the_grids_status_and_the_standard_in_words(town):
    grids = _csv(town / "grids.csv").set_index("grid_id")
    assert grids["households"].to_dict() == {"C1-01": "300", "C1-02": "350"}
    assert grids["band_status"].to_dict() == {"C1-01": "in", "C1-02": "in"}
    assert grids["band_status_zh"].to_dict() == {"C1-01": "区间内", "C1-02": "区间内"}
    fca = _csv(town / "fca_by_community.csv")
    assert list(fca.columns[-2:]) == ["under_standard", "under_standard_zh"]
    assert {v: w for v, w in zip(fca["under_standard"], fca["under_standard_zh"])} == {"False": "否"}


def test_an_english_run_and_the_library_keep_their_csv_columns():
    """The words are for a Chinese run's official; ``csv_figures`` without ``lang`` (the library's
    callers) and an English run write the columns as before."""
    from spatial.io.workbook import csv_figures

    gaps = pd.DataFrame({"gap_id": ["B001"], "rank": pd.array([None], dtype="Int64"), "cause": ["barrier"],
                         "households": [12.0], "note": ["grouped by straight distance: cut off by a barrier"]},
                        index=[7])
    for table in (csv_figures(gaps), csv_figures(gaps, lang="en")):
        assert list(table.columns) == ["gap_id", "rank", "cause", "households", "note"]
    zh = csv_figures(gaps, lang="zh")
    assert list(zh.index) == [7] and zh["households"].tolist() == [12]
    assert zh[["cause_zh", "note_zh"]].values.tolist() == [["被阻隔", "按直线距离归组：被围墙、河流或干道阻隔"]]


def test_the_sheet_and_the_csvs_say_the_words_from_one_place():
    """One wording: the 网格 sheet's status and the 服务站负荷 sheet's yes/no are the CSVs'."""
    from spatial.io import _figures, workbook

    assert workbook.STATUS_WORDS is _figures.STATUS_WORDS
    assert workbook.standard_words is _figures.standard_words


# ------------------------------------------------ 2: a map redrawn at another walking speed

M_PER_MIN = 4000 / 60


def _points(xy, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=[Point(x, y) for x, y in xy], crs=CRS)


@pytest.fixture(scope="module")
def street():
    """Walks scored at 4 km/h (by hand: metres over 66.7 m a minute), the station, and the site
    the 4 km/h run proposed at 1,500 m: 30 households more, 100 % within 15 minutes after it."""
    walks = np.array([200.0, 900.0, 1500.0])
    demand = _points([(w, 0) for w in walks], unit_id=["a", "b", "c"], households=[10, 20, 30],
                     community_id=["C1"] * 3, walk_m=walks, walk_min=walks / M_PER_MIN,
                     nearest_station=["S1"] * 3, band=["5min", "15min", "beyond"])
    station = _points([(0, 0)], station_id=["S1"], name=["一站"])
    site = _points([(1500, 0)], site_id=["NEW001"], rank=[1], candidate_id=["node:7"], gain_households=[30],
                   gain_population=[75], cum_coverage_pct=[100.0], band=["15min"])
    return demand, station, site


def _html(m) -> str:
    return m.get_root().render()


def _notices(html: str) -> list[str]:
    match = re.search(r'"notices":\s*(\[[^\]]*\])', html)
    return [] if match is None else __import__("json").loads(match.group(1))


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_new_sites_gains_of_the_runs_speed_are_not_shown_on_a_map_redrawn_slower(street, lang):
    """At 3 km/h the map's table says 16.7 % within 15 minutes; the site's popup said 30 households
    more and 100 % after it, figures of 4 km/h. The site is still drawn, its gains are left out
    and the legend and the report say why."""
    from spatial.core.checks import Report
    from spatial.maps.interactive import coverage_map

    demand, station, site = street
    report = Report()
    html = _html(coverage_map(demand, station, sites=site, speed_kmh=3.0, lang=lang, report=report))
    assert "NEW001" in html  # where to build it: drawn
    for column in ("gain_households", "gain_population", "cum_coverage_pct"):
        assert column not in html
    said = {"zh": "建议新站的新增覆盖户数和建成后覆盖率按运行时的步行速度算出，与本图的步行速度不同，未列出",
            "en": "New sites' households gained and coverage after them were counted at the run's walking speed"}
    assert said[lang].replace("'", "&#x27;") in html or said[lang] in html
    assert "sites" in [r["layer"] for r in report.rows]
    # at the walks' own speed the gains are the map's
    same = _html(coverage_map(demand, station, sites=site, lang=lang))
    assert "gain_households" in same and "cum_coverage_pct" in same and not _notices(same)


def test_a_map_redrawn_slower_says_what_it_left_out_above_the_scale_bar_in_both_languages(street):
    """A phone folds the legend (and its notes) into one button: an official saw a map without
    gaps, service areas or sites' gains and nothing saying why. One line on the map says so."""
    from spatial.maps.interactive import coverage_map

    demand, station, site = street
    gaps = _points([(1500, 0)], gap_id=["G001"], rank=[1], cause=["service"], community_id=["C1"], band=["15min"],
                   households=[30], walk_to_station_m=[1500.0], walk_to_station_min=[1500 / M_PER_MIN])
    zh = _notices(_html(coverage_map(demand, station, gaps=gaps, sites=site, speed_kmh=3.0, lang="zh")))
    assert zh == ["本图按步行速度 3 公里/小时重画：盲区、新站新增覆盖户数按另一速度算出，未画出或未列出，见图例"]
    en = _notices(_html(coverage_map(demand, station, gaps=gaps, speed_kmh=3.0, lang="en")))
    assert en == ["Redrawn at 3 km/h: gaps of another walking speed left out (see the legend)"]
    # redrawn with nothing of another speed given: the homes alone are redrawn, nothing to say
    assert _notices(_html(coverage_map(demand, station, speed_kmh=3.0, lang="en"))) == []


def test_the_overview_redrawn_slower_leaves_out_the_sites_gains_too(street):
    """overview_map draws the sites after the coverage: the same rule."""
    from spatial.maps.interactive import overview_map

    demand, station, site = street
    grids = gpd.GeoDataFrame({"grid_id": ["C1-01"], "community_id": ["C1"], "households": [60]},
                             geometry=[box(-100, -100, 2100, 100)], crs=CRS)
    html = _html(overview_map(grids, demand, station, sites=site, speed_kmh=3.0, lang="zh"))
    assert "NEW001" in html and "gain_households" not in html and "cum_coverage_pct" not in html
    assert any("新站新增覆盖户数" in n for n in _notices(html))
    metres = site.assign(band=["1000m"])  # a band of metres is no matter of speed
    assert "gain_households" in _html(overview_map(grids, demand, station, sites=metres, speed_kmh=3.0, lang="zh"))



def test_moves_csv_of_a_chinese_redraw_says_each_reason_as_the_workbook_does():
    """A redraw merging demolished grid C into its neighbour and passing a unit along a chain:
    moves.csv said "grid C merged" where the workbook's 网格调整清单 says 网格C并入相邻网格."""
    from spatial.project._tables import _moves_csv

    moves = pd.DataFrame({"unit_id": ["U06", "U02"], "old_grid": ["C", "A"], "new_grid": ["B", "B"],
                          "reason": ["grid C merged", "passed along a chain of neighbouring grids"],
                          "households": [0, 200]}, index=[4, 9])
    table = _moves_csv(moves, "zh")
    assert list(table.columns) == ["unit_id", "old_grid", "new_grid", "reason", "reason_zh", "households"]
    assert table["reason_zh"].to_dict() == {4: "网格C并入相邻网格", 9: "沿相邻网格依次调整，使各网格户数回到规定区间"}
    assert table["reason"].tolist() == moves["reason"].tolist()
    assert _moves_csv(moves, "en") is moves


# ------------------------------------------------ 3: a station inside a walled estate with one gate


def _estate():
    """The street y = 0 (0-2,000 m, nodes every 500 m); walls round the estate 800-1,200 x 50-450
    with its one gate at (1,000, 50) on the street side; its 站 S2 at (1,000, 250), S1 on the
    street at 0. Homes: IN1 (900, 300), 100 households: out through the gate is 269.3 + 50 =
    319.3 m, over the 300 m of an estimated leg, and straight to the street crosses the wall: no
    walk, 112 m from S2. IN2 (1,000, 200), 50 households: 150 + 50 = 200 m out, so 1.25 x 200 +
    1.25 x (200 + 50) = 562.5 m to S2, 50 m away. IN3 (1,100, 400), 60 households: 364 + 50 m
    out: no walk. O1 (300, 20), 80 households, outside."""
    from shapely.geometry import Polygon

    from spatial.network.graph import network_from_arrays

    xs = np.arange(0, 2001, 500, dtype=float)
    network = network_from_arrays(np.c_[xs, np.zeros_like(xs)], np.arange(len(xs) - 1), np.arange(1, len(xs)),
                                  crs=CRS)
    walls = gpd.GeoDataFrame({"name": ["乙小区围墙"]}, geometry=[Polygon([(800, 50), (1200, 50), (1200, 450),
                                                                          (800, 450)])], crs=CRS)
    gate = _points([(1000, 50)], gate_id=["M1"])
    homes = _points([(900, 300), (1000, 200), (1100, 400), (300, 20)], unit_id=["IN1", "IN2", "IN3", "O1"],
                    户数=[100, 50, 60, 80])
    stations = _points([(0, 0), (1000, 250)], station_id=["S1", "S2"], name=["甲社区党群服务中心", "乙小区党群服务站"])
    return network, walls, gate, homes, stations


def test_a_station_inside_walls_says_which_of_its_homes_there_have_no_walk_or_walk_round(tmp_path):
    """The 数据问题清单 said IN1 was 被围墙、河流或干道阻隔 (and IN3 距路网过远) and the popup of
    乙小区党群服务站 said nothing: an official read that the homes in the station's own courtyard
    cannot walk to it, and IN2's 562.5 m for 50 m went unexplained. Since December 2026 they walk
    straight across the estate (tests/test_outside_walls.py); the station's row in the report and
    its popup say how the 210 households within its walls walk."""
    from spatial.core.checks import Report
    from spatial.coverage.walks import report_reasons, walking_coverage
    from spatial.maps.interactive import coverage_map

    network, walls, gate, homes, stations = _estate()
    demand = walking_coverage(homes, stations, network, gates=gate, barriers=walls)
    rows = demand.set_index("unit_id")
    # straight across at 1.25: 111.8, 50 and 180.3 m from S2
    assert rows["walk_m"].round(1).to_dict() == {"IN1": 139.8, "IN2": 62.5, "IN3": 225.3, "O1": 320.0}
    assert rows["access"].to_dict() == {"IN1": "estimated", "IN2": "estimated", "IN3": "estimated",
                                        "O1": "network"}
    report = report_reasons(Report(), demand, "coverage_demand", id_col="unit_id").to_frame(zh_columns=True)
    said = report[report["layer"] == "stations"]
    assert said["row_id"].tolist() == ["S2"]  # S1, on the street, has no walls round it
    assert said["problem"].iloc[0] == ("inside walls no mapped path enters, with 3 homes (210 households), walked "
                                       "across on estimated walks (straight line x1.25): 210 households walk "
                                       "straight across to it, 0 to another station, 0 have no walk")
    assert said["problem_zh"].iloc[0] == ("位于围墙内（墙内道路未入图）：墙内 3 个居民单元（210 户）按直线距离×1.25 估算步行："
                                          "210 户穿过墙内直接步行到本站，0 户步行到其他站点，0 户无法步行到达")
    assert "map the paths inside the walls" in said["action"].iloc[0] and "补绘墙内道路" in said["action_zh"].iloc[0]
    html = _html(coverage_map(demand, stations, lang="zh"))
    assert "围墙内住户" in html and said["problem_zh"].iloc[0] in html
    # the grid worker's phone (奥维互动地图): the station's placemark says it too
    from spatial.maps.kmz import results_kmz

    kmz = results_kmz(tmp_path / "r.kmz", {"stations": stations, "coverage_demand": demand}, lang="zh")
    with zipfile.ZipFile(kmz) as z:
        kml = z.read("doc.kml").decode("utf-8")
    assert kml.count("围墙内住户") == 1 and said["problem_zh"].iloc[0] in kml
    # no walls given: nothing said
    assert "enclosed" not in walking_coverage(homes, stations, network).attrs


def test_walls_drawn_as_lines_meeting_end_to_end_enclose_the_station_too():
    from shapely.geometry import LineString

    from spatial.coverage.walks import walking_coverage

    network, walls, gate, homes, stations = _estate()
    corners = [(800, 50), (1200, 50), (1200, 450), (800, 450), (800, 50)]
    lines = gpd.GeoDataFrame(geometry=[LineString(corners[:3]), LineString(corners[2:])], crs=CRS)
    rows = walking_coverage(homes, stations, network, gates=gate, barriers=lines).attrs["enclosed"]
    assert [(sid, en.split(":")[-1]) for sid, (en, _) in rows] == [("S2", " 210 households walk straight across "
                                                                           "to it, 0 to another station, 0 have no walk")]


def test_walls_a_walkway_enters_are_walked_inside_and_nothing_is_said():
    """Arterials given as barriers ring whole blocks whose streets are mapped: a station there is
    walked to along them, so no row (only the estate no mapped path enters is said)."""
    from shapely.geometry import LineString

    from spatial.coverage.walks import walking_coverage
    from spatial.network.graph import network_from_arrays

    network, walls, gate, homes, stations = _estate()
    # the street, and a path from it up into the estate to (1,000, 300): the estate's paths mapped
    xy = np.array([[0, 0], [500, 0], [1000, 0], [1500, 0], [2000, 0], [1000, 300]], dtype=float)
    mapped = network_from_arrays(xy, np.array([0, 1, 2, 3, 2]), np.array([1, 2, 3, 4, 5]), crs=CRS)
    assert "enclosed" in walking_coverage(homes, stations, network, gates=gate, barriers=walls).attrs
    demand = walking_coverage(homes, stations, mapped, gates=gate, barriers=walls)
    assert demand.attrs["enclosed"] == []
    assert LineString(xy[[2, 5]]).crosses(walls.geometry.iloc[0].exterior)


def test_the_summary_and_before_after_csvs_give_level_and_band_in_words(town):
    """coverage_summary.csv's ``level`` and sites_before_after.csv's ``level`` and ``band`` stayed
    codes (overall, 15min) in a Chinese run where every other CSV has its words beside them; now
    ``level_zh`` and ``band_zh`` follow them, in the words of the workbook's sheets (总体 ...) and
    the sites' popups (15分钟内); a gap's band is the band it lies beyond (15分钟外)."""
    summary = _csv(town / "coverage_summary.csv")
    cols = list(summary.columns)
    assert cols[cols.index("level") + 1] == "level_zh"
    words = {"overall": "总体", "street": "街道", "community": "社区", "grid": "网格"}
    assert set(summary["level"]) >= {"overall", "community", "grid"}
    assert all(words[lv] == zh for lv, zh in zip(summary["level"], summary["level_zh"]))
    before = _csv(town / "sites_before_after.csv")
    cols = list(before.columns)
    assert cols[cols.index("level") + 1] == "level_zh" and cols[cols.index("band") + 1] == "band_zh"
    assert set(zip(before["band"], before["band_zh"])) == {("15min", "15分钟内")}
    gaps = _csv(town / "gaps.csv")
    assert set(zip(gaps["band"], gaps["band_zh"])) == {("15min", "15分钟外")}
