"""A Shanghai planner's first week from the README alone (an outside tester's findings), on the
real OSM streets of Huangpu (People's Square to 老城厢, tests/data/huangpu_drive.osm): communities
numbered by their 12-digit statistical code (社区编号) and named 社区名称, stations typed by hand
as a CSV of 经度/纬度, homes off the mapped roads (the old city's 弄 lanes are not on the map)."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point

from spatial import run_project
from spatial.grids.partition import partition_grids

UTM = "EPSG:32651"  # Shanghai's UTM zone: metres
#: a corner of the blocks north of 延安东路 (UTM 51N), where the extract's streets are close together
X0, Y0 = 354_650.0, 3_456_650.0


def _huangpu_project(tmp_path: Path, huangpu_osm: Path, *, outputs: str = "png = false\n") -> Path:
    """Two communities of 200 m x 200 m numbered by their statistical code and named in 社区名称,
    four buildings of 151 households each in both (homes built from them: 395.62 people each at
    the census' 2.62 a household), and one station typed as 经度/纬度 in a CSV."""
    comm = gpd.GeoDataFrame({"社区编号": ["310101002001", "310101002002"], "社区名称": ["牛庄路社区", "贵州路社区"]},
                            geometry=[shapely.box(X0, Y0, X0 + 200, Y0 + 200),
                                      shapely.box(X0 + 200, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    cells = [(X0 + 10 + 100 * (i % 4), Y0 + 10 + 100 * (i // 4)) for i in range(8)]
    buildings = gpd.GeoDataFrame({"楼栋编号": [f"B{i}" for i in range(8)], "户数": [151] * 8, "层数": [6] * 8},
                                 geometry=[shapely.box(x + 20, y + 20, x + 60, y + 60) for x, y in cells], crs=UTM)
    comm.to_crs(4326).to_file(tmp_path / "in.gpkg", layer="communities")
    buildings.to_crs(4326).to_file(tmp_path / "in.gpkg", layer="buildings")
    lonlat = gpd.GeoSeries([Point(X0 + 200, Y0 + 100)], crs=UTM).to_crs(4326).iloc[0]
    (tmp_path / "stations.csv").write_text(
        f"编号,站点名称,经度,纬度\n1,牛庄路居民区党群服务站,{lonlat.x:.6f},{lonlat.y:.6f}\n", encoding="utf-8")
    path = tmp_path / "p.toml"
    path.write_text(
        '[project]\nname = "黄浦"\noutput = "out"\n[inputs]\n'
        f'network = "{huangpu_osm}"\n'
        'communities = { path = "in.gpkg", layer = "communities" }\n'
        'buildings = { path = "in.gpkg", layer = "buildings", households_col = "户数", floors_col = "层数" }\n'
        'stations = "stations.csv"\n'
        '[grids]\nmin_households = 250\nmax_households = 350\n[siting]\nenabled = false\n'
        f'[outputs]\n{outputs}', encoding="utf-8")
    return path


def _community_labels(html: str) -> list[str]:
    """The labels the map draws on the community outlines (its communities layer's titles)."""
    found = re.search(r'"p":\{[^{}]*?"_t":(\[[^\]]*\]),"_ids":\["社区编号', html)
    assert found, "no community layer with titles on the map"
    return re.findall(r'"([^"]*)"', found.group(1))


# ------------------------------------------------------------------ names: 社区名称 on every output


@pytest.fixture(scope="module")
def huangpu_run(tmp_path_factory, huangpu_osm) -> Path:
    """The output folder of `spatial run` on :func:`_huangpu_project`."""
    tmp_path = tmp_path_factory.mktemp("huangpu")
    run_project(_huangpu_project(tmp_path, huangpu_osm))
    return tmp_path / "out"


def test_a_project_names_communities_by_their_社区名称_on_the_maps_and_in_the_workbook(huangpu_run):
    # was: the maps labelled the communities 310101002001 / 310101002002 and their coverage
    # table and the workbook's 社区 sheet listed the codes alone, while the KMZ (and the grids'
    # 四至) named them 牛庄路社区 / 贵州路社区: `spatial run` found the communities' id and street
    # under their Chinese names but never their name
    out = huangpu_run
    for page in ("grids.html", "coverage.html", "overview.html"):
        html = (out / page).read_text(encoding="utf-8")
        assert _community_labels(html) == ["牛庄路社区", "贵州路社区"], page
        if page != "grids.html":  # the coverage table: the name, its code in small print
            assert "牛庄路社区 \\u003cspan class=\\\"sp-small\\\"\\u003e310101002001" in html, page
    sheet = pd.read_excel(out / "summary.xlsx", sheet_name="社区", dtype=str, engine="openpyxl")
    assert sheet["名称"].tolist() == ["牛庄路社区", "贵州路社区"]
    assert sheet["编号"].tolist() == ["310101002001", "310101002002"]


def test_the_csvs_give_people_as_whole_numbers_as_the_workbook_does(huangpu_run):
    # was: population = households x 2.62 went into every CSV with its float tail (grids.csv
    # 1006.0800000000002, gaps.csv 958.9200000000001, station_load.csv 11438.920000000002), which
    # Excel shows as 958.92 people; the README says the CSVs give counts as integers, as the
    # workbook shows them (its cells are formatted "0")
    grids = pd.read_csv(huangpu_run / "grids.csv", dtype=str)
    assert sorted(grids["population"]) == ["791"] * 4  # two units of 151 households: 2 x 395.62 = 791.24
    overall = pd.read_csv(huangpu_run / "coverage_summary.csv", dtype=str).iloc[0]
    assert overall["population"] == "3165"  # 8 x 395.62 = 3164.96
    load = pd.read_csv(huangpu_run / "station_load.csv", dtype=str)
    assert re.fullmatch(r"\d+", load["population_served"].iloc[0])
    book = pd.read_excel(huangpu_run / "summary.xlsx", sheet_name="网格", engine="openpyxl")
    assert sorted(round(v) for v in book["人口"]) == [791] * 4  # the figure the workbook shows
    # and the maps' popups (人口 47.16 for a building of 18 households): 395.62 is shown as 396
    html = (huangpu_run / "coverage.html").read_text(encoding="utf-8")
    shown = re.findall(r'"population":\[([^\]]*)\]', html)
    assert shown and all(v in ("396", "0") for row in shown for v in row.split(",")), shown  # 0: land with no home


# ------------------------------------------------------------------ codes: 社区编号 is the code


def test_communities_numbered_by_their_statistical_code_give_their_grids_codes():
    # was: communities whose id (社区编号) is their 12-digit 统计用区划代码 and which carry no
    # separate `code` column got grids with no grid_seq or grid_code, and no word why, though
    # the project asked for code_layout = "cjt349" (the district's grid table needs them)
    comm = gpd.GeoDataFrame({"社区编号": ["310101002001", "310101002002"]},
                            geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)], crs=UTM)
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(4)], "households": [300] * 4},
                             geometry=[shapely.box(x, y, x + 100, y + 50) for x in (0, 100) for y in (50, 0)],
                             crs=UTM)
    grids = partition_grids(units, comm, min_households=250, max_households=350,
                            community_id_col="社区编号").grids.set_index("grid_id")
    # two grids in each community, numbered north to south: -01 north, -02 south
    assert grids["grid_code"].to_dict() == {
        "310101002001-01": "00000031010100200101", "310101002001-02": "00000031010100200102",
        "310101002002-01": "00000031010100200201", "310101002002-02": "00000031010100200202"}
    assert grids.loc["310101002001-01"].geometry.centroid.y > grids.loc["310101002001-02"].geometry.centroid.y


def test_ids_that_are_not_division_codes_are_not_taken_for_codes():
    comm = gpd.GeoDataFrame({"community_id": ["C01"]}, geometry=[shapely.box(0, 0, 100, 100)], crs=UTM)
    units = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "households": [300, 300]},
                             geometry=[shapely.box(0, 0, 100, 50), shapely.box(0, 50, 100, 100)], crs=UTM)
    grids = partition_grids(units, comm, min_households=250, max_households=350).grids
    assert "grid_code" not in grids.columns


# ------------------------------------------------------------------ a station off the mapped roads


def test_a_station_off_the_mapped_roads_is_not_said_to_have_no_service_area(caplog):
    # was: a station 111 m from the mapped roads (文庙, inside the old city whose lanes are not on
    # the map) got service areas through its estimated walk, yet every run warned "1 station has no
    # service area (in a dropped network component): 5": the areas' inner check on the network
    # alone (study_area given, as `spatial run` and `spatial coverage --communities` do) warned it
    from spatial.coverage.service_areas import isochrones
    from spatial.network.graph import network_from_arrays

    xy = np.array([[0.0, 0.0], [400.0, 0.0], [800.0, 0.0]])
    net = network_from_arrays(xy, np.array([0, 1]), np.array([1, 2]), crs=UTM)
    station = gpd.GeoDataFrame({"station_id": ["S5"]}, geometry=[Point(400.0, 150.0)], crs=UTM)  # 150 m off
    study = gpd.GeoDataFrame({"community_id": ["C"]}, geometry=[shapely.box(0, 0, 800, 400)], crs=UTM)
    with caplog.at_level(logging.WARNING):
        areas = isochrones(station, net, minutes=(15,), study_area=study)
    assert not [r for r in caplog.records if "no service area" in r.getMessage()]
    # its areas are drawn: 187.5 m on the estimated leg (150 m x 1.25), then along the road
    assert areas.geometry.iloc[0].intersects(Point(700.0, 0.0))


# ------------------------------------------------------------------ stations typed by hand


def test_a_coordinate_column_copied_from_a_map_picker_is_named_with_how_to_split_it(tmp_path, huangpu_osm, capsys):
    # was: a station list with one column 坐标 of "121.4790,31.2300" (as 高德/百度's coordinate
    # picker copies a point) was refused as having no longitude column, listing the names looked
    # for, without a word that the column it has holds both numbers
    from spatial.cli import main

    (tmp_path / "stations.csv").write_text(
        '编号,站点名称,坐标\n1,豫园街道党群服务中心,"121.4790,31.2300"\n2,文庙居民区党群服务站,"121.4832，31.2215"\n',
        encoding="utf-8")
    units = gpd.GeoDataFrame({"unit_id": ["U1"], "households": [100]}, geometry=[Point(X0, Y0)], crs=UTM)
    units.to_file(tmp_path / "units.gpkg")
    argv = ["coverage", str(huangpu_osm), str(tmp_path / "stations.csv"), str(tmp_path / "units.gpkg"),
            "--out", str(tmp_path / "cov.gpkg")]
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "Column '坐标' holds two numbers in each cell ('121.4790,31.2300')" in err
    assert "经度 and 纬度" in err and "分列" in err
    assert not (tmp_path / "cov.gpkg").exists()


# ------------------------------------------------------------------ the printed overview


def test_the_printed_overview_never_runs_two_gap_numbers_together():
    # was: overview.png wrote the numbers of the ten largest gaps wherever their gaps lay, so two
    # small gaps side by side in the old city printed "#10#6" (read as #106), "#5#8" and "#9#3";
    # the web maps hold such a label back until one zooms in, the printed page had no such rule
    import matplotlib.pyplot as plt

    from spatial.maps.static import overview_figure

    comm = gpd.GeoDataFrame({"community_id": ["C"]}, geometry=[shapely.box(X0, Y0, X0 + 1000, Y0 + 1000)], crs=UTM)
    boxes = [shapely.box(X0 + 100, Y0 + 100, X0 + 120, Y0 + 140),  # 1 and 2: side by side, 20 m apart
             shapely.box(X0 + 120, Y0 + 100, X0 + 140, Y0 + 140),
             shapely.box(X0 + 800, Y0 + 800, X0 + 840, Y0 + 840)]  # 3: far from both
    gaps = gpd.GeoDataFrame({"rank": [1, 2, 3]}, geometry=boxes, crs=UTM)
    fig = overview_figure(communities=comm, gaps=gaps, zh=False)
    try:
        shown = sorted(t.get_text() for t in fig.axes[0].texts if t.get_text().startswith("#"))
    finally:
        plt.close(fig)
    assert shown == ["#1", "#3"]  # the larger gap keeps its number


# ------------------------------------------------------------------ a project of grids only


def test_a_project_that_draws_grids_only_writes_its_workbook_with_the_codes_as_text(tmp_path, huangpu_osm):
    # was: a first project without stations (grids only, `workbook = true` by default) wrote no
    # summary.xlsx and said nothing; its only table, grids.csv, opens in Excel with the 20-digit
    # grid codes as 3.10101E+19 and the community codes as 3.10101E+11 (docs/cli.md: the workbook
    # is the copy to open in Excel). Its 说明 sheet states no walk and credits no network it lacks.
    path = _huangpu_project(tmp_path, huangpu_osm)
    text = path.read_text(encoding="utf-8")
    text = re.sub(r'network = .*\n', "", text).replace('stations = "stations.csv"\n', "")
    path.write_text(text.replace("[siting]\nenabled = false\n", ""), encoding="utf-8")
    run_project(path)
    book = pd.read_excel(tmp_path / "out" / "summary.xlsx", sheet_name=None, dtype=str, engine="openpyxl")
    grids = book["网格"]
    assert sorted(grids["网格编码"]) == ["00000031010100200101", "00000031010100200102",
                                        "00000031010100200201", "00000031010100200202"]
    assert set(grids["所属社区"]) == {"牛庄路社区", "贵州路社区"}
    assert book["总体"]["户数"].tolist() == ["1208"]  # 8 x 151
    assert book["社区"][["名称", "户数"]].values.tolist() == [["牛庄路社区", "604"], ["贵州路社区", "604"]]
    about = " ".join(book["说明"].fillna("").astype(str).to_numpy().ravel())
    assert "OpenStreetMap" not in about and "公里/小时" not in about and "250–350" in about


# ------------------------------------------------------------------ road tunnels (the river)


def _osm_xml(path: Path, nodes: dict[int, tuple[float, float]], ways: list[tuple[int, list[int], dict]],
             relations: list[tuple[int, list[tuple[int, str]], dict]] = ()) -> None:
    """An OSM XML file of ``nodes`` (id -> UTM 51N x, y), ``ways`` (id, node ids, tags) and
    ``relations`` (id, way members as (way id, role), tags)."""
    lonlat = gpd.GeoSeries([Point(xy) for xy in nodes.values()], crs=UTM).to_crs(4326)
    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6">']
    lines += [f'<node id="{i}" lat="{p.y:.8f}" lon="{p.x:.8f}"/>' for i, p in zip(nodes, lonlat)]
    for wid, refs, tags in ways:
        lines.append(f'<way id="{wid}">' + "".join(f'<nd ref="{r}"/>' for r in refs)
                     + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()) + "</way>")
    for rid, members, tags in relations:
        lines.append(f'<relation id="{rid}">' + "".join(f'<member type="way" ref="{m}" role="{role}"/>'
                                                        for m, role in members)
                     + "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items()) + "</relation>")
    path.write_text("\n".join(lines + ["</osm>"]), encoding="utf-8")


def test_a_road_tunnel_is_not_walked(tmp_path):
    # was: the walking network kept primary and secondary roads in tunnels (osmnx's walk filter
    # does): on Huangpu's extract 人民路隧道 and 外滩隧道, 1.5 km of car tunnel under 人民路 and
    # 中山东一路, and homes above them were snapped to the tunnel; a full extract's cross-river
    # tunnels would let Pudong's homes walk under the Huangpu river to Puxi's stations.
    # Here a street goes round three sides of a 400 m x 200 m block and a tunnel under its fourth
    # side joins its ends: the walk from one end to the other is 20 + 200 + 400 + 200 - 20 m plus
    # two 5 m legs = 770 m, not 450 m through the tunnel.
    from spatial import read_network, walking_coverage

    nodes = {1: (X0, Y0), 2: (X0, Y0 + 200), 3: (X0 + 400, Y0 + 200), 4: (X0 + 400, Y0), 5: (X0 - 100, Y0 + 200)}
    _osm_xml(tmp_path / "t.osm", nodes, [
        (10, [1, 2, 3, 4], {"highway": "residential", "name": "地面路"}),
        (11, [1, 4], {"highway": "secondary", "tunnel": "yes", "name": "人民路隧道"}),
        (12, [2, 5], {"highway": "footway", "tunnel": "yes"}),  # an underpass for people: kept
    ])
    net = read_network(tmp_path / "t.osm")
    assert "人民路隧道" not in set(net.name)
    row = net.report[net.report["problem"].str.startswith("tunnel=yes on highway=secondary")]
    assert len(row) == 1 and "0.400 km" in row["problem"].iloc[0]
    assert net.length_m.sum() == pytest.approx(800 + 100, abs=1.0)  # the street and the footway
    stations = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[Point(X0 - 5, Y0 + 20)], crs=UTM)
    homes = gpd.GeoDataFrame({"households": [10]}, geometry=[Point(X0 + 405, Y0 + 20)], crs=UTM)
    walk = walking_coverage(homes, stations, net, minutes=(15,))["walk_m"].iloc[0]
    assert walk == pytest.approx(770, abs=1.0)


def test_building_ids_are_not_said_to_be_the_units_ids(tmp_path, capsys):
    # was: `spatial grids ... --from-buildings` said "buildings: using column 楼栋编号 as unit_id",
    # while the units it built are numbered 310101002001-0001 ... (楼栋编号 only names the
    # buildings in the report): a planner then looked for B1 in the plan and the editor
    from spatial.cli import main

    comm = gpd.GeoDataFrame({"community_id": ["310101002001"]}, geometry=[shapely.box(X0, Y0, X0 + 200, Y0 + 100)],
                            crs=UTM)
    buildings = gpd.GeoDataFrame({"楼栋编号": ["B1", "B2"], "户数": [150, 150]},
                                 geometry=[shapely.box(X0 + 20, Y0 + 20, X0 + 80, Y0 + 80),
                                           shapely.box(X0 + 120, Y0 + 20, X0 + 180, Y0 + 80)], crs=UTM)
    comm.to_file(tmp_path / "c.gpkg")
    buildings.to_file(tmp_path / "b.gpkg")
    assert main(["grids", str(tmp_path / "c.gpkg"), str(tmp_path / "b.gpkg"), "--from-buildings",
                 "--min", "100", "--max", "200", "--out", str(tmp_path / "g.gpkg")]) == 0
    said = capsys.readouterr().out
    assert "using column 楼栋编号 as building id" in said and "as unit_id" not in said
    units = gpd.read_file(tmp_path / "g.gpkg", layer="units")
    assert sorted(units.loc[units["户数"] > 0, "unit_id"]) == ["310101002001-0001", "310101002001-0002"]
