"""Files written by older versions of this tool, fed back into this one as an office keeps them.

Each fixture is written here by hand in the old format (no old version is needed): the
``shapefile/`` folder of an old ``spatial run``, an old project file naming an old results
GeoPackage as its plan, and last month's units carrying the grid ids of another plan.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from spatial.cli import main
from test_outside_redraw import redraw_project

CRS = "EPSG:32650"


def _row_units(households):
    """Square 100 m units side by side, west to east, ids U0, U1 ..."""
    return gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(len(households))], "households": households},
                            geometry=[shapely.box(100 * i, 0, 100 * (i + 1), 100) for i in range(len(households))],
                            crs=CRS)


def _one_community(n_units, code="440304001002"):
    return gpd.GeoDataFrame({"community_id": ["C1"], "code": [code]},
                            geometry=[shapely.box(0, 0, 100 * n_units, 100)], crs=CRS)


# ------------------------------------------------------------------ an old run's shapefile folder as the plan


def _old_shapefile_folder(tmp_path):
    """``out/shapefile/`` as an older ``spatial run`` wrote it: units.shp with grid_id, and
    grids.shp beside it whose codes were numbered apart from the ids (C1-01 holds code ...03),
    as the 2026-12-04 version numbered them."""
    units = _row_units([120] * 9)
    units["grid_id"] = ["C1-01"] * 3 + ["C1-02"] * 3 + ["C1-03"] * 3
    folder = tmp_path / "old" / "shapefile"
    folder.mkdir(parents=True)
    units.to_file(folder / "units.shp", engine="pyogrio")
    grids = units.dissolve("grid_id", as_index=False)[["grid_id", "geometry"]]
    grids["grid_seq"] = [3, 1, 2]
    grids["grid_code"] = ["00000044030400100203", "00000044030400100201", "00000044030400100202"]
    grids.to_file(folder / "grids.shp", engine="pyogrio")
    comm = tmp_path / "comm.gpkg"
    _one_community(9).to_file(comm)
    return folder, comm


def test_a_redraw_of_an_old_run_s_shapefile_units_keeps_the_codes_of_the_grids_shp_beside_them(tmp_path):
    # the office's copy of last month's run is its shapefile folder: redrawn from units.shp, the
    # grids were numbered afresh (C1-01 ...01) and 116 of the demo's 158 grids changed code, where
    # the same plan from results.gpkg kept every code; grids.shp beside it holds them
    folder, comm = _old_shapefile_folder(tmp_path)
    out = tmp_path / "new.gpkg"
    assert main(["grids", str(comm), str(folder / "units.shp"), "--redraw", "--out", str(out), "-q"]) == 0
    new = gpd.read_file(out, layer="grids").set_index("grid_id")["grid_code"].to_dict()
    assert new == {"C1-01": "00000044030400100203", "C1-02": "00000044030400100201",
                   "C1-03": "00000044030400100202"}


def test_an_old_shapefile_plan_given_as_existing_keeps_the_codes_too(tmp_path):
    folder, comm = _old_shapefile_folder(tmp_path)
    units = tmp_path / "units.gpkg"
    _row_units([120] * 9).to_file(units)
    out = tmp_path / "new.gpkg"
    assert main(["grids", str(comm), str(units), "--existing", str(folder / "units.shp"), "--redraw",
                 "--out", str(out), "-q"]) == 0
    new = gpd.read_file(out, layer="grids").set_index("grid_id")["grid_code"].to_dict()
    assert new["C1-01"] == "00000044030400100203" and new["C1-02"] == "00000044030400100201"


# ------------------------------------------------------------------ an old results.gpkg named as a project's plan


def test_a_project_s_plan_named_as_a_whole_old_results_gpkg_redraws_its_units_layer(tmp_path):
    # `spatial grids --existing results.gpkg` takes its units layer; the same file as a project's
    # `plan = "results.gpkg"` stopped: "holds 9 layers (...); name one as results.gpkg:communities
    # (layer= from Python)", neither the layer meant nor the way a project file names one
    units = _row_units([120] * 9)
    comm = _one_community(9)
    old = units.assign(grid_id=["C1-01"] * 3 + ["C1-02"] * 3 + ["C1-03"] * 3)
    grids = old.dissolve("grid_id", as_index=False)[["grid_id", "geometry"]].assign(
        community_id="C1", grid_seq=[3, 1, 2],
        grid_code=["00000044030400100203", "00000044030400100201", "00000044030400100202"])
    results = tmp_path / "last_month" / "results.gpkg"
    results.parent.mkdir()
    comm.to_file(results, layer="communities")  # the layers an old run wrote, communities first
    grids.to_file(results, layer="grids")
    old.to_file(results, layer="units")
    units.to_file(tmp_path / "town.gpkg", layer="units")
    comm.to_file(tmp_path / "town.gpkg", layer="communities")
    assert main(["run", str(redraw_project(tmp_path, '"last_month/results.gpkg"')), "-q"]) == 0
    new = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="grids").set_index("grid_id")["grid_code"]
    assert new.to_dict() == {"C1-01": "00000044030400100203", "C1-02": "00000044030400100201",
                             "C1-03": "00000044030400100202"}
    drawn = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="units").set_index("unit_id")["grid_id"]
    assert drawn.to_dict() == old.set_index("unit_id")["grid_id"].to_dict()  # the plan kept, not drawn anew


# ------------------------------------------------------------------ last month's homes against this month's grids


def _two_plans():
    """Four homes in a row, 100 m apart, with 10, 20, 30, 40 households. This month's grids: G-01
    the west two, G-02 the east two. Last month's units carry the same ids numbered the other way
    (G-01 east, G-02 west), as the numbering changed between versions."""
    homes = gpd.GeoDataFrame({"unit_id": ["a", "b", "c", "d"], "households": [10, 20, 30, 40],
                              "band": ["15min"] * 4},
                             geometry=[shapely.Point(50 + 100 * i, 50) for i in range(4)], crs=CRS)
    grids = gpd.GeoDataFrame({"grid_id": ["G-01", "G-02"]},
                             geometry=[shapely.box(0, 0, 200, 100), shapely.box(200, 0, 400, 100)], crs=CRS)
    return homes.assign(grid_id=["G-02", "G-02", "G-01", "G-01"]), grids


def test_homes_carrying_another_plan_s_grid_ids_are_refused_against_the_grids_given():
    # coverage_summary counted the homes by their own grid_id: this month's G-01 (30 households)
    # got the 70 of last month's G-01; on the demo, 155 of 158 grids showed another grid's figures
    from spatial.coverage._summary import coverage_summary

    old, grids = _two_plans()
    with pytest.raises(ValueError, match=r"own column 'grid_id' names other grids than the grids given: 4 of the 4 "
                                         r"homes checked .*home a: grid_id G-02, inside G-01.*drop or rename"):
        coverage_summary(old, bands=["15min"], grids=grids)
    # without the old column, the homes are counted where they lie
    rows = coverage_summary(old.drop(columns="grid_id"), bands=["15min"], grids=grids)
    assert rows[rows.level == "grid"].set_index("id")["households"].to_dict() == {"G-01": 30, "G-02": 70}


def test_homes_of_the_same_plan_and_a_few_outside_their_outline_are_counted_by_their_own_ids():
    from spatial.coverage._summary import coverage_summary

    old, grids = _two_plans()
    same = old.assign(grid_id=["G-01", "G-01", "G-01", "G-02"])  # home c across its grid's line
    rows = coverage_summary(same, bands=["15min"], grids=grids)
    assert rows[rows.level == "grid"].set_index("id")["households"].to_dict() == {"G-01": 60, "G-02": 40}


def test_cli_coverage_refuses_homes_of_another_plan_before_reading_the_network(tmp_path, capsys):
    old, grids = _two_plans()
    p = {"homes": tmp_path / "last_month_units.gpkg", "grids": tmp_path / "grids.gpkg",
         "stations": tmp_path / "stations.gpkg", "net": tmp_path / "roads.gpkg"}
    old.drop(columns="band").to_file(p["homes"])
    grids.to_file(p["grids"])
    gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[shapely.Point(0, 0)], crs=CRS).to_file(p["stations"])
    p["net"].write_bytes(b"not read: the homes are refused first")
    out = tmp_path / "cov.gpkg"
    assert main(["coverage", str(p["net"]), str(p["stations"]), str(p["homes"]), "--grids", str(p["grids"]),
                 "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "names other grids than the grids given" in err and not out.exists()


def test_a_map_of_last_month_s_coverage_over_this_month_s_grids_is_refused(tmp_path):
    # spatial map --grids NEW --coverage OLD: each home's popup named the grid of last month's
    # numbering (G-02) inside this month's outline G-01, on the demo for 1,509 of 1,866 homes
    from spatial.maps.from_files import map_from_files

    old, grids = _two_plans()
    stations = gpd.GeoDataFrame({"station_id": ["S"]}, geometry=[shapely.Point(0, 0)], crs=CRS)
    cov, plan = tmp_path / "cov.gpkg", tmp_path / "grids.gpkg"
    old.to_file(cov, layer="demand")
    stations.to_file(cov, layer="stations")
    grids.assign(households=[30, 70], community_id="C1").to_file(plan, layer="grids")
    with pytest.raises(ValueError, match=r"names other grids than the grids given: 4 of the 4 homes checked"):
        map_from_files(grids=plan, coverage=cov)
    old.assign(grid_id=["G-01", "G-01", "G-02", "G-02"]).to_file(cov, layer="demand")  # the same plan: drawn
    assert map_from_files(grids=plan, coverage=cov) is not None


# ------------------------------------------------------------------ last month's grids.csv as this month's lock list


def _plan_and_lock(tmp_path, lock_seq):
    """results.gpkg of a plan of three grids G1 | G2 | G3 (numbered 1, 2, 3) and a grids.csv
    listing G1 and G2 with the numbers ``lock_seq`` (a run's grids.csv: grid_id, grid_seq, grid_code)."""
    units = _row_units([120] * 9).assign(grid_id=["G1"] * 3 + ["G2"] * 3 + ["G3"] * 3)
    grids = units.dissolve("grid_id", as_index=False)[["grid_id", "geometry"]].assign(
        grid_seq=[1, 2, 3], grid_code=[f"0000004403040010020{k}" for k in (1, 2, 3)])
    results = tmp_path / "results.gpkg"
    grids.to_file(results, layer="grids")
    units.to_file(results, layer="units")
    _one_community(9).to_file(tmp_path / "comm.gpkg")
    lock = tmp_path / "grids.csv"
    pd.DataFrame({"grid_id": ["G1", "G2"], "households": [360, 360], "grid_seq": lock_seq,
                  "grid_code": [f"0000004403040010020{k}" for k in lock_seq]}).to_csv(lock, index=False,
                                                                                    encoding="utf-8-sig")
    return [str(tmp_path / "comm.gpkg"), f"{results}:units", "--redraw", "--lock", str(lock)]


def test_a_lock_list_of_another_plan_s_numbering_is_refused(tmp_path, capsys):
    # last month's grids.csv (G1 was numbered 3 then) as the lock list of this month's plan: the
    # ids are all there, so other grids than those meant were locked without a word
    args = _plan_and_lock(tmp_path, [3, 1])
    out = tmp_path / "new.gpkg"
    assert main(["grids", *args, "--out", str(out), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and not out.exists()
    assert "--lock 'grids.csv' gives grid G1 the number 3 (its code's last digits) where the plan gives it 1" in err
    assert "2 of its 2 grids differ" in err and "grids of another plan" in err


def test_a_lock_list_of_the_plan_s_own_grids_csv_locks_its_grids(tmp_path):
    args = _plan_and_lock(tmp_path, [1, 2])
    out = tmp_path / "new.gpkg"
    assert main(["grids", *args, "--out", str(out), "-q"]) == 0
    units = gpd.read_file(out, layer="units").set_index("unit_id")
    assert units.loc[units["grid_id"].isin(["G1", "G2"]), "locked"].all()
    assert not units.loc[units["grid_id"] == "G3", "locked"].any()


def test_a_project_redrawing_an_old_run_s_shapefile_units_keeps_their_codes(tmp_path):
    folder, comm = _old_shapefile_folder(tmp_path)
    _row_units([120] * 9).to_file(tmp_path / "town.gpkg", layer="units")
    (tmp_path / "p.toml").write_text(
        '[project]\nname = "redraw"\noutput = "out"\n[inputs]\n'
        f'communities = "{comm.name}"\nunits = {{ path = "town.gpkg", layer = "units" }}\n'
        'plan = "old/shapefile/units.shp"\n'
        "[coverage]\nenabled = false\n[outputs]\nmaps = false\nworkbook = false\npng = false\n", encoding="utf-8")
    assert main(["run", str(tmp_path / "p.toml"), "-q"]) == 0
    new = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="grids").set_index("grid_id")["grid_code"]
    assert new["C1-01"] == "00000044030400100203" and new["C1-03"] == "00000044030400100202"


def test_homes_of_another_plan_are_refused_whatever_their_index():
    # the check reads rows by position: an index repeating labels (two frames concatenated)
    from spatial.coverage._summary import coverage_summary

    old, grids = _two_plans()
    with pytest.raises(ValueError, match=r"4 of the 4 homes checked .*home a: grid_id G-02, inside G-01"):
        coverage_summary(old.set_index(pd.Index([0, 0, 1, 1])), bands=["15min"], grids=grids)


def test_an_old_results_gpkg_named_whole_as_a_project_input_is_told_how_a_project_file_names_a_layer(tmp_path):
    # the advice was "name one as results.gpkg:communities (layer= from Python)"; written so in a
    # project file (units = "results.gpkg:units") it was refused as a file that does not exist
    units = _row_units([120] * 3)
    results = tmp_path / "results.gpkg"
    _one_community(3).to_file(results, layer="communities")
    units.to_file(results, layer="units")
    (tmp_path / "p.toml").write_text(
        '[project]\nname = "t"\noutput = "out"\n[inputs]\n'
        'communities = { path = "results.gpkg", layer = "communities" }\nunits = "results.gpkg"\n'
        "[coverage]\nenabled = false\n[outputs]\nmaps = false\nworkbook = false\npng = false\n", encoding="utf-8")
    from spatial.project.run import run_project

    with pytest.raises(ValueError, match=r'holds 2 layers \(communities, units\); name one as results.gpkg:communities '
                                         r'\(layer= from Python; in a project file, layer = "communities"\)'):
        run_project(tmp_path / "p.toml")


# ------------------------------------------------------------------ the editor on an old run's shapefile folder


def test_the_editor_on_a_shapefile_folder_drawn_for_another_band_says_so(tmp_path, caplog):
    # a run's shapefile/units.shp of grids drawn for 200-300 opened on the 300-500 page: every grid
    # showed as under its band without a word, where the same plan's results.gpkg is warned about
    units = _row_units([80] * 9).assign(grid_id=["G1"] * 3 + ["G2"] * 3 + ["G3"] * 3)
    folder = tmp_path / "shapefile"
    folder.mkdir()
    units.to_file(folder / "units.shp", engine="pyogrio")
    grids = units.dissolve("grid_id", as_index=False, aggfunc="sum")[["grid_id", "households", "geometry"]]
    grids.assign(band_statu="in").to_file(folder / "grids.shp", engine="pyogrio")  # the DBF's 10 characters
    (folder / "grids.fields.csv").write_text("original,short\nband_status,band_statu\n", encoding="utf-8-sig")
    out = tmp_path / "edit.html"
    with caplog.at_level("WARNING"):
        assert main(["editor", str(folder / "units.shp"), "--out", str(out)]) == 0
    said = [r.getMessage() for r in caplog.records if "drawn for another band" in r.getMessage()]
    assert len(said) == 1 and "3 of the 3 grids" in said[0] and "300-500" in said[0]


def test_a_lock_list_marked_in_a_chinese_column_locks_only_the_grids_marked_yes(tmp_path):
    # the workbook's 网格 sheet (or grids.csv) brought back with a 锁定 column of 是/否: the column
    # was not read, so every grid the sheet lists was locked, 否 ones too
    args = _plan_and_lock(tmp_path, [1, 2])
    pd.DataFrame({"网格号": ["G1", "G2", "G3"], "锁定": ["是", "否", "否"]}).to_csv(
        tmp_path / "grids.csv", index=False, encoding="utf-8-sig")
    out = tmp_path / "new.gpkg"
    assert main(["grids", *args, "--out", str(out), "-q"]) == 0
    locked = gpd.read_file(out, layer="units").groupby("grid_id")["locked"].all().to_dict()
    assert locked == {"G1": True, "G2": False, "G3": False}
