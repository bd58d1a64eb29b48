"""Bad files of every format through every reader: each a fault met with the demo's inputs cut in
half, emptied, given without a part or in another encoding, reduced to a tiny input. The rule: one
line naming the file and what to do, exit 2, nothing at the output path; never a traceback, exit 1,
garbled Chinese or a misleading cause."""

from __future__ import annotations

import codecs
import logging
import re
import shutil
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, box

from spatial.cli import main
from spatial.core.errors import InputFileError
from spatial.io.layers import read_layer, read_points_table

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000
NAMES = ["竹园社区党群服务中心", "东海社区党群服务中心"]


def _town(d: Path) -> dict[str, Path]:
    """A street grid of footways, two stations with Chinese names, one community of eight units."""
    d.mkdir(parents=True, exist_ok=True)
    lines = [LineString([(X0 - 50 + 100 * i, Y0 - 50), (X0 - 50 + 100 * i, Y0 + 250)]) for i in range(6)]
    lines += [LineString([(X0 - 50, Y0 - 50 + 100 * j), (X0 + 450, Y0 - 50 + 100 * j)]) for j in range(4)]
    p = {k: d / f"{k}.gpkg" for k in ("net", "stations", "units", "comm")}
    gpd.GeoDataFrame({"highway": ["footway"] * len(lines)}, geometry=lines, crs=UTM).to_file(p["net"])
    gpd.GeoDataFrame({"station_id": ["S1", "S2"], "name": NAMES},
                     geometry=[Point(X0 + 50, Y0 + 50), Point(X0 + 350, Y0 + 150)], crs=UTM).to_file(p["stations"])
    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1)) for i in range(4) for j in range(2)]
    gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "community_id": ["C1"] * 8, "households": [100] * 8},
                     geometry=cells, crs=UTM).to_file(p["units"])
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)], crs=UTM).to_file(p["comm"])
    return p


@pytest.fixture(scope="module")
def town(tmp_path_factory) -> dict[str, Path]:
    return _town(tmp_path_factory.mktemp("town"))


def _one_line_exit_2(argv: list, out: Path, capsys) -> str:
    """Run ``spatial ARGV``: it must stop with exit 2, one line on stderr and nothing at ``out``."""
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert not out.exists()
    assert not out.parent.exists() or not [p for p in out.parent.iterdir() if ".partial" in p.name]
    return err


def _cut(src: Path, dst: Path, share: float = 0.5) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * share)])
    return dst


# ------------------------------------------------------------------ spatial map on a damaged file


@pytest.mark.parametrize("option", ["--grids", "--coverage"])
@pytest.mark.parametrize("damage, says", [("empty", r"the file is empty \(0 bytes\)"), ("half", r"it is damaged or cut short"),
                                          ("web page", r"it is not a GeoPackage file")])
def test_spatial_map_of_a_damaged_geopackage_is_one_line_not_an_internal_error(town, tmp_path, capsys, option,
                                                                               damage, says):
    """``spatial map --grids g.gpkg`` of a results file copied in part (or 0 bytes, or a web page
    saved under its name) ended 'internal error: DataSourceError: sqlite3_prepare_v2(SELECT COUNT(*)
    FROM sqlite_master ...) failed: database disk image is malformed' with exit 1: the layers were
    listed before the file was checked. It is now one line naming the file, exit 2."""
    bad = tmp_path / "g.gpkg"
    if damage == "empty":
        bad.write_bytes(b"")
    elif damage == "half":
        _cut(town["units"], bad)
    else:
        bad.write_text("<html><body>404</body></html>", encoding="utf-8")
    out = tmp_path / "m.html"
    err = _one_line_exit_2(["map", option, bad, "--out", out], out, capsys)
    assert re.search(rf"spatial map: error: cannot read '.*g\.gpkg': {says}.*; export the layer again", err), err
    assert "sqlite3_prepare" not in err and "internal error" not in err


# ------------------------------------------------------------------ a file cut short, any format


def _osm_text() -> str:
    nodes = "".join(f'<node id="{k + 1}" lat="22.5" lon="{114.0 + 0.001 * k:.3f}"/>' for k in range(40))
    ways = "".join(f'<way id="{k + 1}"><nd ref="{k + 1}"/><nd ref="{k + 2}"/><tag k="highway" v="footway"/></way>'
                   for k in range(39))
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6">\n{nodes}\n{ways}\n</osm>\n'


def _damaged_inputs(d: Path, town: dict) -> dict[str, tuple[list, str]]:
    """name -> (argv without --out, what the line must say), each input cut in half."""
    import osmium
    import rasterio
    from affine import Affine

    osm = d / "whole.osm"
    osm.write_text(_osm_text(), encoding="utf-8")
    pbf = d / "whole.osm.pbf"
    writer = osmium.SimpleWriter(str(pbf))

    class Copy(osmium.SimpleHandler):
        def node(self, n):
            writer.add_node(n)

        def way(self, w):
            writer.add_way(w)

    Copy().apply_file(str(osm))
    writer.close()
    g = nx.MultiDiGraph(crs="EPSG:4326")
    for k in range(200):
        g.add_node(k, x=114.0 + 0.0005 * k, y=22.5)
    for k in range(199):
        g.add_edge(k, k + 1, length=51.4, highway="footway")
    graphml = d / "whole.graphml"
    nx.write_graphml(g, graphml)
    dem = d / "whole.tif"
    with rasterio.open(dem, "w", driver="GTiff", width=100, height=100, count=1, dtype="float32", crs=UTM,
                       transform=Affine(10, 0, X0 - 200, 0, -10, Y0 + 400)) as r:
        r.write(np.full((100, 100), 12.0, dtype="float32"), 1)
    geojson = d / "whole.geojson"
    gpd.read_file(town["stations"]).to_crs(4326).to_file(geojson, driver="GeoJSON")
    kml = d / "whole.kml"
    gpd.read_file(town["stations"]).to_crs(4326).to_file(kml, driver="KML")
    half = {name: _cut(src, d / f"half_{src.name}") for name, src in
            (("osm", osm), ("pbf", pbf), ("graphml", graphml), ("dem", dem), ("geojson", geojson), ("kml", kml),
             ("gpkg", town["stations"]))}
    return {
        "gpkg": (["coverage", town["net"], half["gpkg"], town["units"]], r"half_stations\.gpkg': it is damaged or cut "
                 r"short \(database disk image is malformed\); export the layer again"),
        "geojson": (["coverage", town["net"], half["geojson"], town["units"]], r"half_whole\.geojson': it is damaged "
                    r"or cut short \(.*\); export the layer again"),
        "kml": (["coverage", town["net"], half["kml"], town["units"]], r"half_whole\.kml': it is damaged or cut "
                r"short \(.*\); export the layer again"),
        "graphml": (["coverage", half["graphml"], town["stations"], town["units"]], r"network file .*half_whole\."
                    r"graphml: it is damaged or cut short \(.*\); copy or save it again"),
        "osm": (["coverage", half["osm"], town["stations"], town["units"]], r"OSM file .*half_whole\.osm: it is "
                r"damaged or cut short \(.*\); download or export the extract again"),
        "pbf": (["coverage", half["pbf"], town["stations"], town["units"]], r"OSM file .*half_whole\.osm\.pbf: it is "
                r"damaged or cut short \(.*\); download or export the extract again"),
        "dem": (["coverage", town["net"], town["stations"], town["units"], "--dem", half["dem"]],
                r"DEM .*half_whole\.tif: it is damaged or cut short \(.*\); copy or export the DEM again"),
    }


@pytest.fixture(scope="module")
def damaged(town, tmp_path_factory):
    return _damaged_inputs(tmp_path_factory.mktemp("damaged"), town)


@pytest.mark.parametrize("kind", ["gpkg", "geojson", "kml", "graphml", "osm", "pbf", "dem"])
def test_a_file_cut_in_half_is_said_to_be_damaged_whatever_its_format(damaged, kind, tmp_path, capsys):
    """A copy cut short was named in each reader's own words, most with no advice, and some with
    advice that did not fit: a GraphML cut in half was told to be 'a GraphML file saved by
    osmnx.save_graphml' (it was one), a PBF said 'PBF error: unexpected EOF' and nothing else, a
    DEM 'Read failed. See previous exception for details.', a GeoPackage
    'sqlite3_prepare_v2(SELECT COUNT(*) FROM sqlite_master WHERE ...) failed: database disk image
    is malformed'. One rule now says every format's: damaged or cut short, and what to do."""
    argv, says = damaged[kind]
    out = tmp_path / "cov.gpkg"
    err = _one_line_exit_2([*argv, "--out", out], out, capsys)
    assert re.search(says, err), err
    assert "sqlite3_prepare" not in err and "previous exception" not in err


@pytest.mark.parametrize("noise", [bytes(range(256)), "é".encode("latin-1") * 3], ids=["binary", "latin-1"])
def test_a_geojson_with_bytes_overwritten_is_one_line_about_the_geojson(town, tmp_path, capsys, noise):
    """Bytes overwritten in a GeoJSON (a bad copy) gave two lines: a warning that it is 'not UTF-8 as
    GeoJSON must be; read it as latin_1', then an error telling the user to 'export it as CSV (UTF-8
    or GBK) or give the original .xlsx'. It is one line now, about the GeoJSON."""
    stations = tmp_path / "stations.geojson"
    gpd.read_file(town["stations"]).to_crs(4326).to_file(stations, driver="GeoJSON")
    data = stations.read_bytes()
    k = data.index(b'"coordinates"')
    stations.write_bytes(data[:k] + noise + data[k + len(noise):])
    out = tmp_path / "cov.gpkg"
    err = _one_line_exit_2(["coverage", town["net"], stations, town["units"], "--out", out], out, capsys)
    assert re.search(r"cannot read '.*stations\.geojson': it is damaged or cut short \(.*\); export the layer again$",
                     err), err
    assert "CSV" not in err and "xlsx" not in err


def test_an_empty_network_file_is_said_to_be_empty(town, tmp_path, capsys):
    """A GraphML of 0 bytes (a download that never started) said 'no element found: line 1, column 0'."""
    (tmp_path / "net.graphml").write_bytes(b"")
    out = tmp_path / "cov.gpkg"
    err = _one_line_exit_2(["coverage", tmp_path / "net.graphml", town["stations"], town["units"], "--out", out],
                           out, capsys)
    assert "net.graphml: the file is empty (0 bytes); copy or save it again" in err, err


# ------------------------------------------------------------------ a file under another format's name


@pytest.fixture(scope="module")
def whole(town, tmp_path_factory) -> dict[str, Path]:
    """Each format whole, to be given under another's name."""
    d = tmp_path_factory.mktemp("whole")
    stations = gpd.read_file(town["stations"]).to_crs(4326)
    table = stations.assign(lon=stations.geometry.x, lat=stations.geometry.y).drop(columns="geometry")
    table.to_csv(d / "stations.csv", index=False)
    table.to_excel(d / "stations.xlsx", index=False)
    stations.to_file(d / "stations.kml", driver="KML")
    import zipfile

    with zipfile.ZipFile(d / "stations.kmz", "w") as z:
        z.write(d / "stations.kml", "doc.kml")
    (d / "net.osm").write_text(_osm_text(), encoding="utf-8")
    return {"gpkg": town["stations"], "csv": d / "stations.csv", "xlsx": d / "stations.xlsx", "kmz": d / "stations.kmz",
            "osm": d / "net.osm"}


@pytest.mark.parametrize("real, named, role, says", [
    ("gpkg", "stations.csv", "STATIONS", r"is not a text file: it is a GeoPackage named 'stations\.csv'; rename it "
                                         r"to 'stations\.gpkg' and give that file"),
    ("gpkg", "stations.shp", "STATIONS", r"it is a GeoPackage named 'stations\.shp'; rename it to 'stations\.gpkg'"),
    ("gpkg", "stations.geojson", "STATIONS", r"it is a GeoPackage named 'stations\.geojson'"),
    ("csv", "stations.xlsx", "STATIONS", r"as an Excel workbook: it is a text table \(CSV\) named 'stations\.xlsx'; "
                                         r"rename it to 'stations\.csv'"),
    ("xlsx", "stations.csv", "STATIONS", r"it is an Excel workbook named 'stations\.csv'; rename it to "
                                         r"'stations\.xlsx'"),
    ("kmz", "stations.kml", "STATIONS", r"it is a KMZ \(zipped KML\) named 'stations\.kml'; rename it to "
                                        r"'stations\.kmz' and give that file$"),
    ("osm", "net.graphml", "NETWORK", r"it is an OpenStreetMap XML extract named 'net\.graphml'; rename it to "
                                      r"'net\.osm' and give that file$"),
    ("gpkg", "dem.tif", "--dem", r"DEM .*dem\.tif: it is a GeoPackage named 'dem\.tif'; rename it to 'dem\.gpkg'"),
])
def test_a_file_under_another_formats_name_is_told_its_format(town, whole, tmp_path, capsys, real, named, role, says):
    """A GeoPackage saved as .csv was told to be 'not a text file (it holds binary data); export it
    as CSV ... or give the original .xlsx'; renamed .shp, that it had no .shx; a CSV named .xlsx
    (as some systems export 'Excel' files), 'File is not a zip file (damaged, copied in part, or
    not a workbook)'; an OSM extract named .graphml, to be 'a GraphML file saved by osmnx'. The
    first bytes say what each file is: the line names it and the name to give it."""
    bad = tmp_path / named
    bad.write_bytes(whole[real].read_bytes())
    files = {"NETWORK": town["net"], "STATIONS": town["stations"], "--dem": None}
    files[role] = bad
    out = tmp_path / "cov.gpkg"
    argv = ["coverage", files["NETWORK"], files["STATIONS"], town["units"], "--out", out]
    err = _one_line_exit_2(argv + (["--dem", bad] if role == "--dem" else []), out, capsys)
    assert re.search(says, err), err


def _compound_file(streams: list[str]) -> bytes:
    """The first bytes of an OLE compound file (an Excel 97-2003 workbook, or an Office file
    locked with a password) whose directory names ``streams``, as UTF-16 the format stores them."""
    head = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)
    directory = b"".join(name.encode("utf-16-le").ljust(64, b"\x00") + bytes(64) for name in ["Root Entry", *streams])
    return head + directory + bytes(2048)


@pytest.mark.parametrize("suffix", [".xlsx", ".xls"])
def test_a_workbook_locked_with_a_password_is_told_to_be_unlocked(tmp_path, suffix):
    """A station list an office protected with a password (Excel: 用密码进行加密) is an encrypted
    compound file, not a zip: it was refused as 'File is not a zip file (damaged, copied in part,
    or not a workbook)', and the user sent to copy it again. It is named as locked now."""
    path = tmp_path / f"站点{suffix}"
    path.write_bytes(_compound_file(["EncryptionInfo", "EncryptedPackage"]))
    with pytest.raises(InputFileError, match=r"cannot read '站点\.xlsx?' as an Excel workbook: it is a workbook "
                                             r"locked with a password \(加密\); open it in Excel or WPS, clear the "
                                             r"password .* and save it, then give that file$"):
        read_points_table(path)


def test_an_excel_97_workbook_named_xlsx_is_told_its_name(tmp_path):
    path = tmp_path / "plan.xlsx"
    path.write_bytes(_compound_file(["Workbook", "SummaryInformation"]))
    with pytest.raises(InputFileError, match=r"it is an Excel 97-2003 workbook named 'plan\.xlsx'; rename it to "
                                             r"'plan\.xls'"):
        read_points_table(path)


# ------------------------------------------------------------------ a shapefile not copied whole


@pytest.fixture()
def shp(town, tmp_path) -> Path:
    """The units as a shapefile in UTF-8 with its .cpg, as QGIS writes them."""
    path = tmp_path / "units.shp"
    gpd.read_file(town["units"]).drop(columns="community_id").to_file(path, encoding="utf-8")
    return path


@pytest.mark.parametrize("damage, says", [
    ("no .dbf", r"units\.shp' has no \.dbf file beside it \(its table of ids, households and names\); copy the "
                r"shapefile again with all its parts"),
    ("empty .dbf", r"units\.shp': its \.dbf file 'units\.dbf' is empty \(0 bytes\); copy the shapefile again"),
    ("no .shx", r"units\.shp' has no \.shx file beside it \(its index\); copy the shapefile again"),
    # 100 bytes of header, then 8 squares of 8 + 44 + 4 + 5 x 16 bytes: 1,188 bytes
    ("half .shp", r"units\.shp' is cut short: 594 of its 1,188 bytes; copy the shapefile again"),
    ("last bytes", r"units\.shp' is cut short: 1,181 of its 1,188 bytes; copy the shapefile again"),
])
def test_a_shapefile_not_copied_whole_names_the_part(shp, town, tmp_path, capsys, damage, says):
    """A shapefile sent without its .dbf (a .cpg beside it) was refused as "'units.shp' has no
    households column ...; it has: . Pass the column with --households-col", and one whose .shp was
    cut short as "has 4 rows with empty or missing geometry (unit_id U4, ...); draw them or remove
    the rows": the user was sent to fix columns and rows that were fine. The part is named now."""
    if damage == "no .dbf":
        shp.with_suffix(".dbf").unlink()
    elif damage == "empty .dbf":
        shp.with_suffix(".dbf").write_bytes(b"")
    elif damage == "no .shx":
        shp.with_suffix(".shx").unlink()
    else:
        data = shp.read_bytes()
        shp.write_bytes(data[: len(data) // 2] if damage == "half .shp" else data[:-7])
    assert shp.with_suffix(".cpg").exists()
    out = tmp_path / "g.gpkg"
    err = _one_line_exit_2(["grids", town["comm"], shp, "--out", out], out, capsys)
    assert re.search(says, err), err
    assert "Pass the column" not in err and "draw them" not in err and "SHAPE_RESTORE_SHX" not in err


@pytest.mark.parametrize("prj, says", [
    ("cut", r"cannot read '.*units\.shp': its \.prj file 'units\.prj' holds no CRS that can be read \('PROJCS.*…'\): "
            r"damaged, cut short or not a \.prj; copy the \.prj again with the shapefile"),
    ("text", r"units\.shp\) declares no CRS; its \.prj file 'units\.prj' holds no CRS that can be read \('hello "
             r"world…'\): damaged, cut short or not a \.prj; copy the \.prj again with the shapefile"),
    ("empty", r"units\.shp\) declares no CRS; its \.prj file 'units\.prj' is empty; copy the \.prj again"),
])
def test_a_prj_that_holds_no_crs_is_named(shp, town, tmp_path, capsys, prj, says):
    """A .prj cut short was refused as "cannot read 'units.shp': missing , or ]" (the .prj not named),
    and one that is empty or holds other text (GDAL ignores it) as "declares no CRS; add its .prj
    file" - beside the .prj the user had given."""
    part = shp.with_suffix(".prj")
    part.write_text({"cut": part.read_text()[:60], "text": "hello world\n", "empty": ""}[prj])
    out = tmp_path / "g.gpkg"
    err = _one_line_exit_2(["grids", town["comm"], shp, "--out", out], out, capsys)
    assert re.search(says, err), err
    assert "add its .prj" not in err and "missing , or ]" not in err


def test_a_whole_shapefile_is_read_as_before(shp):
    units = read_layer(shp)
    assert list(units["unit_id"]) == [f"U{k}" for k in range(8)] and units.geometry.notna().all()


# ------------------------------------------------------------------ a .cpg that is wrong


def _stations_shp(folder: Path, town: dict, encoding: str, cpg: str) -> Path:
    folder.mkdir()
    path = folder / "站点.shp"
    gpd.read_file(town["stations"]).to_file(path, encoding=encoding)
    path.with_suffix(".cpg").write_text(cpg, encoding="ascii")
    return path


@pytest.mark.parametrize("encoding, cpg", [("utf-8", "GBK"), ("utf-8", "936"), ("gbk", "ISO-8859-1"),
                                           ("gbk", "LATIN1")])
def test_a_cpg_the_dbf_contradicts_gives_the_names_right_with_a_warning(town, tmp_path, caplog, encoding, cpg):
    """A UTF-8 shapefile whose .cpg said GBK (a tool that writes its system's code page) came out
    as '绔瑰洯绀惧尯鍏氱兢鏈嶅姟涓蹇' for 竹园社区党群服务中心, and a GBK one under a .cpg of ISO-8859-1
    as 'ÖñÔ°ÉçÇøµ³Èº·þÎñÖÐÐÄ', with no word said: every station name and id on the maps garbled.
    The bytes prove the encoding: they are read in it, with a warning to correct the .cpg."""
    path = _stations_shp(tmp_path / "s", town, encoding, cpg)
    with caplog.at_level(logging.WARNING, logger="spatial"):
        stations = read_layer(path)
    assert list(stations["name"]) == NAMES
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"says its text is {cpg} (站点.cpg)" in m and "correct the .cpg file" in m for m in said), said


@pytest.mark.parametrize("encoding, cpg", [("utf-8", "UTF-8"), ("gbk", "GBK"), ("gbk", "936"), ("gb18030", "GB18030")])
def test_a_cpg_the_dbf_agrees_with_is_read_without_a_word(town, tmp_path, caplog, encoding, cpg):
    path = _stations_shp(tmp_path / "s", town, encoding, cpg)
    with caplog.at_level(logging.WARNING, logger="spatial"):
        stations = read_layer(path)
    assert list(stations["name"]) == NAMES
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_western_text_under_a_western_cpg_is_left_as_it_says(tmp_path):
    """Only Chinese text proves GBK: names in Latin-1 under a .cpg of ISO-8859-1 stay as written."""
    path = tmp_path / "places.shp"
    gpd.GeoDataFrame({"name": ["Café Müller", "Straße"]}, geometry=[Point(0, 0), Point(1, 1)],
                     crs=UTM).to_file(path, encoding="ISO-8859-1")
    path.with_suffix(".cpg").write_text("ISO-8859-1", encoding="ascii")
    assert list(read_layer(path)["name"]) == ["Café Müller", "Straße"]


# ------------------------------------------------------------------ GeoPackage tables without geometry


@pytest.fixture()
def gpkg_tables(town, tmp_path) -> dict[str, Path]:
    """The units' attributes, and a plan, as GeoPackage tables without geometry (QGIS: "No geometry")."""
    import pandas as pd
    import pyogrio

    units = pd.DataFrame(gpd.read_file(town["units"]).drop(columns="geometry"))
    pyogrio.write_dataframe(units, tmp_path / "units_table.gpkg", layer="units")
    plan = pd.DataFrame({"unit_id": units["unit_id"], "grid_id": ["G1"] * 4 + ["G2"] * 4})
    pyogrio.write_dataframe(plan, tmp_path / "plan.gpkg", layer="plan")
    return {"units": tmp_path / "units_table.gpkg", "plan": tmp_path / "plan.gpkg"}


def test_a_plan_kept_as_a_geopackage_table_is_read(town, gpkg_tables, tmp_path, capsys):
    """A plan of unit_id, grid_id kept as a GeoPackage table was refused by --existing and
    read_plan alike: "'plan.gpkg' layer 'plan' has no geometry; read it with pandas". A plan is a
    table: it is read as one."""
    import spatial

    plan = spatial.read_plan(gpkg_tables["plan"], gpd.read_file(town["units"]))  # each unit's grid, in order
    assert plan.tolist() == ["G1"] * 4 + ["G2"] * 4
    out = tmp_path / "scores.gpkg"
    assert main([str(a) for a in ["grids", town["comm"], town["units"], "--existing", gpkg_tables["plan"],
                                  "--evaluate", "--out", out]]) == 0, capsys.readouterr().err
    scores = gpd.read_file(out, layer="grid_scores")
    assert sorted(scores["grid_id"]) == ["G1", "G2"] and scores["households"].tolist() == [400, 400]


def test_units_without_geometry_are_told_what_to_give_on_the_command_line(town, gpkg_tables, tmp_path, capsys):
    """The same table given as the units said "read it with pandas": advice for Python only."""
    out = tmp_path / "g.gpkg"
    err = _one_line_exit_2(["grids", town["comm"], gpkg_tables["units"], "--out", out], out, capsys)
    assert re.search(r"layer 'units' has no geometry \(a table of attributes only\); give a layer of points or "
                     r"polygons, or a CSV or workbook with lon/lat or WKT columns", err), err
    assert "pandas" not in err


# ------------------------------------------------------------------ measured geometries (M)


def _measured(src: Path, dst: Path, layer: str, z: bool) -> Path:
    """A copy of the GeoPackage ``src`` whose square polygons or points carry measures (M), as
    ArcGIS writes PolygonM: the geometry blobs rewritten by hand (GDAL's writers refuse M)."""
    import sqlite3
    import struct

    shutil.copy(src, dst)
    con = sqlite3.connect(dst)
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')  # the R-tree's triggers call SpatiaLite functions
    for fid, blob in con.execute(f"SELECT fid, geom FROM {layer}").fetchall():
        envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(blob[3] >> 1) & 7]
        wkb = blob[8 + envelope:]
        kind = struct.unpack("<I", wkb[1:5])[0]
        if kind == 1:  # a point: x, y
            xy = [struct.unpack("<dd", wkb[5:21])]
        else:  # a polygon of one ring: x, y pairs after the ring count and point count
            n = struct.unpack("<I", wkb[9:13])[0]
            xy = [struct.unpack("<dd", wkb[13 + 16 * k: 29 + 16 * k]) for k in range(n)]
        pts = b"".join(struct.pack("<dddd" if z else "<ddd", x, y, *((3.0, 7.0) if z else (7.0,))) for x, y in xy)
        code = (3000 if z else 2000) + kind
        body = pts if kind == 1 else struct.pack("<II", 1, len(xy)) + pts
        con.execute(f"UPDATE {layer} SET geom = ? WHERE fid = ?",
                    (bytes(blob[:3]) + bytes([blob[3] & 0b11110001]) + bytes(blob[4:8]) + struct.pack("<BI", 1, code)
                     + body, fid))
    con.execute("UPDATE gpkg_geometry_columns SET m = 1, z = ? WHERE table_name = ?", (int(z), layer))
    con.commit()
    con.close()
    return dst


@pytest.mark.parametrize("z", [False, True], ids=["M", "ZM"])
def test_units_and_stations_with_measures_are_read_without_them(town, tmp_path, capsys, z):
    """Units exported from ArcGIS as PolygonM were drawn into grids (and walked in the coverage),
    and then the results were refused: "cannot write layer 'units' to 'g.gpkg': Could not create
    geometry at index 0 for WKB type 1073741827" - all the work lost, and no word of what to do;
    pyogrio's warning on M also came out as a two-line Python warning. The measures are dropped
    where the layer is read (heights kept), and the commands write their results."""
    units = _measured(town["units"], tmp_path / "units.gpkg", "units", z)
    stations = _measured(town["stations"], tmp_path / "stations.gpkg", "stations", z)
    read = read_layer(units)
    assert not read.geometry.has_m.any() and bool(read.geometry.has_z.all()) is z
    assert read.geometry.area.round(6).tolist() == [10_000.0] * 8  # the 100 m squares, as drawn
    assert main([str(a) for a in ["grids", town["comm"], units, "--min", "150", "--max", "250",
                                  "--out", tmp_path / "g.gpkg"]]) == 0
    assert gpd.read_file(tmp_path / "g.gpkg", layer="units")["grid_id"].notna().all()
    assert main([str(a) for a in ["coverage", town["net"], stations, units, "--out", tmp_path / "c.gpkg",
                                  "--no-isochrones"]]) == 0
    assert len(gpd.read_file(tmp_path / "c.gpkg", layer="demand")) == 8
    assert "Measured" not in capsys.readouterr().err


# ------------------------------------------------------------------ outlines that are not polygons


@pytest.fixture()
def grid_outlines(town, tmp_path) -> dict[str, Path]:
    """Two grids of the town as polygons, and as the lines a CAD export of 网格边界 gives."""
    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"], "households": [400, 400]},
                             geometry=[box(X0, Y0, X0 + 200, Y0 + 200), box(X0 + 200, Y0, X0 + 400, Y0 + 200)], crs=UTM)
    grids.to_file(tmp_path / "grids.gpkg", layer="grids")
    grids.assign(geometry=grids.boundary).to_file(tmp_path / "grid_lines.gpkg", layer="grids")
    gpd.read_file(town["comm"]).assign(geometry=lambda c: c.centroid).to_file(tmp_path / "comm_points.gpkg")
    return {"polygons": tmp_path / "grids.gpkg", "lines": tmp_path / "grid_lines.gpkg",
            "comm_points": tmp_path / "comm_points.gpkg"}


def test_grids_drawn_as_lines_are_refused_by_evaluate_not_scored_as_gaps(town, grid_outlines, tmp_path, capsys):
    """``spatial grids --evaluate`` of grid outlines drawn as lines (网格边界 from CAD) wrote its
    scores with exit 0: every grid's area a gap (gap_pct 100.0), Polsby-Popper 0, no report row
    and no word. The lines are refused, naming the grids and how to make polygons of them."""
    out = tmp_path / "scores.gpkg"
    err = _one_line_exit_2(["grids", "--evaluate", grid_outlines["lines"], town["comm"], "--out", out], out, capsys)
    assert re.search(r"'grid_lines\.gpkg' rows must be Polygon or MultiPolygon, but 2 are not \(grid_id: "
                     r"G1 \(LineString\), G2 \(LineString\)\); .*Lines to Polygons", err), err
    assert main([str(a) for a in ["grids", "--evaluate", grid_outlines["polygons"], town["comm"], "--out", out]]) == 0
    assert gpd.read_file(out, layer="summary")["gap_pct"].iloc[0] == 0


@pytest.mark.parametrize("option, layer, says", [
    ("--communities", "comm_points", r"'comm_points\.gpkg' rows must be Polygon or MultiPolygon, but 1 are not "
                                     r"\(community_id: C1 \(Point\)\); draw the community boundary as a polygon"),
    ("--grids", "lines", r"'grid_lines\.gpkg' rows must be Polygon or MultiPolygon, but 2 are not \(grid_id: G1 "
                         r"\(LineString\), G2 \(LineString\)\); give each grid as a polygon"),
])
def test_coverage_refuses_communities_or_grids_that_are_not_outlines(town, grid_outlines, tmp_path, capsys, option,
                                                                      layer, says):
    """``spatial coverage --communities`` given the communities' office points wrote a summary of
    communities holding no home (n_points 0 in each, exit 0); grids given as lines the same."""
    out = tmp_path / "cov.gpkg"
    argv = ["coverage", town["net"], town["stations"], town["units"], option, grid_outlines[layer], "--out", out]
    err = _one_line_exit_2(argv, out, capsys)
    assert re.search(says, err), err


def test_site_refuses_community_points_for_its_before_and_after(town, grid_outlines, tmp_path, capsys):
    out = tmp_path / "sites.gpkg"
    argv = ["site", town["net"], town["stations"], town["units"], "--k", "1", "--communities",
            grid_outlines["comm_points"], "--out", out]
    err = _one_line_exit_2(argv, out, capsys)
    assert "'comm_points.gpkg' rows must be Polygon or MultiPolygon" in err, err


# ------------------------------------------------------------------ KML in GBK, KML with nothing


def _placemarks(encoding: str, declared: str | None) -> bytes:
    head = f'<?xml version="1.0" encoding="{declared}"?>\n' if declared else ""
    marks = "".join(f"<Placemark><name>{n}</name><ExtendedData><Data name=\"编号\"><value>S{k + 1}</value></Data>"
                    f"</ExtendedData><Point><coordinates>{114.05 + 0.01 * k},22.54</coordinates></Point></Placemark>"
                    for k, n in enumerate(NAMES))
    return (head + f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>党群服务站</name>{marks}'
                   "</Document></kml>").encode(encoding)


@pytest.mark.parametrize("declared, warned", [("GB2312", False), ("GBK", False), ("UTF-8", True), (None, True)])
def test_a_kml_in_gbk_is_read_with_its_chinese_names(tmp_path, caplog, declared, warned):
    """Older Chinese tools write KML in GBK: declaring GB2312 it was refused as 'ERROR parsing kml
    ...: unknown encoding' (GDAL reads UTF-8 only), and GBK under UTF-8's name (or none) as
    damaged ('not well-formed (invalid token)'). Both are read; a wrong declaration is said."""
    path = tmp_path / "站点.kml"
    path.write_bytes(_placemarks("gbk", declared))
    with caplog.at_level(logging.WARNING, logger="spatial"):
        stations = read_layer(path)
    assert list(stations["Name"]) == NAMES and list(stations["编号"]) == ["S1", "S2"]
    said = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("says its text is UTF-8 but it is GBK" in m for m in said) is warned, said


def test_a_kml_in_utf8_is_read_as_before(tmp_path, caplog):
    path = tmp_path / "站点.kml"
    path.write_bytes(_placemarks("utf-8", "UTF-8"))
    with caplog.at_level(logging.WARNING, logger="spatial"):
        assert list(read_layer(path)["Name"]) == NAMES
    assert not caplog.records


def test_a_kml_without_placemarks_is_said_to_hold_none(tmp_path):
    """An export of an empty folder was told "holds 0 layers (none); name one as empty.kml:LAYER"."""
    path = tmp_path / "empty.kml"
    path.write_text('<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
                    "<name>空</name></Document></kml>", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"empty\.kml' holds no placemarks \(points, lines or areas\); export "
                                             r"it again with its features$"):
        read_layer(path)


# ------------------------------------------------------------------ roads with blank cells


@pytest.mark.parametrize("columns", [{"highway": [None] * 10}, {"highway": ["primary"] + [None] * 9,
                                                                 "waterway": [None] * 9 + ["river"]}],
                         ids=["all blank", "roads and a river"])
def test_roads_with_blank_kinds_draw_grids(town, tmp_path, capsys, columns):
    """``spatial grids --roads`` of a layer whose highway column was left blank, or of roads and
    rivers together (a river's highway blank, a road's waterway), ended 'internal error:
    TypeError: sequence item 0: expected str instance, float found' (exit 1): a blank cell was
    joined as a name. A blank names nothing now: the grids are drawn."""
    lines = [LineString([(X0 - 50 + 100 * i, Y0 - 50), (X0 - 50 + 100 * i, Y0 + 250)]) for i in range(6)]
    lines += [LineString([(X0 - 50, Y0 - 50 + 100 * j), (X0 + 450, Y0 - 50 + 100 * j)]) for j in range(4)]
    roads = tmp_path / "roads.gpkg"
    gpd.GeoDataFrame(columns, geometry=lines, crs=UTM).to_file(roads)
    out = tmp_path / "g.gpkg"
    code = main([str(a) for a in ["grids", town["comm"], town["units"], "--roads", roads, "--min", "150", "--max",
                                  "250", "--out", out]])
    assert code == 0, capsys.readouterr().err
    grids = gpd.read_file(out, layer="grids")
    assert len(grids) == 4 and grids["households"].sum() == 800


# ------------------------------------------------------------------ spatial screenshot of no map


@pytest.mark.parametrize("page, says", [
    (b"", r"is empty \(0 bytes\)"),
    (b"\x00\x01\x02PK", r"is not a web page \(it holds binary data\)"),
    (b"<!DOCTYPE html><html><head><script>/* leaflet 1.9 */ var map = L.map(", r"is cut short \(\d+ bytes, no "
                                                                              r"</html> at its end\)"),
], ids=["empty", "binary", "cut short"])
def test_a_screenshot_of_no_map_is_refused_not_a_blank_picture(tmp_path, capsys, page, says):
    """``spatial screenshot`` of a map of 0 bytes, or one copied in part, wrote a blank PNG with exit
    0 (Chromium draws anything), to be printed in a report. It is refused, and nothing written."""
    html = tmp_path / "overview.html"
    html.write_bytes(page)
    png = tmp_path / "overview.png"
    err = _one_line_exit_2(["screenshot", html, png], png, capsys)
    assert re.search(rf"map '.*overview\.html' {says}; write the map again", err), err


# ------------------------------------------------------------------ text files in other encodings


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
@pytest.mark.parametrize("sep", [",", "\t"])
def test_a_utf16_table_without_a_byte_order_mark_is_read(tmp_path, encoding, sep):
    """A station list in UTF-16 without a byte-order mark (as some systems export tables) was
    refused as "not a text file (it holds binary data)"; its ASCII characters' NUL bytes all fall
    on one side of each pair, which says what it is. It is read, its Chinese names right."""
    rows = ["station_id,name,lon,lat", f"S1,{NAMES[0]},114.05,22.54", f"S2,{NAMES[1]},114.06,22.55"]
    path = tmp_path / "stations.csv"
    path.write_bytes(("\r\n".join(r.replace(",", sep) for r in rows) + "\r\n").encode(encoding))
    stations = read_points_table(path)
    assert list(stations["name"]) == NAMES
    assert stations.geometry.x.tolist() == [114.05, 114.06]


def test_binary_data_is_still_refused_as_not_text(tmp_path):
    path = tmp_path / "stations.csv"
    path.write_bytes(bytes(range(256)) * 8)
    with pytest.raises(InputFileError, match=r"is not a text file: it holds binary data"):
        read_points_table(path)


def test_a_table_that_does_not_decode_names_the_line_and_what_a_command_line_user_can_do(town, tmp_path, capsys):
    """A CSV saved as "CSV UTF-8" with a row pasted from a GBK file was refused with "pass the
    right encoding= (for example 'utf-8' or 'gb18030')": no line to look at, and advice only a
    Python user can follow. It now names the line and how to save the file again."""
    text = codecs.BOM_UTF8 + "station_id,name,lon,lat\nS1,甲,114.05,22.54\n".encode()
    path = tmp_path / "stations.csv"
    path.write_bytes(text + "S2,乙站,114.06,22.55\n".encode("gbk"))
    out = tmp_path / "cov.gpkg"
    err = _one_line_exit_2(["coverage", town["net"], path, town["units"], "--out", out], out, capsys)
    assert re.search(r"cannot decode '.*stations\.csv' as utf-8-sig in line 3 \(.*\); save it again as CSV UTF-8 "
                     r"\(Excel, WPS: 另存为 → CSV UTF-8\), or give its encoding", err), err


def _project(folder: Path, town: dict, units: str) -> Path:
    project = folder / "p.toml"
    project.write_text(f'[project]\nname = "t"\noutput = "out"\n[inputs]\ncommunities = "{town["comm"].as_posix()}"\n'
                       f'units = "{units}"\n[outputs]\nmaps = false\nworkbook = false\npng = false\n', encoding="utf-8")
    return project


def test_a_project_input_that_is_a_folder_is_named_as_one(town, tmp_path, capsys):
    """A project file naming a folder for its units table said "cannot read '.../units.csv': Is a
    directory", with nothing to do, and only once the other layers had been read."""
    (tmp_path / "units.csv").mkdir()
    err = _one_line_exit_2(["run", _project(tmp_path, town, "units.csv")], tmp_path / "out" / "x", capsys)
    assert re.search(r"p\.toml: input 'units' .*units\.csv: it is a folder; give a file in it", err), err


def test_a_windows_path_in_double_quotes_is_told_how_to_write_it(town, tmp_path, capsys):
    """``units = "D:\\数据\\units.gpkg"`` in a project file (a path pasted from Explorer) was refused
    as "not valid TOML: Unescaped '\\' in a string (at line 6, column 13)", with nothing to do."""
    project = _project(tmp_path, town, "PLACEHOLDER")
    project.write_text(project.read_text(encoding="utf-8").replace("PLACEHOLDER", "D:\\数据\\units.gpkg"),
                       encoding="utf-8")
    err = _one_line_exit_2(["run", project], tmp_path / "out" / "x", capsys)
    assert re.search(r"not valid TOML: Unescaped .* in a string \(at line 6, column \d+\); write a Windows path "
                     r"with / \(\"D:/数据/units\.gpkg\"\) or in single quotes \('D:\\数据\\units\.gpkg'\)$", err), err


@pytest.mark.parametrize("bom", [True, False], ids=["with BOM", "without BOM"])
def test_a_project_file_saved_as_unicode_by_notepad_is_read(town, tmp_path, capsys, bom):
    """Notepad's 'Unicode' is UTF-16: the project file was refused as 'not a text file (it holds
    binary data)'. It is read, with a warning to save it as UTF-8."""
    project = _project(tmp_path, town, town["units"].as_posix())
    text = project.read_text(encoding="utf-8")
    project.write_bytes(text.encode("utf-16") if bom else text.encode("utf-16-le"))
    assert main(["run", str(project)]) == 0
    assert (tmp_path / "out" / "results.gpkg").exists()
    assert "is UTF-16 (Notepad's 'Unicode'); read so: save it as UTF-8" in capsys.readouterr().err


@pytest.fixture()
def unreadable(monkeypatch):
    """Files this user may not read (as for anyone but root, whom no permission stops), by name."""
    import os

    denied: set[str] = set()
    real = os.access

    def access(path, mode, *args, **kwargs):
        return not (Path(path).name in denied and mode & os.R_OK) and real(path, mode, *args, **kwargs)

    monkeypatch.setattr(os, "access", access)
    return denied


def test_an_input_this_user_may_not_read_is_named_before_any_work(town, tmp_path, capsys, unreadable):
    """A file copied from another account (mode 600) was read as far as GDAL went: 'cannot read
    ...: Permission denied; export the layer again' for a layer, after the other inputs; nothing said
    what to do. It is named with the paths checked, before any work, as a missing file is."""
    units = tmp_path / "units.gpkg"
    shutil.copy(town["units"], units)
    unreadable.add("units.gpkg")
    out = tmp_path / "g.gpkg"
    err = _one_line_exit_2(["grids", town["comm"], units, "--out", out], out, capsys)
    assert re.search(r"UNITS '.*units\.gpkg': permission denied: this user may not read it; ask its owner for read "
                     r"access \(chmod o\+r units\.gpkg\), or copy it into a folder of yours$", err), err
    err = _one_line_exit_2(["run", _project(tmp_path, town, units.as_posix())], tmp_path / "out" / "x", capsys)
    assert re.search(r"input 'units' .*units\.gpkg: permission denied", err), err


# ------------------------------------------------------------------ any corruption, any command


def _corrupt(data: bytes, kind: str, at: float, seed: int) -> bytes:
    k = int(len(data) * at)
    if kind == "cut":
        return data[:k]
    if kind == "zero":
        return b""
    rng = np.random.default_rng(seed)
    noise = rng.integers(0, 256, size=min(64, max(len(data) - k, 1)), dtype=np.uint8).tobytes()
    if kind == "noise":  # bytes overwritten in place, as a bad sector or a transfer error does
        return data[:k] + noise + data[k + len(noise):]
    return data[:k] + noise  # "tail": the end replaced by garbage


@pytest.fixture(scope="module")
def formats(town, tmp_path_factory) -> dict[str, Path]:
    """The town's inputs in the formats officials send: GeoPackage, shapefile, GeoJSON, KML, CSV."""
    d = tmp_path_factory.mktemp("formats")
    p = dict(town)
    stations = gpd.read_file(town["stations"]).to_crs(4326)
    stations.to_file(d / "stations.kml", driver="KML")
    p["stations.kml"] = d / "stations.kml"
    stations.assign(经度=stations.geometry.x, 纬度=stations.geometry.y).drop(columns="geometry").to_csv(
        d / "stations.csv", index=False, encoding="gbk")
    p["stations.csv"] = d / "stations.csv"
    units = gpd.read_file(town["units"])
    units.drop(columns="community_id").to_file(d / "units.shp")
    p["units.shp"] = d / "units.shp"
    units.to_crs(4326).to_file(d / "units.geojson", driver="GeoJSON")
    p["units.geojson"] = d / "units.geojson"
    stations.assign(lon=stations.geometry.x, lat=stations.geometry.y).drop(columns="geometry").to_excel(
        d / "stations.xlsx", index=False)
    p["stations.xlsx"] = d / "stations.xlsx"
    units[["unit_id"]].assign(grid_id=["G1"] * 4 + ["G2"] * 4).to_csv(d / "plan.csv", index=False, encoding="utf-8-sig")
    p["plan.csv"] = d / "plan.csv"
    return p


COMMANDS = {  # role -> how the command is built with that input
    "comm": lambda p, x, o: ["grids", x, p["units"], "--out", o],
    "units": lambda p, x, o: ["grids", p["comm"], x, "--out", o],
    "units.shp": lambda p, x, o: ["grids", p["comm"], x, "--out", o],
    "units.geojson": lambda p, x, o: ["coverage", p["net"], p["stations"], x, "--out", o, "--no-isochrones"],
    "stations": lambda p, x, o: ["coverage", p["net"], x, p["units"], "--out", o, "--no-isochrones"],
    "stations.kml": lambda p, x, o: ["site", p["net"], x, p["units"], "--k", "1", "--out", o],
    "stations.csv": lambda p, x, o: ["coverage", p["net"], x, p["units"], "--out", o, "--no-isochrones"],
    "net": lambda p, x, o: ["coverage", x, p["stations"], p["units"], "--out", o, "--no-isochrones"],
    "stations.xlsx": lambda p, x, o: ["coverage", p["net"], x, p["units"], "--out", o, "--no-isochrones"],
    "plan.csv": lambda p, x, o: ["grids", p["comm"], p["units"], "--existing", x, "--evaluate", "--out", o],
}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(role=st.sampled_from(sorted(COMMANDS)), kind=st.sampled_from(["cut", "zero", "noise", "tail"]),
       at=st.floats(0.0, 1.0), seed=st.integers(0, 2**16))
@example(role="stations.xlsx", kind="noise", at=0.919921875, seed=2)  # zip "version 10.7": NotImplementedError, exit 1 until 8 Dec 2026
def test_any_corruption_of_any_input_is_done_or_one_line_with_exit_2(formats, tmp_path_factory, capsys, role, kind,
                                                                      at, seed):
    """Whatever happened to an input (cut anywhere, emptied, bytes overwritten, its end replaced),
    every command either does its work or stops with exit 2 and one line, leaving no output file."""
    d = tmp_path_factory.mktemp("case")
    src = formats[role]
    for part in src.parent.glob(src.stem + ".*"):  # a shapefile's other parts come along whole
        shutil.copy(part, d / part.name)
    bad = d / src.name
    bad.write_bytes(_corrupt(src.read_bytes(), kind, at, seed))
    out = d / "out" / "result.gpkg"
    out.parent.mkdir()
    code = main([str(a) for a in COMMANDS[role](formats, bad, out)])
    err = capsys.readouterr().err.strip()
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    left = sorted(p.name for p in out.parent.iterdir())
    if code == 2:
        assert len([line for line in err.splitlines() if "error" in line]) == 1, err
        assert err.splitlines()[-1].startswith("spatial ") and left == [], (err, left)
    else:
        assert not [n for n in left if ".partial" in n], left
