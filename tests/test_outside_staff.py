"""The 街道 grid office's staffing sheet, as an outside user met it: each grid's 楼栋数 and 楼栋长
from the units' own building counts, its 四至 read from the names a road layer gives (name:zh,
ref), a side along two lines naming both, and the 十联户 groups a household-points file leaves out.
Tiny towns with answers worked out by hand."""

from __future__ import annotations

import math

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, Point, box

import spatial
from spatial.cli import main
from spatial.grids.four_bounds import EDGE, four_bounds

UTM = "EPSG:32650"
X0, Y0 = 193_000.0, 2_494_000.0  # Futian, in UTM 50N metres


def _at(geom):
    return shapely.affinity.translate(geom, X0, Y0)


def _strip_town():
    """One community 400 m x 200 m of eight units 50 m wide, 100 households each; the four
    western units are estates of 5 buildings, the four eastern ones single towers. Two grids
    of 400 households: the west one holds 20 buildings, the east one 4."""
    communities = gpd.GeoDataFrame({"community_id": ["C1"], "name": ["香蜜社区"]}, crs=UTM,
                                   geometry=[_at(box(0, 0, 400, 200))])
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(8)], "户数": [100] * 8,
                              "楼栋数": [5, 5, 5, 5, 1, 1, 1, 1]}, crs=UTM,
                             geometry=[_at(box(50 * i, 0, 50 * (i + 1), 200)) for i in range(8)])
    return communities, units


def _grids_layer(path):
    return gpd.read_file(path, layer="grids").set_index("grid_id").sort_index()


# ------------------------------------------------- 1: the units' 楼栋数 ignored by spatial grids


def test_spatial_grids_counts_each_grid_s_buildings_from_the_units_楼栋数_column(tmp_path):
    """A units table from the 街道 (户数, 楼栋数): spatial grids found 户数 but not 楼栋数, and
    counted each grid's buildings as its units with households, 4 and 4, so 2 楼栋长 each, where
    the west grid has 20 buildings (10 楼栋长) and the east one 4 (2)."""
    communities, units = _strip_town()
    communities.to_file(tmp_path / "c.gpkg")
    units.to_file(tmp_path / "u.gpkg")
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--grids", "2",
                 "--out", str(tmp_path / "g.gpkg")]) == 0
    grids = _grids_layer(tmp_path / "g.gpkg")
    west, east = grids.index  # C1-01 is the western grid (numbered west to east)
    assert grids.loc[west, "households"] == grids.loc[east, "households"] == 400
    assert (grids.loc[west, "n_buildings"], grids.loc[east, "n_buildings"]) == (20, 4)
    assert (grids.loc[west, "building_leads"], grids.loc[east, "building_leads"]) == (math.ceil(20 / 2), math.ceil(4 / 2))
    assert grids["household_leads"].tolist() == [40, 40]


def test_a_buildings_column_of_another_name_is_taken_with_buildings_col(tmp_path):
    communities, units = _strip_town()
    units = units.rename(columns={"楼栋数": "bldg_total"})
    communities.to_file(tmp_path / "c.gpkg")
    units.to_file(tmp_path / "u.gpkg")
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--grids", "2",
                 "--buildings-col", "bldg_total", "--out", str(tmp_path / "g.gpkg")]) == 0
    assert sorted(_grids_layer(tmp_path / "g.gpkg")["n_buildings"].tolist()) == [4, 20]


def test_spatial_run_counts_the_buildings_of_a_units_楼栋数_column(tmp_path):
    """The same town in a project file: spatial run found 户数 and left 楼栋数 aside."""
    communities, units = _strip_town()
    communities.to_file(tmp_path / "in.gpkg", layer="communities")
    units.to_file(tmp_path / "in.gpkg", layer="units")
    gpd.GeoDataFrame({"station_id": ["S1"], "name": ["香蜜党群服务中心"]}, crs=UTM,
                     geometry=[Point(X0 + 200, Y0 - 5)]).to_file(tmp_path / "in.gpkg", layer="stations")
    gpd.GeoDataFrame({"highway": ["residential"], "name": ["红荔路"]}, crs=UTM,
                     geometry=[LineString([(X0 - 50, Y0 - 5), (X0 + 450, Y0 - 5)])]).to_file(tmp_path / "net.gpkg")
    (tmp_path / "p.toml").write_text(
        '[project]\nname = "t"\noutput = "out"\n[inputs]\nnetwork = "net.gpkg"\n'
        'communities = { path = "in.gpkg", layer = "communities" }\nunits = { path = "in.gpkg", layer = "units" }\n'
        'stations = { path = "in.gpkg", layer = "stations" }\n[grids]\nmin_households = 300\nmax_households = 500\n'
        '[outputs]\nmaps = false\nworkbook = false\npng = false\nkml = false\n', encoding="utf-8")
    assert main(["-q", "run", str(tmp_path / "p.toml")]) == 0
    grids = _grids_layer(tmp_path / "out" / "results.gpkg")
    assert int(grids["n_buildings"].sum()) == 24
    assert int(grids["building_leads"].sum()) == sum(math.ceil(b / 2) for b in grids["n_buildings"])


def test_without_a_buildings_column_the_report_says_the_楼栋数_are_units_counted():
    """No buildings column at all: n_buildings counts the units with households (4 and 4 here,
    the towers right and the estates not) and the 楼栋长 follow; the report said nothing of it."""
    communities, units = _strip_town()
    plan = spatial.partition_grids(units.drop(columns="楼栋数"), communities, households_col="户数", n_grids=2)
    assert plan.grids["n_buildings"].tolist() == [4, 4]
    rows = plan.report[plan.report["problem"].str.contains("no 'buildings' column")]
    assert len(rows) == 1 and rows["layer"].iloc[0] == "units"
    assert "building_leads" in rows["problem"].iloc[0] and "楼栋长" in rows["problem_zh"].iloc[0]
    # with the column, nothing is said
    plan = spatial.partition_grids(units, communities, households_col="户数", buildings_col="楼栋数", n_grids=2)
    assert not plan.report["problem"].str.contains("'buildings'").any()
    assert sorted(plan.grids["n_buildings"].tolist()) == [4, 20]


@pytest.mark.parametrize(("value", "shown"), [(None, "is blank for unit U3: write its number of buildings"),
                                               ("五栋", "U3='五栋'"), ("-1", "U3='-1'")])
def test_a_blank_text_or_negative_building_count_names_the_file_and_unit(tmp_path, capsys, value, shown):
    communities, units = _strip_town()
    units["楼栋数"] = units["楼栋数"].astype(object)
    units.loc[3, "楼栋数"] = value
    communities.to_file(tmp_path / "c.gpkg")
    units.to_file(tmp_path / "u.gpkg")
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--grids", "2",
                 "--out", str(tmp_path / "g.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "'u.gpkg' column '楼栋数'" in err and shown in err
    assert not (tmp_path / "g.gpkg").exists()


# ------------------------------------------------- 2: 四至 from the names a road layer gives


def _one_grid():
    return gpd.GeoDataFrame({"grid_id": ["G1"], "community_id": ["C1"]}, crs=UTM, geometry=[_at(box(0, 0, 200, 200))])


def _lines(**columns):
    geometry = columns.pop("geometry")
    return gpd.GeoDataFrame(pd.DataFrame(columns), crs=UTM, geometry=[_at(g) for g in geometry])


NORTH = LineString([(-50, 205), (250, 205)])
WEST = LineString([(-5, -50), (-5, 250)])
SOUTH = LineString([(-50, -5), (250, -5)])
EAST = LineString([(205, -50), (205, 250)])


def test_a_road_layer_with_only_name_zh_names_the_sides():
    # an OSM export (QuickOSM, overpass) carries name:zh; the sides read 辖区边界 all round
    roads = _lines(**{"name:zh": ["红荔路", "香蜜湖路"], "geometry": [NORTH, WEST]})
    out = four_bounds(_one_grid(), roads).iloc[0]
    assert (out["north_bound"], out["west_bound"]) == ("红荔路", "香蜜湖路")


def test_each_line_is_named_by_the_first_name_column_it_fills():
    # the north street has no name but a name:zh, the west one a name only; a way whose name is
    # pinyin is named by its name:zh; an unnamed road with a number by the number; 'nan' is no name
    roads = _lines(name=[None, "香蜜湖路", "Binhe Dadao", "nan"], **{"name:zh": ["红荔路", None, "滨河大道", None]},
                   ref=[None, None, "S550", "G4"], geometry=[NORTH, WEST, SOUTH, EAST])
    out = four_bounds(_one_grid(), roads).iloc[0]
    assert out["four_bounds"] == "东至G4，南至滨河大道，西至香蜜湖路，北至红荔路"
    blank = _lines(name=["nan", "None"], geometry=[NORTH, WEST])
    assert four_bounds(_one_grid(), blank)["four_bounds"].iloc[0] == "东至辖区边界，南至辖区边界，西至辖区边界，北至辖区边界"


def test_a_side_half_along_a_river_and_half_along_a_wall_names_both():
    """The north side, 200 m: its west 100 m along 深圳河 (drawn as an area), its east 100 m along
    a named wall. It read "北至华侨城围墙" (the first of the two names in sort order); with the river
    along 110 m, "北至深圳河". A 四至 names both, the longer first; a wall along 50 m (25%) is left out."""
    grid = _one_grid()
    for split, north in ((100, "华侨城围墙、深圳河"), (110, "深圳河、华侨城围墙"), (150, "深圳河")):
        roads = _lines(name=["深圳河", "华侨城围墙"],
                       geometry=[box(0, 203, split, 260), LineString([(split, 201), (200, 201)])])
        assert four_bounds(grid, roads)["north_bound"].iloc[0] == north, split


def test_a_cross_street_already_naming_its_own_side_is_not_named_again_on_the_next():
    """红荔路 along the south side's western 120 m, and 香梅路 along the east side bending west
    along the south's other 80 m (40%): 香梅路 is the east side's, and the south stays 红荔路 (the
    corner street of an irregular grid is not named on both sides). A street along those 80 m
    and no other side is named with 红荔路."""
    grid = _one_grid()
    roads = _lines(name=["红荔路", "香梅路"],
                   geometry=[LineString([(-50, -5), (120, -5)]), LineString([(205, 250), (205, -5), (120, -5)])])
    out = four_bounds(grid, roads).iloc[0]
    assert (out["east_bound"], out["south_bound"]) == ("香梅路", "红荔路")
    # a street along that part of the south side and no other side is named there
    roads = _lines(name=["红荔路", "香梅路"],
                   geometry=[LineString([(-50, -5), (120, -5)]), LineString([(120, -5), (260, -5)])])
    assert four_bounds(grid, roads)["south_bound"].iloc[0] == "红荔路、香梅路"


# ------------------------------------------------- 3: household points covering part of the area


def test_grids_with_households_but_no_household_points_are_report_rows(tmp_path, capsys):
    """A 十联户 points file of the west grid's buildings only: the east grid's 400 households got
    no groups and nothing said so (its 40 联户长 on the sheet had none to lead)."""
    communities, units = _strip_town()
    communities.to_file(tmp_path / "c.gpkg")
    units.to_file(tmp_path / "u.gpkg")
    points = pd.DataFrame({"楼号": ["U0", "U1", "U2", "U3"], "户数": [100] * 4,
                           "x": [X0 + 25 + 50 * i for i in range(4)], "y": [Y0 + 100] * 4})
    gpd.GeoDataFrame(points, geometry=gpd.points_from_xy(points["x"], points["y"]), crs=UTM).to_file(
        tmp_path / "hp.gpkg")
    assert main(["grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--grids", "2",
                 "--household-points", str(tmp_path / "hp.gpkg"), "--out", str(tmp_path / "g.gpkg")]) == 0
    assert "; 1 grid with households has no household points, so no groups" in capsys.readouterr().out
    groups = gpd.read_file(tmp_path / "g.gpkg", layer="household_groups")
    assert groups["grid_id"].unique().tolist() == ["C1-01"] and groups["households"].sum() == 400
    report = gpd.read_file(tmp_path / "g.gpkg", layer="report")
    rows = report[(report["layer"] == "grids") & (report["row_id"] != "-")]  # (not the note on grid codes)
    assert rows[["row_id", "problem"]].values.tolist() == [["C1-02", "400 households and no household point in it"]]
    assert "十联户" in rows["action"].iloc[0]


# ------------------------------------------------- 4: the grid codes' object type in a project


def _coded_project(tmp_path, grids_extra: str):
    communities, units = _strip_town()
    communities.assign(code=["440304007001"]).to_file(tmp_path / "in.gpkg", layer="communities")
    units.to_file(tmp_path / "in.gpkg", layer="units")
    gpd.GeoDataFrame({"station_id": ["S1"]}, crs=UTM, geometry=[Point(X0 + 200, Y0 - 5)]).to_file(
        tmp_path / "in.gpkg", layer="stations")
    gpd.GeoDataFrame({"highway": ["residential"]}, crs=UTM,
                     geometry=[LineString([(X0 - 50, Y0 - 5), (X0 + 450, Y0 - 5)])]).to_file(tmp_path / "net.gpkg")
    (tmp_path / "p.toml").write_text(
        '[project]\nname = "t"\noutput = "out"\n[inputs]\nnetwork = "net.gpkg"\n'
        'communities = { path = "in.gpkg", layer = "communities" }\nunits = { path = "in.gpkg", layer = "units" }\n'
        'stations = { path = "in.gpkg", layer = "stations" }\n[grids]\nmin_households = 300\nmax_households = 500\n'
        f'{grids_extra}[outputs]\nmaps = false\nworkbook = false\npng = false\nkml = false\n', encoding="utf-8")
    return tmp_path / "p.toml"


def test_a_project_sets_the_object_type_in_front_of_its_cjt349_grid_codes(tmp_path, capsys):
    """docs/grid-codes.md: CJ/T 349 codes begin with a 6-digit object type, "set it to your local
    catalogue's value"; a project file could not (object_type under [grids] was an unknown key),
    so every code of spatial run began 000000."""
    project = _coded_project(tmp_path, 'object_type = "440300"\n')
    assert main(["-q", "run", str(project)]) == 0, capsys.readouterr().err
    codes = sorted(_grids_layer(tmp_path / "out" / "results.gpkg")["grid_code"])
    assert codes == ["440300" + "440304007001" + "01", "440300" + "440304007001" + "02"]
    communities, units = _strip_town()
    plan = spatial.partition_grids(units, communities.assign(code=["440304007001"]), households_col="户数", n_grids=2,
                                   object_type="440300")
    assert plan.grids["grid_code"].str[:6].tolist() == ["440300", "440300"]
    redrawn = spatial.redraw_grids(units, communities.assign(code=["440304007001"]), plan.units[["unit_id", "grid_id"]],
                                   households_col="户数", object_type="440300")
    assert sorted(redrawn.grids["grid_code"]) == codes


def test_an_object_type_that_is_not_six_digits_is_refused_in_one_line(tmp_path, capsys):
    project = _coded_project(tmp_path, "object_type = 440300\n")  # a TOML number, not text
    assert main(["-q", "run", str(project)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "object_type" in err and "6 digits as text" in err
    communities, units = _strip_town()
    with pytest.raises(spatial.SpatialError, match=r"object_type '4403' must be 6 digits for layout 'cjt349'"):
        spatial.partition_grids(units, communities, households_col="户数", object_type="4403")


# ------------------------------------------------- 5: the staff on a grid worker's phone


def test_the_kmz_describes_each_grid_s_联户长_with_its_other_staff(tmp_path):
    """results.kmz (奥维互动地图 on a grid worker's phone) listed each grid's 专职, 兼职 and 楼栋长 but
    not its 联户长, which the workbook and the maps give: ceil(400 / 10) = 40 here."""
    import zipfile

    from spatial.maps.kmz import results_kmz

    communities, units = _strip_town()
    plan = spatial.partition_grids(units, communities, households_col="户数", buildings_col="楼栋数", n_grids=2)
    path = results_kmz(tmp_path / "网格.kmz", {"grids": plan.grids})
    with zipfile.ZipFile(path) as kmz:
        text = kmz.read("doc.kml").decode("utf-8")
    assert text.count("楼栋长（人）: 10") == 1 and text.count("楼栋长（人）: 2") == 1
    assert text.count("联户长（人）: 40") == 2


def test_a_community_known_by_its_name_is_not_named_社区_twice():
    """Grids whose community ids are the communities' names (竹林社区, a village 沙头村), with no
    communities layer to name them: the side across read "东至竹林社区社区" and "东至沙头村社区"."""
    grids = gpd.GeoDataFrame({"grid_id": ["香蜜-01", "竹林-01", "沙头-01", "C4-01"],
                              "community_id": ["香蜜社区", "竹林社区", "沙头村", "C4"]}, crs=UTM,
                             geometry=[_at(box(200 * i, 0, 200 * (i + 1), 200)) for i in range(4)])
    out = four_bounds(grids)
    assert out["east_bound"].tolist() == ["竹林社区", "沙头村", "C4社区", EDGE]
    assert out["west_bound"].tolist() == [EDGE, "香蜜社区", "竹林社区", "沙头村"]


def test_a_grid_code_typed_in_full_width_digits_is_parsed_as_its_digits():
    # docs/grid-codes.md: codes typed with a Chinese input method read as the same ASCII digits;
    # parse_grid_code refused ４４０３０４００１００２００１ as "not 15 digits"
    from spatial.grids.codes import parse_grid_code

    assert parse_grid_code("４４０３０４００１００２００１", layout="db11") == {
        "county": "440304", "street": "001", "community": "002", "grid": "001"}
    with pytest.raises(spatial.SpatialError, match="is not 20 digits"):
        parse_grid_code("４４０３０４００１００２００１")


def test_a_grid_the_planner_named_网格_is_not_named_网格_twice():
    # docs/grid-codes.md: grids the planner named (北1, 幸福里网格) keep their names; across a side,
    # 幸福里网格 read "西至幸福里网格网格"
    grids = gpd.GeoDataFrame({"grid_id": ["幸福里网格", "北1"], "community_id": ["C1", "C1"]}, crs=UTM,
                             geometry=[_at(box(0, 0, 200, 200)), _at(box(200, 0, 400, 200))])
    out = four_bounds(grids)
    assert out["east_bound"].tolist() == ["北1网格", EDGE] and out["west_bound"].tolist() == [EDGE, "幸福里网格"]


@pytest.mark.parametrize("column", ["NAME", "Name", "道路名称（现状）"])
def test_a_road_layer_s_name_column_is_found_as_files_spell_it(column):
    # a shapefile from ArcGIS (NAME), a KML's Name, a municipal layer's 道路名称（现状）: every side
    # read 辖区边界, as if the roads had no names
    roads = _lines(**{column: ["红荔路", "香蜜湖路"], "geometry": [NORTH, WEST]})
    out = four_bounds(_one_grid(), roads).iloc[0]
    assert (out["north_bound"], out["west_bound"]) == ("红荔路", "香蜜湖路")


def test_the_community_across_is_named_from_a_name_column_as_files_spell_it():
    # a communities layer from a KML (Name): the side across read "C2社区", not 竹林社区
    grids = gpd.GeoDataFrame({"grid_id": ["C1-01", "C2-01"], "community_id": ["C1", "C2"]}, crs=UTM,
                             geometry=[_at(box(0, 0, 200, 200)), _at(box(200, 0, 400, 200))])
    communities = gpd.GeoDataFrame({"community_id": ["C1", "C2"], "Name": ["香蜜社区", "竹林社区"]}, crs=UTM,
                                   geometry=list(grids.geometry))
    out = four_bounds(grids, communities=communities)
    assert out["east_bound"].tolist() == ["竹林社区", EDGE] and out["west_bound"].tolist() == [EDGE, "香蜜社区"]


# ------------------------------------------------- 6: grids left without codes


def test_grids_without_codes_are_said_in_the_report_of_spatial_grids_and_spatial_run(tmp_path):
    """Communities with no 12-digit division code (ids C1 ...): the grids layer and the workbook's
    网格 sheet had no 网格编码 and the report said nothing; the office is now told what to add."""
    communities, units = _strip_town()
    communities.to_file(tmp_path / "c.gpkg")
    units.to_file(tmp_path / "u.gpkg")
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--grids", "2",
                 "--out", str(tmp_path / "g.gpkg")]) == 0
    assert "grid_code" not in gpd.read_file(tmp_path / "g.gpkg", layer="grids").columns
    report = gpd.read_file(tmp_path / "g.gpkg", layer="report")
    rows = report[report["problem"].str.startswith("no grid codes (grid_code)")]
    assert rows[["layer", "row_id"]].values.tolist() == [["grids", "-"]] and "统计用区划代码" in rows["action"].iloc[0]
    # the same communities with their code: codes, and no such row
    communities.assign(code=["440304007001"]).to_file(tmp_path / "c.gpkg")
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--grids", "2",
                 "--out", str(tmp_path / "g.gpkg")]) == 0
    assert not gpd.read_file(tmp_path / "g.gpkg", layer="report")["problem"].str.contains("no grid codes").any()
    # spatial run
    (tmp_path / "run").mkdir()
    project = _coded_project(tmp_path / "run", "")
    communities.to_file(tmp_path / "run" / "in.gpkg", layer="communities")  # without its code again
    assert main(["-q", "run", str(project)]) == 0
    report = gpd.read_file(tmp_path / "run" / "out" / "results.gpkg", layer="report")
    assert report["problem"].str.startswith("no grid codes (grid_code)").sum() == 1


def test_spatial_grids_takes_the_code_layout_and_the_object_type(tmp_path, capsys):
    """fix-k left it: only a project file or Python could set them; `spatial grids` wrote every
    code as CJ/T 349 beginning 000000."""
    communities, units = _strip_town()
    communities.assign(code=["440304007001"]).to_file(tmp_path / "in.gpkg", layer="communities")
    units.to_file(tmp_path / "in.gpkg", layer="units")
    args = ["-q", "grids", f"{tmp_path / 'in.gpkg'}:communities", f"{tmp_path / 'in.gpkg'}:units",
            "--households-col", "户数", "--grids", "2"]
    assert main([*args, "--object-type", "440300", "--out", str(tmp_path / "a.gpkg")]) == 0, capsys.readouterr().err
    assert sorted(_grids_layer(tmp_path / "a.gpkg")["grid_code"]) == ["440300" + "440304007001" + "01",
                                                                     "440300" + "440304007001" + "02"]
    assert main([*args, "--code-layout", "stats12", "--out", str(tmp_path / "b.gpkg")]) == 0
    assert sorted(_grids_layer(tmp_path / "b.gpkg")["grid_code"]) == ["440304007001001", "440304007001002"]
    assert main([*args, "--object-type", "4403", "--out", str(tmp_path / "c.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "'4403' must be 6 digits" in err and not (tmp_path / "c.gpkg").exists()
