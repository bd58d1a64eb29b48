"""A households column that does not fit the band, said once.

Found drawing grids of libpysal's North Carolina counties with births (BIR74) as households: 92 of
the 100 counties hold more than 500 each, and the report gave 92 rows "alone holds N households >
500", one per county, but no row saying the column (or the band) does not fit these data. A
planner who picked population, or a count of people, as households should be told once, at the
top of the report and on the console.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import pytest
import shapely

from spatial.cli import main
from spatial.grids.partition import partition_grids

CRS = "EPSG:32650"


def row_of_units(hh, *, col="households"):
    """Square units of 100 m in a row, ids U0, U1 ..., and their one community."""
    units = gpd.GeoDataFrame({"unit_id": [f"U{i}" for i in range(len(hh))], col: hh},
                             geometry=[shapely.box(100 * i, 0, 100 * (i + 1), 100) for i in range(len(hh))], crs=CRS)
    comm = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[shapely.box(0, 0, 100 * len(hh), 100)], crs=CRS)
    return units, comm


def fit_rows(report):
    return report[(report["row_id"] == "-") & report["problem"].str.contains("households each")]


def test_most_units_over_the_maximum_give_one_row_first_naming_the_column():
    # 3 of 4 units over 500 (median of 100, 600, 700, 800 is 650)
    units, comm = row_of_units([600, 700, 800, 100], col="births")
    res = partition_grids(units, comm, households_col="births")
    first = res.report.iloc[0]
    assert (first["layer"], first["row_id"]) == ("units", "-")
    assert first["problem"] == ("3 of 4 units with households hold more than 500 households each (median 650): "
                                "is 'births' a count of households?")
    assert first["action"].startswith("each grid holding one is over the band; check the column")
    assert "--min/--max" in first["action"] and "min_households/max_households" in first["action"]
    assert first["problem_zh"] == "4 个有住户的单元中有 3 个各自超过 500 户（中位数 650 户）：'births' 是户数吗？"
    assert first["action_zh"].startswith("含这些单元的网格都超出户数区间")
    assert len(fit_rows(res.report)) == 1
    # the rows on each unit stay, naming it
    alone = res.report[res.report["problem"].str.startswith("alone holds")]
    assert alone["row_id"].tolist() == ["U0", "U1", "U2"]


def test_half_of_the_units_over_is_enough_and_units_without_households_do_not_count():
    units, comm = row_of_units([600, 700, 100, 200, 0, 0])  # 2 of the 4 with households
    res = partition_grids(units, comm)
    assert fit_rows(res.report)["problem"].tolist() == [
        "2 of 4 units with households hold more than 500 households each (median 400): "
        "is 'households' a count of households?"]
    assert fit_rows(res.report).index.tolist() == [0]  # the first row


def test_a_few_large_estates_are_the_units_own_not_the_columns():
    units, comm = row_of_units([620, 200, 200, 100])  # 1 of 4 over
    res = partition_grids(units, comm)
    assert fit_rows(res.report).empty
    assert res.report["problem"].str.startswith("alone holds 620 households > 500").any()


def test_the_band_set_to_fit_says_nothing_of_the_column():
    units, comm = row_of_units([600, 700, 800, 100])
    res = partition_grids(units, comm, min_households=500, max_households=2000)
    assert fit_rows(res.report).empty


def test_the_row_is_also_a_warning(caplog):
    units, comm = row_of_units([600, 700, 800, 100])
    with caplog.at_level(logging.WARNING, logger="spatial"):
        partition_grids(units, comm)
    said = [r.getMessage() for r in caplog.records if "households each" in r.getMessage()]
    assert len(said) == 1 and said[0].startswith("3 of 4 units with households hold more than 500")


def test_spatial_grids_puts_it_above_the_validations_rows_and_on_the_console(tmp_path, capsys):
    units, comm = row_of_units([600, 700, 800, 100], col="BIR74")
    units.to_file(tmp_path / "units.gpkg")
    comm.to_file(tmp_path / "comm.gpkg")
    out = tmp_path / "out.gpkg"
    assert main(["grids", str(tmp_path / "comm.gpkg"), str(tmp_path / "units.gpkg"), "--out", str(out),
                 "--households-col", "BIR74", "--grids", "2"]) == 0
    report = gpd.read_file(out, layer="report")
    assert report["problem"].iloc[0].startswith("3 of 4 units with households hold more than 500 households each")
    assert "is 'BIR74' a count of households?" in report["problem"].iloc[0]
    assert len(fit_rows(report)) == 1
    # the validation's rows (no buildings column, no roads) come after it
    assert (report["row_id"].iloc[1:] == "-").sum() >= 2
    err = capsys.readouterr().err
    assert err.count("households each") == 1 and "is 'BIR74' a count of households?" in err


@pytest.mark.parametrize("hh", [[100, 200, 300], [0, 0, 0]])
def test_units_in_the_band_or_without_households_give_no_row(hh):
    units, comm = row_of_units(hh)
    assert fit_rows(partition_grids(units, comm).report).empty
