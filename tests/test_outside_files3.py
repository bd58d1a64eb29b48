"""Tables and KML as a district office really sends them, which earlier reviews left standing: a
one-column list (ids to lock, households), a semicolon CSV under a title line Excel did not pad,
a dot decimal among decimal commas, a Big5 KML that declares no encoding, and lists typed in
Notepad. Each file is written by hand here as the office would send it, and read through the
Python readers and the command line."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import geopandas as gpd
import pyproj
import pytest
from test_outside_a import files  # noqa: F401 (a fixture: a street grid of footways, stations and units)
from test_outside_files import _plan_files
from test_outside_files2 import coverage_demands

import spatial
from spatial import InputFileError
from spatial.cli import main
from spatial.io.columns import find_column
from spatial.io.layers import read_table

ROWS = [("S1", "甲站", "114.0583123", "22.5431234"), ("S2", "乙站", "114.0612345", "22.5471234")]
TO_LONLAT = pyproj.Transformer.from_crs(32650, 4326, always_xy=True)


def _lock(tmp_path: Path, name: str, text: str, capsys) -> tuple[int, str]:
    """``spatial grids --existing plan.csv --redraw --lock NAME`` on eight units in two grids of
    400 households (U0-U3 in G1, U4-U7 in G2): the exit code and what it printed on stderr."""
    comm, units = _plan_files(tmp_path)
    plan = tmp_path / "plan.csv"
    plan.write_text("unit_id,grid_id\n" + "".join(f"U{k},G{1 + k // 4}\n" for k in range(8)), encoding="utf-8")
    lock = tmp_path / name
    lock.write_text(text, encoding="utf-8")
    code = main(["-q", "grids", str(comm), str(units), "--existing", str(plan), "--redraw", "--min", "300",
                 "--max", "450", "--lock", str(lock), "--out", str(tmp_path / "new.gpkg")])
    return code, capsys.readouterr().err


# ---------------------------------------------------------------- 1: tables one column wide


def test_a_one_column_table_whose_values_hold_a_comma_is_refused_naming_the_line(tmp_path):
    """'households' over '1,5' (a decimal comma, or two values on a line) was read as a title
    over a header '1', '5' and no rows at all: the table came back empty, without a word."""
    path = tmp_path / "households.csv"
    path.write_text("households\n1,5\n2,5\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"households\.csv' as CSV \(utf-8\): line 2 has more cells than the "
                                             r"header \(line 1, 1 column\); quote text that holds the separator"):
        read_table(path)
    path.write_text("households\n1\n5\n", encoding="utf-8")  # one count a line: read as before
    assert read_table(path).to_dict("list") == {"households": [1, 5]}


def test_ids_typed_on_one_line_under_a_one_column_header_are_refused_by_the_lock(tmp_path, capsys):
    """'unit_id' over 'U1,U5,U7' gave a header 'U1, U5, U7' and no rows: --lock said the lock file
    'has no unit_id column ... it has: U1, U5, U7'. Now the line holding the ids is named."""
    code, err = _lock(tmp_path, "locked.csv", "unit_id\nU1,U5,U7\n", capsys)
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert "locked.csv' as CSV (utf-8): line 2 has more cells than the header (line 1, 1 column)" in err
    assert not (tmp_path / "new.gpkg").exists()


def test_a_template_of_a_title_and_a_header_still_reads_as_no_rows(tmp_path):
    path = tmp_path / "stations.csv"
    path.write_text("福田区党群服务站一览表\nstation_id,name\n", encoding="utf-8")
    assert list(read_table(path).columns) == ["station_id", "name"] and len(read_table(path)) == 0


@pytest.mark.parametrize("name, text", [
    ("locked.txt", "unit_id\nU1\nU5\n"),
    ("locked.txt", "unit_id\r\nU1\r\nU5"),
    ("locked.csv", "锁定单元名单\nunit_id\nU1\nU5\n"),
    ("locked.csv", "\ufeff锁定单元名单\r\n单元编号\r\nU1\r\nU5\r\n"),
], ids=["txt", "txt-crlf-no-last-break", "title", "bom-title-chinese-header"])
def test_a_one_column_list_of_unit_ids_to_lock_is_read_as_its_ids(tmp_path, capsys, name, text):
    """A .txt of ids typed in Notepad was split at the letter every line shares: 'unit_id' read as
    columns 'un', 't_', 'd'. A title over a one-column header (锁定单元名单 over unit_id) was taken
    for the header: 'no unit_id column ... it has: 锁定单元名单'. Both now lock U1 and U5."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    table = read_table(path)
    assert table.iloc[:, 0].tolist() == ["U1", "U5"] and table.columns[0] in ("unit_id", "单元编号")
    code, err = _lock(tmp_path, name, text, capsys)
    assert code == 0, err


def test_a_one_column_list_whose_first_line_names_no_known_column_keeps_it_as_the_header(tmp_path):
    path = tmp_path / "names.csv"
    path.write_text("站点名称列表\n福田站\n梅林站\n", encoding="utf-8")  # no header under it: it is the header
    assert read_table(path).to_dict("list") == {"站点名称列表": ["福田站", "梅林站"]}


# ---------------------------------------------------------------- 2: a semicolon CSV under a title


SEMICOLONS = "".join(f"{s};{n};{x.replace('.', ',')};{y.replace('.', ',')}\r\n" for s, n, x, y in ROWS)


@pytest.mark.parametrize("title, encoding", [
    ("福田区党群服务站一览表\r\n", "utf-8"),
    ("福田区党群服务站一览表\r\n制表：组织部 2024年1月\r\n", "gbk"),
    ("\ufeff福田区党群服务站一览表\r\n", "utf-8"),
], ids=["title", "two-lines-gbk", "bom"])
def test_a_semicolon_csv_under_a_title_without_semicolons_is_read(tmp_path, title, encoding):
    """Excel in a European locale pads a title line ('标题;;;'); typed by hand or saved by WPS it is
    not, and the whole table was read as commas: "no longitude column ... it has: S1;甲站;114,
    0583123;22, 5431234"."""
    path = tmp_path / "stations.csv"
    path.write_bytes((title + "station_id;name;lon;lat\r\n" + SEMICOLONS).encode(encoding))
    points = spatial.read_points_table(path)
    assert points["station_id"].tolist() == ["S1", "S2"] and points["name"].tolist() == ["甲站", "乙站"]
    assert points.geometry.x.tolist() == [114.0583123, 114.0612345]
    assert points.geometry.y.tolist() == [22.5431234, 22.5471234]


def test_a_one_column_table_of_values_holding_semicolons_stays_one_column(tmp_path):
    """A header that names a column (geom) is no title, though it holds no separator."""
    path = tmp_path / "stations.csv"
    path.write_text("geom\nSRID=32650;POINT (806000 2494000)\nSRID=32650;POINT (806100 2494000)\n", encoding="utf-8")
    assert read_table(path)["geom"].tolist()[0] == "SRID=32650;POINT (806000 2494000)"


def _stations_table(files, tmp_path: Path, *, sep: str, title: str = "", mixed: str | None = None) -> Path:
    """The fixture's two stations as a table of station_id, lon, lat in degrees (7 decimals); with
    ``sep`` ';' written with decimal commas, the second station's longitude as ``mixed`` if given."""
    stations = gpd.read_file(files["stations"])
    lon, lat = TO_LONLAT.transform(stations.geometry.x, stations.geometry.y)
    rows = []
    for k, (s, x, y) in enumerate(zip(stations["station_id"], lon, lat)):
        x, y = f"{x:.7f}", f"{y:.7f}"
        if sep == ";":
            x, y = x.replace(".", ","), y.replace(".", ",")
        rows.append(f"{s}{sep}{mixed if k == 1 and mixed else x}{sep}{y}\n")
    path = tmp_path / "stations.csv"
    path.write_text(title + f"station_id{sep}lon{sep}lat\n" + "".join(rows), encoding="utf-8")
    return path


def test_coverage_reads_a_titled_semicolon_station_list_as_the_same_stations(files, tmp_path, capsys):
    outs = coverage_demands(files, tmp_path, capsys, _stations_table(files, tmp_path, sep=";",
                                                                     title="福田区党群服务站一览表\n"))
    assert outs[1]["walk_m"].round(1).tolist() == outs[0]["walk_m"].round(1).tolist()
    assert outs[1]["walk_m"].notna().sum() >= 8


# ---------------------------------------------------------------- 3: a dot decimal among decimal commas


@pytest.mark.parametrize("value, also", [
    ("114.058", r": in the table's way 114058, not 114\.058"),
    ("114.0612345", ""),
], ids=["three-decimals", "seven-decimals"])
def test_a_dot_decimal_in_a_table_of_decimal_commas_is_refused_naming_line_and_column(tmp_path, value, also):
    """'114.058' among '114,0583123' was read as 114058 (the locale's thousands point: the station
    then refused as out of range, or a floor area 1000 times too big); '114.0612345' left the whole
    column as text, and the message named the other row, written right: "missing or non-numeric
    coordinates in row 2 (lon='114,0583123')". Now the mixed cell is named."""
    path = tmp_path / "stations.csv"
    path.write_text("福田区党群服务站一览表\nstation_id;name;lon;lat\n"
                    f"S1;甲站;114,0583123;22,5431234\nS2;乙站;{value};22,5471234\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=rf"^'.*stations\.csv' mixes decimal commas and decimal points: line 4, "
                                             rf"column 'lon' holds '{value}' with a decimal point where the table "
                                             rf"writes decimals with a comma \(line 3, column 'lon': '114,0583123'\)"
                                             rf"{also}; write it with a decimal comma \({value.replace('.', ',')}\) "
                                             rf"and save again$"):
        spatial.read_points_table(path)


def test_a_longitude_column_of_three_decimals_beside_decimal_commas_is_refused(tmp_path):
    """Longitudes '114.058' in every row beside latitudes '22,5431': read as thousands, 114058,
    and refused as "out of range ... the numbers look like a city's own system (城市独立坐标系)"."""
    path = tmp_path / "stations.csv"
    path.write_text("station_id;经度;纬度\nS1;114.058;22,5431\nS2;114.061;22,5471\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"line 2, column '经度' holds '114\.058' with a decimal point where the "
                                             r"table writes decimals with a comma \(line 2, column '纬度': '22,5431'\): "
                                             r"in the table's way 114058, not 114\.058"):
        spatial.read_points_table(path)


def test_a_dot_decimal_among_decimal_commas_stops_coverage_in_one_line(files, tmp_path, capsys):
    table = _stations_table(files, tmp_path, sep=";", mixed="114.0580")
    out = tmp_path / "cov.gpkg"
    assert main(["-q", "coverage", str(files["net"]), str(table), str(files["units"]), "--out", str(out),
                 "--no-isochrones"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "line 3, column 'lon' holds '114.0580' with a decimal point" in err, err
    assert not out.exists() and not list(tmp_path.glob("cov*"))


def test_points_in_a_column_without_decimal_commas_are_read_as_before(tmp_path):
    """Thousands grouped by a point (1.234) in a column of whole numbers, and a column written
    wholly with decimal points, have one reading each: read."""
    path = tmp_path / "stations.csv"
    path.write_text("station_id;lon;lat;households\nS1;114.0583123;22,5431234;1.234\nS2;114.0612345;22,5471234;80\n",
                    encoding="utf-8")
    points = spatial.read_points_table(path)
    assert points.geometry.x.tolist() == [114.0583123, 114.0612345]
    assert points["households"].tolist() == [1234, 80]


# ---------------------------------------------------------------- 4: a Big5 KML that declares no encoding

TAIWAN = ["臺北市信義區服務站", "中正紀念堂", "社區服務中心", "沙田區黨群服務站"]
MAINLAND = ["梅林", "福保街道", "华富", "莲花街道"]  # GBK whose bytes also read as common Big5


def _kml(names: list[str], folders: tuple[str, str] | None = None, head: str = "") -> str:
    marks = ["".join(f"<Placemark><name>{n}</name><ExtendedData><Data name=\"編號\"><value>S{k}</value></Data>"
                     f"</ExtendedData><Point><coordinates>{121.5 + k / 100},25.03</coordinates></Point></Placemark>"
                     for k, n in enumerate(names) if folders is None or k // 2 == part) for part in (0, 1)]
    body = (marks[0] if folders is None else
            "".join(f"<Folder><name>{f}</name>{m}</Folder>" for f, m in zip(folders, marks)))
    return f'{head}<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>站點</name>{body}</Document></kml>'


@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
@pytest.mark.parametrize("head", ["", '<?xml version="1.0"?>\n'], ids=["no-declaration", "no-encoding"])
def test_a_big5_kml_without_a_declared_encoding_is_read_as_big5_and_said(tmp_path, caplog, suffix, head):
    """Refused as "damaged or cut short (... not well-formed (invalid token))": GDAL reads UTF-8 and
    the GBK fallback did not take Big5. Now told from GBK as a shapefile's DBF is, and said."""
    data = _kml(TAIWAN, head=head).encode("cp950")
    path = tmp_path / f"stations{suffix}"
    if suffix == ".kmz":
        with zipfile.ZipFile(path, "w") as kmz:
            kmz.writestr("doc.kml", data)
    else:
        path.write_bytes(data)
    with caplog.at_level(logging.WARNING, logger="spatial"):
        layer = spatial.read_layer(path)
    assert layer["Name"].tolist() == TAIWAN and layer["編號"].tolist() == ["S0", "S1", "S2", "S3"]
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(said) == 1 and "its text reads as Big5 (Taiwan, Hong Kong), not UTF-8 or GBK: read as Big5" in said[0]
    assert "declares no encoding" in said[0]


def test_a_big5_kml_of_folders_names_and_reads_its_folders(tmp_path):
    path = tmp_path / "stations.kml"
    path.write_bytes(_kml(TAIWAN, folders=("北區", "南區")).encode("cp950"))
    with pytest.raises(InputFileError, match=r"holds 2 layers \(北區: 2, 南區: 2\); name one as stations\.kml:北區"):
        spatial.read_layer(path)
    assert spatial.read_layer(path, layer="南區")["Name"].tolist() == TAIWAN[2:]


def test_a_gbk_kml_is_still_read_as_gbk_without_a_word_of_big5(tmp_path, caplog):
    path = tmp_path / "stations.kml"
    path.write_bytes(_kml(MAINLAND).encode("gbk"))
    with caplog.at_level(logging.WARNING, logger="spatial"):
        assert spatial.read_layer(path)["Name"].tolist() == MAINLAND
    assert "Big5" not in caplog.text


def test_coverage_reads_a_big5_station_kml_and_keeps_its_names(files, tmp_path, capsys):
    stations = gpd.read_file(files["stations"])
    lon, lat = TO_LONLAT.transform(stations.geometry.x, stations.geometry.y)
    marks = "".join(f"<Placemark><name>{n}</name><Point><coordinates>{x:.7f},{y:.7f}</coordinates></Point></Placemark>"
                    for n, x, y in zip(TAIWAN[:2], lon, lat))
    kml = tmp_path / "stations.kml"
    kml.write_bytes(f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{marks}</Document></kml>'.encode("cp950"))
    out = tmp_path / "cov.gpkg"
    code = main(["coverage", str(files["net"]), str(kml), str(files["units"]), "--out", str(out),
                 "--no-isochrones", "--station-id-col", "Name"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "reads as Big5" in err
    demand = gpd.read_file(out, layer="demand")
    assert set(demand["nearest_station"].dropna()) <= set(TAIWAN[:2]) and demand["nearest_station"].notna().sum() >= 8


# ---------------------------------------------------------------- 5: lists typed in Notepad or copied from a page


@pytest.mark.parametrize("text", [
    "站点编号，名称，经度，纬度\n" + "".join("，".join(r) + "\n" for r in ROWS),
    "福田区站点一览\n站点编号\t名称\t经度\t纬度\n" + "".join("\t".join(r) + "\n" for r in ROWS),
    "站点编号 名称 经度 纬度\n" + "".join(" ".join(r) + "\n" for r in ROWS),
], ids=["full-width-commas", "title-over-tabs", "spaces"])
def test_a_station_list_typed_in_notepad_is_read_in_its_columns(tmp_path, text):
    """Typed with a Chinese input method (编号，名称: full-width commas) the list was one column
    named '站点编号，名称，经度，纬度'; copied from a web page under its caption, the tabs were
    never seen ('no longitude column ... it has: 福田区站点一览')."""
    path = tmp_path / "stations.txt"
    path.write_text(text, encoding="utf-8")
    points = spatial.read_points_table(path)
    assert list(points.columns[:4]) == ["站点编号", "名称", "经度", "纬度"]
    assert points["名称"].tolist() == ["甲站", "乙站"] and points.geometry.x.tolist() == [114.0583123, 114.0612345]


# ---------------------------------------------------------------- 6: a Big5 table with traditional headers


def test_a_big5_station_list_with_traditional_headers_gives_the_same_coverage(files, tmp_path, capsys):
    """A Hong Kong or Taiwan list (Big5, under its title) heads its columns 站點編號, 經度, 緯度:
    read as Big5, it was refused with "no longitude column (looked for ..., 经度, ...); it has:
    站點編號, 名稱, 經度, 緯度". Traditional names now count as the simplified ones."""
    stations = gpd.read_file(files["stations"])
    lon, lat = TO_LONLAT.transform(stations.geometry.x, stations.geometry.y)
    table = tmp_path / "stations.csv"
    table.write_bytes(("臺北市黨群服務站一覽表\r\n站點編號,名稱,經度,緯度\r\n"
                       + "".join(f"{s},{n},{x:.7f},{y:.7f}\r\n" for s, n, x, y in
                                 zip(stations["station_id"], TAIWAN, lon, lat))).encode("cp950"))
    outs = coverage_demands(files, tmp_path, capsys, table)
    assert outs[1]["walk_m"].round(1).tolist() == outs[0]["walk_m"].round(1).tolist()
    assert set(outs[1]["nearest_station"].dropna()) == {"S1", "S2"}  # ids from 站點編號


def test_traditional_column_names_are_found_as_their_simplified_ones(tmp_path):
    path = tmp_path / "units.csv"
    path.write_bytes("單元編號,戶數\nU1,120\nU2,80\n".encode("cp950"))
    table = read_table(path)
    assert find_column(table, "households") == "戶數"
    assert find_column(table, "unit_id") == "單元編號"


# ---------------------------------------------------------------- 7: marks that are no rows


def test_the_end_of_file_mark_of_old_dos_tools_is_no_row(tmp_path):
    """A legacy system's export ending in Ctrl-Z (0x1A) was refused: "missing or non-numeric
    coordinates in row 5 (经度=empty, 纬度=empty)" - a row nobody wrote."""
    path = tmp_path / "stations.csv"
    for tail in ("\r\n\x1a", "\x1a", "\r\n\x1a\r\n"):
        path.write_bytes(("站点编号,名称,经度,纬度\r\n" + "".join(",".join(r) + "\r\n" for r in ROWS)).rstrip("\r\n")
                         .encode("gbk") + tail.encode("ascii"))
        assert spatial.read_points_table(path)["站点编号"].tolist() == ["S1", "S2"]


def test_a_header_repeated_between_pages_pasted_from_a_web_system_is_skipped_and_said(tmp_path, caplog):
    """A station list copied page by page from a web system carries each page's header: it was
    refused as "non-numeric coordinates in row 4 (经度='经度', 纬度='纬度'); write each as decimal
    degrees". The repeated header is skipped, naming its line; every station is read."""
    head = "站点编号,名称,经度,纬度\n"
    path = tmp_path / "stations.csv"
    path.write_text(head + ",".join(ROWS[0]) + "\n" + head + ",".join(ROWS[1]) + "\n", encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="spatial"):
        points = spatial.read_points_table(path)
    assert points["站点编号"].tolist() == ["S1", "S2"] and points.geometry.x.tolist() == [114.0583123, 114.0612345]
    assert "skipped the header repeated in line 3 (pages pasted one under another)" in caplog.text
    # so in a table from the second column on (a margin column, empty)
    path.write_text("".join(f",{line}" for line in (head, ",".join(ROWS[0]) + "\n", head, ",".join(ROWS[1]) + "\n")),
                    encoding="utf-8")
    assert spatial.read_points_table(path)["站点编号"].tolist() == ["S1", "S2"]
    # a row that only shares the header's first cell is data, kept
    path.write_text("名称,户数\n名称,3\n甲,4\n", encoding="utf-8")
    assert read_table(path)["名称"].tolist() == ["名称", "甲"]


def test_a_csv_with_mac_line_ends_and_no_last_break_is_read_or_said_cut_short(tmp_path, capsys):
    """Excel for Mac's "CSV (Macintosh)" ends lines with CR alone and the last with none: the
    cut-short check read the whole file as its last line and coverage stopped with "internal
    error: Error: new-line character seen in unquoted field" (exit 1)."""
    path = tmp_path / "stations.csv"
    path.write_bytes(b"station_id,lon,lat\rS1,114.0583123,22.5431234\rS2,114.0612345,22.5471234")
    assert spatial.read_points_table(path)["station_id"].tolist() == ["S1", "S2"]
    path.write_bytes(b"station_id,lon,lat\rS1,114.0583123,22.5431234\rS2,114.0612345,22.54")
    with pytest.raises(InputFileError, match=r"looks cut short .* its last line, line 3, ends without a line break "
                                             r"and its last value, '22\.54' in column 'lat'"):
        spatial.read_points_table(path)


def test_two_csv_utf8_files_joined_with_copy_read_as_one_list(tmp_path):
    """北片.csv and 南片.csv, both Excel's "CSV UTF-8", joined with ``copy /b 北片.csv+南片.csv``: the
    second file's header, behind its byte-order mark, was refused as a station at
    "row 3 (经度='经度', 纬度='纬度')". It is the header again, skipped."""
    head = "站点编号,名称,经度,纬度\r\n"
    path = tmp_path / "全区.csv"
    path.write_bytes(b"".join(("\ufeff" + head + ",".join(r) + "\r\n").encode("utf-8") for r in ROWS))
    assert spatial.read_points_table(path)["名称"].tolist() == ["甲站", "乙站"]


def test_a_workbook_whose_table_starts_in_column_b_under_a_merged_title_has_no_empty_column(tmp_path):
    """A template with a margin column (the title merged over B1:E1, the table from B3): the
    stations came back with a column 'Unnamed: 0' of nothing, carried into every output."""
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet["B1"] = "福田区党群服务站一览表"
    sheet.merge_cells("B1:E1")
    for r, row in enumerate([("站点编号", "名称", "经度", "纬度"), *((s, n, float(x), float(y)) for s, n, x, y in ROWS)],
                            start=3):
        for c, value in enumerate(row, start=2):
            sheet.cell(r, c, value)
    path = tmp_path / "stations.xlsx"
    book.save(path)
    points = spatial.read_points_table(path)
    assert list(points.columns) == ["站点编号", "名称", "经度", "纬度", "geometry"]
    assert points.geometry.x.tolist() == [114.0583123, 114.0612345]
    # a column with no name but with values is kept, under pandas' name for it
    path = tmp_path / "plan.csv"
    path.write_text(",unit_id,grid_id\n1,U1,G1\n2,U2,G1\n", encoding="utf-8")
    assert list(read_table(path).columns) == ["Unnamed: 0", "unit_id", "grid_id"]


def test_ids_a_web_system_wrote_as_excel_text_are_the_ids_excel_shows(tmp_path, capsys):
    """Web systems export codes as ="001" so that Excel keeps their leading zeros, and Excel shows
    001. The plan's ids were read as '="U0"' ... and evaluate refused every one as unknown."""
    comm, units = _plan_files(tmp_path)
    plan = tmp_path / "plan.csv"
    plan.write_text("unit_id,grid_id\n" + "".join(f'="U{k}",="0{1 + k // 4}"\n' for k in range(8)), encoding="gbk")
    assert read_table(plan, text=True)["grid_id"].tolist() == ["01"] * 4 + ["02"] * 4
    out = tmp_path / "scores.gpkg"
    code = main(["-q", "grids", str(comm), str(units), "--existing", str(plan), "--evaluate", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    scores = gpd.read_file(out, layer="grid_scores")
    assert scores["grid_id"].tolist() == ["01", "02"] and scores["households"].tolist() == [400, 400]


def test_a_geopackage_whose_header_id_was_damaged_reads_with_gdals_note_in_the_log(tmp_path, caplog):
    """Bytes 68-71 of a GeoPackage (its application_id) damaged in a copy: GDAL reads the layers
    and warns "GPKG: bad application_id" from its C callback, where a warning filter set to error
    could not raise (pytest reported it as an unraisable exception, the fuzz test failed on it).
    The note goes to the log; the stations read."""
    path = tmp_path / "stations.gpkg"
    gpd.GeoDataFrame({"station_id": ["S1", "S2"]}, geometry=gpd.points_from_xy([114.05, 114.06], [22.54, 22.55]),
                     crs="EPSG:4326").to_file(path, layer="stations")
    raw = bytearray(path.read_bytes())
    raw[68:72] = b"\x14\x65\x56\xab"
    path.write_bytes(bytes(raw))
    with caplog.at_level(logging.INFO, logger="spatial.io._gdal"):
        layer = spatial.read_layer(path)
    assert layer["station_id"].tolist() == ["S1", "S2"]
    assert "GDAL says GPKG: bad application_id" in caplog.text
