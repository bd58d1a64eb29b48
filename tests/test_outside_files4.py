"""Bad and awkward files, fourth pass: the workbooks, tables and layers officials and planners
are sent, through every command. The rule: what Excel shows is what is read; a file that cannot
be read is one line naming it and what to do, exit 2, nothing at the output path."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import openpyxl
import pytest
from shapely.geometry import box

from spatial.cli import main
from spatial.io.layers import read_table

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> dict[str, Path]:
    """One community of 400 x 200 m and its eight 100 m square units of 100 households (U0-U7:
    U0-U3 the west half, U4-U7 the east half)."""
    d = tmp_path_factory.mktemp("town")
    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1)) for i in range(4) for j in range(2)]
    p = {"units": d / "units.gpkg", "comm": d / "comm.gpkg"}
    gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "community_id": ["C1"] * 8, "households": [100] * 8},
                     geometry=cells, crs=UTM).to_file(p["units"])
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM).to_file(p["comm"])
    return p


# ------------------------------------------------------------------ cells merged down a column


def _merged_plan(path: Path) -> Path:
    """A plan as offices keep it in Excel: 网格编号 and 户数合计 merged down over each grid's four
    units (G1: U0-U3 in rows 2-5, G2: U4-U7 in rows 6-9)."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["网格编号", "户数合计", "单元编号", "户数"])
    for i in range(8):
        top = i in (0, 4)
        ws.append(["G1" if i == 0 else "G2" if i == 4 else None, 400 if top else None, f"U{i}", 100])
    for rows in ("2:5", "6:9"):
        a, b = rows.split(":")
        ws.merge_cells(f"A{a}:A{b}")
        ws.merge_cells(f"B{a}:B{b}")
    wb.save(path)
    return path


def test_grid_ids_merged_down_over_their_units_are_read_beside_every_unit(tmp_path, caplog):
    """A plan workbook with 网格编号 merged over each grid's units (as Excel shows it: G1 beside
    U0-U3) was read with the id in the first row only: U1-U3 and U5-U7 in no grid."""
    with caplog.at_level(logging.INFO, logger="spatial"):
        df = read_table(_merged_plan(tmp_path / "plan.xlsx"))
    assert df["网格编号"].tolist() == ["G1"] * 4 + ["G2"] * 4
    # a count merged down is the rows' total, not each row's: never copied (400 x 4 would be 1,600)
    assert df["户数合计"].isna().sum() == 6 and df["户数合计"].sum() == 800
    assert "column '网格编号': cells merged over rows 2-5, 6-9 read as their value beside every row" in caplog.text


def test_evaluate_scores_a_plan_with_merged_grid_ids_as_two_grids_of_four_units(town, tmp_path, capsys):
    """spatial grids --existing plan.xlsx --evaluate scored G1 and G2 as one unit of 100 households
    each ('under'), the other six units 'not in any grid: counted as a gap' (75% of the community),
    exit 0 and not a word on the terminal."""
    out = tmp_path / "scores.gpkg"
    code = main([str(a) for a in ["grids", town["comm"], town["units"], "--existing",
                                  _merged_plan(tmp_path / "plan.xlsx"), "--evaluate", "--out", out,
                                  "--min", "300", "--max", "500"]])
    assert code == 0, capsys.readouterr().err
    scores = gpd.read_file(out, layer="grid_scores").set_index("grid_id")
    assert scores["households"].to_dict() == {"G1": 400, "G2": 400}
    assert set(scores["band_status"]) == {"in"}
    assert float(gpd.read_file(out, layer="summary")["gap_pct"].iloc[0]) == 0.0


# ------------------------------------------------------------------ full-width digits


def test_coordinates_in_full_width_digits_are_said_so_not_called_degrees_minutes(tmp_path, caplog):
    """A station list typed with a Chinese input method (经度 '１１４．０５８３', full-width digits)
    was read right but said to be 'written with °, minutes or E/N': the official looked for
    minutes that were never there. It says full-width digits now; a °-written cell is said as before."""
    from spatial.io.layers import read_points_table

    path = tmp_path / "stations.csv"
    path.write_text("编号,经度,纬度\nS1,１１４．０５８３,２２．５４３１\nS2,114°3′29.88″,22.5431\n", encoding="utf-8-sig")
    with caplog.at_level(logging.WARNING, logger="spatial"):
        stations = read_points_table(path)
    assert stations.geometry.x.round(4).tolist() == [114.0583, 114.0583]
    assert stations.geometry.y.round(4).tolist() == [22.5431, 22.5431]
    assert "column '经度': 1 coordinates written in full-width digits read as decimal degrees ('１１４．０５８３'" \
           in caplog.text
    assert "column '纬度': 1 coordinates written in full-width digits" in caplog.text
    assert "column '经度': 1 coordinates written with °, minutes or E/N read as decimal degrees ('114°3′29.88″'" \
           in caplog.text
    assert "纬度': 1 coordinates written with °" not in caplog.text
