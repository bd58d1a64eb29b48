"""Bad files as planners bring them: a refusal is one line on stderr (exit 2) naming the file,
the column and the row, with nothing said before it about the rows that were fine; whatever a
run leaves out is said on the console, not only in the report layer."""

from __future__ import annotations

import logging

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import box

from spatial.cli import main
from spatial.core import checks
from spatial.core.errors import ColumnError

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000
CELLS = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1)) for i in range(4) for j in range(2)]


def _files(tmp_path, households, *, far=None):
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    comm.to_file(tmp_path / "comm.gpkg")
    geoms = list(CELLS)
    if far is not None:  # one unit moved far off its community, as a wrong coordinate puts it
        geoms[far] = box(X0 + 30_000, Y0 + 20_000, X0 + 30_100, Y0 + 20_100)
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": households,
                              "community_id": ["C1"] * 8}, geometry=geoms, crs=UTM)
    units.to_file(tmp_path / "units.gpkg")
    return tmp_path / "comm.gpkg", tmp_path / "units.gpkg"


def test_households_refused_for_one_cell_are_said_in_one_line_without_the_cells_read_as_text(tmp_path, capsys):
    """'100户' in seven rows and '约120户' in one: the refusal of U7 came after a warning that seven
    values written as text were read as counts, two lines for one error."""
    checks._SAID.clear()
    comm, units = _files(tmp_path, ["100户"] * 7 + ["约120户"])
    out = tmp_path / "g.gpkg"
    assert main(["grids", str(comm), str(units), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    assert err[0].startswith("spatial grids: error: 'units.gpkg' column 'households' must be a number >= 0")
    assert "U7='约120户'" in err[0] and "Fill in the count" in err[0]
    assert not out.exists()


def test_check_households_says_text_read_as_counts_only_once_the_column_passes(caplog):
    checks._SAID.clear()
    bad = pd.DataFrame({"unit_id": ["a", "b", "c"], "户数": ["120户", "90户", "-5户"]})
    with caplog.at_level(logging.WARNING, logger="spatial"):
        with pytest.raises(ColumnError, match=r"'units.csv' column '户数' must be a number >= 0 .*c='-5户'"):
            checks.check_households(bad, "户数", "units.csv")
    assert "written as text" not in caplog.text
    good = pd.DataFrame({"unit_id": ["a", "b"], "户数": ["120户", 90]})
    with caplog.at_level(logging.WARNING, logger="spatial"):
        assert checks.check_households(good, "户数", "units.csv").tolist() == [120.0, 90.0]
    # one value: 'value', not '1 values'
    assert "'units.csv' column '户数': 1 value written as text read as counts ('120户' as 120)" in caplog.text


def test_optional_counts_refused_for_one_cell_says_nothing_of_the_others(caplog):
    checks._SAID.clear()
    floors = pd.DataFrame({"floors": ["6层", "七层", None]})
    with caplog.at_level(logging.WARNING, logger="spatial"):
        with pytest.raises(ColumnError, match=r"'buildings' column 'floors' must hold a number >= 0 or be blank; "
                                              r"bad rows: 1='七层'"):
            checks.optional_counts(floors, "floors", "buildings")
    assert "written as text" not in caplog.text


def test_a_unit_left_in_no_grid_is_said_on_the_console_with_its_households(tmp_path, capsys):
    """A unit 36 km off its community (a wrong coordinate) was kept with no grid and one report
    row; the console said only '1 report row', so its 100 households were missed."""
    comm, units = _files(tmp_path, [100] * 8, far=5)
    out = tmp_path / "g.gpkg"
    assert main(["grids", str(comm), str(units), "--out", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    said = [line for line in err if "in no grid" in line]
    assert said == ["spatial: 1 unit (100 households) is in no grid: U5; the report says why (outside every "
                    "community, or none of it inside its own): check the location and the community id"]
    placed = gpd.read_file(out, layer="units")
    assert placed.loc[placed["unit_id"] == "U5", "grid_id"].isna().all()
    assert placed["grid_id"].notna().sum() == 7
    report = gpd.read_file(out, layer="report")
    assert "U5" in set(report.loc[report["layer"] == "units", "row_id"])


def test_no_word_of_units_in_no_grid_when_every_unit_has_one(tmp_path, capsys):
    comm, units = _files(tmp_path, [100] * 8)
    assert main(["grids", str(comm), str(units), "--out", str(tmp_path / "g.gpkg")]) == 0
    assert "in no grid" not in capsys.readouterr().err
