"""An official checking the 15-minute circle of the 党群服务中心/站, fourth pass: what the 服务站负荷
sheet, station_load.csv, the maps, the KMZ, README.txt and the printed overview say of a station
that serves nobody, of a station whose floor area was left blank, and of a network drawn for cars.

The town (as tests/test_outside_officials2.py's): one footway along y = 0 from 0 to 2,000 m
(EPSG:32650, near Shenzhen), ten homes 20 m north of it at x = 0, 200 ... 1,800 (100 households
each). Stations typed as a list with 站点编号 (ids no other test uses, so a warning said once per
process is said here): O4-1 (a 中心, its 面积（㎡） left blank) on the street at x = 0, O4-2 typed
3 km north of the street (2,980 m from it: no walk reaches it; 200 m²) and O4-3 on the street at
x = 1,800 (300 m²). At 4 km/h 15 minutes is 1,000 m: O4-1 reaches the homes at x <= 800 (walk
x + 20), O4-3 those at x >= 1,000 (walk 1,820 - x); each is the nearest station of 500 households.
2SFCA: O4-3's 300 m² shared by its 500 households in reach is 60 m² per 100 households; O4-1,
blank, counts 0 m², so the community's mean is (500 x 0 + 500 x 60) / 1,000 = 30.0.
"""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from shapely.geometry import LineString, Point, box

from test_outside_hint_maps import _layout  # the map's layout options (its notices)
from test_outside_huangpu import _huangpu_project  # two communities of Huangpu on its real streets
from test_outside_officials2 import UTM, X0, Y0, _degrees, _map, _project, _town
from test_outside_officials3 import _kmz_descriptions

STATIONS = [("O4-1", "甲社区党群服务中心", "中心", 0, 0, None), ("O4-2", "丙社区党群服务站", "站", 1000, 3000, 200),
            ("O4-3", "乙社区党群服务站", "站", 1800, 0, 300)]


def _stations(path: Path, rows=STATIONS) -> Path:
    """The station list as an office types it: 站点编号, 站点名称, 类型, 经度, 纬度, 面积（㎡）."""
    table = [(sid, name, kind, *_degrees(x, y), area) for sid, name, kind, x, y, area in rows]
    pd.DataFrame(table, columns=["站点编号", "站点名称", "类型", "经度", "纬度", "面积（㎡）"]).to_csv(
        path, index=False, encoding="utf-8-sig")
    return path


def _sheet(path: Path, name: str) -> list[dict]:
    rows = list(load_workbook(path)[name].values)
    return [dict(zip(rows[0], r)) for r in rows[1:]]


@pytest.fixture(scope="module")
def town_run(tmp_path_factory) -> Path:
    """``spatial run`` of the town with its maps, workbook and KMZ: the output folder, and the
    stderr of the run (``run.err``)."""
    import contextlib
    import io

    from spatial.cli import main

    folder = tmp_path_factory.mktemp("town")
    paths = _town(folder)
    paths["stations"] = _stations(folder / "站点.csv")
    project = _project(folder, paths, siting="k = 1", maps=True, grids=True)
    text = project.read_text(encoding="utf-8").replace("workbook = false", "workbook = true")
    project.write_text(text.replace("kml = false", "kml = true"), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        assert main(["run", str(project)]) == 0
    (folder / "run.err").write_text(err.getvalue(), encoding="utf-8")
    return folder / "out"


# ----------------------------------------------- 1: why a station serves nobody, in the load table


def test_the_station_load_csv_and_sheet_say_why_a_station_serves_nobody(town_run):
    """station_load.csv and the 服务站负荷 sheet listed O4-2 with 0 households served and nothing
    else: the reason (距路网过远) was in the 数据问题清单, on the map and in the KMZ only. Both
    now end with the reason, blank for a station that serves; the columns before it are as they
    were (the 说明 sheet defines the new one)."""
    with open(town_run / "station_load.csv", encoding="utf-8-sig") as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
    assert list(table.columns[:4]) == ["station_id", "name", "类型", "面积（㎡）"]
    # (then the reason in the sheet's words, for the official: tests/test_outside_officials7.py)
    assert list(table.columns[-3:]) == ["fca_m2_per_100hh", "station_reason", "station_reason_zh"]
    said = dict(zip(table["station_id"], table["station_reason"]))
    assert said == {"O4-1": "", "O4-2": "too far from network", "O4-3": ""}
    assert dict(zip(table["station_id"], table["households_served"])) == {"O4-1": "500", "O4-2": "0", "O4-3": "500"}
    sheet = {r["站点编号"]: r for r in _sheet(town_run / "summary.xlsx", "服务站负荷")}
    assert list(sheet["O4-2"])[-1] == "不能服务住户的原因"
    assert [sheet[s]["不能服务住户的原因"] for s in ("O4-1", "O4-2", "O4-3")] == [None, "距路网过远", None]
    notes = [r for r in load_workbook(town_run / "summary.xlsx")["说明"].values if r and r[1] == "不能服务住户的原因"]
    assert notes and "服务站负荷" in notes[0][0] and "数据问题清单" in notes[0][2]


def test_spatial_coverage_writes_the_reason_in_its_station_load_csv_and_sheet(tmp_path):
    """The same for ``spatial coverage``'s OUT_station_load.csv and its workbook."""
    from spatial.cli import main

    paths = _town(tmp_path)
    stations = _stations(tmp_path / "站点.csv")
    out = tmp_path / "c.gpkg"
    assert main(["-q", "coverage", str(paths["network"]), str(stations), str(paths["units"]), "--out", str(out),
                 "--no-isochrones"]) == 0
    with open(tmp_path / "c_station_load.csv", encoding="utf-8-sig") as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False)
    assert list(table.columns[-2:]) == ["station_reason", "station_reason_zh"]
    assert table["station_reason"].tolist() == ["", "too far from network", ""]
    sheet = _sheet(tmp_path / "c_summary.xlsx", "服务站负荷")
    assert [r["不能服务住户的原因"] for r in sheet] == [None, "距路网过远", None]


# ----------------------------------------------- 2: a service area a station is not expected to have


def test_no_warning_of_a_service_area_without_geometry_for_a_station_no_walk_reaches(town_run, tmp_path, capsys):
    """``spatial map`` (and the maps of ``spatial run``) warned "isochrones: 1 row has no geometry and
    is not drawn (station_id O4-2)": its empty service area is what a station no walk reaches has,
    and the run had said so in the station's own words ("1 station has no service area (too far
    from network): O4-2"). The map draws the other areas and says nothing more; the station's popup
    says why it serves nobody."""
    from spatial.cli import main

    err = (town_run.parent / "run.err").read_text(encoding="utf-8")
    assert "has no service area (too far from network): O4-2" in err
    page = tmp_path / "map.html"
    assert main(["map", "--coverage", str(town_run / "results.gpkg"), "--out", str(page)]) == 0
    err += capsys.readouterr().err
    assert "no geometry" not in err
    layers, _ = _map(page)
    assert len(layers["isochrones-15min"]) == 2  # O4-1's and O4-3's
    said = {f["properties"]["name"]: f["properties"].get("reason") for f in layers["stations"]}
    assert said["丙社区党群服务站"] == "距路网过远"


def test_a_service_area_empty_for_no_reason_is_still_said(tmp_path, caplog):
    """A row with no geometry and no reason is not a station no walk reaches: it is said."""
    import logging

    import spatial

    homes = gpd.GeoDataFrame({"unit_id": ["U1"], "band": ["5min"], "households": [1]},
                             geometry=[Point(X0, Y0 + 20)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["O4-9"], "name": ["丁站"]}, geometry=[Point(X0, Y0)], crs=UTM)
    areas = gpd.GeoDataFrame({"station_id": ["O4-9"], "band": ["5min"], "reason": [""]}, geometry=[None], crs=UTM)
    with caplog.at_level(logging.WARNING):
        spatial.coverage_map(homes, stations, isochrones=areas)
    assert "isochrones: 1 row has no geometry and is not drawn (station_id O4-9)" in caplog.text


# ----------------------------------------------- 4: a station whose floor area was left blank


def test_a_blank_floor_area_is_shown_as_not_given_not_as_0_wherever_it_is_shown(town_run):
    """O4-1's 面积（㎡） was left blank. 2SFCA counts it 0 m² (with a warning), and the map's popup
    and the sheet showed its own 可达面积 as 0, read as a station with no rooms. It is now 未填 in
    the sheet (面积, 每百户建筑面积, 可达面积), the map's popup and the KMZ, empty in the CSV, while
    the arithmetic is kept: O4-3's 60.0 and the community's 30.0 (O4-1 counted 0 m²)."""
    with open(town_run / "station_load.csv", encoding="utf-8-sig") as f:
        table = pd.read_csv(f, dtype=str, keep_default_na=False).set_index("station_id")
    assert table.loc["O4-1", ["面积（㎡）", "m2_per_100hh", "fca_m2_per_100hh"]].tolist() == ["", "", ""]
    assert table.loc["O4-3", ["m2_per_100hh", "fca_m2_per_100hh"]].tolist() == ["60.0", "60.0"]
    with open(town_run / "fca_by_community.csv", encoding="utf-8-sig") as f:
        by = pd.read_csv(f, dtype=str)
    assert by.loc[by["level"] == "community", "fca_m2_per_100hh"].tolist() == ["30.0"]
    sheet = {r["站点编号"]: r for r in _sheet(town_run / "summary.xlsx", "服务站负荷")}
    one = sheet["O4-1"]
    assert (one["面积（㎡）"], one["每百户建筑面积（平方米）"], one["可达面积（平方米/百户）"]) == ("未填", "未填", "未填")
    assert one["低于面积标准"] is None  # unknown, not "否"
    three = sheet["O4-3"]
    assert (three["面积（㎡）"], three["每百户建筑面积（平方米）"], three["可达面积（平方米/百户）"]) == (300, 60, 60)
    for page in ("coverage.html", "overview.html"):
        stations = {f["properties"]["name"]: f["properties"] for f in _map(town_run / page)[0]["stations"]}
        shown = stations["甲社区党群服务中心"]
        assert [shown.get(k) for k in ("floor_area_m2", "m2_per_100hh", "fca_m2_per_100hh")] == ["未填"] * 3, page
        assert stations["乙社区党群服务站"]["fca_m2_per_100hh"] == 60
    said = _kmz_descriptions(town_run / "results.kmz", "党群服务站")
    assert "建筑面积（平方米）: 未填" in said["甲社区党群服务中心"]
    assert "每百户建筑面积（平方米）: 未填" in said["甲社区党群服务中心"]
    assert "建筑面积（平方米）: 300" in said["乙社区党群服务站"]


def test_station_fca_gives_no_figure_of_its_own_to_a_station_whose_area_is_blank():
    """``spatial.station_fca`` gave such a station ``fca_m2_per_100hh`` 0.0; now empty (NaN), the
    homes' figures the same as before (it counts 0 m² in their sums)."""
    import spatial

    streets = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(X0, Y0), (X0 + 2000, Y0)])], crs=UTM)
    homes = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(10)], "households": 100},
                             geometry=[Point(X0 + x, Y0 + 20) for x in range(0, 2000, 200)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["O4-1", "O4-3"], "floor_area_m2": [None, 300.0]},
                                geometry=[Point(X0, Y0), Point(X0 + 1800, Y0)], crs=UTM)
    demand, load = spatial.station_fca(homes, stations, spatial.read_network(streets))
    assert np.isnan(load["fca_m2_per_100hh"].iloc[0]) and load["fca_m2_per_100hh"].iloc[1] == pytest.approx(60.0)
    assert demand["fca_m2_per_100hh"].tolist() == pytest.approx([0.0] * 5 + [60.0] * 5)


# ----------------------------------------------- 3: a network drawn for cars, where the official reads


@pytest.fixture(scope="module")
def huangpu_run(tmp_path_factory, huangpu_osm) -> dict:
    """``spatial run`` of two communities of Huangpu on its real OSM roads (drivable roads only: no
    footway), with maps and overview.png: the output folder and what the PNG was drawn with."""
    import matplotlib

    matplotlib.use("Agg")
    import spatial.maps.static as static

    folder = tmp_path_factory.mktemp("huangpu")
    project = _huangpu_project(folder, huangpu_osm, outputs="maps = true\npng = true\nworkbook = false\n")
    drawn: dict = {}
    real = static.overview_figure

    def spy(**kw):
        fig = real(**kw)
        drawn.update(kw, fig=fig, xlim=fig.axes[0].get_xlim(), ylim=fig.axes[0].get_ylim(),
                     texts=[t.get_text() for t in [*fig.texts, *fig.axes[0].texts]])
        return fig

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(static, "overview_figure", spy)
        from spatial import run_project

        run_project(project)
    return {"out": folder / "out", "png": drawn}


CAR_ZH = "注意：路网中没有人行道、小路等步行道路（看起来是机动车路网）"


def test_a_network_for_cars_is_said_on_the_maps_in_readme_and_on_the_printed_overview(huangpu_run):
    """On Huangpu's drivable roads (no footway at all) the warning that the network looks like one
    for cars, and that coverage reads low where paths cut through blocks, went to the console and
    the 数据问题清单 only. The official reading the map or the folder's README.txt saw nothing; now
    the coverage and overview maps carry it as a notice (on a phone too), README.txt as a line
    under the figures and overview.png in red above the credits. The grid map, which walks
    nothing, does not."""
    out = huangpu_run["out"]
    readme = (out / "README.txt").read_text(encoding="utf-8-sig").splitlines()
    figures = readme[2:readme.index("", 2)]  # the title, a blank line, the figures, a blank line
    assert figures[1].startswith("共 1,208 户") and figures[2].startswith(CAR_ZH), figures
    for page in ("coverage.html", "overview.html"):
        assert any(n.startswith(CAR_ZH) for n in _layout(out / page).get("notices", [])), page
    assert "notices" not in _layout(out / "grids.html")
    assert any(t.startswith(CAR_ZH) for t in huangpu_run["png"]["texts"])


def test_a_coverage_file_on_a_network_for_cars_gives_its_map_the_notice(tmp_path, capsys):
    """``spatial coverage`` then ``spatial map`` (the report layer carries the network's row), and
    ``walking_coverage`` in Python (``attrs["car_network"]``), on a lattice of 112 residential
    streets; the same lattice with one footway is a walking network and says nothing."""
    import spatial
    from spatial.cli import main

    def lattice(with_footway: bool) -> gpd.GeoDataFrame:
        lines = [LineString([(X0 + 100 * i, Y0 + 100 * j), (X0 + 100 * (i + 1), Y0 + 100 * j)])
                 for i in range(7) for j in range(8)]
        lines += [LineString([(X0 + 100 * j, Y0 + 100 * i), (X0 + 100 * j, Y0 + 100 * (i + 1))])
                  for i in range(7) for j in range(8)]
        kinds = ["residential"] * len(lines)
        if with_footway:
            kinds[0] = "footway"
        return gpd.GeoDataFrame({"highway": kinds}, geometry=lines, crs=UTM)

    homes = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "households": [50, 70]},
                             geometry=[Point(X0 + 150, Y0 + 150), Point(X0 + 550, Y0 + 450)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["O4-5"], "name": ["戊站"]}, geometry=[Point(X0 + 300, Y0 + 300)],
                                crs=UTM)
    for footway in (False, True):
        walks = spatial.walking_coverage(homes, stations, spatial.read_network(lattice(footway)))
        assert walks.attrs.get("car_network", False) is not footway
        notes = _layout(spatial.save_map(spatial.coverage_map(walks, stations), tmp_path / f"m{footway}.html"))
        assert any(n.startswith(CAR_ZH) for n in notes.get("notices", [])) is not footway
    lattice(False).to_file(tmp_path / "roads.gpkg")
    homes.to_file(tmp_path / "homes.gpkg")
    stations.to_file(tmp_path / "stations.gpkg")
    assert main(["-q", "coverage", *(str(tmp_path / f) for f in ("roads.gpkg", "stations.gpkg", "homes.gpkg")),
                 "--out", str(tmp_path / "c.gpkg")]) == 0
    assert main(["-q", "map", "--coverage", str(tmp_path / "c.gpkg"), "--out", str(tmp_path / "c.html")]) == 0
    assert any(n.startswith(CAR_ZH) for n in _layout(tmp_path / "c.html")["notices"])
    capsys.readouterr()


# ----------------------------------------------- the first view: the area studied, not its service areas


def test_the_maps_first_view_fits_the_communities_not_the_service_areas_round_them(huangpu_run):
    """Huangpu's two communities are 400 m x 200 m; their station's 15-minute area follows the
    roads 1.6 km out. overview.html (whose service areas are hidden) and coverage.html opened
    fitted to that area: on a phone the communities were a stamp in the middle. The first view
    now fits what is studied (communities, homes, grids, gaps, stations), the areas drawn round it."""
    out = huangpu_run["out"]
    west, south, east, north = gpd.read_file(out / "results.gpkg", layer="communities").total_bounds
    for page in ("overview.html", "coverage.html"):
        (s, w), (n, e) = _map(out / page)[1]
        assert (s, w, n, e) == pytest.approx((south, west, north, east), abs=2e-5), page  # about 2 m


# ----------------------------------------------- 5: the printed overview


def test_the_printed_overview_carries_the_headline_figures_under_its_title(tmp_path, capsys):
    """overview.png, printed for a meeting, had no coverage figure at all. It now carries the
    run's headline under the title. The officials2 town with stations 1 (x = 0) and 2 (3 km off):
    within 5 minutes (333 m) the homes at x = 0, 200; within 10 (667 m) those to x = 600; within
    15 those to x = 800; room R1 at x = 1,500 brings the other 500 households within 15 minutes."""
    import matplotlib

    matplotlib.use("Agg")
    import spatial.maps.static as static
    from spatial.cli import main

    paths = _town(tmp_path)
    project = _project(tmp_path, paths, siting="k = 1", png=True, inputs=f'candidates = "{paths["candidates"]}"')
    drawn = {}
    real = static.overview_figure

    def spy(**kw):
        fig = real(**kw)
        drawn["texts"] = [t.get_text() for t in fig.axes[0].texts]
        return fig

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(static, "overview_figure", spy)
        assert main(["-q", "run", str(project)]) == 0
    capsys.readouterr()
    headline = ("共 1,000 户，步行到党群服务中心/站：5分钟内 200 户（20.0%），10分钟内 400 户（40.0%），"
                "15分钟内 500 户（50.0%）。\n建议新增 1 处站点后：15分钟内 1,000 户（100.0%，原为 50.0%）。")
    assert headline in drawn["texts"]


def _figure(communities, *, network=None, **layers):
    from spatial.maps.static import overview_figure

    return overview_figure(communities=communities, network_edges=network, zh=False, **layers)


def test_the_printed_overview_is_fitted_to_the_area_not_to_the_network_round_it():
    """Huangpu's overview.png drew its two communities as a stamp at the top of the page: the
    view took in all 2.4 km of the streets extracted round them (drawn white, unseen). A community
    of 400 m x 200 m on a street 5 km long: the view is the community and a margin of 20 m."""
    import matplotlib.pyplot as plt

    community = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    street = gpd.GeoDataFrame(geometry=[LineString([(X0 - 2500, Y0 + 100), (X0 + 2500, Y0 + 100)])], crs=UTM)
    fig = _figure(community, network=street)
    try:
        ax = fig.axes[0]
        crs = community.estimate_utm_crs()
        west, south, east, north = community.to_crs(crs).total_bounds
        (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
        assert (x0, x1) == pytest.approx((west - 20, east + 20), abs=1)
        assert y1 == pytest.approx(north + 20, abs=1) and south - 200 < y0 < south - 20  # (the scale bar's strip)
    finally:
        plt.close(fig)


def test_the_scale_bar_stands_clear_of_the_outline_below_it():
    """Futian's "1000 米" was drawn on the town's outline at its southern edge. The bar and its
    label now stand in a strip below everything drawn: both lie wholly under the community."""
    import matplotlib.pyplot as plt

    community = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 2000, Y0 + 1500)], crs=UTM)
    homes = gpd.GeoDataFrame({"band": ["5min", "beyond"]},
                             geometry=[box(X0, Y0, X0 + 1000, Y0 + 300), box(X0 + 1000, Y0, X0 + 2000, Y0 + 300)],
                             crs=UTM)
    fig = _figure(community, demand=homes)
    try:
        ax = fig.axes[0]
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        (bar,) = [line for line in ax.get_lines() if line.get_linewidth() == 3]
        (label,) = [t for t in ax.texts if re.fullmatch(r"\d+ m", t.get_text())]
        south = community.to_crs(community.estimate_utm_crs()).total_bounds[1]
        bottom = ax.transData.transform((0, south))[1]  # the outline's lowest edge on the page, in pixels
        assert bar.get_window_extent(renderer).y1 < bottom
        assert label.get_window_extent(renderer).y1 < bottom
    finally:
        plt.close(fig)


def test_the_notes_sheet_defines_the_station_load_columns_the_list_named(town_run):
    """The 说明 sheet, which README.txt says defines every column, left the 服务站负荷 sheet's 类型 and
    面积（㎡） (the list's own headers) with no meaning, and defined its 名称 as a community's or a
    street's. Each is now defined by what it is."""
    rows = [r for r in load_workbook(town_run / "summary.xlsx")["说明"].values if r and r[0] and "服务站负荷" in r[0]]
    meaning = {head: definition for _, head, definition in rows}
    assert set(meaning) == set(_sheet(town_run / "summary.xlsx", "服务站负荷")[0])  # every column of the sheet
    assert all(meaning.values()), meaning
    assert (meaning["类型"], meaning["面积（㎡）"], meaning["名称"]) == ("服务站类型", "服务站建筑面积", "服务站名称")


# ----------------------------------------------- a gap where nobody lives


def test_a_gap_of_no_mapped_path_where_nobody_lives_does_not_ask_for_paths_to_be_mapped(tmp_path):
    """On Futian the official tapped 盲区 N005 (a unit of 0 households off the mapped paths) and
    read "0 户 · 缺少路网数据：先补图": map the paths first, for a park. A service gap of no
    households already said 无住户，不需新站; this one now says 无住户，不需补图, on the map and in
    the KMZ. The street from 0 to 2,000 m, station O4-1 at x = 0; home U1 (100 households) 20 m
    off the street at x = 1,500 (a service gap); U2 (0 households, a park) 400 m off it at x = 1,900
    (past the 300 m any walk is estimated over: no mapped path); U3 (30 households) 250 m off it at
    x = 700 (an estimated walk of 700 + 1.25 x 250 = 1,012.5 m, which a straight path of 950 m would
    bring within 15 minutes: no mapped path)."""
    import spatial
    from spatial.maps.kmz import results_kmz

    streets = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(X0, Y0), (X0 + 2000, Y0)])], crs=UTM)
    homes = gpd.GeoDataFrame({"unit_id": ["U1", "U2", "U3"], "households": [100, 0, 30]},
                             geometry=[Point(X0 + 1500, Y0 + 20), Point(X0 + 1900, Y0 + 400),
                                       Point(X0 + 700, Y0 - 250)], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["O4-1"], "name": ["甲站"]}, geometry=[Point(X0, Y0)], crs=UTM)
    net = spatial.read_network(streets)
    walks = spatial.walking_coverage(homes, stations, net)
    assert walks["access"].tolist() == ["network", "unreachable", "estimated"]
    assert walks["walk_m"].iloc[2] == pytest.approx(1012.5)
    gaps = spatial.coverage_gaps(walks, net)
    page = spatial.save_map(spatial.coverage_map(walks, stations, gaps=gaps), tmp_path / "m.html")
    drawn = _map(page)[0]
    said = {f["properties"]["_t"]: f["properties"]["_sum"] for f in drawn["gaps"]}
    by_households = dict(zip(gaps["households"], gaps["gap_id"]))
    # the layer says it (as the 盲区 sheet and gaps.csv do); since 8 December 2026 the map and the KMZ
    # draw the park as land with no homes (无住户, hatched) and leave its gap of 0 households out
    assert gaps.set_index("gap_id").loc[by_households[0], "cause"] == "no mapped path"
    assert said == {f"盲区 {by_households[30]}": "30 户 · 缺少路网数据：先补图", "盲区 #1": "100 户 · 距站点过远：需新站"}
    assert [f["properties"]["_t"] for f in drawn["demand_empty"]] == ["U2"]  # the park alone
    results_kmz(tmp_path / "g.kmz", {"gaps": gaps})
    kmz = _kmz_descriptions(tmp_path / "g.kmz", "覆盖盲区")
    assert f"盲区 {by_households[0]}" not in kmz and "成因: 缺少路网数据：先补图" in kmz[f"盲区 {by_households[30]}"]
