"""An official checking the 15-minute circle of the 党群服务中心/站, sixth pass: one gap and one
station read the same on the phone map, in summary.xlsx, in the KMZ (奥维互动地图, Google Earth), in
the CSVs and in README.txt, in the same words and figures.

The town (EPSG:32650, near Shenzhen, as tests/test_outside_officials2.py's): one footway along
y = 0 from 0 to 2,000 m, community 甲社区 (C1) round it. Homes (households, population):
U0 ... U4 at x = 0, 200 ... 800, 20 m north of the street (100, 250 each); U5 at x = 1,500, 20 m
north (120, 300); U6 at x = 1,900, 20 m north (a shop: 0, 0); U7 at x = 1,200, 400 m north (a
park, past the 300 m any walk is estimated over: 0, 0); U8 at x = 700, 250 m south (30, 75: an
estimated walk of 700 + 1.25 x 250 = 1,012.5 m). Stations, given in the project's metres (ids no
other test uses): O6-1, 甲社区党群服务中心 (中心, 600 m²) on the street at x = 0; O6-2,
丙社区党群服务站 (站, 200 m²) 50 m west of the street's end; O6-3, 丁社区党群服务站 (站, area
left blank) 3 km north (no walk reaches it).

At 4 km/h 15 minutes is 1,000 m. Walks from O6-1: x + 20 for the homes on the street, so 200
households within 5 minutes (333 m), 400 within 10, 500 within 15 of 650: 76.9%. O6-2 is 50 m
farther from every home than O6-1: it serves nobody. Gaps: G001 (U5: 120 households, walk
1,520 m, ranked 1, its site where U5 meets the street, (1,500, 0)); G002 (U6, 0 households, walk
1,920 m); N001 (U8, 30 households); N002 (U7, 0 households, no walk).
"""

from __future__ import annotations

import contextlib
import io
import math
import re
import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from openpyxl import load_workbook
from pyproj import Transformer
from shapely.geometry import LineString, Point

from test_outside_officials2 import UTM, X0, Y0, _map, _project, _town
from test_outside_officials3 import _kmz_descriptions

HOMES = [("U0", 0, 20, 100, 250), ("U1", 200, 20, 100, 250), ("U2", 400, 20, 100, 250), ("U3", 600, 20, 100, 250),
         ("U4", 800, 20, 100, 250), ("U5", 1500, 20, 120, 300), ("U6", 1900, 20, 0, 0), ("U7", 1200, 400, 0, 0),
         ("U8", 700, -250, 30, 75)]
STATIONS = [("O6-1", "甲社区党群服务中心", "中心", 0, 0, 600.0), ("O6-2", "丙社区党群服务站", "站", -50, 0, 200.0),
            ("O6-3", "丁社区党群服务站", "站", 1000, 3000, None)]
NEARER = "附近住户都离甲社区党群服务中心更近"


def _files(folder: Path) -> dict[str, Path]:
    """The town's files: _town's street and community, our homes, our stations (a GeoPackage in
    the project's metres, headed as an office heads its list)."""
    paths = _town(folder)
    gpd.GeoDataFrame({"unit_id": [h[0] for h in HOMES], "community_id": "C1", "households": [h[3] for h in HOMES],
                      "population": [h[4] for h in HOMES]},
                     geometry=[Point(X0 + h[1], Y0 + h[2]) for h in HOMES], crs=UTM).to_file(paths["units"])
    paths["stations"] = folder / "站点.gpkg"
    gpd.GeoDataFrame({"站点编号": [s[0] for s in STATIONS], "站点名称": [s[1] for s in STATIONS],
                      "类型": [s[2] for s in STATIONS], "面积（㎡）": [s[5] for s in STATIONS]},
                     geometry=[Point(X0 + s[3], Y0 + s[4]) for s in STATIONS], crs=UTM).to_file(paths["stations"])
    return paths


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> dict:
    """``spatial run`` of the town (grids, maps, workbook, KMZ, one new site): its output folder as
    ``out``, and the input files."""
    from spatial.cli import main

    folder = tmp_path_factory.mktemp("town6")
    paths = _files(folder)
    project = _project(folder, paths, siting="k = 1", maps=True, grids=True)
    text = project.read_text(encoding="utf-8").replace("workbook = false", "workbook = true")
    project.write_text(text.replace("kml = false", "kml = true"), encoding="utf-8")
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["-q", "run", str(project)]) == 0
    return {"out": folder / "out", **paths}


def _sheet(path: Path, name: str) -> list[dict]:
    rows = list(load_workbook(path)[name].values)
    return [dict(zip(rows[0], r)) for r in rows[1:]]


def _csv(path: Path) -> dict[str, dict]:
    """A CSV's rows by their first column, as text, as Excel shows them."""
    with open(path, encoding="utf-8-sig") as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
    return {r[table.columns[0]]: r for r in table.to_dict("records")}


def _degrees(x: float, y: float) -> tuple[float, float]:
    lon, lat = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True).transform(X0 + x, Y0 + y)
    return round(lon, 6), round(lat, 6)


WORDS = {"G001": "距站点过远：需新站", "G002": "距站点过远：无住户，不需新站",
         "N001": "缺少路网数据：先补图", "N002": "缺少路网数据：无住户，不需补图"}


# ----------------------------------------------- 1: a gap's cause in one wording, no site where nobody lives


def test_the_gap_sheet_says_each_cause_as_the_map_and_the_kmz_say_it(town):
    """The 盲区 sheet's 成因 said "距站点过远" and "缺少路网数据" for every gap, where the map and
    the KMZ said "距站点过远：无住户，不需新站" of the shop (G002) and "缺少路网数据：无住户，不需补图" of
    the park (N002): the official read "map the paths first" in the sheet of a park nobody lives
    in. The sheet, the map's popups and the KMZ now say each gap's cause in the same words; since
    8 December 2026 the map and the KMZ leave out the gaps of no households (the shop, the park:
    drawn as land with no homes), which the sheet still lists with their cause."""
    sheet = {r["盲区编号"]: r["成因"] for r in _sheet(town["out"] / "summary.xlsx", "盲区")}
    assert sheet == WORDS  # was: {"G001": "距站点过远", "G002": "距站点过远", "N001": "缺少路网数据", ...}
    for page in ("coverage.html", "overview.html"):
        popups = _map(town["out"] / page)[0]["gaps"]
        by_households = {(f["properties"]["households"], f["properties"].get("walk_to_station_m")):
                         f["properties"]["cause"] for f in popups}
        assert by_households == {(120, 1520): WORDS["G001"], (30, 1013): WORDS["N001"]}, page
    kmz = _kmz_descriptions(town["out"] / "results.kmz", "覆盖盲区")
    said = {re.search(r"盲区编号: (\w+)", d).group(1): re.search(r"成因: ([^\n]+)", d).group(1)
            for d in kmz.values() if "盲区编号" in d}  # (the folder read up to the file's end: the sites' too)
    assert said == {g: WORDS[g] for g in ("G001", "N001")}
    notes = [r for r in load_workbook(town["out"] / "summary.xlsx")["说明"].values if r[:2] == ("盲区", "成因")]
    assert len(notes) == 1 and WORDS["G002"] in notes[0][2] and WORDS["N002"] in notes[0][2]


def test_a_gap_without_households_has_no_suggested_site_in_the_sheet_csv_or_layer(town):
    """G002 (the shop, 0 households) and N002 (the park) still had a 建议站址 in the sheet and
    gaps.csv, beside 无住户，不需新站: where to build a station nobody needs. Their site is now
    blank in the sheet, gaps.csv and results.gpkg; G001 and N001 keep theirs (G001's where U5
    meets the street, (1,500, 0))."""
    sheet = {r["盲区编号"]: (r["建议站址经度"], r["建议站址纬度"]) for r in _sheet(town["out"] / "summary.xlsx", "盲区")}
    assert sheet["G002"] == (None, None) and sheet["N002"] == (None, None)
    assert sheet["G001"] == pytest.approx(_degrees(1500, 0), abs=1e-6)
    assert sheet["N001"][0] is not None
    csv = _csv(town["out"] / "gaps.csv")
    assert {g: (csv[g]["site_lon"], csv[g]["site_lat"]) for g in ("G002", "N002")} == {"G002": ("", ""),
                                                                                    "N002": ("", "")}
    assert (float(csv["G001"]["site_lon"]), float(csv["G001"]["site_lat"])) == pytest.approx(_degrees(1500, 0), abs=1e-6)
    with sqlite3.connect(town["out"] / "results.gpkg") as db:
        layer = dict((g, (x, y)) for g, x, y in db.execute("select gap_id, site_lon, site_lat from gaps"))
    assert layer["G002"] == (None, None) and layer["N002"] == (None, None) and layer["G001"][0] is not None


def test_coverage_gaps_gives_no_site_to_a_gap_without_households():
    """In Python, :func:`spatial.coverage_gaps` leaves ``site_x``/``site_y`` empty for the gap of
    no households, the others keep theirs (the analyst's layer says what the sheet says)."""
    import spatial

    streets = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(X0, Y0), (X0 + 2000, Y0)])], crs=UTM)
    homes = gpd.GeoDataFrame({"unit_id": ["A", "B"], "households": [120, 0]},
                             geometry=[Point(X0 + 1500, Y0 + 20), Point(X0 + 1900, Y0 + 20)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(X0, Y0)], crs=UTM)
    net = spatial.read_network(streets)
    gaps = spatial.coverage_gaps(spatial.walking_coverage(homes, stations, net), net).set_index("gap_id")
    assert gaps.loc["G001", ["site_x", "site_y"]].tolist() == pytest.approx([X0 + 1500, Y0])
    assert gaps.loc["G002", ["site_x", "site_y"]].isna().all()


def test_cause_words_live_in_io_and_the_maps_use_them():
    """One piece of code says a gap's cause for the sheet (io) and the maps: the maps' words are
    io's, and English says the same facts."""
    from spatial.io._gapwords import cause_words
    from spatial.maps import _data

    assert _data.cause_words is cause_words
    gaps = pd.DataFrame({"cause": ["service", "service", "no mapped path", "barrier"],
                         "rank": pd.array([1, None, None, None], dtype="Int64"), "households": [5, 0, 0, 3]})
    assert cause_words(gaps, "en") == ["too far from any station: a station is needed",
                                       "too far from any station: no households, no station needed",
                                       "no mapped path: no households, no paths needed first", "cut off by a barrier"]


# ----------------------------------------------- 2: the KMZ describes a station as the sheet and the popup do


def test_the_kmz_describes_a_station_with_its_estimated_walks_and_floor_area_in_reach(town):
    """The KMZ's station placemark left out 其中估算步行户数 (households whose walk is estimated) and
    可达面积 (2SFCA floor area in reach per 100 households), which the 服务站负荷 sheet and the
    popup give. O6-1 serves U8's 30 households by an estimated walk; its 600 m² is shared by the
    500 households within 1,000 m: 120.0 per 100. O6-2 (200 m², the same 500 in reach) 40.0;
    O6-3's area is blank: 未填, as in the sheet. The placemark lists what the popup lists, in its
    order."""
    from spatial.maps._data import STATION_FIELDS
    from spatial.maps._style import FIELD_LABELS

    kmz = _kmz_descriptions(town["out"] / "results.kmz", "党群服务站")
    assert "其中估算步行户数: 30\n" in kmz["甲社区党群服务中心"]
    assert kmz["甲社区党群服务中心"].endswith("可达面积（平方米/百户，2SFCA）: 120")
    assert "可达面积（平方米/百户，2SFCA）: 40" in kmz["丙社区党群服务站"]
    assert "可达面积（平方米/百户，2SFCA）: 未填" in kmz["丁社区党群服务站"]
    labels = [line.split(": ")[0] for line in kmz["甲社区党群服务中心"].splitlines()][1:]  # after 站点编号
    shown = [c for c in STATION_FIELDS if FIELD_LABELS["zh"].get(c, c) in labels]
    assert labels == [FIELD_LABELS["zh"][c] for c in shown]  # the popup's order
    assert {"households_estimated", "fca_m2_per_100hh"} <= set(shown)


# ----------------------------------------------- 3: a station serving nobody in spatial run's report


def test_spatial_run_lists_a_station_serving_nobody_in_its_report_as_spatial_coverage_does(town, tmp_path):
    """``spatial coverage`` lists O6-2 (its homes all nearer O6-1) and O6-3 (off the network) in
    its report layer, "kept; serves nobody"; ``spatial run`` of the same files listed neither
    (O6-3 only by its distance from the street, and by the siting): its 数据问题清单 said nothing
    of a station idle. The run's report layer and sheet now have the same rows, each station once
    (the siting's row of O6-3 with the same reason is not said again)."""
    from spatial.cli import main

    out = tmp_path / "c.gpkg"
    with contextlib.redirect_stderr(io.StringIO()):
        assert main(["-q", "coverage", str(town["network"]), str(town["stations"]), str(town["units"]),
                     "--out", str(out), "--no-isochrones"]) == 0
    rows = "select row_id, problem, action from report where layer = 'stations' and action = 'kept; serves nobody'"
    with sqlite3.connect(out) as db:
        said = sorted(db.execute(rows).fetchall())
    assert said == [("O6-2", "its homes are all nearer 甲社区党群服务中心", "kept; serves nobody"),
                    ("O6-3", "too far from network", "kept; serves nobody")]
    with sqlite3.connect(town["out"] / "results.gpkg") as db:
        assert sorted(db.execute(rows).fetchall()) == said
    sheet = [(r["行或编号"], r["问题"], r["处理"]) for r in _sheet(town["out"] / "summary.xlsx", "数据问题清单")
             if r["图层"] == "服务站" and r["行或编号"] in ("O6-2", "O6-3")]
    assert ("O6-2", NEARER, "保留；不服务任何住户") in sheet and ("O6-3", "距路网过远", "保留；不服务任何住户") in sheet
    assert [r[0] for r in sheet].count("O6-2") == 1  # said once
    # the siting's own row of O6-3 ("left out: covers nothing", the same reason) is not said again
    with sqlite3.connect(town["out"] / "results.gpkg") as db:
        assert db.execute("select action from report where row_id = 'O6-3' and problem = 'too far from network'"
                          ).fetchall() == [("kept; serves nobody",)]


# ----------------------------------------------- 4: one gap and one station, every figure, everywhere


def test_one_gap_reads_the_same_figures_on_the_map_sheet_kmz_and_csv(town):
    """G001 by our own arithmetic: U5's 120 households and 300 people, one unit, walk 20 + 1,500 =
    1,520 m to O6-1, ranked 1, in 甲社区, its site where U5 meets the street. The KMZ left out its
    居民单元数 (1), which the sheet and the popup give; it now describes the popup's rows."""
    lon, lat = _degrees(1500, 0)
    row = {r["盲区编号"]: r for r in _sheet(town["out"] / "summary.xlsx", "盲区")}["G001"]
    assert (row["排名（按户数）"], row["成因"], row["所属社区"], row["户数"], row["人口"], row["居民单元数"],
            row["距最近服务站步行（米）"]) == (1, WORDS["G001"], "甲社区", 120, 300, 1, 1520)
    assert (row["建议站址经度"], row["建议站址纬度"]) == pytest.approx((lon, lat), abs=1e-6)
    csv = _csv(town["out"] / "gaps.csv")["G001"]
    assert {k: csv[k] for k in ("rank", "cause", "community_id", "households", "population", "n_points",
                                "walk_to_station_m")} == {
        "rank": "1", "cause": "service", "community_id": "C1", "households": "120", "population": "300",
        "n_points": "1", "walk_to_station_m": "1520"}
    popup = next(f["properties"] for f in _map(town["out"] / "coverage.html")[0]["gaps"] if f["properties"].get("rank") == 1)
    assert {k: popup[k] for k in ("cause", "community", "households", "population", "n_points", "walk_to_station_m")} == {
        "cause": WORDS["G001"], "community": "甲社区", "households": 120, "population": 300, "n_points": 1,
        "walk_to_station_m": 1520}
    assert popup["_t"] == "盲区 #1" and popup["_sum"] == f"120 户 · {WORDS['G001']}"
    kmz = _kmz_descriptions(town["out"] / "results.kmz", "覆盖盲区")["盲区 #1"]
    # 居民单元数 too (the KMZ left it out, which the sheet and the popup give)
    assert kmz.splitlines() == ["盲区编号: G001", "排名: 1", f"盲区成因: {WORDS['G001']}", "所属社区: 甲社区", "户数: 120",
                                "人口: 300", "居民单元数: 1", "距最近服务站步行（米）: 1520",
                                "距最近服务站步行（分钟）: 22.8",  # 1,520 m at 4 km/h (tests/test_outside_hills4.py)
                                # the one new site (k = 1) brings U5's 120 within 15 minutes, as the popup says
                                # (since 7 December 2026: the KMZ's gaps said nothing of the new sites)
                                "可填补的新站: 建议新站 1", "新站可覆盖户数: 120"]
    assert (popup["filled_by"], popup["households_filled"]) == ("建议新站 1", 120)


def test_one_station_reads_the_same_figures_on_the_map_sheet_kmz_csv_and_readme(town):
    """O6-1 by our own arithmetic: nearest station of every home but U7 (no walk): 100 x 5 + 120 + 0
    + 30 = 650 households, 250 x 5 + 300 + 75 = 1,625 people, 8 units, U8's 30 by an estimated
    walk; 600 m² x 100 / 650 = 92.3 m² per 100 households (not under 30); in reach within 1,000 m
    U0 ... U4's 500 households: 120.0. README.txt: 650 households, 200 / 400 / 500 within 5 / 10 /
    15 minutes (30.8% / 61.5% / 76.9%)."""
    per_100 = round(600 * 100 / 650, 1)
    assert per_100 == 92.3
    csv = _csv(town["out"] / "station_load.csv")["O6-1"]
    assert {k: csv[k] for k in ("name", "units_served", "households_served", "population_served", "households_estimated",
                                "m2_per_100hh", "under_standard", "fca_m2_per_100hh", "station_reason")} == {
        "name": "甲社区党群服务中心", "units_served": "8", "households_served": "650", "population_served": "1625",
        "households_estimated": "30", "m2_per_100hh": "92.3", "under_standard": "False", "fca_m2_per_100hh": "120.0",
        "station_reason": ""}
    row = {r["站点编号"]: r for r in _sheet(town["out"] / "summary.xlsx", "服务站负荷")}["O6-1"]
    assert (row["名称"], row["类型"], row["服务居民单元数"], row["服务户数"], row["服务人口"], row["其中估算步行户数"],
            row["每百户建筑面积（平方米）"], row["低于面积标准"], row["可达面积（平方米/百户）"]) == (
        "甲社区党群服务中心", "中心", 8, 650, 1625, 30, per_100, "否", 120)
    popup = {f["properties"]["name"]: f["properties"] for f in _map(town["out"] / "coverage.html")[0]["stations"]}
    assert {k: popup["甲社区党群服务中心"].get(k) for k in (
        "type", "floor_area_m2", "households_served", "population_served", "households_estimated", "m2_per_100hh",
        "under_standard", "fca_m2_per_100hh", "reason")} == {
        "type": "中心", "floor_area_m2": 600, "households_served": 650, "population_served": 1625,
        "households_estimated": 30, "m2_per_100hh": per_100, "under_standard": None, "fca_m2_per_100hh": 120,
        "reason": None}
    assert popup["丙社区党群服务站"]["reason"] == NEARER
    kmz = _kmz_descriptions(town["out"] / "results.kmz", "党群服务站")["甲社区党群服务中心"]
    assert kmz.splitlines() == ["站点编号: O6-1", "类型: 中心", "建筑面积（平方米）: 600", "服务户数: 650", "服务人口: 1625",
                                "其中估算步行户数: 30", f"每百户建筑面积（平方米）: {per_100}",
                                "可达面积（平方米/百户，2SFCA）: 120"]
    readme = (town["out"] / "README.txt").read_text(encoding="utf-8-sig")
    pct = [f"{math.floor(n * 1000 / 650 + 0.5) / 10:.1f}" for n in (200, 400, 500)]
    assert pct == ["30.8", "61.5", "76.9"]
    assert (f"共 650 户，步行到党群服务中心/站：5分钟内 200 户（{pct[0]}%），10分钟内 400 户（{pct[1]}%），"
            f"15分钟内 500 户（{pct[2]}%）。") in readme
