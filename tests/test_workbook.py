"""The Excel workbook in the maps' words, and CSV tables that open safely in Excel."""

import pandas as pd
import pytest
from openpyxl import load_workbook

from spatial.io.workbook import integer_counts, write_workbook

EVIL = '=HYPERLINK("http://example.com","点击")'


@pytest.fixture
def summary():
    return pd.DataFrame({
        "level": ["overall", "community", "community", "grid", "grid"],
        "id": ["all", "C01", "C02", "G1", "G2"],
        "households": [900.0, 500.0, 400.0, 500.0, 400.0],
        "population": [2340.0, 1300.0, 1040.0, 1300.0, 1040.0],
        "hh_15min": [700.0, 500.0, 200.0, 500.0, 200.0],
        "pct_hh_15min": [77.7777, 100.0, 50.0, 100.0, 50.0],
    })


@pytest.fixture
def grids():
    return pd.DataFrame({"grid_id": ["G1", "G2"], "grid_code": ["440304009001001", "440304009001002"],
                         "community_id": ["C01", "C02"], "households": [500, 400],
                         "polsby_popper": [0.4349, 0.3283], "road_share": [0.456, None],
                         "band_status": ["in", "under"], "target_households": [450.0, 466.6667],
                         "deviation_pct": [11.1111, -14.2857], "full_time_workers": [1, 1]})


@pytest.fixture
def communities():
    return pd.DataFrame({"community_id": ["C01", "C02"], "name": ["香蜜社区", EVIL]})


def rows(path, sheet):
    return list(load_workbook(path)[sheet].values)


def test_chinese_headers_names_first_one_decimal_and_integer_counts(tmp_path, summary, grids, communities):
    path = write_workbook(tmp_path / "s.xlsx", summary, grids=grids, communities=communities,
                          about={"min_households": 300, "max_households": 500})
    assert load_workbook(path).sheetnames == ["总体", "社区", "网格", "超出户数区间的网格", "说明"]
    overall = rows(path, "总体")
    assert overall == [("户数", "人口", "15分钟内户数", "15分钟内户数占比（%）"), (900, 2340, 700, 77.8)]
    assert isinstance(overall[1][0], int)                      # 900, not 900.0
    community = rows(path, "社区")
    assert community[0] == ("名称", "编号", "户数", "人口", "15分钟内户数", "15分钟内户数占比（%）")
    assert community[1] == ("香蜜社区", "C01", 500, 1300, 500, 100)
    grid = pd.read_excel(path, sheet_name="网格", engine="openpyxl")
    assert list(grid.columns[:4]) == ["网格编码", "网格号", "所属社区", "社区编号"]
    assert list(grid["户数状态"]) == ["300–500", "不足 300"]
    assert list(grid["紧凑度"]) == [0.43, 0.33] and grid["沿道路的边界（%）"].iloc[0] == 45.6
    assert list(grid["社区网格平均户数"]) == [450.0, 466.7] and list(grid["与平均户数的偏差（%）"]) == [11.1, -14.3]
    assert list(grid["15分钟内户数占比（%）"]) == [100.0, 50.0]
    assert list(pd.read_excel(path, sheet_name="超出户数区间的网格", engine="openpyxl")["网格号"]) == ["G2"]
    cell = load_workbook(path)["总体"]["D2"]
    assert cell.number_format == "0.0"


def test_text_cells_stay_text(tmp_path, summary, grids, communities):
    report = pd.DataFrame({"layer": ["units"], "row_id": ["+1"], "problem": [EVIL], "action": ["@SUM(A1)"]})
    path = write_workbook(tmp_path / "s.xlsx", summary, grids=grids, communities=communities, report=report)
    book = load_workbook(path)
    texts = [c for ws in book.worksheets for row in ws.iter_rows() for c in row
             if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    assert {c.value for c in texts} >= {EVIL, "+1", "@SUM(A1)"}
    assert all(c.data_type == "s" for c in texts)              # stored as text, never as a formula


def test_notes_sheet_defines_every_column_and_states_the_rules(tmp_path, summary, grids):
    about = {"speed_kmh": 4.0, "bands": ["5min", "10min", "15min"], "max_snap_m": 100,
             "min_households": 300, "max_households": 500, "credits": ["路网 © OpenStreetMap contributors"]}
    path = write_workbook(tmp_path / "s.xlsx", summary, grids=grids, about=about)
    notes = rows(path, "说明")
    text = " ".join(str(v) for r in notes for v in r if v)
    assert "4.0 公里/小时（15 分钟约 1000 米）" in text and "5分钟、10分钟、15分钟" in text
    assert "100 米" in text and "300–500 户" in text and "OpenStreetMap" in text
    defined = {r[1] for r in notes if r[0] and ("总体" in r[0] or "网格" in r[0])}
    for sheet in ("总体", "网格"):
        for head in rows(path, sheet)[0]:
            assert head in defined, f"{head} on {sheet} is not defined in 说明"
    assert "紧凑度" in defined and any("Polsby-Popper" in str(r[2]) for r in notes if r[1] == "紧凑度")


def test_report_and_sites_sheets_only_when_given_and_english(tmp_path, summary):
    report = pd.DataFrame({"layer": ["units"], "row_id": ["U9"], "problem": ["invalid geometry"],
                           "action": ["repaired"]})
    path = write_workbook(tmp_path / "s.xlsx", summary, report=report, lang="en")
    assert load_workbook(path).sheetnames == ["overall", "community", "grid", "report", "notes"]
    assert rows(path, "overall")[0] == ("Households", "Population", "Households within 15 min",
                                         "Households within 15 min (%)")
    with pytest.raises(ValueError, match="lang"):
        write_workbook(tmp_path / "x.xlsx", summary, lang="fr")


def test_counts_are_integers_for_csv_and_measures_keep_their_decimals():
    frame = pd.DataFrame({"id": ["C01", "C02", "C03"], "households": [63080.0, 12.0, None],
                          "pct_hh_5min": [11.135, 50.0, None], "area_m2": [10.5, 3.0, 1.0]})
    out = integer_counts(frame)
    assert out["households"].tolist()[:2] == [63080, 12] and str(out["households"].dtype) == "Int64"
    assert out["pct_hh_5min"].tolist()[0] == 11.135
    assert out["area_m2"].tolist() == [10.5, 3.0, 1.0]         # not whole numbers: unchanged
    assert "63080," in out.to_csv(index=False) and frame["households"].dtype == float  # input untouched


def test_a_redraw_adds_its_moves_and_the_cores_kept_in_words(tmp_path, summary, grids):
    redrawn = grids.assign(households_kept_pct=[97.04, 100.0], units_moved_in=[2, 0], units_moved_out=[0, 2])
    moves = pd.DataFrame({"unit_id": ["U7", "U9"], "old_grid": ["G2", "G2"], "new_grid": ["G1", "G1"],
                          "reason": ["passed along a chain of neighbouring grids"] * 2})
    path = write_workbook(tmp_path / "w.xlsx", summary, grids=redrawn, moves=moves, lang="zh")
    grid_rows = rows(path, "网格")
    at = {h: i for i, h in enumerate(grid_rows[0])}
    assert grid_rows[1][at["原网格户数保留（%）"]] == 97.0 and grid_rows[1][at["调入单元数"]] == 2
    assert rows(path, "网格调整清单") == [("单元编号", "原网格", "新网格", "原因"),
                                       ("U7", "G2", "G1", "passed along a chain of neighbouring grids"),
                                       ("U9", "G2", "G1", "passed along a chain of neighbouring grids")]
    assert "网格调整清单" not in load_workbook(write_workbook(tmp_path / "v.xlsx", summary, grids=grids)).sheetnames
