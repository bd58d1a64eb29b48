"""Specification of spatial.io.layers: every format round-trips Chinese names and values; bad files are named."""

from __future__ import annotations

import codecs

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, Polygon

from spatial import ColumnError, CRSError, GeometryError, InputFileError, Report
from spatial.io._encoding import detect_encoding
from spatial.io.coords import gcj02_to_wgs84, wgs84_to_bd09, wgs84_to_gcj02
from spatial.io.layers import (
    read_layer,
    read_points_table,
    write_layers,
    write_shapefile,
)


@pytest.fixture
def stations() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "station_id": ["S001", "S002", "S003"],
            "名称": ["福田街道党群服务中心", "华强北站", "莲花·北社区站"],
            "户数": [1200, 350, 0],
        },
        geometry=[Point(114.055, 22.541), Point(114.085, 22.546), Point(114.061, 22.559)],
        crs="EPSG:4326",
    )


@pytest.fixture
def communities() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"community_id": ["C1"], "名称": ["岗厦社区"], "户数": [5400]},
        geometry=[Polygon([(114.05, 22.53), (114.07, 22.53), (114.07, 22.55), (114.05, 22.55)])],
        crs="EPSG:4326",
    )


def _same(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> None:
    assert list(a.columns) == list(b.columns)
    pd.testing.assert_frame_equal(pd.DataFrame(a.drop(columns="geometry")), pd.DataFrame(b.drop(columns="geometry")),
                                  check_dtype=False)
    assert a.geometry.geom_equals_exact(b.geometry, tolerance=1e-9).all()


# ---------------------------------------------------------------------------- vector layers


def test_geopackage_round_trip_several_layers_and_a_table(tmp_path, stations, communities):
    summary = pd.DataFrame({"街道": ["福田"], "覆盖率": [87.5]})
    report = Report()
    report.add("stations", "S009", "坐标缺失", "set aside")
    layers = {"stations": stations, "社区": communities, "summary": summary, "report": report}
    path = write_layers(layers, tmp_path / "out.gpkg")
    assert sorted(pyogrio.list_layers(path)[:, 0]) == sorted(["stations", "社区", "summary", "report"])
    assert pyogrio.read_dataframe(path, layer="report")["problem"].tolist() == ["坐标缺失"]
    _same(read_layer(path, layer="stations"), stations)
    _same(read_layer(path, layer="社区"), communities)
    table = pyogrio.read_dataframe(path, layer="summary")
    assert table["街道"].tolist() == ["福田"] and table["覆盖率"].tolist() == [87.5]


def test_geopackage_layer_is_replaced_and_others_kept(tmp_path, stations, communities):
    path = tmp_path / "out.gpkg"
    write_layers({"stations": stations, "communities": communities}, path)
    write_layers({"stations": stations.iloc[:1]}, path)
    assert len(read_layer(path, layer="stations")) == 1
    assert len(read_layer(path, layer="communities")) == 1


def test_named_index_is_written_as_a_column(tmp_path, stations):
    path = write_layers({"s": stations.set_index("station_id")}, tmp_path / "out.gpkg")
    assert read_layer(path)["station_id"].tolist() == ["S001", "S002", "S003"]
    # an unnamed non-default index becomes "index" (or "index_index" when that name is taken)
    path = write_layers({"s": stations.set_index(pd.Index([7, 8, 9])).assign(index=1)}, tmp_path / "o2.gpkg")
    back = read_layer(path)
    assert back["index_index"].tolist() == [7, 8, 9] and back["index"].tolist() == [1, 1, 1]


def test_geojson_round_trip_and_reprojects_to_wgs84(tmp_path, stations):
    path = write_layers({"stations": stations.to_crs(32650)}, tmp_path / "s.geojson")
    back = read_layer(path)
    assert back.crs.to_epsg() == 4326
    _same(back, stations)
    with pytest.raises(ValueError, match="GeoJSON holds one layer but 2"):
        write_layers({"a": stations, "b": stations}, tmp_path / "two.geojson")


def test_gbk_geojson_is_detected(tmp_path, stations):
    path = write_layers({"stations": stations}, tmp_path / "utf8.geojson")
    gbk = tmp_path / "gbk.geojson"
    gbk.write_bytes(path.read_text(encoding="utf-8").encode("gbk"))
    _same(read_layer(gbk), stations)
    _same(read_layer(gbk, encoding="gb18030"), stations)


def test_shapefile_round_trip_with_chinese_field_names(tmp_path, stations):
    wide = stations.assign(households_total=[1, 2, 3], households_total2=[4, 5, 6])
    wide = wide[[c for c in wide.columns if c != "geometry"] + ["geometry"]]
    path = write_shapefile(wide, tmp_path / "stations.shp")
    assert path.with_suffix(".cpg").read_text().strip().upper() == "GBK"
    # the file on disk has short ASCII names, unique, at most 10 bytes
    raw_names = list(pyogrio.read_info(path)["fields"])
    assert all(n.isascii() and len(n) <= 10 for n in raw_names)
    assert len({n.lower() for n in raw_names}) == len(raw_names)
    mapping = pd.read_csv(tmp_path / "stations.fields.csv", encoding="utf-8-sig")
    assert mapping["original"].tolist() == ["station_id", "名称", "户数", "households_total", "households_total2"]
    # GBK bytes on disk
    assert "华强北站".encode("gbk") in (tmp_path / "stations.dbf").read_bytes()
    _same(read_layer(path), wide)


def test_gbk_shapefile_without_cpg_is_detected(tmp_path, stations):
    path = tmp_path / "gbk.shp"
    pyogrio.write_dataframe(stations, path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    assert "名称" not in pyogrio.read_dataframe(path).columns  # what GDAL does alone: mojibake
    back = read_layer(path)
    assert list(back.columns) == ["station_id", "名称", "户数", "geometry"]
    assert back["名称"].tolist() == stations["名称"].tolist()


def test_utf8_shapefile_without_cpg_is_detected(tmp_path, stations):
    path = tmp_path / "utf8.shp"
    pyogrio.write_dataframe(stations.rename(columns={"名称": "name", "户数": "hh"}), path, encoding="UTF-8")
    path.with_suffix(".cpg").unlink()
    assert read_layer(path)["name"].tolist() == stations["名称"].tolist()


def test_zipped_gbk_shapefile_is_read(tmp_path, stations):
    import zipfile

    write_shapefile(stations, tmp_path / "站点.shp")
    (tmp_path / "站点.cpg").unlink()
    with zipfile.ZipFile(tmp_path / "stations.zip", "w") as z:
        for part in tmp_path.glob("站点.*"):
            z.write(part, f"data/{part.name}")
    _same(read_layer(tmp_path / "stations.zip"), stations)
    with zipfile.ZipFile(tmp_path / "empty.zip", "w") as z:
        z.writestr("readme.txt", "nothing")
    with pytest.raises(InputFileError, match="empty.zip' holds 0 layer files"):
        read_layer(tmp_path / "empty.zip")


def test_shapefile_cpg_with_code_page_number_is_honoured(tmp_path, stations):
    path = tmp_path / "cp.shp"
    pyogrio.write_dataframe(stations, path, encoding="GBK")
    path.with_suffix(".cpg").write_text("936")
    assert read_layer(path)["名称"].tolist() == stations["名称"].tolist()


def test_wrong_cpg_gives_a_clear_error_and_encoding_overrides_it(tmp_path, stations):
    path = tmp_path / "wrong.shp"
    pyogrio.write_dataframe(stations, path, encoding="GBK")
    path.with_suffix(".cpg").write_text("UTF-8")
    # what a command-line user can do first: correct the .cpg (encoding= is for Python)
    with pytest.raises(InputFileError, match=r"cannot decode the text of .*wrong.shp' as utf-8.*correct the \.cpg "
                                             r"file beside it \(it names the encoding.*encoding="):
        read_layer(path)
    assert read_layer(path, encoding="GBK")["名称"].tolist() == stations["名称"].tolist()


def test_a_utf8_field_name_cut_by_the_shapefile_limit_is_named_with_what_to_do(tmp_path):
    """A DBF field name keeps 10 bytes: 站点编号名称 (18 bytes in UTF-8) is cut inside its 4th
    character, and no encoding reads it (the message said to pass encoding=, which the command
    line has no way to)."""
    path = tmp_path / "stations.shp"
    gpd.GeoDataFrame({"ABCDEFGHIJ": ["S1"]}, geometry=[Point(0, 0)], crs="EPSG:32650").to_file(path, encoding="utf-8")
    dbf = path.with_suffix(".dbf").read_bytes()  # the name as GDAL cuts it: the first 10 bytes
    path.with_suffix(".dbf").write_bytes(dbf.replace(b"ABCDEFGHIJ", "站点编号名称".encode("utf-8")[:10], 1))
    with pytest.raises(InputFileError, match=r"stations\.shp' has a field name cut in the middle of a character "
                                             r"\('站点编…'\).*save the layer as a GeoPackage"):
        read_layer(path)


def test_detect_encoding_prefers_utf8_then_gb18030():
    text = "福田区华富街道莲花一村社区党群服务站"
    assert detect_encoding(text.encode("utf-8")) == "utf-8"
    assert detect_encoding(text.encode("gbk")) == "gb18030"
    assert detect_encoding(b"plain ascii") == "utf-8"


_HANZI = [bytes([r, c]).decode("gb2312") for r in range(0xB0, 0xD8) for c in range(0xA1, 0xFF) if r < 0xD7 or c < 0xFA]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(_HANZI), min_size=1, max_size=12).map("".join), st.sampled_from(["", "3号", " "]))
def test_detect_encoding_property_short_chinese_text(words, extra):
    # some two-byte GBK characters are also valid UTF-8 (e.g. U+00C0-U+07FF); short names must still work
    text = extra + words
    assert detect_encoding(text.encode("gbk")) == "gb18030"
    assert detect_encoding(text.encode("utf-8")) == "utf-8"


@pytest.mark.parametrize("word", ["Müller Straße", "café", "Москва", "Ελλάδα", "深圳 Shenzhen"])
def test_detect_encoding_keeps_other_utf8_text(word):
    assert detect_encoding(word.encode("utf-8")) == "utf-8"


def test_shapefile_refuses_values_gbk_cannot_encode(tmp_path, stations):
    bad = stations.assign(名称=["ok", "emoji 😀", "ok"])
    with pytest.raises(ColumnError, match=r"column '名称' row 1 .*GB18030"):
        write_shapefile(bad, tmp_path / "bad.shp")
    write_shapefile(bad, tmp_path / "good.shp", encoding="UTF-8")
    assert read_layer(tmp_path / "good.shp")["名称"].tolist() == bad["名称"].tolist()


def test_shapefile_refuses_mixed_geometry(tmp_path, stations, communities):
    mixed = pd.concat([stations[["geometry"]], communities[["geometry"]]])
    with pytest.raises(GeometryError, match="mixes Point, Polygon"):
        write_shapefile(mixed, tmp_path / "mixed.shp")


def test_read_layer_coord_sys_moves_gcj02_to_wgs84(tmp_path, stations):
    lon, lat = wgs84_to_gcj02(stations.geometry.x, stations.geometry.y)
    shifted = stations.set_geometry(gpd.points_from_xy(lon, lat), crs=4326)
    path = write_layers({"s": shifted}, tmp_path / "gcj.gpkg")
    back = read_layer(path, coord_sys="gcj02")
    assert np.abs(back.geometry.x - stations.geometry.x).max() < 1e-9


def test_read_layer_errors_name_the_file(tmp_path, stations):
    with pytest.raises(InputFileError, match="nope.gpkg' does not exist"):
        read_layer(tmp_path / "nope.gpkg")
    broken = tmp_path / "broken.geojson"
    broken.write_text("{not json")
    with pytest.raises(InputFileError, match="cannot read .*broken.geojson"):
        read_layer(broken)
    with pytest.raises(InputFileError, match="unsupported file type '.dxf'"):
        (tmp_path / "x.dxf").write_text("")
        read_layer(tmp_path / "x.dxf")
    path = write_layers({"a": stations, "b": stations}, tmp_path / "two.gpkg")
    with pytest.raises(InputFileError, match=r"holds 2 layers \(a, b\); name one as .*:a \(layer= from Python; "
                                                r"in a project file, layer = \"a\"\)"):
        read_layer(path)
    with pytest.raises(InputFileError, match="has no layer 'c'; it has: a, b"):
        read_layer(path, layer="c")


def test_geopackage_reads_as_the_plain_reader_does(tmp_path):
    # read through Arrow for speed: the frame must be the one pyogrio's plain reader gives
    gdf = gpd.GeoDataFrame(
        {"名称": ["站A", None, "站C"], "flag": [True, False, True], "n": pd.array([1, None, 3], dtype="Int64"),
         "x": [1.5, np.nan, 2.0], "when": pd.to_datetime(["2024-01-01", None, "2024-03-01"])},
        geometry=[Point(1, 2), None, Point(3, 4)], crs=4326)
    path = tmp_path / "kinds.gpkg"
    gdf.to_file(path, engine="pyogrio")
    got, plain = read_layer(path), pyogrio.read_dataframe(path)
    assert got.dtypes.astype(str).to_dict() == plain.dtypes.astype(str).to_dict()
    pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")),
                                  pd.DataFrame(plain.drop(columns="geometry")))
    assert got.geometry.equals(plain.geometry)


def test_geopackage_text_that_is_not_utf8_names_the_file(tmp_path, stations):
    import sqlite3

    path = write_layers({"stations": stations[["station_id", "geometry"]]}, tmp_path / "gbk.gpkg")
    with sqlite3.connect(path) as con:  # a GBK string written behind GDAL's back (GDAL's triggers need its functions)
        for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
            con.execute(f'DROP TRIGGER "{name}"')
        con.execute("UPDATE stations SET station_id = CAST(? AS TEXT) WHERE fid = 1", ("你好".encode("gbk"),))
    with pytest.raises(InputFileError, match="cannot decode the text of '.*gbk.gpkg' as UTF-8"):
        read_layer(path)


def test_read_layer_without_crs_needs_crs_option(tmp_path, stations):
    path = tmp_path / "noprj.shp"
    write_shapefile(stations, path)
    path.with_suffix(".prj").unlink()
    with pytest.raises(CRSError, match=r"declares no CRS; add its \.prj file \(from Python: read_layer\(\.\.\., crs='EPSG:4326'\)"):
        read_layer(path)
    assert read_layer(path, crs="EPSG:4326").crs.to_epsg() == 4326
    gpkg = tmp_path / "nocrs.gpkg"
    with pytest.warns(UserWarning, match="'crs' was not provided"):  # pyogrio says so too
        stations.set_crs(None, allow_override=True).to_file(gpkg)
    with pytest.raises(CRSError, match=r"declares no CRS; assign it one \(QGIS: Layer Properties > Source"):
        read_layer(gpkg)


# ---------------------------------------------------------------------------- point tables


TABLE = pd.DataFrame(
    {
        "编号": ["001", "002", "010"],
        "名称": ["福田街道党群服务中心", "华强北站", "莲花北社区站"],
        "经度": [114.055, 114.085, 114.061],
        "纬度": [22.541, 22.546, 22.559],
        "户数": [1200, 350, 0],
    }
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_in_every_encoding_reads_the_same(tmp_path, encoding):
    path = tmp_path / "stations.csv"
    TABLE.to_csv(path, index=False, encoding=encoding)
    if encoding == "utf-8-sig":
        assert path.read_bytes().startswith(codecs.BOM_UTF8)
    gdf = read_points_table(path)
    assert list(gdf.columns) == [*TABLE.columns, "geometry"]
    assert gdf["名称"].tolist() == TABLE["名称"].tolist()
    assert gdf["编号"].tolist() == ["001", "002", "010"]  # codes keep their leading zeros
    assert gdf["户数"].tolist() == [1200, 350, 0]
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.x.tolist() == TABLE["经度"].tolist()


def test_xlsx_round_trip_and_gcj02(tmp_path):
    lon, lat = wgs84_to_gcj02(TABLE["经度"], TABLE["纬度"])
    path = tmp_path / "stations.xlsx"
    TABLE.assign(经度=lon, 纬度=lat).to_excel(path, index=False, sheet_name="站点")
    gdf = read_points_table(path, sheet="站点", coord_sys="gcj02")
    assert list(gdf.columns) == [*TABLE.columns, "geometry"]
    assert gdf["名称"].tolist() == TABLE["名称"].tolist()
    assert np.abs(gdf.geometry.x - TABLE["经度"]).max() < 1e-9
    assert np.abs(gdf.geometry.y - TABLE["纬度"]).max() < 1e-9


def test_xlsx_bad_row_is_named_by_its_spreadsheet_row(tmp_path):
    import openpyxl

    path = tmp_path / "stations.xlsx"
    TABLE.to_excel(path, index=False)
    book = openpyxl.load_workbook(path)
    sheet = book.active
    sheet["C3"] = "待补"  # 经度 of the second station
    sheet["A7"] = None  # an empty, formatted row below the table is ignored
    sheet["A7"].number_format = "0.00"
    book.save(path)
    with pytest.raises(ColumnError, match=r"'stations.xlsx': missing or non-numeric coordinates in row 3, 名称 '华强北站' \(经度='待补'"):
        read_points_table(path)
    with pytest.raises(InputFileError, match="cannot read sheet 'nope'"):
        read_points_table(path, sheet="nope")


def test_coord_sys_column_gives_each_row_its_system(tmp_path):
    bd = wgs84_to_bd09(TABLE["经度"].iloc[1], TABLE["纬度"].iloc[1])
    gcj = wgs84_to_gcj02(TABLE["经度"].iloc[2], TABLE["纬度"].iloc[2])
    table = TABLE.copy()
    table["坐标系"] = ["WGS84", "百度", "gcj-02"]
    table.loc[1, ["经度", "纬度"]] = [float(bd[0]), float(bd[1])]
    table.loc[2, ["经度", "纬度"]] = [float(gcj[0]), float(gcj[1])]
    path = tmp_path / "mixed.csv"
    table.to_csv(path, index=False)
    gdf = read_points_table(path, coord_sys_col="坐标系")
    assert np.abs(gdf.geometry.x - TABLE["经度"]).max() < 1e-9
    assert np.abs(gdf.geometry.y - TABLE["纬度"]).max() < 1e-9
    table.loc[0, "坐标系"] = "mars"
    table.to_csv(path, index=False)
    with pytest.raises(ColumnError, match=r"unknown coordinate system in row 2, 名称 '福田街道党群服务中心' \(坐标系='mars'\)"):
        read_points_table(path, coord_sys_col="坐标系")


def test_explicit_columns_and_english_names(tmp_path):
    path = tmp_path / "s.csv"
    TABLE.rename(columns={"经度": "Longitude", "纬度": "LAT"}).to_csv(path, index=False)
    assert len(read_points_table(path)) == 3
    TABLE.rename(columns={"经度": "经度（GCJ-02）", "纬度": "纬度 (°)"}).to_csv(path, index=False)
    assert read_points_table(path).geometry.x.tolist() == TABLE["经度"].tolist()
    TABLE.rename(columns={"经度": "E", "纬度": "N"}).to_csv(path, index=False)
    with pytest.raises(ColumnError, match=r"no longitude column .*Name the columns lon and lat .*lon_col="):
        read_points_table(path)
    assert read_points_table(path, lon_col="E", lat_col="N").geometry.y.iloc[0] == 22.541


@pytest.mark.parametrize(
    "lon, lat, message",
    [
        ("", "22.5", r"missing or non-numeric coordinates in row 3, 名称 '华强北站' \(经度=empty, 纬度=22.5\)"),
        ("abc", "22.5", r"missing or non-numeric coordinates in row 3, 名称 '华强北站' \(经度='abc'"),
        ("214.1", "22.5", r"out of range .* row 3, 名称 '华强北站' \(经度=214.1"),
    ],
)
def test_bad_coordinates_name_the_row(tmp_path, lon, lat, message):
    table = TABLE.astype({"经度": object, "纬度": object})
    table.loc[1, ["经度", "纬度"]] = [lon, lat]
    path = tmp_path / "bad.csv"
    table.to_csv(path, index=False)
    with pytest.raises(ColumnError, match=message):
        read_points_table(path)


def test_swapped_coordinates_are_refused(tmp_path):
    path = tmp_path / "swapped.csv"
    TABLE.rename(columns={"经度": "纬度", "纬度": "经度"}).to_csv(path, index=False)
    with pytest.raises(ColumnError, match="look swapped"):
        read_points_table(path)


def test_points_table_missing_file_and_bad_type(tmp_path):
    with pytest.raises(InputFileError, match="stations.csv' does not exist"):
        read_points_table(tmp_path / "stations.csv")
    (tmp_path / "s.dbf").write_bytes(b"x")
    with pytest.raises(InputFileError, match="unsupported table type '.dbf'"):
        read_points_table(tmp_path / "s.dbf")


def test_gcj02_table_differs_from_wgs84_reading(tmp_path):
    # reading GCJ-02 numbers as WGS-84 would misplace stations by hundreds of metres
    path = tmp_path / "s.csv"
    TABLE.to_csv(path, index=False)
    a = read_points_table(path)
    b = read_points_table(path, coord_sys="gcj02")
    lon, lat = gcj02_to_wgs84(TABLE["经度"], TABLE["纬度"])
    assert np.abs(b.geometry.x - lon).max() < 1e-12
    assert (a.to_crs(32650).distance(b.to_crs(32650)) > 100).all()


def test_columns_differing_only_in_case_are_all_written(tmp_path, stations, caplog):
    # a shapefile's GRID_ID beside the grid_id a command adds: GDAL writes one, then fails on the other
    layer = stations.assign(GRID_ID="old", grid_id="new", Grid_Id="x")
    with caplog.at_level("WARNING"):
        path = write_layers({"units": layer}, tmp_path / "case.gpkg")
    back = read_layer(path)
    assert back["grid_id"].eq("new").all() and back["GRID_ID_2"].eq("old").all() and back["Grid_Id_3"].eq("x").all()
    assert "GRID_ID written as GRID_ID_2" in caplog.text
