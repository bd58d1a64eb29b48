"""Spreadsheets that went through Excel or WPS and came back: a district office opens the tool's
CSV or workbook, edits it and saves it (as .xlsx, or "CSV" - GBK with CRLF, or UTF-8 with a BOM).
Each file here is built by hand (openpyxl, or the bytes Excel writes), tiny, with a known answer:
read right, or refused in one line naming the file, the column and the row."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
from shapely.geometry import box

import spatial
from spatial.core.errors import ColumnError
from test_maps import communities, demand, stations  # noqa: F401 (fixtures: a community, its units, two stations)
from test_outside_a import files  # noqa: F401 (a fixture: a street grid of footways, stations and units)

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000


def _units(ids: list[str]) -> gpd.GeoDataFrame:
    """Units of 100 households in a row of 100 m squares, with the ids given."""
    return gpd.GeoDataFrame({"unit_id": ids, "community_id": ["C1"] * len(ids), "households": [100] * len(ids)},
                            geometry=[box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 100) for i in range(len(ids))],
                            crs=UTM)


def _excel_csv(path, rows: list[list[str]], encoding: str = "gbk"):
    """The bytes Excel on Chinese Windows writes for 另存为 CSV: GBK, CRLF (or UTF-8 with BOM)."""
    path.write_bytes("".join(",".join(r) + "\r\n" for r in rows).encode(encoding))
    return path


def _book(path, rows: list[list], title: str = "Sheet1"):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for r in rows:
        sheet.append(r)
    book.save(path)
    return path


# --------------------------------------------------------------------------- codes Excel changed


def test_grid_codes_excel_saved_in_scientific_notation_are_refused_not_merged_into_one_grid(tmp_path):
    """A plan whose grid ids are 15-digit codes (stats12: 440305001001001 ...), opened in Excel and
    saved as CSV, says 4.40305E+14 for every grid: read_plan gave all four units grid
    '4.40305E+14' (two grids silently became one). Now refused, naming the file, column and line."""
    units = _units(["U1", "U2", "U3", "U4"])
    path = _excel_csv(tmp_path / "方案.csv", [["unit_id", "网格编码"], ["U1", "4.40305E+14"], ["U2", "4.40305E+14"],
                                             ["U3", "4.40305E+14"], ["U4", "4.40305E+14"]])
    with pytest.raises(ColumnError, match=r"^plan '方案.csv', column '网格编码', line 2: a long code in Excel's "
                                          r"scientific notation \(4\.40305E\+14\).*digits are lost.*列数据格式") as info:
        spatial.read_plan(path, units)
    assert "\n" not in str(info.value)


def test_eighteen_digit_unit_ids_in_scientific_notation_are_refused_with_their_line(tmp_path):
    """1.23457E+17 (an 18-digit id as Excel shows and saves it), below a title line: the line named
    is the file's own (3), not the row's place in the table."""
    units = _units(["123456789012345678", "123456789012345679"])
    path = _excel_csv(tmp_path / "plan.csv", [["福田区网格方案"], ["unit_id", "grid_id"], ["1.23457E+17", "A"],
                                              ["1.23457E+17", "B"]], encoding="utf-8-sig")
    with pytest.raises(ColumnError, match=r"'plan.csv', column 'unit_id', line 3: .*\(1\.23457E\+17\)"):
        spatial.read_plan(path, units)


def test_twenty_digit_codes_stored_as_numbers_in_a_workbook_are_refused(tmp_path):
    """CJ/T 349 codes have 20 digits; typed into Excel they are stored as numbers of 15 digits
    (44030500100100100101 -> 4.40305001001001E+19). read_plan read both grids as
    '44030500100100096000' (one grid). Now refused, naming the sheet row."""
    units = _units(["U1", "U2", "U3", "U4"])
    path = _book(tmp_path / "plan.xlsx", [["unit_id", "grid_code"], ["U1", float(44030500100100100101)],
                                          ["U2", float(44030500100100100101)], ["U3", float(44030500100100100102)],
                                          ["U4", float(44030500100100100102)]], title="网格方案")
    with pytest.raises(ColumnError, match=r"'plan.xlsx', column 'grid_code', row 2: a code of 16 or more digits "
                                          r"Excel stored as a number \(44030500100100096000, shown as 4\.40305E\+19\)"):
        spatial.read_plan(path, units, grid_id_col="grid_code")


def test_fifteen_digit_codes_stored_as_numbers_in_a_workbook_are_read_whole(tmp_path):
    """Excel keeps 15 digits exactly: a 15-digit grid code stored as a number is the code (the
    one repair that is certain), read as its digits, not 4.40305E+14 or 440305001001001.0."""
    units = _units(["U1", "U2", "U3"])
    path = _book(tmp_path / "plan.xlsx", [["unit_id", "grid_id"], ["U1", 440305001001001],
                                          ["U2", 440305001001001.0], ["U3", 440305001001002]])
    assert spatial.read_plan(path, units).tolist() == ["440305001001001", "440305001001001", "440305001001002"]


def test_grid_ids_excel_turned_into_dates_are_refused(tmp_path):
    """Grid ids 1-2 and 1-3 typed into Excel become dates (2日1月): read_plan gave the units grids
    '2026-01-02 00:00:00' and '2026-01-03 00:00:00'. Now refused, naming the row."""
    units = _units(["U1", "U2", "U3"])
    path = _book(tmp_path / "plan.xlsx", [["unit_id", "grid_id"], ["U1", "1-1"], ["U2", dt.datetime(2026, 1, 2)],
                                          ["U3", dt.datetime(2026, 1, 3)]])
    with pytest.raises(ColumnError, match=r"'plan.xlsx', column 'grid_id', row 3: a date \(2026-01-02 00:00:00\) "
                                          r"Excel made of a code such as 1-2"):
        spatial.read_plan(path, units)


def test_the_cli_refuses_a_damaged_plan_in_one_line_with_exit_2(tmp_path, capsys):
    """spatial grids ... --existing plan.csv --evaluate with Excel's 4.40305E+14 grid codes scored
    one grid of 400 households where the plan had two; now exit 2 and one line."""
    from spatial.cli import main

    outline = gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 100)], crs=UTM)
    outline.to_file(tmp_path / "c.gpkg")
    _units(["U1", "U2", "U3", "U4"]).to_file(tmp_path / "u.gpkg")
    plan = _excel_csv(tmp_path / "plan.csv", [["unit_id", "grid_id"], ["U1", "4.40305E+14"], ["U2", "4.40305E+14"],
                                              ["U3", "4.40305E+14"], ["U4", "4.40305E+14"]])
    out = tmp_path / "scores.gpkg"
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--existing", str(plan),
                 "--evaluate", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "'plan.csv', column 'grid_id', line 2" in err and "4.40305E+14" in err
    assert not out.exists()


def test_a_station_list_with_ids_in_scientific_notation_is_refused_naming_the_line(tmp_path):
    """Station codes of 12 digits saved by Excel as 4.40304E+11: two stations with one id."""
    path = _excel_csv(tmp_path / "站点.csv", [["站点编号", "名称", "经度", "纬度"], ["4.40304E+11", "甲", "114.05", "22.54"],
                                             ["4.40304E+11", "乙", "114.06", "22.55"]])
    with pytest.raises(ColumnError, match=r"'站点.csv', column '站点编号', line 2: .*4\.40304E\+11"):
        spatial.read_points_table(path)


def test_measures_in_scientific_notation_are_not_codes(tmp_path):
    """Only id and code columns are checked: an area Excel wrote as 1.2E+07 is a number."""
    path = _excel_csv(tmp_path / "t.csv", [["编号", "面积"], ["S1", "1.2E+07"]])
    from spatial.io.layers import read_table

    assert read_table(path).to_dict("records") == [{"编号": "S1", "面积": 1.2e7}]


# --------------------------------------------------------------------------- files as Excel/WPS save them


@pytest.mark.parametrize("encoding", ["gbk", "gb18030", "utf-8-sig"])
def test_a_plan_saved_as_csv_by_excel_is_read(tmp_path, encoding):
    """另存为 CSV on Chinese Windows: GBK (or UTF-8 with BOM), CRLF, a title line, Chinese headers,
    ids with leading zeros kept as written."""
    units = _units(["0101", "0102", "0103"])
    path = _excel_csv(tmp_path / "方案.csv", [["福田区网格方案"], ["单元编号", "网格编号"], ["0101", "一网格"],
                                             ["0102", "一网格"], ["0103", "二网格"]], encoding=encoding)
    assert spatial.read_plan(path, units).tolist() == ["一网格", "一网格", "二网格"]


def test_a_workbook_as_offices_keep_it_is_read(tmp_path):
    """A title in merged cells on row 1, the header on row 2, ids stored as numbers (101.0),
    trailing empty rows and a formatted but empty column, a Chinese sheet name, a second sheet."""
    units = _units(["101", "102", "103"])
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "网格方案"
    sheet.append(["福田区网格划分方案（2025年）"])
    sheet.merge_cells("A1:C1")
    sheet.append(["单元编号", "网格编号", None])
    for uid, grid in [(101.0, "G1"), (102.0, "G1"), (103.0, "G2")]:
        sheet.append([uid, grid, None])
    for r in range(6, 9):  # rows formatted, never filled
        sheet.cell(row=r, column=4).number_format = "@"
    book.create_sheet("说明").append(["本表由街道填写"])
    book.save(tmp_path / "方案.xlsx")
    assert spatial.read_plan(tmp_path / "方案.xlsx", units).tolist() == ["G1", "G1", "G2"]


def _plan_behind_a_cover(path, cover: str, text: str, sheet: str) -> None:
    """A workbook at ``path``: a first sheet ``cover`` holding one line ``text``, then the plan
    U1 -> A, U2 -> B on the sheet ``sheet``."""
    book = openpyxl.Workbook()
    book.active.title = cover
    book.active.append([text])
    plan = book.create_sheet(sheet)
    for row in (["unit_id", "grid_id"], ["U1", "A"], ["U2", "B"]):
        plan.append(row)
    book.save(path)


def test_the_plan_on_a_second_sheet_is_read_by_its_chinese_name(tmp_path):
    """FILE.xlsx:网格方案 (layer= from Python) names a sheet after a cover sheet."""
    units = _units(["U1", "U2"])
    _plan_behind_a_cover(tmp_path / "方案.xlsx", "封面", "福田区网格划分方案", "网格方案")
    assert spatial.read_plan(tmp_path / "方案.xlsx", units, layer="网格方案").tolist() == ["A", "B"]


# --------------------------------------------------------------------------- what the tool writes for Excel


def test_the_workbook_writes_long_numeric_codes_as_text(tmp_path):
    """Community ids from a layer that stores 社区代码 as integers (440305001001) and 20-digit grid
    codes held as integers were written to summary.xlsx as numbers: Excel shows 4.40305E+11, and
    the two grid codes 44030500100100100101/...102 were both stored as 4.40305001001001E+19.
    Now text cells holding every digit, read back whole; counts stay numbers."""
    from spatial.io.layers import read_table
    from spatial.io.workbook import write_workbook

    summary = pd.DataFrame({"level": ["overall", "community", "community"], "id": ["all", 440305001001, 440305001002],
                            "households": [900.0, 500.0, 400.0], "hh_15min": [700.0, 500.0, 200.0],
                            "pct_hh_15min": [77.8, 100.0, 50.0]})
    grids = pd.DataFrame({"grid_id": [1, 2], "grid_code": [44030500100100100101, 44030500100100100102],
                          "community_id": [440305001001, 440305001002], "households": [500, 400]})
    path = write_workbook(tmp_path / "summary.xlsx", summary, grids=grids)
    book = openpyxl.load_workbook(path)
    grid_rows = list(book["网格"].values)
    assert grid_rows[0][:4] == ("网格编码", "网格号", "社区编号", "户数")
    assert [r[:4] for r in grid_rows[1:]] == [("44030500100100100101", 1, "440305001001", 500),
                                              ("44030500100100100102", 2, "440305001002", 400)]
    assert [r[0] for r in list(book["社区"].values)[1:]] == ["440305001001", "440305001002"]
    back = read_table(path, sheet="网格", text=True)
    assert back["网格编码"].tolist() == ["44030500100100100101", "44030500100100100102"]


def test_a_plan_behind_a_hidden_sheet_is_read_from_the_sheet_excel_shows_first(tmp_path):
    """A template's hidden sheet of lists in front of the plan: Excel opens on 方案, the only sheet
    the office sees, but the reader took the hidden one ("plan 'hidden.xlsx' holds no rows")."""
    units = _units(["U1", "U2"])
    book = openpyxl.Workbook()
    book.active.title = "下拉选项"
    book.active.append(["街道", "社区"])
    book.active.sheet_state = "hidden"
    plan = book.create_sheet("方案")
    for row in (["unit_id", "grid_id"], ["U1", "A"], ["U2", "B"]):
        plan.append(row)
    book.save(tmp_path / "hidden.xlsx")
    assert spatial.read_plan(tmp_path / "hidden.xlsx", units).tolist() == ["A", "B"]


def test_a_cover_sheet_in_front_of_the_table_is_named_with_the_other_sheets(tmp_path):
    """A 说明 sheet in front of the plan was read as the plan: "plan '.../two.xlsx' holds no rows;
    export the plan again", which the office cannot act on. Now the sheets are named and how to
    pick one, in one line."""
    units = _units(["U1", "U2"])
    _plan_behind_a_cover(tmp_path / "two.xlsx", "说明", "本表由街道填写，每个单元一行", "方案")
    with pytest.raises(ColumnError, match=r"^plan 'two.xlsx': sheet '说明' holds no table .*This is its first "
                                          r"sheet; it also has 方案: name one as two\.xlsx:方案"):
        spatial.read_plan(tmp_path / "two.xlsx", units)
    assert spatial.read_plan(tmp_path / "two.xlsx", units, layer="方案").tolist() == ["A", "B"]


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig"])
def test_spatial_map_reads_a_coverage_summary_excel_saved_again(tmp_path, demand, stations, communities, encoding,
                                                                capsys):
    """c_summary.csv (written by spatial coverage) opened in Excel, a column of notes added and
    saved as CSV - GBK with CRLF on Chinese Windows: spatial map stopped with "internal error:
    UnicodeDecodeError: 'utf-8' codec can't decode byte 0xc9 ..." (exit 1). Read as every table
    is (encoding detected); its figures fill the map's table."""
    from spatial.cli import main

    cov = tmp_path / "c.gpkg"
    for name, layer in {"demand": demand, "stations": stations, "communities": communities}.items():
        layer.to_file(cov, layer=name)
    _excel_csv(tmp_path / "c_summary.csv", [["level", "id", "households", "pct_hh_5min", "pct_hh_10min", "备注"],
                                            ["overall", "overall", "430", "12.5", "50", ""],
                                            ["community", "C1", "430", "12.5", "50", "社区已核对"]], encoding=encoding)
    out = tmp_path / "map.html"
    assert main(["-q", "map", "--coverage", str(cov), "--lang", "en", "--out", str(out)]) == 0, capsys.readouterr().err
    assert "12.5" in out.read_text(encoding="utf-8")


def test_spatial_map_refuses_a_coverage_summary_whose_ids_excel_changed(tmp_path, demand, stations, communities,
                                                                         capsys):
    """Community ids of 12 digits saved by Excel as 4.40305E+11 match no community on the map: the
    summary's figures silently fell out of the table. Refused in one line naming the file's line."""
    from spatial.cli import main

    cov = tmp_path / "c.gpkg"
    for name, layer in {"demand": demand, "stations": stations, "communities": communities}.items():
        layer.to_file(cov, layer=name)
    _excel_csv(tmp_path / "c_summary.csv", [["level", "id", "households", "pct_hh_5min"],
                                            ["overall", "overall", "430", "12.5"],
                                            ["community", "4.40305E+11", "430", "12.5"]])
    out = tmp_path / "map.html"
    assert main(["-q", "map", "--coverage", str(cov), "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "'c_summary.csv', column 'id', line 3" in err and not out.exists()


def test_a_shapefiles_field_names_csv_saved_again_by_excel_still_restores_the_names(tmp_path):
    """grids.fields.csv (the long Chinese names of a shapefile's fields) opened in Excel and saved:
    GBK with CRLF. read_layer stopped with UnicodeDecodeError ('utf-8' codec can't decode byte
    0xcb), a traceback rather than a message; the names are restored as before."""
    grids = gpd.GeoDataFrame({"所属社区名称": ["香蜜湖社区"], "网格员姓名": ["张三"]}, geometry=[box(X0, Y0, X0 + 9, Y0 + 9)],
                             crs=UTM)
    path = spatial.write_shapefile(grids, tmp_path / "grids.shp")
    fields = tmp_path / "grids.fields.csv"
    text = fields.read_text(encoding="utf-8-sig")
    fields.write_bytes(text.replace("\r\n", "\n").replace("\n", "\r\n").encode("gbk"))
    back = spatial.read_layer(path)
    assert list(back.columns[:2]) == ["所属社区名称", "网格员姓名"] and back["网格员姓名"].tolist() == ["张三"]


def test_spatial_coverage_writes_a_workbook_with_its_codes_as_text_beside_the_csvs(files, tmp_path):
    """spatial coverage wrote its figures as CSV only: communities coded 440305001001 (12 digits, as
    a 社区代码 layer stores them, integers) show in Excel as 4.40305E+11 and, saved again, are
    gone. cov_summary.xlsx now carries the same figures with the codes as text cells; the CSV
    keeps them as written."""
    from spatial.cli import main

    coded = gpd.read_file(files["communities"])
    coded["社区编号"] = [440305001001, 440305001002]
    coded.to_file(files["communities"])
    out = tmp_path / "cov.gpkg"
    assert main(["-q", "coverage", str(files["net"]), str(files["stations"]), str(files["units"]), "--out", str(out),
                 "--no-isochrones", "--communities", str(files["communities"])]) == 0
    book = openpyxl.load_workbook(tmp_path / "cov_summary.xlsx")
    assert {"总体", "社区", "说明"} <= set(book.sheetnames)
    rows = list(book["社区"].values)
    codes = [r[rows[0].index("编号")] for r in rows[1:]]
    assert sorted(codes) == ["440305001001", "440305001002"]
    text = (tmp_path / "cov_summary.csv").read_text(encoding="utf-8-sig")
    assert "440305001001" in text and "E+" not in text


@pytest.mark.parametrize("encoding", ["utf-16", "gbk"])
def test_a_plan_saved_as_unicode_text_and_named_csv_is_read_as_tab_separated(tmp_path, encoding):
    """Excel's 另存为 "Unicode 文本" writes UTF-16 with tabs; renamed .csv (or saved with tabs by an
    office system) it was refused as "plan 'u16.csv' has no column 'unit_id', 'grid_id'; it has:
    unit_id<TAB>grid_id", one header of both names. A .csv without a comma in its first lines and
    with tabs is read as tab-separated."""
    units = _units(["U1", "U2"])
    path = tmp_path / "方案.csv"
    path.write_bytes("福田区网格方案\r\nunit_id\tgrid_id\r\nU1\t一网格\r\nU2\t二网格\r\n".encode(encoding))
    assert spatial.read_plan(path, units).tolist() == ["一网格", "二网格"]


def test_unit_ids_excel_wrote_with_decimals_are_matched_back_only_where_certain(tmp_path, caplog):
    """Unit ids 101, 102 in a column Excel formats as 0.0 are saved to CSV as shown: 101.0, 102.0.
    read_plan refused the plan ("lists 2 unit ids that are not among the units (101.0, 102.0) and
    leaves out 2 units (101, 102)"). Each now matches its one unit, said in a warning; where two
    units could be meant (101 and 0101) it is still refused."""
    path = _excel_csv(tmp_path / "plan.csv", [["unit_id", "grid_id"], ["101.0", "A"], ["102.0", "B"], ["3.0", "B"]])
    with caplog.at_level("WARNING", logger="spatial.grids.plan"):
        assert spatial.read_plan(path, _units(["101", "102", "003"])).tolist() == ["A", "B", "B"]
    assert "3 unit ids had lost their leading zeros or been written with decimals" in caplog.text
    assert "'101.0' for '101'" in caplog.text
    with pytest.raises(ColumnError, match=r"not among the units \(101\.0, 102\.0, 3\.0\)"):
        spatial.read_plan(path, _units(["101", "0101", "102", "003"]))


def test_a_wps_workbook_is_refused_saying_how_to_save_it_as_xlsx(tmp_path, capsys):
    """WPS 表格 saves its own .et by default: --existing 方案.et was refused with the list of 14 file
    types, none of which says what to do with an .et. Now one line says to save it as .xlsx."""
    from spatial.cli import main

    _units(["U1", "U2"]).to_file(tmp_path / "u.gpkg")
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 200, Y0 + 100)], crs=UTM).to_file(
        tmp_path / "c.gpkg")
    _book(tmp_path / "方案.et", [["unit_id", "grid_id"], ["U1", "A"], ["U2", "B"]])
    assert main(["grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--existing", str(tmp_path / "方案.et"),
                 "--evaluate"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and err.endswith("is a WPS 表格 workbook (.et), which cannot be read; in WPS save it as "
                                            ".xlsx (文件 → 另存为 → Excel 工作簿), then give that file")


def test_a_station_list_read_from_the_wrong_visible_sheet_names_the_sheets_besides_it(tmp_path):
    """A hidden sheet first, then 汇总 (the sheet Excel shows first, now the one read), then 明细
    with the stations: the message names the sheets besides the one read, those the office sees
    first, and points at 明细 (it read the hidden sheet and said "it also has 汇总, 明细: name one
    as 站点.xlsx:汇总")."""
    book = openpyxl.Workbook()
    book.active.title = "选项"
    book.active.append(["类型"])
    book.active.sheet_state = "hidden"
    summary = book.create_sheet("汇总")
    summary.append(["站点数", "备注"])
    summary.append([2, "见明细"])
    detail = book.create_sheet("明细")
    for row in (["站点编号", "经度", "纬度"], ["S1", 114.05, 22.54], ["S2", 114.06, 22.55]):
        detail.append(row)
    book.save(tmp_path / "站点.xlsx")
    with pytest.raises(ColumnError, match=r"This is its first sheet; it also has 明细, 选项: name one as 站点\.xlsx:明细"):
        spatial.read_points_table(tmp_path / "站点.xlsx")


@pytest.mark.parametrize("given", ["gbk", "gb18030"])
def test_a_csv_saved_as_csv_utf8_is_read_as_utf8_whatever_encoding_was_given(tmp_path, caplog, given):
    """A project reads its station list with encoding = "gbk" (the office used to save GBK); saved
    again as Excel's "CSV UTF-8" (with a byte-order mark) it was refused: "cannot decode
    '站点.csv' as gbk (illegal multibyte sequence); pass the right encoding=" - the encoding the
    project gives, which the office cannot see is wrong (and text whose bytes happen to decode as
    GB18030 is garbled without a word: '甲站' reads '鐢茬珯'). The byte-order mark is certain:
    the file is read as UTF-8, said in a warning."""
    path = _excel_csv(tmp_path / "站点.csv", [["站点编号", "名称", "经度", "纬度"], ["S1", "甲站", "114.05", "22.54"]],
                      encoding="utf-8-sig")
    with caplog.at_level("WARNING"):
        table = spatial.read_points_table(path, encoding=given)
    assert table["名称"].tolist() == ["甲站"] and f"read as UTF-8, not {given}" in caplog.text


def test_twenty_digit_grid_codes_in_a_csv_plan_stay_two_grids_when_redrawn(tmp_path, capsys):
    """A plan CSV whose grid ids are CJ/T 349 codes (20 digits), written by a program (not
    damaged): spatial grids --existing read its columns as numbers, and both codes became the
    float 4.4030500100100104e+19 - the redraw took the two grids for one of 400 households and
    split it again as '4.4030500100100104e+19' and '4.4030500100100104e+19-a', both codes lost.
    Codes of 16 or more digits are kept as text (no number type holds them)."""
    from spatial.cli import main

    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 100)], crs=UTM).to_file(
        tmp_path / "c.gpkg")
    _units(["U1", "U2", "U3", "U4"]).to_file(tmp_path / "u.gpkg")
    plan = tmp_path / "plan.csv"
    plan.write_text("unit_id,grid_id\nU1,44030500100100100101\nU2,44030500100100100101\nU3,44030500100100100102\n"
                    "U4,44030500100100100102\n", encoding="utf-8-sig")
    out = tmp_path / "r.gpkg"
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--existing", str(plan),
                 "--min", "150", "--max", "250", "--out", str(out)]) == 0, capsys.readouterr().err
    units = gpd.read_file(out, layer="units")
    assert units.groupby("grid_id")["unit_id"].apply(list).to_dict() == {
        "44030500100100100101": ["U1", "U2"], "44030500100100100102": ["U3", "U4"]}


def test_whole_number_codes_with_blank_cells_are_read_as_integers_not_floats(tmp_path):
    """A code column with a blank cell became floats: 440305001001001 read 440305001001001.0 (CSV and
    workbook alike), an id no unit or community has. Kept whole; counts with blanks stay numbers."""
    from spatial.io.layers import read_table

    _excel_csv(tmp_path / "t.csv", [["社区代码", "户数"], ["440305001001", ""], ["", "3"]])
    table = read_table(tmp_path / "t.csv")
    assert table["社区代码"].tolist()[0] == "440305001001" and table["户数"].tolist()[1] == 3.0
    _book(tmp_path / "t.xlsx", [["社区代码", "户数"], [440305001001, None], [None, 3]])
    table = read_table(tmp_path / "t.xlsx")
    assert str(table["社区代码"].tolist()[0]) == "440305001001" and table["户数"].tolist()[1] == 3.0


@pytest.mark.parametrize("suffix", [".dxf", ".DWG"])
def test_a_cad_drawing_is_refused_saying_how_to_give_it_a_coordinate_system(tmp_path, capsys, suffix):
    """A planning institute's roads come as a CAD drawing (道路中心线.dwg, or .dxf exported from it):
    --roads was refused with the list of file types, none of which says that a drawing has no
    coordinate system nor how to give it one."""
    from spatial.cli import main

    _units(["U1", "U2"]).to_file(tmp_path / "u.gpkg")
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 200, Y0 + 100)], crs=UTM).to_file(
        tmp_path / "c.gpkg")
    (tmp_path / f"道路中心线{suffix}").write_bytes(b"0\nSECTION\n2\nENTITIES\n0\nENDSEC\n0\nEOF\n")
    assert main(["grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--roads",
                 str(tmp_path / f"道路中心线{suffix}"), "--out", str(tmp_path / "g.gpkg")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and f"is a CAD drawing ({suffix}), which holds no coordinate system" in err
    assert "EPSG:4547" in err and "save it as .gpkg" in err and not (tmp_path / "g.gpkg").exists()
