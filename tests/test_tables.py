"""Tables as offices keep them: a merged title and a 填报单位 line above the header, a 合计 row and
a note below the table, blank rows. The header is found, every data row keeps its own line or
Excel row number in messages, and only totals and notes are left out (with a warning)."""

from __future__ import annotations

import openpyxl
import pytest

from spatial import ColumnError, InputFileError
from spatial.io.layers import read_points_table, read_table

ROWS = [("S01", "香蜜社区党群服务中心", 114.0346, 22.5432), ("S02", "竹林社区党群服务中心", 114.0211, 22.5391),
        ("S03", "竹园社区党群服务中心", 114.0413, 22.5470)]


def _office_xlsx(path, rows=ROWS):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["福田区党群服务站一览表"])
    ws.merge_cells("A1:E1")
    ws.append(["填报单位：福田区委组织部", None, None, "日期：2026年11月"])
    ws.append(["序号", "站点编号", "名称", "经度", "纬度"])
    for k, row in enumerate(rows, 1):
        ws.append([k, *row])
    ws.append([])
    ws.append(["合计", None, None, None, None])
    ws.append(["注：坐标为WGS-84"])
    wb.save(path)
    return path


def test_office_workbook_title_total_and_note_are_not_stations(tmp_path, caplog):
    with caplog.at_level("WARNING"):
        gdf = read_points_table(_office_xlsx(tmp_path / "站点.xlsx"))
    assert list(gdf.columns) == ["序号", "站点编号", "名称", "经度", "纬度", "geometry"]
    assert gdf["站点编号"].tolist() == ["S01", "S02", "S03"] and gdf["序号"].tolist() == [1, 2, 3]
    assert [(p.x, p.y) for p in gdf.geometry] == [(r[2], r[3]) for r in ROWS]
    assert "row 8 ('合计')" in caplog.text and "row 9 ('注：坐标为WGS-84')" in caplog.text


def test_rows_are_named_by_their_own_excel_row(tmp_path):
    rows = [ROWS[0], (ROWS[1][0], ROWS[1][1], None, None), ROWS[2]]
    with pytest.raises(ColumnError, match=r"missing or non-numeric coordinates in row 5, 名称 '竹林社区党群服务中心' \(经度=empty, 纬度=empty\)"):
        read_points_table(_office_xlsx(tmp_path / "gap.xlsx", rows))


def test_csv_title_line_repeated_names_and_a_shifted_row(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("福田区党群服务站一览表\n站点编号,名称,名称,lon,lat\nS01,甲,A,114.03,22.54\n\nS02,乙,B,114.04,22.55\n",
                    encoding="utf-8")
    gdf = read_points_table(path)
    assert list(gdf.columns) == ["站点编号", "名称", "名称.1", "lon", "lat", "geometry"] and len(gdf) == 2
    path.write_text("站点编号,名称,lon,lat\nS01,香蜜,中心,114.03,22.54\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"line 2 has more cells than the header \(line 1, 4 columns\)"):
        read_points_table(path)


def test_plain_tables_read_as_before(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("unit_id,grid_id\n001,A\n002,\n", encoding="gbk")
    assert read_table(path).to_dict("records")[0] == {"unit_id": "001", "grid_id": "A"}
    wb = openpyxl.Workbook()
    wb.active.append(["调整方案"])
    for row in (["unit_id", "grid_id", "locked"], ["U1", "G1", 1], ["U2", "G2", 0]):
        wb.active.append(row)
    wb.save(tmp_path / "plan.xlsx")
    plan = read_table(tmp_path / "plan.xlsx")
    assert plan.to_dict("records") == [{"unit_id": "U1", "grid_id": "G1", "locked": 1},
                                       {"unit_id": "U2", "grid_id": "G2", "locked": 0}]
    assert str(plan["locked"].dtype) == "int64"


def test_excel_97_workbook_reads_like_xlsx(tmp_path):
    # .xls as an office's old template holds it, written by xlwt (not by this package)
    import xlwt  # a test dependency (pyproject: test)
    book = xlwt.Workbook()
    sheet = book.add_sheet("站点")
    rows = [["福田区党群服务站一览表"], ["站点编号", "名称", "经度", "纬度"], *[list(r) for r in ROWS], ["合计"]]
    for i, row in enumerate(rows):
        for j, value in enumerate(row):
            sheet.write(i, j, value)
    book.save(str(tmp_path / "站点.xls"))
    old = read_points_table(tmp_path / "站点.xls")
    new = read_points_table(_office_xlsx(tmp_path / "站点.xlsx"))
    assert old["站点编号"].tolist() == new["站点编号"].tolist() == ["S01", "S02", "S03"]
    assert old.geometry.geom_equals_exact(new.geometry, 0).all()


def test_a_workbook_sheet_is_named_as_file_colon_sheet(tmp_path):
    from spatial.cli._common import read_input

    wb = openpyxl.Workbook()
    wb.active.title = "汇总"
    wb.active.append(["共3个站点"])
    detail = wb.create_sheet("明细")
    detail.append(["站点编号", "名称", "经度", "纬度"])
    for row in ROWS:
        detail.append(list(row))
    wb.save(tmp_path / "站点.xlsx")
    gdf = read_input(f"{tmp_path / '站点.xlsx'}:明细", "stations", "stations", points=True)
    assert gdf["站点编号"].tolist() == ["S01", "S02", "S03"]
    with pytest.raises(ColumnError, match=r"This is its first sheet; it also has 明细: name one as 站点\.xlsx:明细"):
        read_points_table(tmp_path / "站点.xlsx")
    with pytest.raises(InputFileError, match=r"cannot read sheet '站点'.*it has sheets: 汇总, 明细"):
        read_input(f"{tmp_path / '站点.xlsx'}:站点", "stations", "stations", points=True)


def test_opendocument_workbook_reads_like_xlsx(tmp_path):
    # .ods as LibreOffice or WPS on a domestic system saves it, written by pandas through odfpy
    import pandas as pd

    rows = [["福田区党群服务站一览表", None, None, None], ["站点编号", "名称", "经度", "纬度"], *[list(r) for r in ROWS]]
    pd.DataFrame(rows).to_excel(tmp_path / "站点.ods", engine="odf", header=False, index=False)
    ods = read_points_table(tmp_path / "站点.ods")
    new = read_points_table(_office_xlsx(tmp_path / "站点.xlsx"))
    assert ods["站点编号"].tolist() == ["S01", "S02", "S03"]
    assert ods.geometry.geom_equals_exact(new.geometry, 0).all()


@pytest.mark.parametrize("header", ["lon,lat,名称", "WKT,名称"])
def test_a_table_of_only_its_header_is_empty_not_an_error(tmp_path, header):
    from spatial.cli._common import read_input
    from spatial.core.errors import GeometryError

    (tmp_path / "s.csv").write_text(header + "\n", encoding="utf-8")
    gdf = read_points_table(tmp_path / "s.csv")
    assert len(gdf) == 0 and "名称" in gdf.columns and gdf.crs.to_epsg() == 4326
    with pytest.raises(GeometryError, match=r"stations: '.*s\.csv' has no rows"):
        read_input(tmp_path / "s.csv", "stations", "stations", points=True)
