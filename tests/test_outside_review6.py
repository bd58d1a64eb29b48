"""Today's changes used as their users would (review 6): a planner at the CLI drawing coded grids
and locking grids built from buildings, an official reading a station on a phone's KMZ.

The town: one community 400 m x 200 m (code 440304007001) of eight units 50 m wide, 100
households each; two grids of 400 households (EPSG:32650, near Shenzhen).
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from spatial.cli import main

UTM = "EPSG:32650"
X0, Y0 = 500_000.0, 2_500_000.0


def _at(x0: float, y0: float, x1: float, y1: float):
    return box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


@pytest.fixture
def town(tmp_path):
    communities = gpd.GeoDataFrame({"community_id": ["C1"], "code": ["440304007001"]}, crs=UTM,
                                   geometry=[_at(0, 0, 400, 200)])
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(8)], "households": [100] * 8}, crs=UTM,
                             geometry=[_at(50 * i, 0, 50 * (i + 1), 200) for i in range(8)])
    communities.to_file(tmp_path / "in.gpkg", layer="communities")
    units.to_file(tmp_path / "in.gpkg", layer="units")
    return ["-q", "grids", f"{tmp_path / 'in.gpkg'}:communities", f"{tmp_path / 'in.gpkg'}:units", "--grids", "2"]


# ------------------------------------------------ 1: --object-type typed with a Chinese input method


def test_an_object_type_typed_in_full_width_digits_is_read_as_its_digits(town, tmp_path, capsys):
    """`spatial grids --object-type ４４０３００` (typed with a Chinese input method, as division
    codes are, which the package reads) was refused: "object_type '４４０３００' must be 6 digits"."""
    assert main([*town, "--object-type", "４４０３００", "--out", str(tmp_path / "a.gpkg")]) == 0, \
        capsys.readouterr().err
    codes = sorted(gpd.read_file(tmp_path / "a.gpkg", layer="grids")["grid_code"])
    assert codes == ["440300" "440304007001" "01", "440300" "440304007001" "02"]


def test_assign_grid_codes_reads_a_full_width_object_type_as_its_digits():
    from spatial.grids.codes import assign_grid_codes

    communities = gpd.GeoDataFrame({"community_id": ["C1"], "code": ["440304007001"]}, crs=UTM,
                                   geometry=[_at(0, 0, 400, 200)])
    grids = gpd.GeoDataFrame({"grid_id": ["C1-01"], "community_id": ["C1"]}, crs=UTM,
                             geometry=[_at(0, 0, 400, 200)])
    out = assign_grid_codes(grids, communities, object_type="４４０３００ ")
    assert out["grid_code"].tolist() == ["44030044030400700100"]


def test_a_project_reads_a_full_width_object_type_as_its_digits(tmp_path, capsys):
    """A project file's object_type = "４４０３００" was refused as not 6 digits as text."""
    from test_outside_staff import _coded_project

    _coded_project(tmp_path, 'object_type = "４４０３００"\n')
    assert main(["-q", "run", str(tmp_path / "p.toml")]) == 0, capsys.readouterr().err
    codes = sorted(gpd.read_file(tmp_path / "out" / "results.gpkg", layer="grids")["grid_code"])
    assert codes == ["440300" "440304007001" "01", "440300" "440304007001" "02"]
    # with a layout that has no object type, refused as --object-type is (it was dropped without a word)
    text = (tmp_path / "p.toml").read_text(encoding="utf-8")
    (tmp_path / "p.toml").write_text(text.replace("object_type", 'code_layout = "db11"\nobject_type'), encoding="utf-8")
    assert main(["-q", "run", str(tmp_path / "p.toml")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "[grids] object_type" in err and "drop object_type" in err


def test_an_object_type_with_a_layout_that_has_none_is_refused_not_dropped(town, tmp_path, capsys):
    """`--code-layout db11 --object-type 440300` wrote Beijing's 15-digit codes and said nothing of
    the object type given: the planner believed the codes carried it."""
    assert main([*town, "--code-layout", "db11", "--object-type", "440300", "--out", str(tmp_path / "b.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--object-type 440300" in err and "--code-layout db11" in err
    assert "drop --object-type" in err and not (tmp_path / "b.gpkg").exists()
    # without it, db11 as before; and cjt349's default object type is still 000000
    assert main([*town, "--code-layout", "db11", "--out", str(tmp_path / "c.gpkg")]) == 0
    assert gpd.read_file(tmp_path / "c.gpkg", layer="grids")["grid_code"].str.len().eq(15).all()
    assert main([*town, "--out", str(tmp_path / "d.gpkg")]) == 0
    assert gpd.read_file(tmp_path / "d.gpkg", layer="grids")["grid_code"].str.startswith("000000").all()


# ------------------------------------------------ 2: a station's floor area on the phone's KMZ


def test_a_stations_floor_area_is_in_its_kmz_description_as_in_its_popup(tmp_path):
    """Today's change put each station's 类型 and 建筑面积 in the map popups and, its commit said,
    the KMZ; the KMZ a grid worker opens in 奥维互动地图 gave 类型 but no floor area (the demo's S01:
    站点编号, 类型 中心, 服务户数, 服务人口, and not its 1,050 m²)."""
    from spatial.io.layers import read_layer
    from spatial.maps.kmz import results_kmz

    stations = gpd.GeoDataFrame({"station_id": ["S1", "S2"], "name": ["甲社区党群服务中心", "乙站"],
                                 "类型": ["中心", "站"], "面积（㎡）": [600, 85.5],
                                 "households_served": [400, 0]},
                                crs=UTM, geometry=[Point(X0, Y0), Point(X0 + 300, Y0)])
    kmz = results_kmz(tmp_path / "s.kmz", {"stations": stations})
    described = dict(zip(*read_layer(kmz, layer="党群服务站")[["Name", "description"]].T.to_numpy()))
    assert "类型: 中心" in described["甲社区党群服务中心"]
    assert "建筑面积（平方米）: 600" in described["甲社区党群服务中心"]
    assert "建筑面积（平方米）: 85.5" in described["乙站"]


# ------------------------------------------------ 3: a lock list of units and their grids, units built from buildings


def test_a_lock_list_with_unit_and_grid_ids_on_units_built_from_buildings_says_which_column_to_keep(tmp_path, capsys):
    """The natural lock list is last run's units layer cut down to the grids to keep: it has both
    unit_id and grid_id. With --from-buildings it was refused with "lock whole grids with a table
    of grid_id", a column the file already had: the planner was not told to delete unit_id."""
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, crs=UTM, geometry=[_at(0, 0, 400, 200)])
    houses = gpd.GeoDataFrame({"楼号": [f"B{k:02d}" for k in range(16)], "户数": [50] * 16}, crs=UTM,
                              geometry=[_at(20 + 100 * i, 20 + 50 * j, 70 + 100 * i, 45 + 50 * j)
                                        for i in range(4) for j in range(4)])
    communities.to_file(tmp_path / "c.gpkg")
    houses.to_file(tmp_path / "b.gpkg")
    base = ["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "b.gpkg"), "--from-buildings",
            "--min", "150", "--max", "250"]
    assert main([*base, "--out", str(tmp_path / "g1.gpkg")]) == 0, capsys.readouterr().err
    first = gpd.read_file(tmp_path / "g1.gpkg", layer="units")
    kept = first["grid_id"].iloc[0]
    first.loc[first["grid_id"] == kept, ["unit_id", "grid_id"]].to_csv(tmp_path / "lock.csv", index=False)
    args = [*base, "--existing", f"{tmp_path / 'g1.gpkg'}:grids", "--lock", str(tmp_path / "lock.csv")]
    assert main([*args, "--out", str(tmp_path / "g2.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--lock lock.csv names units by id" in err
    assert "delete its column unit_id and keep grid_id" in err and not (tmp_path / "g2.gpkg").exists()
    # as it says: the grid's column alone locks that grid
    pd.read_csv(tmp_path / "lock.csv")[["grid_id"]].to_csv(tmp_path / "lock.csv", index=False)
    assert main([*args, "--out", str(tmp_path / "g3.gpkg")]) == 0, capsys.readouterr().err
    again = gpd.read_file(tmp_path / "g3.gpkg", layer="units")
    assert again["grid_id"].eq(kept).sum() == first["grid_id"].eq(kept).sum()


# ------------------------------------------------ 4: an 'estate' column left blank


@pytest.mark.parametrize("blank", [None, "", "否"])
def test_a_blank_estate_column_is_not_reported_as_the_estates_read(tmp_path, capsys, blank):
    """Units exported from the grid editor's template carry an 'estate' column, often left blank.
    spatial grids reported "no 'gated' column: gated estates (小区) read from column 'estate' ...
    units sharing an id in 'estate' are kept in one grid" when it named no estate at all, so the
    planner took the estates as kept. A column naming one estate is still reported so."""
    communities = gpd.GeoDataFrame({"community_id": ["C1"], "code": ["440304007001"]}, crs=UTM,
                                   geometry=[_at(0, 0, 400, 200)])
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(8)], "households": [100] * 8,
                              "estate": [blank] * 8}, crs=UTM,
                             geometry=[_at(50 * i, 0, 50 * (i + 1), 200) for i in range(8)])
    communities.to_file(tmp_path / "in.gpkg", layer="communities")
    units.to_file(tmp_path / "in.gpkg", layer="units")
    named = units.assign(estate=[None, None, None, "香蜜苑", "香蜜苑", None, None, None])
    named.to_file(tmp_path / "in.gpkg", layer="named")
    args = ["-q", "grids", f"{tmp_path / 'in.gpkg'}:communities"]
    assert main([*args, f"{tmp_path / 'in.gpkg'}:units", "--grids", "2", "--out", str(tmp_path / "a.gpkg")]) == 0
    problems = gpd.read_file(tmp_path / "a.gpkg", layer="report")["problem"]
    assert not problems.str.contains("read from column 'estate'").any(), problems.tolist()
    assert main([*args, f"{tmp_path / 'in.gpkg'}:named", "--grids", "2", "--out", str(tmp_path / "b.gpkg")]) == 0
    problems = gpd.read_file(tmp_path / "b.gpkg", layer="report")["problem"]
    assert problems.str.contains("read from column 'estate'").sum() == 1
    grids = gpd.read_file(tmp_path / "b.gpkg", layer="units").set_index("unit_id")["grid_id"]
    assert grids["U3"] == grids["U4"]  # 香蜜苑 kept whole


# ------------------------------------------------ 5: community ids read as floats (a units column with a blank cell)


def _homes_with_a_blank_community():
    """Three homes whose community ids come as a shapefile or GeoPackage gives an integer column
    with a blank cell: 101.0, 102.0, NaN; communities 101 and 102 as integers."""
    communities = gpd.GeoDataFrame({"community_id": [101, 102], "name": ["香蜜社区", "竹林社区"]}, crs=UTM,
                                   geometry=[_at(0, 0, 100, 100), _at(100, 0, 200, 100)])
    homes = gpd.GeoDataFrame({"community_id": [101.0, 102.0, np.nan], "households": [10, 20, 5],
                              "band": ["15min", None, "15min"], "fca_m2_per_100hh": [40.0, 10.0, 0.0]},
                             crs=UTM, geometry=[Point(X0 + 50, Y0 + 50), Point(X0 + 150, Y0 + 50),
                                                Point(X0 + 500, Y0 + 50)])
    return communities, homes


def test_the_community_summary_counts_homes_of_ids_read_as_floats_in_their_community():
    """The 社区 sheet of the coverage workbook listed every community twice: 香蜜社区 101 with 0
    homes, and an unnamed '101.0' with its 96 units and 4,044 households (the demo with integer
    ids and one unit's community left blank), and fca_by_community.csv gave ids '101.0'."""
    from spatial.coverage.walks import coverage_summary
    from spatial.coverage.load import fca_by_community

    communities, homes = _homes_with_a_blank_community()
    summary = coverage_summary(homes, bands=["15min"], communities=communities)
    rows = summary[summary["level"] == "community"].set_index("id")
    assert rows.index.tolist() == ["101", "102", "(none)"]
    assert rows["households"].tolist() == [10, 20, 5] and rows["hh_15min"].tolist() == [10, 0, 5]
    fca = fca_by_community(homes, communities=communities)
    assert fca.loc[fca["level"] == "community", "id"].tolist() == ["101", "102", "(none)"]


def test_a_gap_names_its_community_when_the_homes_ids_read_as_floats(tmp_path):
    """Today's gaps name their community (所属社区); with the homes' ids read as floats the gap's
    community_id was '108.0' and its 所属社区 blank in the 盲区 sheet and the KMZ."""
    from spatial.coverage._gapsplit import main_community

    ids = np.array([101.0, 101.0, 102.0, None], dtype=object)
    got = main_community(ids, np.array([0, 0, 1, 1]), np.array([10.0, 10.0, 5.0, 50.0]), np.array([0, 1]))
    assert got == ["101", "102"]


def test_the_workbook_names_communities_whose_ids_read_as_floats_in_their_layer(tmp_path):
    """Communities whose id column has a blank cell (101.0, 102.0, NaN) beside homes of integer
    ids: the 社区 sheet gives each its name, and each once."""
    import openpyxl

    from spatial.coverage.walks import coverage_summary
    from spatial.io.workbook import write_workbook

    communities, homes = _homes_with_a_blank_community()
    blank = gpd.GeoDataFrame({"community_id": [np.nan], "name": ["无编号社区"]}, crs=UTM,
                             geometry=[_at(300, 0, 400, 100)])
    communities = pd.concat([communities.assign(community_id=[101.0, 102.0]), blank], ignore_index=True)
    homes = homes.iloc[:2].assign(community_id=[101, 102])
    summary = coverage_summary(homes, bands=["15min"], communities=communities)
    path = write_workbook(tmp_path / "c.xlsx", summary, communities=communities)
    rows = list(openpyxl.load_workbook(path)["社区"].iter_rows(values_only=True))
    assert [r[:2] for r in rows[1:]] == [("香蜜社区", "101"), ("竹林社区", "102")]


# ------------------------------------------------ 6: --gated-col naming a column the units lack


def test_a_gated_col_the_units_lack_is_refused_in_the_words_of_the_option_when_drawing_too(town, tmp_path, capsys):
    """`spatial grids --evaluate ... --gated-col 小区` said "--gated-col: the plan's units have no
    column '小区'", but drawing and redrawing with it said "'in.gpkg:units' has no column '小区'
    (gated_col) ... leave gated_col out", an option the CLI does not have."""
    assert main([*town, "--gated-col", "小区", "--out", str(tmp_path / "a.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--gated-col: the units in 'in.gpkg:units' have no column '小区'" in err
    assert "gated_col" not in err and "leave --gated-col out" in err and not (tmp_path / "a.gpkg").exists()
    assert main([*town, "--out", str(tmp_path / "b.gpkg")]) == 0
    redraw = [*town[:4], "--existing", f"{tmp_path / 'b.gpkg'}:units", "--gated-col", "小区"]
    assert main([*redraw, "--out", str(tmp_path / "c.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert "--gated-col: the units in 'in.gpkg:units' have no column '小区'" in err and "gated_col" not in err


def test_a_station_and_a_grid_of_community_ids_read_as_floats_are_named_in_the_sheet_and_the_kmz(tmp_path):
    """A station list whose 社区编号 has a blank cell reads 101.0, 102.0: the 服务站负荷 sheet gave
    every station's 所属社区 blank beside communities 101 and 102; so did the KMZ for grids and
    gaps whose ids read so."""
    import openpyxl

    from spatial.coverage.walks import coverage_summary
    from spatial.io.layers import read_layer
    from spatial.io.workbook import write_workbook
    from spatial.maps.kmz import results_kmz

    communities, homes = _homes_with_a_blank_community()
    load = pd.DataFrame({"station_id": ["S1", "S2", "S3"], "community_id": [np.nan, 101.0, 102.0],
                         "households_served": [0, 10, 20]})
    summary = coverage_summary(homes, bands=["15min"], communities=communities)
    path = write_workbook(tmp_path / "c.xlsx", summary, communities=communities, station_load=load)
    sheet = openpyxl.load_workbook(path)["服务站负荷"]
    rows = list(sheet.iter_rows(values_only=True))
    at = rows[0].index("所属社区")
    assert [r[at] for r in rows[1:]] == [None, "香蜜社区", "竹林社区"]
    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"], "community_id": [101.0, np.nan]}, crs=UTM,
                             geometry=[_at(0, 0, 100, 100), _at(100, 0, 200, 100)])
    kmz = results_kmz(tmp_path / "g.kmz", {"grids": grids, "communities": communities})
    described = dict(zip(*read_layer(kmz, layer="网格")[["Name", "description"]].T.to_numpy()))
    assert "香蜜社区" in described["G1"]


def test_a_map_popup_names_the_community_of_a_station_whose_id_reads_as_a_float():
    """The map popups looked a station's (a home's, a gap's) community up by its id as text:
    '101.0' named none of the communities 101 and 102."""
    from spatial.maps._data import STATION_FIELDS, names_of, popup_props

    communities, _ = _homes_with_a_blank_community()
    stations = gpd.GeoDataFrame({"community_id": [101.0, np.nan, 102.0]}, crs=UTM,
                                geometry=[Point(X0, Y0), Point(X0 + 1, Y0), Point(X0 + 2, Y0)])
    props, _ = popup_props(stations, STATION_FIELDS, "zh", names={"community": names_of(communities, "community_id")})
    assert props["community"] == ["香蜜社区", None, "竹林社区"]
