"""An official checking the 15-minute circle and siting a new station, second pass: a station list
and community rooms typed with Chinese headers (序号, 站点名称, 经度, 纬度, 面积（㎡）), one station
outside the 街道, run through ``spatial run`` and the maps as a 街道 office would (faults first met
on the Futian extract with the demo's units, here on a tiny town whose answers are read by hand).

The town: one street along y = 0 from 0 to 2,000 m (EPSG:32650, near Shenzhen), ten homes 20 m
north of it at x = 0, 200 ... 1,800 (100 households each), station 1 on the street at x = 0 and
station 2 (a 站; station 1 is a 中心) typed 3 km north of the street (2,980 m from it: a typo, or a station of the next 街道).
At 4 km/h, 15 minutes is 1,000 m: the homes at x <= 800 are within it (walk x + 20 m), 500 of
1,000 households. Candidate room R1 at x = 1,500 (400 m²) serves the other five; R2 at x = 1,800
has 150 m².
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 2_500_000.0
TO_DEGREES = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)


def _degrees(x: float, y: float) -> tuple[float, float]:
    lon, lat = TO_DEGREES.transform(X0 + x, Y0 + y)
    return round(lon, 7), round(lat, 7)


def _town(folder: Path, *, room_area_header: str = "面积（㎡）") -> dict[str, Path]:
    """The tiny town's files as an office has them; returns their paths."""
    paths = {k: folder / v for k, v in {"network": "streets.gpkg", "communities": "communities.gpkg",
                                         "units": "units.gpkg", "stations": "stations.csv",
                                         "candidates": "rooms.csv"}.items()}
    gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(X0, Y0), (X0 + 2000, Y0)])],
                     crs=UTM).to_file(paths["network"])
    gpd.GeoDataFrame({"community_id": ["C1"], "name": ["甲社区"], "street": ["乙街道"]},
                     geometry=[box(X0 - 100, Y0 - 200, X0 + 2100, Y0 + 200)], crs=UTM).to_file(paths["communities"])
    xs = np.arange(0, 2000, 200)
    gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(len(xs))], "community_id": "C1", "households": 100,
                      "population": 250},
                     geometry=[Point(X0 + x, Y0 + 20) for x in xs], crs=UTM).to_file(paths["units"])
    stations = [(1, "甲社区党群服务中心", "中心", *_degrees(0, 0), 600),
                (2, "丙社区党群服务站", "站", *_degrees(1000, 3000), 200)]
    pd.DataFrame(stations, columns=["序号", "站点名称", "类型", "经度", "纬度", "面积（㎡）"]).to_csv(
        paths["stations"], index=False, encoding="utf-8-sig")
    rooms = [("R1", "甲社区用房", *_degrees(1500, 0), 400), ("R2", "乙小区物业用房", *_degrees(1800, 0), 150)]
    pd.DataFrame(rooms, columns=["编号", "名称", "经度", "纬度", room_area_header]).to_csv(
        paths["candidates"], index=False, encoding="utf-8-sig")
    return paths


def _project(folder: Path, paths: dict[str, Path], *, siting: str = "k = 1\nmin_floor_area_m2 = 300",
             maps: bool = False, png: bool = False, inputs: str = "", grids: bool = False) -> Path:
    text = f"""[project]
name = "测试"
output = "out"

[inputs]
network = "{paths['network']}"
communities = "{paths['communities']}"
units = "{paths['units']}"
stations = "{paths['stations']}"
{inputs}

[grids]
enabled = {str(grids).lower()}

[coverage]
minutes = [5, 10, 15]

[siting]
{siting}

[outputs]
maps = {str(maps).lower()}
png = {str(png).lower()}
workbook = false
kml = false
"""
    path = folder / "project.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _run(project: Path, capsys) -> tuple[int, str]:
    from spatial.cli import main

    code = main(["-q", "run", str(project)])
    return code, capsys.readouterr().err


# ------------------------------------------------ 1: a project's rooms with their floor area as 面积（㎡）


def test_a_projects_rooms_are_filtered_on_their_floor_area_under_its_chinese_name(tmp_path, capsys):
    """``spatial site --candidates rooms.csv --min-floor-area-m2 300`` finds the rooms' 面积（㎡）; the
    same rooms in a project file (``[siting] min_floor_area_m2 = 300``) stopped the run after the
    grids and the walks had been made, saying "'rooms.csv' has no column 'floor_area_m2' ... pass
    its name with the matching *_col option", and a project file had no such option."""
    paths = _town(tmp_path)
    project = _project(tmp_path, paths, inputs=f'candidates = "{paths["candidates"]}"')
    code, err = _run(project, capsys)
    assert code == 0, err
    sites = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="sites")
    assert sites["candidate_id"].tolist() == ["R1"]
    assert sites["gain_households"].tolist() == [500]  # the homes at x = 1,000 ... 1,800
    report = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="report")
    said = report[(report["layer"] == "candidates") & (report["row_id"] == "R2")]
    assert said["problem"].tolist() == ["floor area 150 m² < 300 m²"]


def test_a_projects_rooms_floor_area_column_can_be_named_in_the_project_file(tmp_path, capsys):
    paths = _town(tmp_path, room_area_header="房屋面积")
    project = _project(tmp_path, paths,
                       inputs=f'candidates = {{ path = "{paths["candidates"]}", floor_area_col = "房屋面积" }}')
    code, err = _run(project, capsys)
    assert code == 0, err
    log = json.loads((tmp_path / "out" / "run_log.json").read_text(encoding="utf-8"))
    assert "房屋面积" in json.dumps(log, ensure_ascii=False)
    sites = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="sites")
    assert sites["candidate_id"].tolist() == ["R1"]


def test_rooms_without_a_floor_area_are_refused_before_any_work_naming_the_key_to_give(tmp_path, capsys):
    paths = _town(tmp_path, room_area_header="备注")
    project = _project(tmp_path, paths, inputs=f'candidates = "{paths["candidates"]}"')
    code, err = _run(project, capsys)
    assert code == 2
    line = err.strip().splitlines()[-1]
    assert "rooms.csv" in line and "floor_area_m2" in line and "[inputs] candidates floor_area_col" in line
    assert "grids:" not in err and "coverage:" not in err  # said before the steps, not after the walks
    assert not (tmp_path / "out").exists()


def test_a_floor_area_filter_without_rooms_is_refused_when_the_project_file_is_read(tmp_path, capsys):
    """It was refused after the walks, telling a project file's user to give ``spatial site --candidates``."""
    from spatial.core.errors import SpatialError
    from spatial.project.config import load_project

    paths = _town(tmp_path)
    with pytest.raises(SpatialError, match=r"\[siting\] min_floor_area_m2 .* \[inputs\] has no candidates"):
        load_project(_project(tmp_path, paths))



def test_a_floor_area_col_on_the_stations_points_to_the_coverage_key_that_names_theirs(tmp_path):
    """The new key on the stations (where an office would try it first) was refused as 'only the
    candidates input takes' it, with no word of [coverage] station_area_col."""
    from spatial.core.errors import SpatialError
    from spatial.project.config import load_project

    paths = _town(tmp_path)
    project = _project(tmp_path, paths, siting="k = 1")
    text = project.read_text(encoding="utf-8").replace(f'stations = "{paths["stations"]}"',
                                                       f'stations = {{ path = "{paths["stations"]}", '
                                                       'floor_area_col = "面积（㎡）" }')
    project.write_text(text, encoding="utf-8")
    with pytest.raises(SpatialError, match=r"input 'stations' has floor_area_col; .*\[coverage\] station_area_col"):
        load_project(project)

# ------------------------------------------- 2: a station no walk reaches, where the official clicks


def _map(path: Path) -> tuple[dict[str, list[dict]], list[list[float]]]:
    """The features of every layer a saved map embeds, by layer key (``stations``, ``sites`` ...),
    and the first view's bounds ([[south, west], [north, east]])."""
    import re

    from spatial.maps._data import decode

    page, decoder, layers = path.read_text(encoding="utf-8"), json.JSONDecoder(), {}
    for m in re.finditer(r"spLayer\(map_\w+, ", page):
        data, end = decoder.raw_decode(page, m.end())
        options, _ = decoder.raw_decode(page, page.index("{", end))
        layers.setdefault(options["key"], []).extend(decode(data))
    bounds, _ = decoder.raw_decode(page, page.index('"bounds":') + len('"bounds":'))
    return layers, bounds


@pytest.fixture(scope="module")
def mapped(tmp_path_factory) -> Path:
    """The tiny town run with its grids and maps: the output folder."""
    from spatial.cli import main

    folder = tmp_path_factory.mktemp("mapped")
    paths = _town(folder)
    project = _project(folder, paths, siting="k = 1", maps=True, grids=True)
    project.write_text(project.read_text(encoding="utf-8").replace("kml = false", "kml = true"), encoding="utf-8")
    assert main(["-q", "run", str(project)]) == 0
    return folder / "out"


def test_a_run_says_on_the_map_why_a_station_serves_nobody(mapped):
    """Station 2, typed 3 km north of the town: ``spatial coverage`` gives it ``reason`` "too far from
    network" and ``spatial map`` says 距路网过远 in its popup; ``spatial run``'s stations layer had no
    reason, so on its maps (and in results.gpkg) the station read 服务户数 0 and nothing else."""
    stations = gpd.read_file(mapped / "results.gpkg", layer="stations")
    assert stations["reason"].tolist() == ["", "too far from network"]
    assert stations["households_served"].tolist() == [1000, 0]  # every home is nearest station 1
    for page in ("coverage.html", "overview.html"):
        layers, _ = _map(mapped / page)
        said = {f["properties"]["name"]: f["properties"].get("reason") for f in layers["stations"]}
        assert said == {"甲社区党群服务中心": None, "丙社区党群服务站": "距路网过远"}, page
        # labelled as a station's, not as a home's 未覆盖原因 (why not covered)
        assert '"reason","不能服务住户的原因"' in (mapped / page).read_text(encoding="utf-8"), page
    # and on a grid worker's phone (奥维互动地图): the station's description in the KMZ
    from spatial.io.layers import read_layer

    kmz = read_layer(mapped / "results.kmz", layer="党群服务站")
    described = dict(zip(kmz["Name"], kmz["description"]))
    assert "不能服务住户的原因: 距路网过远" in described["丙社区党群服务站"]
    assert "距路网过远" not in described["甲社区党群服务中心"]



def test_a_stations_type_and_floor_area_headed_in_chinese_are_on_the_maps_and_the_kmz(mapped):
    """The station list's 类型 (中心 / 站) and 面积（㎡） were in the workbook's 服务站负荷 sheet, but
    the popups and the KMZ gave neither (the maps read only columns named ``type`` and
    ``floor_area_m2``), and every 中心 was drawn as small as a 站."""
    for page in ("coverage.html", "overview.html"):
        layers, _ = _map(mapped / page)
        props = {f["properties"]["name"]: f["properties"] for f in layers["stations"]}
        assert props["甲社区党群服务中心"]["type"] == "中心" and props["丙社区党群服务站"]["type"] == "站", page
        assert props["甲社区党群服务中心"]["floor_area_m2"] == 600, page
        assert (props["甲社区党群服务中心"]["_s"], props["丙社区党群服务站"]["_s"]) == (1, 0), page  # larger dot
    from spatial.io.layers import read_layer

    kmz = read_layer(mapped / "results.kmz", layer="党群服务站")
    assert "类型: 中心" in dict(zip(kmz["Name"], kmz["description"]))["甲社区党群服务中心"]

# ------------------------------------------ 3: the first view is the town, not the town and a stray station


def test_the_first_view_fits_the_town_not_a_station_no_walk_reaches(mapped):
    """The first view of the maps fitted every station: one typed 3 km off the town put the town in
    a corner (in Futian, a station of the next 街道 2.4 km off the network halved the town on a
    phone, 390 px wide). It is still drawn and named; the view fits the stations that serve."""
    lon_far, lat_far = _degrees(1000, 3000)
    lat_town = _degrees(0, 200)[1]  # the north edge of the community
    for page in ("coverage.html", "overview.html"):
        layers, ((south, west), (north, east)) = _map(mapped / page)
        assert north == pytest.approx(lat_town, abs=2e-5), page  # not the stray station's latitude
        assert len(layers["stations"]) == 2, page  # drawn all the same
        lons = sorted(f["geometry"]["coordinates"][0] for f in layers["stations"])
        assert lons[1] == pytest.approx(lon_far, abs=1e-5) and lat_far > north + 0.02


def test_the_printed_overview_is_not_widened_for_a_station_no_walk_reaches():
    """overview.png fitted the stray station too; it is drawn, outside the page's view."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from spatial.maps.static import overview_figure

    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0 - 200, X0 + 2000, Y0 + 200)],
                                   crs=UTM)
    stations = gpd.GeoDataFrame({"station_id": ["S1", "S2"], "reason": ["", "too far from network"]},
                                geometry=[Point(X0, Y0), Point(X0 + 1000, Y0 + 3000)], crs=UTM)
    fig = overview_figure(communities=communities, stations=stations, zh=False)
    try:
        ax = fig.axes[0]
        crs = communities.estimate_utm_crs()
        far = stations.to_crs(crs).geometry.iloc[1]
        top = communities.to_crs(crs).total_bounds[3]
        low, high = ax.get_ylim()
        assert high < far.y - 2000 and high >= top
    finally:
        plt.close(fig)


# ------------------------------------- 4: why a room was not chosen, when a chosen site reaches some of its homes


def test_a_room_not_chosen_says_what_it_would_add_on_its_own_and_beyond_the_chosen_sites():
    """In Futian, room R07 (792 m², the largest) read "would add 5 households within 15min — not
    chosen: the 2 sites chosen add more": 5 was what it adds beside the chosen sites; on its own it
    would bring 1,277 uncovered households within 15 minutes (recounted with networkx), and an
    official read it as a room reaching almost nobody.

    A footway 0-4,000 m, station S at 0 (reaching 0-1,000 m). Homes A at 1,500 m (100 households),
    B at 2,600 m (60), C at 3,600 m (30). Room P at 2,000 m reaches A and B (160): chosen with k=1.
    Room Q at 3,000 m reaches B and C: 90 on its own, 30 beside P. Room R at 4,000 m reaches only C
    (30 either way)."""
    import spatial
    from spatial.network.read import read_network

    street = gpd.GeoDataFrame({"highway": ["footway"]}, geometry=[LineString([(X0, Y0), (X0 + 4000, Y0)])],
                              crs=UTM)
    homes = gpd.GeoDataFrame({"unit_id": ["A", "B", "C"], "households": [100, 60, 30]},
                             geometry=[Point(X0 + x, Y0) for x in (1500, 2600, 3600)], crs=UTM)
    station = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(X0, Y0)], crs=UTM)
    rooms = gpd.GeoDataFrame({"candidate_id": ["P", "Q", "R"]},
                             geometry=[Point(X0 + x, Y0) for x in (2000, 3000, 4000)], crs=UTM)
    res = spatial.site_stations(homes, station, read_network(street), candidates=rooms, k=1, minutes=(15,))
    assert res.sites["candidate_id"].tolist() == ["P"]
    assert res.sites["gain_households"].tolist() == [160]
    rows = res.report[res.report["layer"] == "candidates"].set_index("row_id")
    assert rows.loc["Q", "problem"] == "would add 90 households within 15min on its own, 30 beyond those the chosen sites reach"
    assert rows.loc["Q", "problem_zh"] == "单独新建时15分钟内可新增 90 户，已选新站之外可再新增 30 户"
    assert rows.loc["R", "problem"] == "would add 30 households within 15min"  # none of its homes is P's
    assert rows.loc["Q", "action"] == "not chosen: the 1 site chosen (k=1) adds more"


# --------------------------------------------- 5: the band a site's figures are counted within, said beside them


def test_a_sites_figures_say_the_band_they_are_counted_within_on_the_map_the_sheet_and_the_kmz(tmp_path):
    """``spatial site --band 10min`` mapped over the 5/10/15-minute coverage (``spatial map --coverage
    cov.gpkg --sites sites.gpkg``): in Futian the first site's popup read 建成后累计覆盖率 51.4% beside a
    table whose whole-area row reads 79.5% (15 minutes): building it seemed to lower coverage. The
    sites file did not say its band, so neither the map nor the workbook could.

    The town's homes at x = 0 ... 1,800 and station 1 at x = 0 (walk x + 20 m): within 10 minutes
    (666.7 m) the homes at x <= 600, 400 of 1,000 households. Room R1 at x = 1,500 adds the homes
    within 666.7 m of it (x = 1,000 ... 1,800 at |x - 1,500| + 20): 500, so 90% once built."""
    import spatial
    from openpyxl import load_workbook

    from spatial.io.layers import read_layer
    from spatial.io.workbook import write_workbook
    from spatial.maps.kmz import results_kmz
    from spatial.network.read import read_network

    paths = _town(tmp_path)
    homes = gpd.read_file(paths["units"])
    station = gpd.GeoDataFrame({"station_id": ["S1"], "name": ["甲社区党群服务中心"]}, geometry=[Point(X0, Y0)],
                               crs=UTM)
    rooms = gpd.GeoDataFrame({"candidate_id": ["R1"]}, geometry=[Point(X0 + 1500, Y0)], crs=UTM)
    net = read_network(paths["network"])
    demand = spatial.walking_coverage(homes, station, net, minutes=(5, 10, 15))
    res = spatial.site_stations(demand, station, net, candidates=rooms, k=1, minutes=(5, 10, 15), band="10min")
    assert res.sites[["gain_households", "cum_coverage_pct", "band"]].values.tolist() == [[500, 90.0, "10min"]]
    assert res.before_after[["pct_before", "pct_after", "band"]].values.tolist()[0] == [40.0, 90.0, "10min"]

    page = tmp_path / "map.html"
    spatial.coverage_map(demand, station, sites=res.sites).save(str(page))
    text = page.read_text(encoding="utf-8")
    for label in ("10分钟内新增覆盖户数", "建成后10分钟内累计覆盖率（%）"):
        assert label in text

    summary = spatial.coverage_summary(demand, bands=spatial.make_bands(minutes=(5, 10, 15)))
    book = write_workbook(tmp_path / "s.xlsx", summary, sites=res.sites,
                          before_after=res.before_after)
    for title in ("新站选址", "建站前后"):
        rows = list(load_workbook(book)[title].values)
        column = rows[0].index("按步行范围")
        assert rows[1][column] == "10分钟内", title

    kmz = results_kmz(tmp_path / "s.kmz", {"sites": res.sites})
    described = read_layer(kmz, layer="建议新站点")["description"].iloc[0]
    assert "10分钟内新增覆盖户数: 500" in described and "建成后10分钟内累计覆盖率（%）: 90" in described


# ------------------------------------------------------ 6: which community a gap lies in, in the sheet and the KMZ


def test_each_gap_names_its_community_in_the_sheet_the_kmz_and_the_map(tmp_path, capsys):
    """The 盲区 sheet listed the 47 Futian gaps by rank, cause and households but not the 社区 each
    lies in (nor did gaps.csv or the KMZ), so "which communities fall short and why" needed the map
    and a click on every gap. Each gap now names the community holding most of its households,
    its homes placed as the coverage summary places them (by where they lie here).

    The town cut in two at x = 1,100: 甲社区 (C1) west, 乙社区 (C2) east. Beyond 15 minutes of station 1:
    the homes at x = 1,000 (C1) and 1,200 ... 1,800 (C2), 200 m apart: one gap of 500 households,
    400 of them in C2."""
    from openpyxl import load_workbook

    from spatial.cli import main
    from spatial.io.layers import read_layer

    paths = _town(tmp_path)
    units = gpd.read_file(paths["units"]).drop(columns="community_id")  # placed by where they lie
    units.to_file(paths["units"])
    gpd.GeoDataFrame({"community_id": ["C1", "C2"], "name": ["甲社区", "乙社区"]},
                     geometry=[box(X0 - 100, Y0 - 200, X0 + 1100, Y0 + 200),
                               box(X0 + 1100, Y0 - 200, X0 + 2100, Y0 + 200)], crs=UTM).to_file(paths["communities"])
    out = tmp_path / "cov.gpkg"
    assert main(["-q", "coverage", str(paths["network"]), str(paths["stations"]), str(paths["units"]),
                 "--communities", str(paths["communities"]), "--out", str(out), "--kml", str(tmp_path / "cov.kmz")]) == 0
    gaps = gpd.read_file(out, layer="gaps")
    assert gaps[["gap_id", "community_id", "households"]].values.tolist() == [["G001", "C2", 500]]
    rows = list(load_workbook(tmp_path / "cov_summary.xlsx")["盲区"].values)
    assert rows[1][rows[0].index("所属社区")] == "乙社区"
    described = read_layer(tmp_path / "cov.kmz", layer="覆盖盲区")["description"].iloc[0]
    assert "所属社区: 乙社区" in described
    page = tmp_path / "map.html"
    assert main(["-q", "map", "--coverage", str(out), "--out", str(page)]) == 0
    layers, _ = _map(page)
    assert [f["properties"].get("community") for f in layers["gaps"]] == ["乙社区"]
