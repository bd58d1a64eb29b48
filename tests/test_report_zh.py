"""The report in Chinese: every row the package reports carries the Chinese of its problem and
action; Chinese outputs (the workbook's 数据问题清单) show it, English outputs and the ``report``
layer keep the English."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
import shapely
from openpyxl import load_workbook
from shapely.geometry import MultiPolygon, Point, Polygon, box
from test_grids import community, squares
from test_redraw import row_of_three_grids
from test_siting import filtered_siting
from test_validate import _all, _communities, _stations

import spatial
from spatial.core.checks import LAYERS_ZH, REPORT_COLUMNS, ZH_COLUMNS, Report, report_in
from spatial.grids.evaluate import evaluate_grids
from spatial.grids.partition import partition_grids
from spatial.io.workbook import write_workbook
from spatial.io.writers import write_layers

ROOT = Path(spatial.__file__).parent


# ----------------------------------------------------------------------------- every call site


def _report_add_calls():
    """Every call of ``Report.add`` in ``spatial/``, as ``(file:line, call)``.

    The rule: a method call ``X.add(...)`` is a report row when it has at least four positional
    arguments (layer, row_id, problem, action; ``set.add`` takes one, ``np.add`` and
    ``np.char.add`` two) or when its receiver's name contains ``report`` (a row given by
    keywords). No other ``add`` in the package takes four positional arguments.
    """
    calls = []
    for path in sorted(ROOT.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add"):
                continue
            receiver = ast.unparse(node.func.value)
            if len(node.args) >= 4 or "report" in receiver.lower():
                calls.append((f"{path.relative_to(ROOT.parent)}:{node.lineno}", node))
    return calls


def test_every_report_row_in_the_package_carries_its_chinese():
    calls = _report_add_calls()
    assert len(calls) >= 60, "the rule finds the report's call sites"
    missing = [where for where, node in calls
               if not any(k.arg == "zh" and not (isinstance(k.value, ast.Constant) and k.value.value is None)
                          for k in node.keywords)]
    assert missing == [], f"Report.add without zh=(problem, action) in Chinese: {missing}"


# ----------------------------------------------------------------------------- the Report itself


def test_the_report_table_stays_english_and_the_chinese_is_asked_for():
    report = Report()
    report.add("units", "U1", "empty geometry", "left out", zh=("几何为空", "未纳入"))
    report.add("units", "U2", "an old row", "kept")  # no Chinese: shown in English everywhere
    assert list(report.to_frame().columns) == REPORT_COLUMNS
    assert report.to_frame()["problem"].tolist() == ["empty geometry", "an old row"]
    zh = report.to_frame("zh")
    assert list(zh.columns) == REPORT_COLUMNS
    assert zh[["problem", "action"]].values.tolist() == [["几何为空", "未纳入"], ["an old row", "kept"]]
    carried = report.to_frame(zh_columns=True)
    assert list(carried.columns) == REPORT_COLUMNS + ZH_COLUMNS
    assert carried["problem_zh"].tolist() == ["几何为空", None]
    # through a table and back (as the project's steps hand their reports on), and a concat
    assert Report.from_frame(carried).to_frame("zh").equals(zh)
    joined = pd.concat([pd.DataFrame([["x", "1", "a", "b"]], columns=REPORT_COLUMNS), carried], ignore_index=True)
    assert report_in(joined, "zh")["problem"].tolist() == ["a", "几何为空", "an old row"]
    assert report_in(joined, "en").equals(joined[REPORT_COLUMNS])
    with pytest.raises(ValueError, match="lang"):
        report_in(joined, "fr")


def test_the_report_layer_keeps_its_four_english_columns(tmp_path):
    report = Report()
    report.add("stations", "S1", "geometry is a polygon, not a point", "replaced by a point inside it",
               zh=("几何为面，不是点", "已改为面内的一个点"))
    path = write_layers({"report": report.to_frame(zh_columns=True)}, tmp_path / "out.gpkg")
    layer = pyogrio.read_dataframe(path, layer="report", read_geometry=False)
    assert list(layer.columns) == REPORT_COLUMNS
    assert layer["problem"].tolist() == ["geometry is a polygon, not a point"]


# ----------------------------------------------------------------------------- real rows in Chinese

#: What a Chinese row may hold in Latin letters: ids and names in quotes, column and option names
#: (snake_case, ``--options``, ``spatial editor``), CRS and datum codes (EPSG:4326, GCJ-02, WGS-84).
_PASS = re.compile(r"'[^']*'|\b\w*_\w*\b|--[a-z-]+|\bspatial [a-z]+|EPSG:\d+|\b[A-Z]+-\d+\b")
_WORD = re.compile(r"[A-Za-z]{3,}")


def _english_left(frame: pd.DataFrame, ids=()) -> list[str]:
    left = []
    for text in frame["problem"].tolist() + frame["action"].tolist():
        rest = _PASS.sub(" ", str(text))
        for i in ids:
            rest = rest.replace(str(i), " ")
        if _WORD.search(rest):
            left.append(text)
    return left


def _validate_reports() -> list[Report]:
    bowtie = _communities()
    bowtie.loc[0, "geometry"] = Polygon([(0, 0), (1000, 1000), (1000, 0), (0, 1000)])
    polygon = _stations()
    polygon.loc[0, "geometry"] = box(450, 480, 550, 530)
    far = _stations()
    far.loc[1, "geometry"] = Point(1500, 850)  # 350 m from the street
    from test_validate import _units

    units = _units()
    units.loc[12, "geometry"] = box(2500, 2500, 2600, 2600)
    units.loc[10, "community_id"] = "C9"
    exclave = _communities()
    exclave.loc[1, "geometry"] = MultiPolygon([box(1000, 0, 2000, 1000), box(3000, 0, 3100, 100)])
    runs = [_all(communities=bowtie), _all(stations=polygon), _all(stations=far), _all(units=units),
            _all(stations=_stations().to_crs(4326)), _all(communities=exclave)]
    return [report for _, report in runs]


def test_validation_rows_read_in_chinese():
    reports = _validate_reports()
    assert all(len(r) for r in reports)
    frame = pd.concat([r.to_frame("zh") for r in reports], ignore_index=True)
    assert _english_left(frame) == []
    problems = " ".join(frame["problem"])
    assert "几何无效：自相交" in problems and "距最近的路段 350 米（上限 100 米）" in problems
    assert "不在任何社区内（最近的社区：C2，相距 1645 米）" in problems
    assert "坐标参考系 EPSG:4326 与社区图层（EPSG:32650）不一致" in problems
    english = pd.concat([r.to_frame() for r in reports], ignore_index=True)
    assert "350 m from the nearest network edge (limit 100 m)" in " ".join(english["problem"])


def test_grid_rows_read_in_chinese():
    big = partition_grids(squares(1, 3, [[620, 200, 200]]), community(shapely.box(0, 0, 300, 100)))
    small = partition_grids(squares(1, 2, 125), community(shapely.box(0, 0, 200, 100), cid="SMALL"))
    units, comm, plan = row_of_three_grids()
    units["grid_id"] = plan["grid_id"]
    beyond = evaluate_grids(units, comm, max_deviation_pct=10)
    frames = [report_in(r.report, "zh") for r in (big, small, beyond)]
    assert all(len(f) for f in frames)
    frame = pd.concat(frames, ignore_index=True)
    assert _english_left(frame) == []
    rows = frames[2].set_index("row_id")["problem"]
    assert rows["A"] == "460 户，高于所在社区网格平均户数 400 达 15.0%（规则：偏差不超过 10%）"
    assert frames[0]["problem"].str.contains("单个单元即有 620 户 > 500").any()
    assert beyond.report.set_index("row_id").loc["A", "problem"].startswith("has 460 households")  # unchanged


def test_siting_rows_read_in_chinese():
    frame = report_in(filtered_siting().report, "zh")
    left = frame[frame["layer"] == "候选点"].set_index("row_id")["problem"]
    assert left["A"] == "用地性质 'commercial' 不在允许范围内"
    assert left["D"] == "建筑面积 100 平方米 < 500 平方米"
    assert _english_left(frame) == []


# ----------------------------------------------------------------------------- the workbook


@pytest.fixture
def summary():
    return pd.DataFrame({"level": ["overall"], "id": ["all"], "households": [900.0], "population": [2340.0],
                         "hh_15min": [700.0], "pct_hh_15min": [77.8]})


def test_the_chinese_workbook_lists_the_problems_in_chinese_and_the_english_one_in_english(tmp_path, summary):
    report = Report()
    for r in _validate_reports()[:3]:
        report.extend(r)
    table = report.to_frame(zh_columns=True)
    zh = write_workbook(tmp_path / "zh.xlsx", summary, report=table)
    sheet = pd.read_excel(zh, sheet_name="数据问题清单", engine="openpyxl")
    assert list(sheet.columns) == ["图层", "行或编号", "问题", "处理"]
    assert sheet["问题"].tolist() == report.to_frame("zh")["problem"].tolist()
    assert sheet["处理"].tolist() == report.to_frame("zh")["action"].tolist()
    assert "已用 make_valid 修复" in sheet["处理"].tolist()
    assert set(sheet["图层"]) <= set(LAYERS_ZH.values())  # the layers in words too, not keys
    en = write_workbook(tmp_path / "en.xlsx", summary, report=table, lang="en")
    assert "report" in load_workbook(en).sheetnames
    sheet = pd.read_excel(en, sheet_name="report", engine="openpyxl")
    assert list(sheet.columns) == ["Layer", "Row", "Problem", "Action"]
    assert sheet["Problem"].tolist() == report.to_frame()["problem"].tolist()


def test_a_project_run_writes_the_chinese_report_sheet_and_an_english_report_layer(demo_outputs):
    outputs = {p.name: p for p in demo_outputs}
    sheet = pd.read_excel(outputs["summary.xlsx"], sheet_name="数据问题清单", engine="openpyxl")
    assert "未提供道路图层：网格边界沿路网文件 futian_walk.graphml 的全部道路划分（含步行不计的干道）" in sheet["问题"].tolist()
    layer = pyogrio.read_dataframe(outputs["results.gpkg"], layer="report", read_geometry=False)
    assert list(layer.columns) == REPORT_COLUMNS
    assert len(layer) == len(sheet)
    assert layer["problem"].str.contains("grid borders follow the roads of the network file").any()
