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
from hypothesis import HealthCheck, given, settings
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


def test_an_empty_network_file_is_said_to_be_empty(town, tmp_path, capsys):
    """A GraphML of 0 bytes (a download that never started) said 'no element found: line 1, column 0'."""
    (tmp_path / "net.graphml").write_bytes(b"")
    out = tmp_path / "cov.gpkg"
    err = _one_line_exit_2(["coverage", tmp_path / "net.graphml", town["stations"], town["units"], "--out", out],
                           out, capsys)
    assert "net.graphml: the file is empty (0 bytes); copy or save it again" in err, err


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
    with pytest.raises(InputFileError, match=r"is not a text file \(it holds binary data\)"):
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


def test_a_project_input_that_is_a_folder_is_named_as_one(town, tmp_path, capsys):
    """A project file naming a folder for its units table said "cannot read '.../units.csv': Is a
    directory", with nothing to do."""
    (tmp_path / "units.csv").mkdir()
    project = tmp_path / "p.toml"
    project.write_text(f'[project]\nname = "t"\noutput = "out"\n[inputs]\ncommunities = "{town["comm"].as_posix()}"\n'
                       'units = "units.csv"\n[outputs]\nmaps = false\nworkbook = false\npng = false\n', encoding="utf-8")
    out = tmp_path / "out" / "x"
    err = _one_line_exit_2(["run", project], out, capsys)
    assert re.search(r"units\.csv': it is a folder, not a file; give the table's file", err), err


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
}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(role=st.sampled_from(sorted(COMMANDS)), kind=st.sampled_from(["cut", "zero", "noise", "tail"]),
       at=st.floats(0.0, 1.0), seed=st.integers(0, 2**16))
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
