"""What an outside tester found on the maps and outputs officials read, pinned: a community without
households shown as ``nan`` % in the coverage table."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
from shapely.geometry import Point, box

from spatial.maps._tables import coverage_table

UTM = "EPSG:32650"


def test_a_community_without_households_shows_a_dash_not_nan_in_the_coverage_table():
    table = pd.DataFrame({"level": ["overall", "community", "community"], "id": ["all", "C1", "C2"],
                          "households": [100, 100, 0],
                          "pct_hh_15min": [80.0, 80.0, float("nan")]})
    communities = gpd.GeoDataFrame({"community_id": ["C1", "C2"], "name": ["香蜜社区", "竹园社区"]},
                                   geometry=[box(0, 0, 1, 1), box(1, 0, 2, 1)], crs=UTM)
    html = coverage_table(table, ["15min"], communities, "zh")
    assert "nan" not in html.lower()
    row = html.split("竹园社区")[1].split("</tr>")[0]
    assert ">0<" in row and ">—<" in row                         # 0 households, no share to show
    assert ">80.0<" in html


def _gaps_and_sites():
    """One service gap whose site is 1 km east of the zone's false origin, and one new site, in UTM."""
    gaps = gpd.GeoDataFrame(
        {"gap_id": ["G001", "N001"], "rank": [1.0, None], "cause": ["service", "no mapped path"],
         "households": [120, 40], "population": [300, 90], "n_points": [3, 2], "walk_to_station_m": [1100.4, None],
         "site_x": [500_000.0, 501_000.0], "site_y": [2_490_000.0, 2_490_000.0], "area_m2": [1.0, 1.0],
         "note": ["", "grouped by straight distance: too far from network"]},
        geometry=[box(499_900, 2_489_900, 500_100, 2_490_100), box(500_900, 2_489_900, 501_100, 2_490_100)],
        crs=UTM)
    sites = gpd.GeoDataFrame({"site_id": ["NEW001"], "rank": [1], "candidate_id": ["node:7"],
                              "gain_households": [120.0], "gain_population": [300.0], "cum_coverage_pct": [90.0],
                              "source": ["network node"]},
                             geometry=[Point(500_000, 2_490_000)], crs=UTM)
    summary = pd.DataFrame({"level": ["overall"], "id": ["all"], "households": [1000], "hh_15min": [900],
                            "pct_hh_15min": [90.0]})
    return gaps, sites, summary


def test_the_workbook_says_where_to_build_in_longitude_and_latitude(tmp_path):
    """A new site and a gap's site must be findable on a phone map: WGS-84 degrees, not UTM metres
    of an unnamed zone (the 新站选址 sheet had no location at all)."""
    from openpyxl import load_workbook

    from spatial.io.workbook import write_workbook

    gaps, sites, summary = _gaps_and_sites()
    path = write_workbook(tmp_path / "s.xlsx", summary, sites=sites, gaps=gaps, lang="zh")
    book = load_workbook(path)
    lon, lat = 117.0, gpd.GeoSeries([Point(500_000, 2_490_000)], crs=UTM).to_crs(4326).iloc[0].y
    rows = list(book["新站选址"].values)
    site = dict(zip(rows[0], rows[1]))
    assert abs(site["经度"] - lon) < 1e-6 and abs(site["纬度"] - lat) < 1e-6
    rows = list(book["盲区"].values)
    gap = dict(zip(rows[0], rows[1]))
    assert "建议站址 X" not in rows[0]
    assert abs(gap["建议站址经度"] - lon) < 1e-6 and abs(gap["建议站址纬度"] - lat) < 1e-6
    assert gap["距最近服务站步行（米）"] == 1101      # whole metres up (as every output shows a walk), not 1100.4000000001
    assert any("WGS-84" in str(c.value) for c in book["说明"]["C"])   # the 说明 sheet names the datum


def test_a_chinese_workbook_gives_the_gap_note_in_chinese(tmp_path):
    from openpyxl import load_workbook

    from spatial.io.workbook import write_workbook

    gaps, sites, summary = _gaps_and_sites()
    gaps.loc[0, "note"] = "2 of 3 points grouped by straight distance: estimated walk"
    book = load_workbook(write_workbook(tmp_path / "s.xlsx", summary, gaps=gaps, lang="zh"))
    rows = list(book["盲区"].values)
    notes = [dict(zip(rows[0], r))["备注"] for r in rows[1:]]
    assert notes == ["3 个居民单元中 2 个按直线距离归组：估算步行", "按直线距离归组：距路网过远"]
    book = load_workbook(write_workbook(tmp_path / "e.xlsx", summary, gaps=gaps, lang="en"))
    rows = list(book["gaps"].values)
    assert dict(zip(rows[0], rows[2]))["Note"] == "grouped by straight distance: too far from network"


def test_a_project_run_gives_each_gap_site_in_the_degrees_of_its_layer(demo_outputs):
    """results.gpkg is all EPSG:4326, but a gap's site was left in UTM metres (``site_x`` 191527)."""
    import pyogrio

    outputs = {p.name: p for p in demo_outputs}
    gaps = gpd.read_file(outputs["results.gpkg"], layer="gaps")
    assert "site_x" not in gaps.columns
    sited = gaps[gaps["site_lon"].notna()]
    assert len(sited) and sited["site_lon"].between(113.9, 114.2).all() and sited["site_lat"].between(22.4, 22.7).all()
    at = gpd.GeoSeries(gpd.points_from_xy(sited["site_lon"], sited["site_lat"]), index=sited.index, crs=4326)
    utm = sited.estimate_utm_crs()
    # the site lies at its gap: where one of its homes meets the network, up to an estimated walk's
    # 300 m leg (max_off_network_m) from an estate's homes
    assert (sited.geometry.to_crs(utm).distance(at.to_crs(utm)) < 300).all()
    csv = pd.read_csv(outputs["gaps.csv"], encoding="utf-8-sig")
    assert {"site_lon", "site_lat"} <= set(csv.columns) and "site_x" not in csv.columns
    assert pyogrio.read_info(outputs["results.gpkg"], layer="gaps")["crs"] == "EPSG:4326"
    sites = pd.read_excel(outputs["summary.xlsx"], sheet_name="新站选址", engine="openpyxl")
    assert sites["经度"].between(113.9, 114.2).all() and sites["纬度"].between(22.4, 22.7).all()


def test_spatial_coverage_prints_a_city_of_households_as_a_count_not_in_scientific_notation():
    from spatial.cli.coverage import _gaps_line

    gaps = pd.DataFrame({"rank": [1.0, None], "cause": ["service", "no mapped path"],
                         "households": [1_250_000.0, 2_345_678.0]})
    line = _gaps_line(gaps, "15min")
    assert "e+06" not in line
    assert "largest 1,250,000 households" in line and "(2,345,678 households, not a siting need)" in line


def test_spatial_coverage_writes_counts_as_integers_and_no_internal_snap_columns(tmp_path):
    """The station-load CSV of ``spatial coverage`` said ``4494.0`` households and carried the
    network edge each station snapped to (``snap_edge``); the project run's says ``4494``."""
    from pathlib import Path

    from spatial.cli import main

    data = Path(__file__).resolve().parents[1] / "data"
    out = tmp_path / "cov.gpkg"
    assert main(["-q", "coverage", str(data / "futian_walk.graphml"), f"{data / 'demo.gpkg'}:stations",
                 f"{data / 'demo.gpkg'}:units", "--out", str(out)]) == 0
    load = (tmp_path / "cov_station_load.csv").read_text(encoding="utf-8-sig").splitlines()
    row = dict(zip(load[0].split(","), load[1].split(",")))
    assert row["households_served"].isdigit() and row["units_served"].isdigit()
    assert not {"snap_edge", "snap_offset_m"} & set(row)
    summary = (tmp_path / "cov_summary.csv").read_text(encoding="utf-8-sig").splitlines()
    row = dict(zip(summary[0].split(","), summary[1].split(",")))
    assert row["households"].isdigit() and row["hh_15min"].isdigit()
    demand = gpd.read_file(out, layer="demand")  # the input's whole counts stay whole in the GeoPackage
    assert str(demand["households"].dtype) == "int64"


def test_a_project_run_writes_whole_household_counts_as_integers_in_its_geopackage(demo_outputs):
    """The demo's units give households as integers; results.gpkg wrote them as 412.0."""
    gpkg = {p.name: p for p in demo_outputs}["results.gpkg"]
    for layer in ("units", "coverage_demand", "grids", "gaps"):
        assert str(gpd.read_file(gpkg, layer=layer)["households"].dtype) == "int64", layer


def test_a_floor_area_that_is_not_a_number_is_named_with_its_station(caplog):
    """'约300' in the floor-area column was counted as 0 m² with only '1 stations have no
    floor_area_m2'; the warning now names the station and what was written there."""
    import logging

    import numpy as np

    from spatial.coverage.load import station_fca
    from spatial.network.graph import network_from_arrays

    xy = np.array([[0.0, 0.0], [500.0, 0.0], [1000.0, 0.0]])
    net = network_from_arrays(xy, [0, 1], [1, 2], crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1", "S2"], "floor_area_m2": ["约300", 200]},
                                geometry=[Point(0, 0), Point(1000, 0)], crs=UTM)
    homes = gpd.GeoDataFrame({"unit_id": ["h"], "households": [100.0]}, geometry=[Point(500, 5)], crs=UTM)
    with caplog.at_level(logging.WARNING):
        _, out = station_fca(homes, stations, net)
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "S1" in said and "约300" in said and "0 m²" in said


def test_two_hundred_stations_off_the_network_are_one_warning_line_not_two_hundred(caplog):
    """Each station too far from the network was warned about twice, one line each: 250 stations
    of a city, a few dozen off the mapped streets, flooded the terminal."""
    import logging

    import numpy as np

    from spatial.coverage.service_areas import isochrones
    from spatial.coverage.walks import walking_coverage
    from spatial.network.graph import network_from_arrays

    xy = np.array([[0.0, 0.0], [1000.0, 0.0]])
    net = network_from_arrays(xy, [0], [1], crs=UTM)
    far = [Point(100 + 3 * i, 500) for i in range(30)]
    stations = gpd.GeoDataFrame({"station_id": ["S0"] + [f"F{i:02d}" for i in range(30)]},
                                geometry=[Point(0, 0)] + far, crs=UTM)
    homes = gpd.GeoDataFrame({"unit_id": ["h"], "households": [10.0]}, geometry=[Point(500, 5)], crs=UTM)
    with caplog.at_level(logging.WARNING):
        walking_coverage(homes, stations, net)
        isochrones(stations, net, minutes=[15])
    lines = [r.getMessage() for r in caplog.records if "F00" in r.getMessage()]
    assert len(lines) == 2, lines
    assert lines[0].startswith("30 stations are not on the network (too far from network): F00, F01")
    assert "(and 20 more)" in lines[0] and lines[1].startswith("30 stations have no service area")


def test_a_map_of_a_spatial_coverage_file_names_the_communities_it_was_given(tmp_path):
    """``spatial coverage --communities`` then ``spatial map --coverage`` showed C01, C02 ... in the
    coverage table and no community outlines: the communities were not kept in the file."""
    from pathlib import Path

    from spatial.cli import main

    data = Path(__file__).resolve().parents[1] / "data"
    communities = gpd.read_file(data / "demo.gpkg", layer="communities").rename(
        columns={"community_id": "社区编号", "name": "社区名称"})
    communities.to_file(tmp_path / "c.gpkg", layer="communities")
    out = tmp_path / "cov.gpkg"
    assert main(["-q", "coverage", str(data / "futian_walk.graphml"), f"{data / 'demo.gpkg'}:stations",
                 f"{data / 'demo.gpkg'}:units", "--communities", str(tmp_path / "c.gpkg"), "--out", str(out),
                 "--no-isochrones"]) == 0
    assert main(["-q", "map", "--coverage", str(out), "--out", str(tmp_path / "m.html")]) == 0
    page = (tmp_path / "m.html").read_text(encoding="utf-8")
    table = page.split("各社区覆盖率")[1].split("u003c/table")[0]
    assert "香蜜社区" in table and "\\u793e\\u533a\\u8fb9\\u754c" in page   # 社区边界, the outlines


def test_a_run_folder_holding_a_folder_under_an_output_name_is_left_as_it_was(tmp_path):
    """A folder named overview.html in the output folder: the run moved coverage.html, the CSVs and
    grids.html in, then failed, and said 'nothing was written there'; the earlier run's log was gone."""
    import json
    import os

    import pytest

    from spatial.core.atomic import atomic_folder
    from spatial.core.errors import InputFileError

    out = tmp_path / "out"
    (out / "overview.html").mkdir(parents=True)
    (out / "run_log.json").write_text(json.dumps({"outputs": ["coverage.html"]}), encoding="utf-8")
    (out / "coverage.html").write_text("earlier run", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"overview\.html.*folder"):
        with atomic_folder(out) as tmp:
            for name in ("coverage.html", "gaps.csv", "overview.html", "run_log.json"):
                (tmp / name).write_text("new", encoding="utf-8")
    assert sorted(os.listdir(out)) == ["coverage.html", "overview.html", "run_log.json"]
    assert (out / "coverage.html").read_text(encoding="utf-8") == "earlier run"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]    # no temporary folder left


def test_a_project_name_or_credit_with_dollar_signs_is_printed_as_written_on_the_png(tmp_path):
    """matplotlib read '$...$' in a title as TeX: '福田区 $\\frac{1}{2$ 报告' made ``spatial run`` end
    with an internal error, and '投资$500万$' lost its dollars."""
    from spatial.maps.static import overview_figure

    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 200, 100)],
                                   crs=UTM).to_crs(4326)
    title, credit = "Futian $\\frac{1}{2$ report", "budget $500k$ (US$)"
    fig = overview_figure(communities=communities, title=title, credits=[credit], zh=False)
    fig.savefig(tmp_path / "o.png")                                  # drew, no ParseSyntaxException
    shown = [t for t in fig.findobj(lambda a: hasattr(a, "get_parse_math"))
             if title in t.get_text() or credit in t.get_text()]
    assert len(shown) == 2 and not any(t.get_parse_math() for t in shown)


def test_stations_with_number_ids_and_no_name_are_drawn_and_found_by_their_id():
    """Station ids read as numbers (101, 102 ... from a GeoPackage or CSV) made ``spatial map`` and the
    coverage map end with 'TypeError: sequence item 0: expected str instance, int found'."""
    from spatial.maps.interactive import coverage_map

    stations = gpd.GeoDataFrame({"station_id": [101, 102], "name": [None, "莲花党群服务站"]},
                                geometry=[Point(500_000, 2_490_000), Point(500_400, 2_490_000)], crs=UTM)
    demand = gpd.GeoDataFrame({"unit_id": ["u1"], "households": [10], "band": ["5min"], "nearest_station": [102]},
                              geometry=[Point(500_200, 2_490_050)], crs=UTM)
    page = coverage_map(demand, stations, bands=["5min"]).get_root().render()
    assert '"_search":["101","莲花党群服务站 · 102"]' in page
    assert '"_t":["站点 101","莲花党群服务站"]' in page                 # a station without a name is headed by its id
    assert '"nearest_station":["莲花党群服务站"]' in page              # a home's station by name, not 102


def test_a_station_without_a_name_is_named_by_its_id_in_the_kmz(tmp_path):
    """A blank or missing station name gave a placemark with no name (or a name of spaces) in
    奥维互动地图: the grid worker could not tell which station it was."""
    from spatial.io.layers import read_layer
    from spatial.maps.kmz import results_kmz

    stations = gpd.GeoDataFrame({"station_id": [101, 102, 103], "name": [None, "  ", "莲花党群服务站"]},
                                geometry=[Point(500_000 + 100 * i, 2_490_000) for i in range(3)], crs=UTM)
    back = read_layer(results_kmz(tmp_path / "a.kmz", {"stations": stations}))
    assert list(back["Name"]) == ["站点 101", "站点 102", "莲花党群服务站"]
    back = read_layer(results_kmz(tmp_path / "b.kmz", {"stations": stations.drop(columns="name")}, lang="en"))
    assert list(back["Name"]) == ["station 101", "station 102", "station 103"]


def test_communities_numbered_1_to_12_are_listed_1_2_3_not_1_10_11_12_2():
    """Community ids that are numbers were listed as text: 1, 10, 11, 12, 2, 3 ... in the coverage
    table of every map, coverage_summary.csv, sites_before_after.csv and the workbook."""
    import numpy as np

    from spatial.coverage.walks import coverage_summary

    n = 12
    demand = gpd.GeoDataFrame({"community_id": np.arange(n, 0, -1), "households": np.full(n, 10.0),
                               "band": ["15min"] * n}, geometry=[Point(500_000 + i, 2_490_000) for i in range(n)],
                              crs=UTM)
    summary = coverage_summary(demand, bands=["15min"])
    assert list(summary.loc[summary["level"] == "community", "id"]) == [str(i) for i in range(1, n + 1)]
    demand["community_id"] = [f"C{i}" for i in range(n, 0, -1)]      # C2 before C10, as people count
    summary = coverage_summary(demand, bands=["15min"])
    assert list(summary.loc[summary["level"] == "community", "id"])[:3] == ["C1", "C2", "C3"]


def test_with_no_gaps_the_legend_shows_no_gap_and_the_line_says_there_are_none():
    """Everyone within the band: the legend still showed the purple 服务盲区 swatch for a layer that
    was not drawn, and spatial coverage printed '0 gaps beyond 120min: 0 service gaps ranked for
    siting, largest 0 households'."""
    from spatial.cli.coverage import _gaps_line
    from spatial.coverage.gaps import GAP_COLUMNS
    from spatial.maps.interactive import coverage_map

    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["莲花党群服务站"]},
                                geometry=[Point(500_000, 2_490_000)], crs=UTM)
    demand = gpd.GeoDataFrame({"unit_id": ["u1"], "households": [10], "band": ["15min"]},
                              geometry=[Point(500_200, 2_490_050)], crs=UTM)
    gaps = gpd.GeoDataFrame({c: [] for c in GAP_COLUMNS}, geometry=[], crs=UTM)
    page = coverage_map(demand, stations, gaps=gaps, bands=["15min"]).get_root().render()
    assert "服务盲区" not in page and "\\u670d\\u52a1\\u76f2\\u533a" not in page
    assert _gaps_line(pd.DataFrame(gaps), "15min") == "no gaps beyond 15min: every home is within it"


def test_the_gaps_legend_says_which_band_the_gaps_lie_beyond():
    """With gap_band = "10min" on a 5/10/15-minute map, the legend said only 服务盲区 (按户数排名),
    read as beyond 15 minutes; the gaps layer now carries its band and the map names it."""
    import json

    from shapely.geometry import LineString

    from spatial.coverage.gaps import coverage_gaps
    from spatial.maps.interactive import coverage_map
    from spatial.network.read import read_network

    edges = gpd.GeoDataFrame(geometry=[LineString([(500_000, 2_490_000), (503_000, 2_490_000)])], crs=UTM)
    net = read_network(edges)
    stations = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["莲花党群服务站"]},
                                geometry=[Point(500_000, 2_490_000)], crs=UTM)
    demand = gpd.GeoDataFrame({"unit_id": ["u1", "u2"], "households": [10, 20], "band": ["5min", "15min"]},
                              geometry=[Point(500_100, 2_490_010), Point(500_900, 2_490_010)], crs=UTM)
    gaps = coverage_gaps(demand, net, band="10min", speed_kmh=4.0)
    assert gaps["band"].tolist() == ["10min"] and gaps["households"].tolist() == [20]
    page = coverage_map(demand, stations, gaps=gaps, bands=["5min", "10min", "15min"]).get_root().render()
    name = "服务盲区（10分钟外，按户数排名）"
    assert name in page or json.dumps(name)[1:-1] in page


def test_the_printed_overview_marks_red_the_homes_beyond_the_band_its_gaps_are_drawn_for(tmp_path, monkeypatch):
    """With [siting] band = "10min" the PNG coloured red the homes beyond 10 minutes but outlined
    and ranked the gaps beyond 15 (the gap band): two bands on one printed picture."""
    from pathlib import Path

    import spatial.maps.static as static
    from spatial.project.run import run_project

    data = Path(__file__).resolve().parents[1] / "data"
    project = tmp_path / "p.toml"
    project.write_text(f"""
[project]
name = "band"
output = "out"
[inputs]
network = "{data / 'futian_walk.graphml'}"
communities = {{ path = "{data / 'demo.gpkg'}", layer = "communities" }}
units = {{ path = "{data / 'demo.gpkg'}", layer = "units" }}
stations = {{ path = "{data / 'demo.gpkg'}", layer = "stations" }}
[grids]
enabled = false
[coverage]
minutes = [5, 10, 15]
[siting]
k = 1
band = "10min"
[outputs]
maps = false
workbook = false
png = true
""", encoding="utf-8")
    drawn = {}
    real = static.overview_png
    monkeypatch.setattr(static, "overview_png", lambda *a, **kw: drawn.update(kw) or real(*a, **kw))
    run_project(project)
    assert drawn["band"] == "15min"                                  # the band of the gaps it outlines


def test_seven_bands_get_seven_colours_nearest_darkest():
    """Bands 2, 4 ... 15 minutes: the 10, 12 and 15-minute homes were drawn in one pale yellow and
    their legend swatches were identical."""
    from spatial.maps._style import BAND_COLOURS, band_colours

    bands = ["2min", "4min", "6min", "8min", "10min", "12min", "15min"]
    colours = band_colours(bands)
    assert len(set(colours.values())) == 7
    assert colours["2min"] == BAND_COLOURS[0] and colours["15min"] == BAND_COLOURS[-1]
    assert band_colours(["5min", "10min", "15min"]) == dict(zip(["5min", "10min", "15min"], BAND_COLOURS[:3]))


def test_the_workbook_says_yes_or_no_for_the_floor_area_standard_and_nothing_when_the_area_is_unknown(tmp_path):
    """The 服务站负荷 sheet of a Chinese workbook said TRUE/FALSE, and FALSE (meets the standard) for a
    station whose floor area was blank."""
    from openpyxl import load_workbook

    from spatial.io.workbook import write_workbook

    load = pd.DataFrame({"station_id": ["S1", "S2", "S3"], "name": ["甲", "乙", "丙"],
                         "floor_area_m2": [100.0, 900.0, None], "households_served": [1000, 1000, 1000],
                         "m2_per_100hh": [10.0, 90.0, None], "under_standard": [True, False, False]})
    summary = pd.DataFrame({"level": ["overall"], "id": ["all"], "households": [3000], "hh_15min": [3000],
                            "pct_hh_15min": [100.0]})
    book = load_workbook(write_workbook(tmp_path / "s.xlsx", summary, station_load=load, lang="zh"))
    rows = list(book["服务站负荷"].values)
    assert [dict(zip(rows[0], r))["低于面积标准"] for r in rows[1:]] == ["是", "否", None]
