"""The Excel workbook: one sheet per level, figures carried over unchanged."""

import pandas as pd
import pytest
from openpyxl import load_workbook

from spatial.io.workbook import write_workbook


@pytest.fixture
def summary():
    return pd.DataFrame({
        "level": ["overall", "community", "community", "grid", "grid"],
        "id": ["all", "C01", "C02", "G1", "G2"],
        "households": [900, 500, 400, 500, 400],
        "population": [2340, 1300, 1040, 1300, 1040],
        "hh_15min": [700, 500, 200, 500, 200],
        "pct_hh_15min": [77.78, 100.0, 50.0, 100.0, 50.0],
    })


@pytest.fixture
def grids():
    return pd.DataFrame({"grid_id": ["G1", "G2"], "grid_code": ["440304009001001", "440304009001002"],
                         "community_id": ["C01", "C02"], "households": [500, 400],
                         "band_status": ["in", "under"], "full_time_workers": [1, 1]})


def test_one_sheet_per_level_in_chinese(tmp_path, summary, grids):
    path = write_workbook(tmp_path / "s.xlsx", summary, grids=grids)
    wb = load_workbook(path)
    assert wb.sheetnames == ["总体", "社区", "网格", "超出户数区间的网格"]
    rows = list(wb["社区"].values)
    assert rows[0] == ("id", "households", "population", "hh_15min", "pct_hh_15min")
    assert rows[2] == ("C02", 400, 1040, 200, 50.0)


def test_grid_sheet_joins_coverage_and_lists_out_of_band(tmp_path, summary, grids):
    path = write_workbook(tmp_path / "s.xlsx", summary, grids=grids, lang="en")
    table = pd.read_excel(path, sheet_name="grid")
    assert list(table["pct_hh_15min"]) == [100.0, 50.0]
    out = pd.read_excel(path, sheet_name="grids_out_of_band")
    assert list(out["grid_id"]) == ["G2"]


def test_report_and_sites_sheets_only_when_given(tmp_path, summary):
    report = pd.DataFrame({"layer": ["units"], "row_id": ["U9"], "problem": ["invalid geometry"],
                           "action": ["repaired"]})
    path = write_workbook(tmp_path / "s.xlsx", summary, report=report, lang="en")
    assert load_workbook(path).sheetnames == ["overall", "community", "grid", "report"]
