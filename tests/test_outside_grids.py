"""Grids as an outside planner uses them on awkward inputs: codes, merges, evaluations and redraws.

Each test builds a tiny input whose answer is known by hand (or by a reference computed here with
shapely and pandas), never from spatial's own report.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import box

from spatial import assign_grid_codes, evaluate_grids, merge_grid_layers, partition_grids, redraw_grids

CRS = "EPSG:32650"
CODE = "440304001002"


def _lattice(nx, ny, households, *, size=100.0, community=None):
    rows = [{"unit_id": f"u{i}_{j}", "households": households,
             "geometry": box(i * size, j * size, (i + 1) * size, (j + 1) * size)}
            for i in range(nx) for j in range(ny)]
    units = gpd.GeoDataFrame(rows, crs=CRS)
    if community is not None:
        units["community_id"] = [community(i, j) for i in range(nx) for j in range(ny)]
    return units


def _community(code=CODE, bounds=(0, 0, 600, 600)):
    return gpd.GeoDataFrame({"community_id": ["C1"], "code": [code]}, geometry=[box(*bounds)], crs=CRS)


# --- grid codes ---------------------------------------------------------------------------------

def test_a_plan_whose_grids_are_named_up_to_99_redraws_with_codes_that_fit_cjt349():
    # an office's plan numbers its two grids C1-98 and C1-99; both are over the band, so the
    # redraw adds a grid: it cannot be number 100 in a 2-digit grid part
    units = _lattice(6, 6, 30)
    units["grid_id"] = np.where(units.geometry.centroid.x < 300, "C1-98", "C1-99")
    res = redraw_grids(units, _community())
    codes = dict(zip(res.grids["grid_id"], res.grids["grid_code"]))
    assert len(codes) == 3 and all(len(c) == 20 and c.isdigit() for c in codes.values())
    assert codes["C1-98"].endswith("98") and codes["C1-99"].endswith("99")  # kept names keep their codes
    new = next(c for g, c in codes.items() if g not in ("C1-98", "C1-99"))
    assert new.endswith("01")  # the lowest free number
    assert res.grids["grid_seq"].is_unique


def test_a_grid_named_past_the_layouts_numbers_gets_a_number_that_fits():
    cells = [box(x, y, x + 100, y + 100) for y in (100, 0) for x in (0, 100)]
    grids = gpd.GeoDataFrame({"grid_id": ["C1-150", "C1-01", "a", "b"], "community_id": "C1"}, geometry=cells,
                             crs=CRS)
    out = assign_grid_codes(grids, _community(bounds=(0, 0, 200, 200)))
    assert sorted(out["grid_seq"]) == [1, 2, 3, 4]
    assert out["grid_code"].str.len().eq(20).all()
    assert dict(zip(out["grid_id"], out["grid_seq"]))["C1-01"] == 1


def test_a_community_code_typed_in_full_width_digits_gives_an_ascii_code():
    units = _lattice(6, 6, 100)
    full_width = "".join(chr(ord(d) + 0xFEE0) for d in CODE)  # ４４０３０４００１００２
    res = partition_grids(units, _community(code=full_width))
    codes = res.grids["grid_code"]
    assert codes.map(lambda c: c.isascii() and c.isdigit() and len(c) == 20).all()
    assert codes.str[6:18].eq(CODE).all()


# --- 多网合一 -------------------------------------------------------------------------------------

def test_merge_keeps_an_island_of_a_grid_in_that_grid_not_a_grid_of_its_own():
    island = box(300, 0, 320, 20)  # land across water: touches nothing else in the community
    land = box(0, 0, 200, 100)
    community = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.union(land, island)], crs=CRS)
    civil = gpd.GeoDataFrame({"grid_id": ["A", "B"]},
                             geometry=[shapely.union(box(0, 0, 100, 100), island), box(100, 0, 200, 100)], crs=CRS)
    police = gpd.GeoDataFrame({"grid_id": [1]}, geometry=[community.geometry[0]], crs=CRS)
    res = merge_grid_layers({"综治": civil, "公安": police}, community)
    assert len(res.unified) == 2  # one unified grid per civil grid, the island in A's
    holder = res.unified[res.unified.intersects(island.centroid)]
    assert holder["reference_grid"].tolist() == ["A"]
    assert holder.geometry.iloc[0].area == (100 * 100 + 20 * 20)
    assert not res.report["problem"].str.contains("no reference grid").any()
    row = res.report[res.report["row_id"] == "C1/A"]
    assert row["action"].str.contains("kept in it").all() and not row["action"].str.contains("joined").any()


# --- evaluation of a plan edited by hand ----------------------------------------------------------

def _two_communities():
    """Communities A (x < 400) and B, 16 units of 50 households each; grids of 8 units each."""
    units = _lattice(8, 4, 50, community=lambda i, j: "A" if i < 4 else "B")
    communities = units.dissolve("community_id").reset_index()[["community_id", "geometry"]]
    x = units.geometry.centroid.x
    units["grid_id"] = np.select([x < 200, x < 400, x < 600], ["A-01", "A-02", "B-01"], "B-02")
    units.loc[units["unit_id"] == "u4_0", "grid_id"] = "A-02"  # lassoed across the community line
    return units, communities


def test_evaluate_names_a_grid_holding_units_of_two_communities():
    units, communities = _two_communities()
    res = evaluate_grids(units, communities)
    row = res.report[res.report["row_id"] == "A-02"]
    assert len(row) == 1 and row["problem"].iloc[0].startswith("holds units of communities A and B")
    assert "u4_0" in row["problem"].iloc[0]
    # its community is the one holding most of its households, and the scores are of that one
    grid = res.grids.set_index("grid_id").loc["A-02"]
    assert grid["community_id"] == "A" and grid["households"] == 450
    assert not res.report["row_id"].isin(["A-01", "B-01", "B-02"]).any()


def test_evaluate_on_the_command_line_names_it_for_units_placed_by_location(tmp_path):
    from spatial.cli import main

    units, communities = _two_communities()
    units.drop(columns=["community_id", "grid_id"]).to_file(tmp_path / "units.gpkg")
    communities.to_file(tmp_path / "comm.gpkg")
    units[["unit_id", "grid_id"]].to_csv(tmp_path / "plan.csv", index=False)
    out = tmp_path / "scores.gpkg"
    assert main(["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--existing",
                 str(tmp_path / "plan.csv"), "--evaluate", "--out", str(out), "-q"]) == 0
    report = gpd.read_file(out, layer="report")
    assert report.loc[report["row_id"] == "A-02", "problem"].str.contains("communities A and B").all()
    assert (report["row_id"] == "A-02").sum() == 1


# --- redraw of a plan edited by hand ------------------------------------------------------------

def test_a_redraw_gives_a_unit_lassoed_across_the_community_line_back_to_its_community():
    units, communities = _two_communities()
    res = redraw_grids(units.drop(columns="community_id"), communities, units[["unit_id", "grid_id"]])
    # one unit moves, into the grid of its own community it touches; no grid of B is redrawn
    assert res.moves[["unit_id", "old_grid", "new_grid"]].values.tolist() == [["u4_0", "A-02", "B-01"]]
    assert res.moves["reason"].tolist() == ["its grid A-02 lies mostly in community A"]
    households = dict(zip(res.grids["grid_id"], res.grids["households"]))
    assert households == {"A-01": 400, "A-02": 400, "B-01": 400, "B-02": 400}
    row = res.report[res.report["row_id"] == "A-02"]
    assert row["action"].str.contains("its 1 unit in B (50 households, fewer than a grid) joins the neighbouring "
                                      "grids of B", regex=False).all() and len(row) == 1


def test_a_redraw_still_makes_a_grid_of_a_part_across_the_line_that_holds_one():
    units, communities = _two_communities()
    part = units["grid_id"].eq("B-01") | units["unit_id"].eq("u4_0")
    units.loc[part, "grid_id"] = "A-02"  # B's western 8 units (400 households) planned in A-02
    res = redraw_grids(units.drop(columns="community_id"), communities, units[["unit_id", "grid_id"]])
    assert set(res.units.loc[part, "grid_id"]) == {"A-02@B"}
    assert len(res.moves) == 8  # the part became a grid of B; nothing else moved


# --- the command line keeps whole counts whole --------------------------------------------------

def test_grids_writes_the_units_household_counts_as_the_integers_they_were(tmp_path):
    from spatial.cli import main

    units = _lattice(6, 6, 30).rename(columns={"households": "户数"})
    units["户数"] = units["户数"].astype(np.int64)
    units.loc[0, "户数"] = 31
    text = units.copy()
    text["户数"] = text["户数"].map(lambda v: f"{v}户")  # as offices type them
    _community().to_file(tmp_path / "comm.gpkg")
    for name, layer in (("ints", units), ("text", text)):
        layer.to_file(tmp_path / f"{name}.gpkg")
        out = tmp_path / f"{name}_out.gpkg"
        assert main(["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / f"{name}.gpkg"), "--out", str(out),
                     "-q"]) == 0
        written = gpd.read_file(out, layer="units")
        assert pd.api.types.is_integer_dtype(written["户数"]), name
        assert written["户数"].sum() == 30 * 35 + 31


# --- grid counts per community --------------------------------------------------------------------

def test_grid_counts_per_community_match_integer_ids_given_as_text():
    units = _lattice(8, 4, 50, community=lambda i, j: 1 if i < 4 else 2)  # ids 1 and 2, as integers
    communities = units.dissolve("community_id").reset_index()[["community_id", "geometry"]]
    res = partition_grids(units, communities, n_grids={"1": 2, "2": 2})  # as read from a CSV
    assert res.grids.groupby("community_id").size().to_dict() == {1: 2, 2: 2}
    assert not res.report["problem"].str.contains("asked for").any()


def test_grid_counts_for_a_community_that_does_not_exist_are_named():
    units = _lattice(8, 4, 50, community=lambda i, j: "A" if i < 4 else "B")
    communities = units.dissolve("community_id").reset_index()[["community_id", "geometry"]]
    res = partition_grids(units, communities, n_grids={"A": 2, "B": 2, "Z": 1})
    assert res.grids.groupby("community_id").size().to_dict() == {"A": 2, "B": 2}
    rows = res.report[res.report["problem"].str.contains("n_grids names communities")]
    assert len(rows) == 1 and "Z" in rows["problem"].iloc[0]
    # not blamed on units: every community has the grids asked for it
    assert not res.report["problem"].str.contains("at most one grid per unit").any()


# --- locks and groups keyed by ids as typed -----------------------------------------------------

def _numbered():
    units = _lattice(6, 6, 30)
    units["unit_id"] = np.arange(len(units))  # integer ids
    return units


def test_locked_units_keyed_by_the_text_of_integer_ids_are_locked():
    res = partition_grids(_numbered(), _community(), locked={"0": "KEEP", "1": "KEEP"})
    assert res.units.loc[res.units["unit_id"].isin([0, 1]), "grid_id"].tolist() == ["KEEP", "KEEP"]


def test_a_lock_naming_no_unit_is_refused_and_one_naming_a_removed_unit_is_reported():
    import pytest

    from spatial import ColumnError

    with pytest.raises(ColumnError, match="locked names no unit among the units: 999"):
        partition_grids(_numbered(), _community(), locked={999: "KEEP"})
    res = partition_grids(_numbered(), _community(), locked={0: "KEEP", 999: "KEEP"})
    assert res.units.loc[res.units["unit_id"] == 0, "grid_id"].tolist() == ["KEEP"]
    row = res.report[res.report["row_id"] == "999"]
    assert len(row) == 1 and row["problem"].str.contains("not among the units").all()


def test_merge_mapping_lists_a_department_grid_lying_outside_every_community():
    communities = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 300, 300)], crs=CRS)
    civil = gpd.GeoDataFrame({"grid_id": ["a1", "a2"]}, geometry=[box(0, 0, 300, 300), box(2000, 2000, 2100, 2100)],
                             crs=CRS)
    police = gpd.GeoDataFrame({"grid_id": ["b1"]}, geometry=[box(0, 0, 300, 300)], crs=CRS)
    res = merge_grid_layers({"综治": civil, "公安": police}, communities)
    assert set(res.mapping["grid_id"]) == {"a1", "a2", "b1"}  # every department grid is looked up
    row = res.mapping[res.mapping["grid_id"] == "a2"]
    assert len(row) == 1 and row["unified_id"].isna().all() and row["share"].eq(0).all()
    assert res.conflicts.query("grid_a == 'a2'")["kind"].tolist() == ["outside_communities"]


# --- the band ------------------------------------------------------------------------------------

def test_a_band_that_is_no_band_is_refused_the_same_way_by_draw_redraw_and_evaluate():
    import pytest

    from spatial import SpatialError

    units = _lattice(6, 6, 30)
    plan = units.assign(grid_id="G")
    calls = {"partition": lambda **kw: partition_grids(units, _community(), **kw),
             "redraw": lambda **kw: redraw_grids(plan, _community(), **kw),
             "evaluate": lambda **kw: evaluate_grids(plan, _community(), **kw)}
    for lo, hi, says in [(600, 500, "must not exceed"), (float("nan"), 500, "finite"), (300, float("inf"), "finite"),
                         (-10, 500, "0 or more"), (0, 0, "above 0")]:
        for name, call in calls.items():
            with pytest.raises(SpatialError, match=says):
                call(min_households=lo, max_households=hi)


def test_evaluate_of_a_units_layer_names_its_units_by_their_bianhao(tmp_path):
    from shapely.geometry import MultiPolygon

    from spatial.cli import main

    units = _lattice(6, 6, 30).rename(columns={"unit_id": "编号"})
    units["编号"] = 1000 + np.arange(len(units))
    units["grid_id"] = np.where(units.geometry.centroid.x < 300, "G1", "G2")
    # unit 1000 (in G1, the west) also owns an islet in the community's north-east corner
    units.loc[0, "geometry"] = MultiPolygon([box(0, 0, 100, 100), box(560, 560, 580, 580)])
    units.loc[units.geometry.intersects(box(560, 560, 580, 580)) & (units["编号"] != 1000), "geometry"] = \
        box(500, 500, 600, 600).difference(box(560, 560, 580, 580))
    units.to_file(tmp_path / "plan.gpkg")
    _community().to_file(tmp_path / "comm.gpkg")
    out = tmp_path / "scores.gpkg"
    assert main(["grids", "--evaluate", str(tmp_path / "plan.gpkg"), str(tmp_path / "comm.gpkg"), "--out", str(out),
                 "-q"]) == 0
    report = gpd.read_file(out, layer="report")
    row = report[report["row_id"] == "G1"]
    assert len(row) == 1 and "unit 1000 is itself in several parts" in row["problem"].iloc[0]


def test_evaluate_grids_names_units_by_the_id_column_given():
    units = _lattice(4, 2, 100).rename(columns={"unit_id": "编号"})
    units["编号"] = ["A", "B", "C", "D", "E", "F", "G", "H"]
    units["grid_id"] = ["G1", "G1", "G2", "G2", "G2", "G2", "G1", "G1"]  # G1: columns 0 and 3, apart
    res = evaluate_grids(units, _community(bounds=(0, 0, 400, 200)), unit_id_col="编号")
    row = res.report[res.report["row_id"] == "G1"]
    assert len(row) == 1 and row["problem"].str.contains("2 separate pieces").all()
    missing = units.assign(grid_id=units["grid_id"].where(units["编号"] != "C"))
    res = evaluate_grids(missing, _community(bounds=(0, 0, 400, 200)), unit_id_col="编号")
    assert res.report["row_id"].eq("C").sum() == 1  # the unit without a grid, by its id


# --- households spread over buildings -------------------------------------------------------------

def _three_buildings(**columns):
    footprints = [box(0, 0, 10, 10), box(20, 0, 30, 10), box(40, 0, 50, 10)]  # three equal footprints
    community = gpd.GeoDataFrame({"community_id": ["C1"], "households": [300]}, geometry=[box(-5, -5, 60, 20)],
                                 crs=CRS)
    return gpd.GeoDataFrame({"bid": ["a", "b", "c"], **columns}, geometry=footprints, crs=CRS), community


def test_floors_typed_with_their_unit_word_weigh_as_those_floors():
    from spatial import spread_by_floor_area

    buildings, community = _three_buildings(floors=["6层", "6", 6])
    out = spread_by_floor_area(buildings, community)
    assert out["households"].tolist() == [100, 100, 100]  # not 1 floor for "6层"


def test_a_given_count_typed_as_text_is_kept_and_a_negative_one_refused():
    import pytest

    from spatial import ColumnError, spread_by_floor_area

    buildings, community = _three_buildings(floors=6, households=["120户", None, ""])
    out = spread_by_floor_area(buildings, community)
    assert out["households"].tolist() == [120, 90, 90]
    assert out["households_source"].tolist() == ["given", "spread by floor area", "spread by floor area"]
    buildings, community = _three_buildings(floors=6, households=[-30, None, None])
    with pytest.raises(ColumnError, match="'households' must hold a number >= 0 or be blank; bad rows: 0=-30"):
        spread_by_floor_area(buildings, community)
    buildings, community = _three_buildings(floors=["six", 6, 6])
    with pytest.raises(ColumnError, match="'floors'.*0='six'"):
        spread_by_floor_area(buildings, community)


def test_an_old_grid_outline_holding_no_unit_is_named_not_dropped_quietly(tmp_path):
    from spatial.cli import main

    units = _lattice(6, 6, 30)
    outlines = gpd.GeoDataFrame({"网格编号": ["G1", "G2", "G3"]}, crs=CRS,
                                geometry=[box(0, 0, 300, 600), box(300, 0, 600, 600), box(5000, 5000, 5100, 5100)])
    units.to_file(tmp_path / "units.gpkg")
    _community().to_file(tmp_path / "comm.gpkg")
    outlines.to_file(tmp_path / "old.gpkg")
    out = tmp_path / "new.gpkg"
    assert main(["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--existing",
                 str(tmp_path / "old.gpkg"), "--redraw", "--out", str(out), "-q"]) == 0
    report = gpd.read_file(out, layer="report")
    row = report[report["row_id"] == "G3"]
    assert len(row) == 1 and row["problem"].str.contains("holds most of no unit").all()
    assert not report.loc[
        report["row_id"].isin(["G1", "G2"]), "problem"].str.contains("no unit").any()


# --- gated estates as spreadsheets and shapefiles store them ----------------------------------------

def test_a_gated_column_of_no_words_does_not_make_one_estate_of_the_open_units():
    base = _lattice(6, 6, 30)  # 1,080 households: three grids of 360
    for values in (["否"] * 36, [0] * 36, ["FALSE"] * 36, ["是"] * 18 + ["否"] * 18, [1] * 18 + [0] * 18):
        res = partition_grids(base.assign(gated=values), _community())
        assert sorted(res.grids["households"]) == [360, 360, 360], values[0]
        assert not res.report["problem"].str.contains("kept together").any()


def test_estate_ids_with_no_words_for_the_open_units_keep_only_the_estates_whole():
    units = _lattice(6, 6, 30)
    x, y = units.geometry.centroid.x, units.geometry.centroid.y
    units["gated"] = np.where((x < 200) & (y < 300), "阳光花园", "否")  # one estate of 6 units, the rest open
    res = partition_grids(units, _community())
    estate = res.units.loc[units["gated"] == "阳光花园", "grid_id"]
    assert estate.nunique() == 1
    assert sorted(res.grids["households"]) == [360, 360, 360]


def test_a_code_layout_that_does_not_exist_is_refused_before_drawing():
    import pytest

    from spatial import SpatialError

    units = _lattice(6, 6, 30)
    for call in (lambda: partition_grids(units, _community(), code_layout="DB11"),
                 lambda: redraw_grids(units.assign(grid_id="G"), _community(), code_layout="DB11")):
        with pytest.raises(SpatialError, match="code layout 'DB11' is not one of cjt349, db11, stats12"):
            call()


def test_a_project_file_naming_a_code_layout_that_does_not_exist_is_refused_when_read(tmp_path):
    import pytest

    from spatial import SpatialError
    from spatial.project.config import load_project

    _lattice(6, 6, 30).to_file(tmp_path / "units.gpkg")
    _community().to_file(tmp_path / "comm.gpkg")
    (tmp_path / "p.toml").write_text('[inputs]\ncommunities = "comm.gpkg"\nunits = "units.gpkg"\n'
                                     '[grids]\ncode_layout = "DB11"\n', encoding="utf-8")
    with pytest.raises(SpatialError, match="code_layout"):
        load_project(tmp_path / "p.toml")


def test_one_community_without_its_code_leaves_the_other_communities_codes(tmp_path):
    from spatial.cli import main

    units = _lattice(12, 6, 30)
    communities = gpd.GeoDataFrame({"community_id": ["C1", "C2"], "code": [CODE, None]}, crs=CRS,
                                   geometry=[box(0, 0, 600, 600), box(600, 0, 1200, 600)])
    res = partition_grids(units, communities)
    c1 = res.grids[res.grids["community_id"] == "C1"]
    assert sorted(c1["grid_code"]) == [f"000000{CODE}0{k}" for k in (1, 2, 3)]
    assert res.grids.loc[res.grids["community_id"] == "C2", "grid_code"].isna().all()
    row = res.report[res.report["problem"].str.startswith("grid codes not assigned")]
    assert len(row) == 1 and "'C2'" in row["problem"].iloc[0] and "the others have theirs" in row["action"].iloc[0]
    # and the command line writes them, with the phone's KMZ
    units.to_file(tmp_path / "units.gpkg")
    communities.to_file(tmp_path / "comm.gpkg")
    assert main(["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--out",
                 str(tmp_path / "g.gpkg"), "--kml", str(tmp_path / "g.kmz"), "-q"]) == 0
    written = gpd.read_file(tmp_path / "g.gpkg", layer="grids")
    assert written["grid_code"].notna().sum() == 3


def test_an_optional_column_named_on_purpose_but_absent_is_refused():
    import pytest

    from spatial import ColumnError

    units = _lattice(6, 6, 30)
    for option, name in (("population_col", "人口"), ("buildings_col", "栋数"), ("gated_col", "小区")):
        with pytest.raises(ColumnError, match=f"no column '{name}' \\({option}\\)"):
            partition_grids(units, _community(), **{option: name})
        with pytest.raises(ColumnError, match=f"no column '{name}' \\({option}\\)"):
            redraw_grids(units.assign(grid_id="G"), _community(), **{option: name})
    # left at their defaults they may be absent
    assert partition_grids(units, _community()).grids["population"].isna().all()


def test_bad_staffing_ratios_and_merge_options_are_spatial_errors_naming_the_option():
    import pytest

    from spatial import SpatialError, staffing

    grids = pd.DataFrame({"grid_id": ["G1"], "households": [420], "n_buildings": [9]})
    for option, value in (("buildings_per_building_lead", 0), ("households_per_household_lead", -10),
                          ("full_time_per_grid", 1.5)):
        with pytest.raises(SpatialError, match=option):
            staffing(grids, **{option: value})
    layer = gpd.GeoDataFrame({"grid_id": ["a"]}, geometry=[box(0, 0, 10, 10)], crs=CRS)
    community = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(0, 0, 10, 10)], crs=CRS)
    with pytest.raises(SpatialError, match="reference 'x' is not one of the layers"):
        merge_grid_layers({"a": layer, "b": layer}, community, reference="x")


def test_blocks_keyed_by_the_text_of_integer_ids_are_the_streets():
    import pytest

    from spatial import ColumnError

    units = _numbered()
    west = dict(zip(units["unit_id"].astype(str), np.where(units.geometry.centroid.x < 300, "W", "E")))
    with_text = partition_grids(units, _community(), blocks=west)
    with_ids = partition_grids(units, _community(), blocks={int(k): v for k, v in west.items()})
    assert with_text.grids["road_share"].tolist() == with_ids.grids["road_share"].tolist()
    assert with_text.grids["road_share"].notna().any()
    with pytest.raises(ColumnError, match="blocks names no unit among the units"):
        partition_grids(units, _community(), blocks={"x1": "W", "x2": "E"})


# --- points written as multi-points -------------------------------------------------------------

def test_units_written_as_one_point_multipoints_are_drawn_and_scored_as_points():
    from shapely.geometry import MultiPoint

    import pytest

    from spatial import GeometryError

    rng = np.random.default_rng(0)
    points = gpd.GeoDataFrame({"unit_id": [f"p{i}" for i in range(60)], "households": 20}, crs=CRS,
                              geometry=gpd.points_from_xy(*rng.uniform(0, 600, (2, 60))))
    multi = points.assign(geometry=[MultiPoint([p]) for p in points.geometry])
    ref, got = partition_grids(points, _community()), partition_grids(multi, _community())
    assert got.units["grid_id"].tolist() == ref.units["grid_id"].tolist()
    assert float(evaluate_grids(got.units, _community()).summary["gap_m2"].iloc[0]) == 0.0  # cells, no gap
    two = multi.copy()
    two.loc[0, "geometry"] = MultiPoint([(10, 10), (20, 20)])
    with pytest.raises(GeometryError, match="rows p0 \\(2 points\\) are several points each"):
        partition_grids(two, _community())


def test_communities_keyed_by_a_chinese_id_column_still_get_grid_codes(tmp_path):
    from spatial.cli import main

    units = _lattice(6, 6, 30)
    communities = _community().rename(columns={"community_id": "社区编号"})
    res = partition_grids(units, communities, community_id_col="社区编号")
    assert sorted(res.grids["grid_code"]) == [f"000000{CODE}0{k}" for k in (1, 2, 3)]
    assert not res.report["problem"].str.contains("grid codes not assigned").any()
    units.to_file(tmp_path / "units.gpkg")
    communities.to_file(tmp_path / "comm.gpkg")
    assert main(["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--out",
                 str(tmp_path / "g.gpkg"), "-q"]) == 0
    assert gpd.read_file(tmp_path / "g.gpkg", layer="grids")["grid_code"].str.len().eq(20).all()


def test_the_division_code_under_its_chinese_name_gives_grid_codes():
    units = _lattice(6, 6, 30)
    communities = _community().rename(columns={"code": "统计用区划代码"})
    res = partition_grids(units, communities)
    assert sorted(res.grids["grid_code"]) == [f"000000{CODE}0{k}" for k in (1, 2, 3)]


def test_roads_of_another_place_are_named_not_read_as_no_street():
    from shapely.geometry import LineString

    units = _lattice(6, 6, 30)
    elsewhere = gpd.GeoDataFrame(geometry=[LineString([(9000, 0), (9000, 600)])], crs=CRS)
    res = partition_grids(units, _community(), roads=elsewhere)
    row = res.report[res.report["problem"].str.startswith("no road comes within 100 m of the communities")]
    assert len(row) == 1 and row["layer"].iloc[0] == "roads"
    near = gpd.GeoDataFrame(geometry=[LineString([(300, 0), (300, 600)])], crs=CRS)
    assert not partition_grids(units, _community(), roads=near).report["problem"].str.contains("no road").any()


def test_the_editor_moves_only_an_estates_units_together_not_every_open_unit():
    from spatial.maps.editor import editor_payload

    units = _lattice(6, 6, 30)
    units["grid_id"] = np.where(units.geometry.centroid.x < 300, "G1", "G2")
    units["gated"] = ["阳光花园"] * 3 + ["否"] * 33
    group = editor_payload(units, _community())["units"]["group"]
    assert group[:3] == [group[0]] * 3 and group[0] >= 0
    assert all(g == -1 for g in group[3:])  # the open units move one by one
    units["gated"] = [1] * 3 + [0] * 33  # a yes/no column: nothing moves together
    assert editor_payload(units, _community())["units"]["group"] is None
