"""Redraws after the units changed (an outside tester's findings): new estates and demolished
units since the plan, locks on removed units, the lock column kept, and split grids keeping
their names and old units."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely
from test_grids import community, squares

from spatial import ColumnError
from spatial.cli import main
from spatial.grids.redraw import redraw_grids


def row_of_six():
    """Grids A | B of three 100 m squares of 120 households each (360, in band), in a row."""
    units = squares(1, 6, [[120] * 6])
    plan = pd.DataFrame({"unit_id": list(units["unit_id"]), "grid_id": list("AAABBB")})
    return units, community(shapely.box(0, 0, 600, 100)), plan


# ------------------------------------------------------------------ 1: units added and removed since the plan


def test_a_plan_listing_a_removed_unit_and_missing_a_new_one_is_redrawn_and_says_so(caplog):
    units, comm, plan = row_of_six()
    plan = pd.concat([plan[plan["unit_id"] != "U05"], pd.DataFrame({"unit_id": ["GONE"], "grid_id": ["B"]})])
    with caplog.at_level("WARNING", logger="spatial.grids.redraw"):
        res = redraw_grids(units, comm, plan)
    assert "1 of its units is no longer among the units" in caplog.text and "1 unit is not in it" in caplog.text
    row = res.report[res.report["row_id"] == "GONE"]
    assert row[["layer", "problem", "action"]].values.tolist() == [
        ["plan", "unit no longer among the units", "left out of the plan"]]
    assert res.units.set_index("unit_id")["grid_id"].to_dict() == dict(zip(units["unit_id"], "AAABBB"))
    assert res.moves[["unit_id", "new_grid", "reason"]].values.tolist() == [["U05", "B", "not in the plan"]]


def test_a_plan_matching_none_of_the_units_is_refused():
    units, comm, plan = row_of_six()
    plan["unit_id"] = [f"X{i}" for i in range(6)]
    with pytest.raises(ColumnError, match=r"matches none of the units: its unit ids \(X0, X1"):
        redraw_grids(units, comm, plan)


def test_excel_s_lost_zeros_still_match_when_units_were_removed():
    units, comm, plan = row_of_six()
    units["unit_id"] = [f"010{i}" for i in range(6)]
    plan = pd.DataFrame({"unit_id": [100, 101, 102, 103, 104, 999], "grid_id": list("AAABBB")})  # 0105 new
    res = redraw_grids(units, comm, plan)
    assert res.units["grid_id"].tolist() == list("AAABBB")
    assert res.moves["unit_id"].tolist() == ["0105"]
    assert res.report.loc[res.report["layer"] == "plan", "row_id"].tolist() == ["999"]


@pytest.fixture()
def files(tmp_path) -> dict[str, Path]:
    """The row of six as files; its plan lists removed unit GONE and not new unit U05."""
    units, comm, plan = row_of_six()
    p = {"communities": tmp_path / "comm.gpkg", "units": tmp_path / "units.gpkg", "plan": tmp_path / "plan1.csv"}
    comm.to_file(p["communities"])
    units.to_file(p["units"])
    plan = pd.concat([plan[plan["unit_id"] != "U05"], pd.DataFrame({"unit_id": ["GONE"], "grid_id": ["B"]})])
    plan.to_csv(p["plan"], index=False, encoding="utf-8-sig")
    return p


def test_cli_redraw_takes_added_and_removed_units(files, tmp_path):
    out = tmp_path / "r.gpkg"
    assert main(["grids", str(files["communities"]), str(files["units"]), "--existing", str(files["plan"]),
                 "--redraw", "--out", str(out), "-q"]) == 0
    report = gpd.read_file(out, layer="report")
    assert report.loc[report["row_id"] == "GONE", "problem"].tolist() == ["unit no longer among the units"]
    assert gpd.read_file(out, layer="units")["grid_id"].tolist() == list("AAABBB")


def test_cli_evaluate_stays_strict_and_points_to_a_redraw(files, tmp_path, capsys):
    assert main(["grids", str(files["communities"]), str(files["units"]), "--existing", str(files["plan"]),
                 "--evaluate", "--out", str(tmp_path / "s.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "plan 'plan1.csv' lists 1 unit id that is not among the units" in err
    assert "--existing PLAN --out OUT.gpkg, without --evaluate): a redraw takes added and removed units" in err


def test_cli_redraw_refuses_a_plan_of_other_units(files, tmp_path, capsys):
    pd.DataFrame({"unit_id": ["X1", "X2"], "grid_id": ["A", "A"]}).to_csv(files["plan"], index=False)
    out = tmp_path / "r.gpkg"
    assert main(["grids", str(files["communities"]), str(files["units"]), "--existing", str(files["plan"]),
                 "--redraw", "--out", str(out)]) == 2
    assert "plan 'plan1.csv' matches none of the units" in capsys.readouterr().err
    assert not out.exists()


# ------------------------------------------------------------------ 2: a lock on a removed unit


def test_a_lock_on_a_removed_unit_is_reported_and_the_others_hold():
    units, comm, plan = row_of_six()
    units.loc[5, "households"] = 300  # B over band: 540
    res = redraw_grids(units, comm, plan, locked=["U03", "GONE"])
    row = res.report[res.report["row_id"] == "GONE"]
    assert row[["layer", "problem"]].values.tolist() == [["locked", "locked, but not among the units"]]
    assert res.units.set_index("unit_id").loc["U03", "grid_id"] == "B"


def test_cli_lock_file_matching_no_unit_is_refused_naming_it(files, tmp_path, capsys):
    lock = tmp_path / "lock.csv"
    lock.write_text("unit_id\nX1\nX2\n", encoding="utf-8")
    assert main(["grids", str(files["communities"]), str(files["units"]), "--existing", str(files["plan"]),
                 "--redraw", "--lock", str(lock), "--out", str(tmp_path / "r.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--lock 'lock.csv': none of its 2 unit ids is among the units" in err


def _redraw_with_lock(files, tmp_path, *ids):
    """The plan redrawn with a lock file of ``ids``; the output's path (the command must succeed)."""
    lock = tmp_path / "lock.csv"
    lock.write_text("unit_id\n" + "".join(f"{i}\n" for i in ids), encoding="utf-8")
    out = tmp_path / "r.gpkg"
    assert main(["grids", str(files["communities"]), str(files["units"]), "--existing", str(files["plan"]),
                 "--redraw", "--lock", str(lock), "--out", str(out), "-q"]) == 0
    return out


def test_cli_lock_file_naming_a_removed_unit_redraws(files, tmp_path):
    out = _redraw_with_lock(files, tmp_path, "U00", "GONE")
    report = gpd.read_file(out, layer="report")
    assert report.loc[report["layer"] == "locked", "row_id"].tolist() == ["GONE"]


# ------------------------------------------------------------------ 3: the locks kept in the redraw's units


def test_the_redraw_s_units_carry_the_plan_s_locks():
    units, comm, plan = row_of_six()
    plan["locked"] = ["yes", "", "", "", "", "是"]
    res = redraw_grids(units, comm, plan)
    assert res.units["locked"].dtype == bool
    assert res.units["locked"].tolist() == [True, False, False, False, False, True]
    assert "locked" not in redraw_grids(units, comm, plan.drop(columns="locked")).units.columns  # none given


def test_cli_redraw_with_a_lock_file_opens_in_the_editor_with_its_locks(files, tmp_path):
    out = _redraw_with_lock(files, tmp_path, "U00")
    assert gpd.read_file(out, layer="units")["locked"].tolist() == [True] + [False] * 5
    assert main(["editor", str(out), "--locked-col", "locked", "--out", str(tmp_path / "e.html"), "-q"]) == 0


def test_the_editor_s_csv_export_keeps_the_locks(tmp_path):
    from test_editor_browser import _chrome, _open

    from spatial.maps.editor import save_grid_editor

    units, _, plan = row_of_six()
    units = units.assign(grid_id=plan["grid_id"], locked=[False] * 5 + [True])
    page = save_grid_editor(units, tmp_path / "e.html", lang="en")
    driver = _chrome(tmp_path)
    try:
        _open(driver, page)
        csv = driver.execute_script("return window.spatialGridEditor.exportCsv()")
    finally:
        driver.quit()
    lines = csv.lstrip("\ufeff").splitlines()
    assert lines[0] == "unit_id,grid_id,locked" and lines[1] == "U00,A,false" and lines[6] == "U05,B,true"


# ------------------------------------------------------------------ 4: a grid over band by new units


@pytest.mark.parametrize("old_hh, new_hh, kept, split_off", [
    (120, 120, ["U00", "U01", "U02"], ["U03", "U04", "U05", "U06"]),  # 360 + 480: the new units alone
    (100, 150, ["U00", "U01", "U02", "U03"], ["U04", "U05", "U06"]),  # 300 + 600: the nearest stays (450/450)
])
def test_a_grid_over_band_by_new_units_splits_them_off_and_keeps_its_own(old_hh, new_hh, kept, split_off):
    units = squares(1, 7, [[old_hh] * 3 + [new_hh] * 4])
    comm = community(shapely.box(0, 0, 700, 100))
    res = redraw_grids(units, comm, {"U00": "A", "U01": "A", "U02": "A"})  # U03-U06: a new estate
    got = res.units.groupby("grid_id")["unit_id"].apply(sorted).to_dict()
    assert got == {"A": kept, "A-a": split_off}
    assert set(res.moves["reason"]) == {"not in the plan"}  # no unit of A moved
    g = res.grids.set_index("grid_id")
    assert g.loc["A", "households_kept_pct"] == pytest.approx(100 * 3 * old_hh / (3 * old_hh + (len(kept) - 3)
                                                                                   * new_hh))
    assert (g["band_status"] == "in").all()


# ------------------------------------------------------------------ grid codes of named grids through a redraw


def three_named_grids():
    """西 | 中 | 东, four 100 m squares each, numbered long ago 3, 1, 2 (not west to east); the
    west grid has grown over the band (520 households) and the east has room (300)."""
    units = squares(1, 12, [[130] * 4 + [100] * 4 + [75] * 4])
    plan = pd.DataFrame({"unit_id": units["unit_id"], "grid_id": ["西"] * 4 + ["中"] * 4 + ["东"] * 4,
                         "grid_seq": [3] * 4 + [1] * 4 + [2] * 4})
    return units, community(shapely.box(0, 0, 1200, 100), code="440304001002"), plan


def test_named_grids_keep_their_old_codes_through_a_redraw():
    # grids named otherwise than <community>-NN were numbered again west to east after a redraw
    # (西 1, 中 2, 东 3): the codes other systems key on changed although every grid kept its name
    units, comm, plan = three_named_grids()
    res = redraw_grids(units, comm, plan)
    assert len(res.moves) > 0 and (res.grids["band_status"] == "in").all()
    codes = res.grids.set_index("grid_id")["grid_code"].to_dict()
    assert codes == {"西": "00000044030400100203", "中": "00000044030400100201", "东": "00000044030400100202"}


def test_a_grid_split_off_in_a_redraw_takes_the_next_number():
    units, comm, plan = three_named_grids()
    units["households"] = [260] * 4 + [100] * 4 + [75] * 4  # the west grid doubled: it is split
    res = redraw_grids(units, comm, plan)
    seq = res.grids.set_index("grid_id")["grid_seq"].to_dict()
    assert (seq["西"], seq["中"], seq["东"]) == (3, 1, 2) and len(seq) > 3
    assert sorted(seq.values()) == list(range(1, len(seq) + 1))  # the new ones after the largest


def test_cli_redraw_from_the_old_grids_layer_keeps_their_codes(tmp_path):
    # the office keeps the grids layer this package wrote (网格边界 with grid_code): given as
    # --existing, each unit goes to the outline covering it and each grid keeps its code
    units, comm, plan = three_named_grids()
    first = redraw_grids(units.assign(households=[120] * 4 + [100] * 4 + [75] * 4), comm, plan)
    old = first.grids[["grid_id", "grid_seq", "grid_code", "geometry"]]
    assert old.set_index("grid_id")["grid_seq"].to_dict() == {"西": 3, "中": 1, "东": 2}
    p = {"c": tmp_path / "comm.gpkg", "u": tmp_path / "units.gpkg", "old": tmp_path / "old.gpkg"}
    comm.to_file(p["c"])
    units.to_file(p["u"])
    old.to_file(p["old"], layer="grids")
    out = tmp_path / "new.gpkg"
    assert main(["grids", str(p["c"]), str(p["u"]), "--existing", f"{p['old']}:grids", "--out", str(out), "-q"]) == 0
    new = gpd.read_file(out, layer="grids").set_index("grid_id")
    assert new["grid_code"].to_dict() == old.set_index("grid_id")["grid_code"].to_dict()
    assert len(gpd.read_file(out, layer="moves")) > 0


def test_cli_redraw_of_a_results_file_keeps_the_codes_of_its_grids_layer(tmp_path):
    # the usual redraw: last year's results.gpkg, its units layer with today's households; the
    # grids layer beside it holds the codes
    units, comm, plan = three_named_grids()
    first = redraw_grids(units.assign(households=[120] * 4 + [100] * 4 + [75] * 4), comm, plan)
    p = {"c": tmp_path / "comm.gpkg", "old": tmp_path / "results.gpkg"}
    comm.to_file(p["c"])
    first.grids.to_file(p["old"], layer="grids")
    first.units.assign(households=units["households"].to_numpy()).to_file(p["old"], layer="units")
    out = tmp_path / "new.gpkg"
    assert main(["grids", str(p["c"]), f"{p['old']}:units", "--redraw", "--out", str(out), "-q"]) == 0
    new = gpd.read_file(out, layer="grids").set_index("grid_id")
    assert new["grid_code"].to_dict() == first.grids.set_index("grid_id")["grid_code"].to_dict()
    assert len(gpd.read_file(out, layer="moves")) > 0


def test_cli_redraw_of_an_edited_csv_keeps_the_codes_of_the_results_it_was_drawn_from(tmp_path):
    # the editor's CSV carries grid ids only; its units are last year's results.gpkg:units, whose
    # grids layer holds the codes: grids the planner kept keep theirs
    units, comm, plan = three_named_grids()
    first = redraw_grids(units.assign(households=[120] * 4 + [100] * 4 + [75] * 4), comm, plan)
    p = {"c": tmp_path / "comm.gpkg", "old": tmp_path / "results.gpkg", "csv": tmp_path / "edited_plan.csv"}
    comm.to_file(p["c"])
    first.grids.to_file(p["old"], layer="grids")
    first.units.assign(households=units["households"].to_numpy()).to_file(p["old"], layer="units")
    first.units[["unit_id", "grid_id"]].to_csv(p["csv"], index=False, encoding="utf-8-sig")
    out = tmp_path / "new.gpkg"
    assert main(["grids", str(p["c"]), f"{p['old']}:units", "--existing", str(p["csv"]), "--out", str(out), "-q"]) == 0
    new = gpd.read_file(out, layer="grids").set_index("grid_id")
    assert new["grid_code"].to_dict() == first.grids.set_index("grid_id")["grid_code"].to_dict()


def test_spatial_run_redraw_keeps_the_codes_of_the_results_its_plan_comes_from(tmp_path):
    # a project redrawing last year's results.gpkg:units as its plan: the grids layer beside it
    # holds the codes, which the grids keeping their ids keep
    units, comm, plan = three_named_grids()
    first = redraw_grids(units.assign(households=[120] * 4 + [100] * 4 + [75] * 4), comm, plan)
    first.grids.to_file(tmp_path / "results.gpkg", layer="grids")
    first.units.to_file(tmp_path / "results.gpkg", layer="units")
    units.to_file(tmp_path / "town.gpkg", layer="units")
    comm.to_file(tmp_path / "town.gpkg", layer="communities")
    assert main(["run", str(redraw_project(tmp_path, '{ path = "results.gpkg", layer = "units" }')), "-q"]) == 0
    new = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="grids").set_index("grid_id")
    assert new["grid_code"].to_dict() == first.grids.set_index("grid_id")["grid_code"].to_dict()
    assert len(pd.read_csv(tmp_path / "out" / "moves.csv")) > 0


def redraw_project(folder, plan: str):
    """A project file in ``folder`` redrawing the plan ``plan`` (its TOML value) of town.gpkg's
    communities and units into out/, grids only."""
    path = folder / "p.toml"
    path.write_text(
        '[project]\nname = "redraw"\noutput = "out"\n[inputs]\n'
        'communities = { path = "town.gpkg", layer = "communities" }\n'
        'units = { path = "town.gpkg", layer = "units" }\n'
        f"plan = {plan}\n"
        "[coverage]\nenabled = false\n[outputs]\nmaps = false\nworkbook = false\npng = false\n", encoding="utf-8")
    return path
