"""Names and ids as they really come from hand-typed spreadsheets: spaces round them, full-width
forms, a trailing newline, formula-like and hostile text, pushed through every output."""

import geopandas as gpd
import pytest
import shapely

import spatial
from spatial.cli import main

UTM = "EPSG:32650"


def _row(unit_cids, comm_ids) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Eight 100 m squares of 100 households in a row; communities of 400 m each along it."""
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(8)], "community_id": unit_cids, "households": 100},
                             geometry=[shapely.box(500_000 + 100 * i, 2_500_000, 500_100 + 100 * i, 2_500_100)
                                       for i in range(8)], crs=UTM)
    comm = gpd.GeoDataFrame({"community_id": comm_ids},
                            geometry=[shapely.box(500_000 + 400 * k, 2_500_000, 500_400 + 400 * k, 2_500_100)
                                      for k in range(len(comm_ids))], crs=UTM)
    return units, comm


# --- community ids typed with stray spaces or in full-width forms --------------------------------

@pytest.mark.parametrize("typed", ["C01 ", " C01", "C01\n", "C01\u3000", "Ｃ０１", "\ufeffC01"])
def test_a_community_id_typed_with_spaces_or_full_width_is_that_community_and_said(typed):
    # a spreadsheet's "C01 " (or Ｃ０１ from a Chinese input method) in the units, "C01" in the communities:
    # the planner means C01; the grids are C01's and the report names the units and the id as typed
    units, comm = _row([typed] * 4 + ["C02"] * 4, ["C01", "C02"])
    res = spatial.partition_grids(units, comm, min_households=300, max_households=500)
    assert sorted(res.grids[["grid_id", "community_id", "households"]].values.tolist()) == [
        ["C01-01", "C01", 400], ["C02-01", "C02", 400]]
    row = res.report[(res.report["layer"] == "units") & (res.report["row_id"] != "-")]  # (not: no buildings column)
    assert row[["row_id", "problem"]].values.tolist() == [
        ["U0, U1, U2, U3", f"community_id {typed!r} is written with spaces round it or in full-width characters"]]
    assert row["action"].iloc[0] == "matched to the id 'C01' of 'communities'; write it so in 'units'"


def test_two_communities_differing_only_by_a_space_are_kept_apart_and_said():
    units, comm = _row(["C01"] * 4 + ["C01 "] * 4, ["C01", "C01 "])
    res = spatial.partition_grids(units, comm, min_households=300, max_households=500)
    assert sorted(res.grids["community_id"]) == ["C01", "C01 "]  # never merged into one of 800 households
    assert res.grids["households"].tolist() == [400, 400]
    row = res.report[res.report["layer"] == "communities"]
    assert row[["row_id", "problem"]].values.tolist() == [
        ["'C01', 'C01 '", "2 community_id values differ only by spaces or full-width characters"]]


def test_a_unit_s_id_between_two_such_communities_is_refused_naming_both():
    units, comm = _row(["C01\u3000"] * 4 + ["C02"] * 4, ["C01", "C01 ", "C02"])
    with pytest.raises(spatial.ColumnError, match=r"U0 \('C01\\u3000'\).*; 'C01\\u3000' differs only by spaces or "
                                                  r"full-width characters from 2 ids of 'communities' \('C01', 'C01 '\)"):
        spatial.partition_grids(units, comm, min_households=300, max_households=500)


@pytest.mark.parametrize("typed", ["C〇1", "Co1", "c01", "C 01"])
def test_ids_that_differ_by_more_than_spaces_and_width_are_not_matched(typed):
    units, comm = _row([typed] * 4 + ["C02"] * 4, ["C01", "C02"])
    with pytest.raises(spatial.ColumnError, match=rf"not in 'communities': U0 \({typed!r}\), U1 .*; fix the ids"):
        spatial.partition_grids(units, comm, min_households=300, max_households=500)


def test_the_grids_command_matches_a_full_width_community_id_and_writes_the_report_row(tmp_path):
    units, comm = _row(["Ｃ０１ "] * 4 + ["C02"] * 4, ["C01", "C02"])
    comm.to_file(tmp_path / "in.gpkg", layer="communities")
    units.to_file(tmp_path / "in.gpkg", layer="units")
    out = tmp_path / "out.gpkg"
    assert main(["-q", "grids", f"{tmp_path / 'in.gpkg'}:communities", f"{tmp_path / 'in.gpkg'}:units",
                 "--out", str(out), "--min", "300", "--max", "500"]) == 0
    grids = gpd.read_file(out, layer="grids")
    assert sorted(grids[["grid_id", "community_id"]].values.tolist()) == [["C01-01", "C01"], ["C02-01", "C02"]]
    report = gpd.read_file(out, layer="report")
    said = report[report["problem"].str.startswith("community_id")]
    assert said[["row_id", "problem"]].values.tolist() == [
        ["U0, U1, U2, U3", "community_id 'Ｃ０１ ' is written with spaces round it or in full-width characters"]]


# --- control characters pasted into a name: every file keeps the rest of the name and says so ----

def _named_points(name: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [name, "香蜜社区"], "grid_id": ["G1", "G2"]},
                            geometry=[shapely.Point(114.0, 22.5), shapely.Point(114.01, 22.5)], crs=4326)


@pytest.mark.parametrize("pasted", ["A\x0b区", "A\x1b区", "A\x00区", "A\ufffe区"])
def test_a_kmz_of_a_name_with_a_control_character_is_xml_holding_the_rest_of_the_name(tmp_path, caplog, pasted):
    # a vertical tab pasted from Word made write_kml fail with "ParseError: not well-formed" (no KMZ
    # at all); a NUL cut the name to "A" with nothing said
    import xml.etree.ElementTree as ET
    import zipfile

    from spatial.io.kml import write_kml

    path = write_kml({"网格": _named_points(pasted)}, tmp_path / "g.kmz", names={"网格": "name"},
                     fields={"网格": ["grid_id", "name"]})
    root = ET.fromstring(zipfile.ZipFile(path).read("doc.kml"))
    names = [e.text for e in root.iter("{http://www.opengis.net/kml/2.2}name")]
    assert names == ["网格", "A\ufffd区", "香蜜社区"]
    assert ("'网格': 3 values hold control characters KML cannot store (columns 'Name', 'description', 'name'; "
            "rows 0)") in caplog.text


def test_a_workbook_of_a_community_name_with_a_vertical_tab_is_written_with_the_rest_of_the_name(tmp_path, caplog):
    # openpyxl raised IllegalCharacterError ("A区 cannot be used in worksheets"): no workbook
    import pandas as pd
    from openpyxl import load_workbook

    from spatial.io.workbook import write_workbook

    summary = pd.DataFrame({"level": ["overall", "community"], "id": ["all", "C01"], "households": [100.0, 100.0],
                            "hh_15min": [50.0, 50.0], "pct_hh_15min": [50.0, 50.0]})
    communities = pd.DataFrame({"community_id": ["C01"], "name": ["香蜜\x0b社区"]})
    path = write_workbook(tmp_path / "s.xlsx", summary, communities=communities)
    assert list(load_workbook(path)["社区"].values)[1][:2] == ("香蜜\ufffd社区", "C01")
    assert "'社区': 1 values hold control characters an .xlsx sheet cannot store (column 'name'; rows 2)" \
        in caplog.text


def test_a_geopackage_keeps_what_follows_a_nul_in_a_name(tmp_path, caplog):
    # GDAL ended the text at the NUL: "站\x00点" came back as "站", unsaid
    from spatial.io.writers import write_layers

    path = write_layers({"stations": _named_points("站\x00点")}, tmp_path / "s.gpkg")
    assert gpd.read_file(path, layer="stations")["name"].tolist() == ["站\ufffd点", "香蜜社区"]
    assert "'stations': 1 values hold control characters a GeoPackage cannot store (column 'name'; rows 0)" \
        in caplog.text


# --- two units whose ids differ only by a space are two units in a plan -------------------------

def _one_community(ids) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    units, comm = _row(["C1"] * 8, ["C1", "C2"])
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(500_000, 2_500_000, 500_800, 2_500_100)],
                            crs=UTM)
    return units.assign(unit_id=ids), comm


def test_a_redraw_keeps_the_plan_of_each_of_two_units_whose_ids_differ_by_a_space():
    # units "U0" (plan: A) and "U0 " (plan: B, away from B's others): the plan's ids were stripped, so
    # "U0 "'s B overwrote U0's A: moves said U0 went "from B to A" though the plan had it in A
    import pandas as pd

    from spatial.grids.redraw import redraw_grids

    ids = ["U0", "U0 ", "U2", "U3", "U4", "U5", "U6", "U7"]
    units, comm = _one_community(ids)
    plan = pd.DataFrame({"unit_id": ids, "grid_id": list("ABAABBBB")})
    res = redraw_grids(units, comm, plan, min_households=300, max_households=500, code_layout=None)
    assert res.moves[["unit_id", "old_grid", "new_grid"]].values.tolist() == [["U0 ", "B", "A"]]


def test_a_plan_naming_one_of_two_such_units_leaves_the_other_out_and_says_so():
    # before: units "U0" and "U0 " both took the plan's row "U0" (grid A): two units read as one
    import pandas as pd

    from spatial.grids.plan import plan_labels

    units = pd.DataFrame({"unit_id": ["U0", "U0 ", "U2"]})
    with pytest.raises(spatial.SpatialError, match=r"plan plan leaves out 1 unit: 'U0 '; give every unit a grid"):
        plan_labels(pd.DataFrame({"unit_id": ["U0", "U2"], "grid_id": ["A", "B"]}), units)
    both = plan_labels(pd.DataFrame({"unit_id": ["U0", "U0 ", "U2"], "grid_id": ["A", "B", "B"]}), units)
    assert both.to_dict() == {"U0": "A", "U0 ": "B", "U2": "B"}  # was refused as "U0" listed twice


def test_a_plan_typed_with_spaces_or_full_width_ids_still_names_its_units():
    import pandas as pd

    from spatial.grids.plan import plan_labels

    units = pd.DataFrame({"unit_id": ["U0", "U1", "U2"]})
    plan = pd.DataFrame({"unit_id": ["U0 ", "Ｕ1", "\u3000U2"], "grid_id": ["A", "B", "B"]})
    assert plan_labels(plan, units).to_dict() == {"U0": "A", "U1": "B", "U2": "B"}


def test_a_lock_on_u0_does_not_lock_the_unit_u0_with_a_space():
    from spatial.core.checks import Report
    from spatial.grids._plan_inputs import _locked_mask

    units, _ = _one_community(["U0", "U0 ", "U2", "U3", "U4", "U5", "U6", "U7"])
    mask = _locked_mask(["U0", "U4 "], units, None, units["unit_id"].to_numpy(), "unit_id", Report())
    assert mask.tolist() == [True, False, False, False, True, False, False, False]


def test_coverage_summary_counts_homes_of_community_c01_typed_with_a_space_under_c01(caplog):
    # before: a row "C01 " of 10 households beside C01 with 0, and the street "(none)": the homes
    # of C01 were counted under a community and a street nobody has
    demand = gpd.GeoDataFrame({"community_id": ["C01 ", "Ｃ02"], "households": [10, 30], "walk_m": [100.0, 2000.0],
                               "band": ["5min", "beyond"]}, geometry=gpd.points_from_xy([50, 150], [50, 50]), crs=UTM)
    comm = gpd.GeoDataFrame({"community_id": ["C01", "C02"], "street": ["沙头街道", "香蜜湖街道"]},
                            geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)], crs=UTM)
    s = spatial.coverage_summary(demand, bands=["15min"], communities=comm)
    assert s[s["level"] != "overall"][["level", "id", "households", "hh_15min"]].values.tolist() == [
        ["street", "沙头街道", 10, 10], ["street", "香蜜湖街道", 30, 0],
        ["community", "C01", 10, 10], ["community", "C02", 30, 0]]
    assert ("'demand' column 'community_id': 2 ids written with spaces round it or in full-width characters, "
            "matched to the ids of 'communities' ('C01 ' as 'C01')") in caplog.text


# --- the units written out, the checks and the editor read "C01 " as C01 too ---------------------

def test_the_units_a_partition_writes_name_the_community_as_its_grids_do():
    # before: the units layer kept "C01 " and "Ｃ０１" beside grids of C01: the project's editor page
    # (spatial run on the demo with such ids) then found no outline for "C01 " and ended in
    # "internal error: GEOSException: TopologyException: found non-noded intersection"
    units, comm = _row(["C01 "] * 2 + ["Ｃ０１"] * 2 + ["C02"] * 4, ["C01", "C02"])
    res = spatial.partition_grids(units, comm, min_households=300, max_households=500)
    assert res.units["community_id"].tolist() == ["C01"] * 4 + ["C02"] * 4
    assert res.units.index.tolist() == units.index.tolist()


def test_the_editor_and_evaluate_find_the_outline_of_community_c01_typed_with_a_space():
    from spatial.grids.evaluate import _unit_streets

    units, comm = _row(["C01 "] * 4 + ["C02"] * 4, ["C01", "C02"])
    _, ids, clip, _ = _unit_streets(units, units.geometry.values, comm, "community_id", units.crs, None)
    assert ids == ["C01 ", "C02"] and [c.equals(comm.geometry.iloc[k]) for k, c in enumerate(clip)] == [True, True]


def test_validation_does_not_call_c01_typed_with_a_space_a_community_not_in_communities():
    # before: the project run's report had 1,244 rows "community_id 'C01 ' is not in 'communities'"
    # (kept) for units the grids drew in C01 - 1,309 rows where the demo has 41
    from spatial.io.validate import validate_inputs

    units, comm = _row(["C01 "] * 4 + ["C9"] + ["C02"] * 3, ["C01", "C02"])
    _, report = validate_inputs(communities=comm, units=units)
    said = [r["row_id"] for r in report.rows if "is not in 'communities'" in r["problem"]]
    assert said == ["U4"]  # C9 is no community; "C01 " is C01


def test_grids_asked_for_community_c01_are_not_also_given_to_community_c01_with_a_space():
    # before: n_grids={"C01": 2} with communities "C01" and "C01 " drew 2 grids in each (4 for 2 asked):
    # the key was matched to every community whose id it is once stripped
    units, comm = _row(["C01"] * 4 + ["C01 "] * 4, ["C01", "C01 "])
    res = spatial.partition_grids(units, comm, n_grids={"C01": 2, "C01 ": 1})
    assert res.grids.groupby("community_id").size().to_dict() == {"C01": 2, "C01 ": 1}
    res = spatial.partition_grids(units, comm, n_grids={"C01": 2})
    assert res.grids.groupby("community_id").size().to_dict() == {"C01": 2, "C01 ": 1}


@pytest.mark.parametrize("key", ["C01 ", "Ｃ０１", 1])
def test_grids_asked_for_a_community_by_its_id_typed_another_way_are_drawn_in_it(key):
    from spatial.core.checks import Report
    from spatial.grids._inputs import _grids_asked

    comm_ids = ["C01", "C02"] if key != 1 else ["1", "C02"]
    assert _grids_asked({key: 3}, comm_ids, Report()) == {comm_ids[0]: 3}


def test_a_shapefile_keeps_what_follows_a_nul_in_a_name(tmp_path, caplog):
    # GDAL ended the text at the NUL: "站\x00点" came back as "站", unsaid
    from spatial.io.writers import write_shapefile

    path = write_shapefile(_named_points("站\x00点"), tmp_path / "s.shp")
    assert gpd.read_file(path, encoding="GBK")["name"].tolist() == ["站?点", "香蜜社区"]
    assert ("'s.shp': 1 values hold control characters a shapefile cannot store (column 'name'; rows 0); "
            "written as ?") in caplog.text
