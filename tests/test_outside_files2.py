"""Files an earlier review of bad files left standing, as offices and outside sources send them:
a CSV cut short, a European Excel's CSV, a Big5 shapefile, a KMZ of two documents, and the
warnings a notebook never showed. Each was met with a small file made as a user would send it."""

from __future__ import annotations

import logging
import subprocess
import sys
import zipfile
from pathlib import Path

import geopandas as gpd
import pyogrio
import pyproj
import pytest
from shapely.geometry import Point
from test_outside_a import files  # noqa: F401 (a fixture: a street grid of footways, stations and units)
from test_outside_files import _plan_files

import spatial
from spatial import InputFileError, SpatialWarning
from spatial.cli import main
from spatial.io.layers import read_table

ROOT = Path(__file__).resolve().parents[1]
HEADER = "station_id,name,lon,lat\n"
WHOLE = "S1,甲站,114.0583123,22.5431234\nS2,乙站,114.0612345,22.5471234\n"


# ---------------------------------------------------------------- 1: a CSV cut off in its last line


@pytest.mark.parametrize("last, why", [
    ("S3,丙站,114.0634567,22.54", r"its last value, '22\.54' in column 'lat', is shorter than every other"),
    ("S3,丙站,114.06", r"holds 3 of the header's 4 cells"),
    ("S3,丙站,114.0634567", r"holds 3 of the header's 4 cells"),
    ("S3,丙站,114.0634567,", r"its last cell \(column 'lat'\) is empty where every other row has a value"),
    ('S3,"丙站,东', r"stops inside a quoted value"),
], ids=["half a latitude", "half a longitude", "no latitude", "cut after a comma", "open quote"])
def test_a_station_list_cut_off_in_its_last_line_is_refused_naming_the_line(tmp_path, last, why):
    """A station list copied or downloaded in part, ending '22.54' for '22.5431234', was read
    without a word: station S3 stood 350 m south of where it is (half a longitude or latitude was
    refused only as 'missing', as if the user had left it blank). Now the file is refused as cut
    short, naming its last line and what gives it away."""
    path = tmp_path / "stations.csv"
    path.write_text(HEADER + WHOLE + last, encoding="utf-8")
    with pytest.raises(InputFileError, match=rf"'.*stations\.csv' looks cut short .*line 4, ends without a line "
                                             rf"break and {why}.*copy or download the file again"):
        spatial.read_points_table(path)


@pytest.mark.parametrize("encoding", ["utf-8", "gbk", "utf-16"])
def test_a_table_cut_inside_its_last_character_is_said_to_be_cut_not_in_another_encoding(tmp_path, encoding):
    """Cut inside 站 (its last byte gone), a table was refused as 'cannot decode 'stations.csv' as
    utf-8 in line 4 (unexpected end of data); save it again as CSV UTF-8': the office saved it again,
    from the same cut copy."""
    path = tmp_path / "stations.csv"
    path.write_bytes((HEADER + WHOLE + "S3,丙站").encode(encoding)[:-1])
    with pytest.raises(InputFileError, match=r"stations\.csv' looks cut short .* line 4, stops in the middle of a "
                                             r"character; copy or download the file again$"):
        spatial.read_points_table(path)


def test_whole_tables_without_a_last_line_break_are_read_as_before(tmp_path):
    """A table typed by hand often lacks the last line break; a last row as long as the others is read."""
    path = tmp_path / "stations.csv"
    path.write_text(HEADER + WHOLE + "S3,丙站,114.0634567,22.5491234", encoding="utf-8")
    assert spatial.read_points_table(path)["station_id"].tolist() == ["S1", "S2", "S3"]
    path.write_text(HEADER + WHOLE + "S3,丙站,114.06,22.54\n", encoding="utf-8")  # short, but ends its line
    assert spatial.read_points_table(path).geometry.y.tolist()[2] == 22.54
    path.write_text(HEADER + "S1,甲站,114.06,22.54", encoding="utf-8")  # one row: nothing to measure it by
    assert len(spatial.read_points_table(path)) == 1
    path.write_text(HEADER + WHOLE + "注：坐标为WGS-84", encoding="utf-8")  # a note typed last, one cell
    assert spatial.read_points_table(path)["station_id"].tolist() == ["S1", "S2"]


def test_a_households_table_cut_in_its_last_count_is_refused(tmp_path):
    """Units with households '120', '340', and a last row cut to '2' (of 250) were read as 2 households."""
    path = tmp_path / "units.csv"
    path.write_text("unit_id,lon,lat,households\nU1,114.0583,22.5431,120\nU2,114.0612,22.5471,340\n"
                    "U3,114.0634,22.5491,2", encoding="gbk")
    with pytest.raises(InputFileError, match=r"line 4.*'2' in column 'households'.*such as '120'"):
        spatial.read_points_table(path)


def test_a_plan_cut_in_its_last_grid_id_is_refused_by_evaluate_in_one_line(tmp_path, capsys):
    """A plan 'unit_id,grid_id' ending 'U7,G' (for 'U7,G2') was scored with a grid 'G' of one unit."""
    comm, units = _plan_files(tmp_path)
    plan = tmp_path / "plan.csv"
    plan.write_text("unit_id,grid_id\n" + "".join(f"U{k},G{1 + k // 4}\n" for k in range(7)) + "U7,G",
                    encoding="utf-8")
    out = tmp_path / "scores.gpkg"
    assert main(["-q", "grids", str(comm), str(units), "--existing", str(plan), "--evaluate", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "plan.csv' looks cut short" in err and "line 9" in err, err
    assert "'G' in column 'grid_id'" in err and not out.exists()


# ---------------------------------------------------------------- 2: semicolons and decimal commas


def test_a_semicolon_csv_with_decimal_commas_is_read_as_the_numbers_it_holds(tmp_path):
    """Excel in a European locale saves '114,0583123;22,5431234': the header was taken for a title
    and the read refused with "no longitude column ... it has: S1;甲站;114, 0583123;22, 5431234"."""
    path = tmp_path / "stations.csv"
    path.write_text("station_id;name;lon;lat;floor_area_m2;households\r\nS1;甲站;114,0583123;22,5431234;350;1.234\r\n"
                    "S2;乙站;114,0612345;22,5471234;120,5;80\r\n", encoding="utf-8-sig")
    points = spatial.read_points_table(path)
    assert points["station_id"].tolist() == ["S1", "S2"] and points["name"].tolist() == ["甲站", "乙站"]
    assert points.geometry.x.tolist() == [114.0583123, 114.0612345]
    assert points.geometry.y.tolist() == [22.5431234, 22.5471234]
    assert points["floor_area_m2"].tolist() == [350, 120.5]
    assert points["households"].tolist() == [1234, 80]  # thousands grouped by a point, as that locale does
    # without a decimal comma anywhere, a point is a decimal point
    path.write_text("station_id;lon;lat\nS1;114.0583;22.5431\nS2;114.0612;22.5471\n", encoding="utf-8")
    assert spatial.read_points_table(path).geometry.x.tolist() == [114.0583, 114.0612]


def test_a_semicolon_plan_without_decimals_is_read_in_its_columns(tmp_path):
    path = tmp_path / "plan.csv"
    path.write_text("unit_id;grid_id\nU1;G1\nU2;G2\n", encoding="utf-8")
    assert read_table(path).to_dict("records") == [{"unit_id": "U1", "grid_id": "G1"},
                                                   {"unit_id": "U2", "grid_id": "G2"}]
    # a comma table whose names hold semicolons stays a comma table
    path.write_text("id,名称\n1,甲;乙\n2,丙;丁\n", encoding="utf-8")
    assert read_table(path)["名称"].tolist() == ["甲;乙", "丙;丁"]


def test_coverage_reads_a_european_excel_station_list_as_the_same_stations(files, tmp_path, capsys):
    """The command line, end to end: the two stations as a semicolon CSV with decimal commas give
    the coverage the same stations give as a GeoPackage."""
    stations = gpd.read_file(files["stations"])
    lon, lat = pyproj.Transformer.from_crs(32650, 4326, always_xy=True).transform(stations.geometry.x,
                                                                                   stations.geometry.y)
    rows = "".join(f"{s};{x:.7f};{y:.7f}\n".replace(".", ",") for s, x, y in zip(stations["station_id"], lon, lat))
    table = tmp_path / "stations.csv"
    table.write_text("station_id;lon;lat\n" + rows, encoding="utf-8")
    outs = coverage_demands(files, tmp_path, capsys, table)
    assert outs[1]["walk_m"].round(1).tolist() == outs[0]["walk_m"].round(1).tolist()
    assert outs[1]["walk_m"].notna().sum() >= 8


def coverage_demands(files, tmp_path, capsys, table) -> list:
    """``spatial coverage`` on the fixture's stations as given and as ``table``: the two demand layers."""
    outs = []
    for given in (files["stations"], table):
        out = tmp_path / f"cov_{Path(given).suffix[1:]}.gpkg"
        code = main(["-q", "coverage", str(files["net"]), str(given), str(files["units"]), "--out", str(out),
                     "--no-isochrones"])
        assert code == 0, capsys.readouterr().err
        outs.append(gpd.read_file(out, layer="demand"))
    return outs


# ---------------------------------------------------------------- 3: a Big5 shapefile with no .cpg

TAIWAN = ["臺北市信義區服務站", "中正紀念堂", "社區服務中心", "沙田區黨群服務站"]
MAINLAND = ["梅林", "福保街道", "华富", "莲花街道"]  # GBK whose bytes also read as common Big5


def _shapefile(folder: Path, names: list[str], encoding: str) -> Path:
    path = folder / f"stations_{encoding}.shp"
    points = [Point(121.5 + k / 100, 25.03) for k in range(len(names))]
    frame = gpd.GeoDataFrame({"station_id": [f"S{k}" for k in range(len(names))], "name": names},
                             geometry=points, crs=4326)
    pyogrio.write_dataframe(frame, path, encoding=encoding)
    path.with_suffix(".cpg").unlink()  # as Taiwan and Hong Kong sources send them
    assert names[0].encode(encoding) in path.with_suffix(".dbf").read_bytes()
    return path


def test_a_big5_shapefile_without_cpg_is_read_as_big5_and_said(tmp_path, caplog):
    """Read as GB18030, 臺北市信義區服務站 came out '籓\\ue665カ獺竡跋狝叭\\ue1ed', with no word."""
    with caplog.at_level(logging.WARNING):
        layer = spatial.read_layer(_shapefile(tmp_path, TAIWAN, "cp950"))
    assert layer["name"].tolist() == TAIWAN
    assert "its text reads as Big5 (Taiwan, Hong Kong), not GBK" in caplog.text


@pytest.mark.parametrize("encoding", ["gbk", "gb18030"])
def test_gbk_shapefiles_without_cpg_still_read_as_gbk_without_a_word(tmp_path, caplog, encoding):
    with caplog.at_level(logging.WARNING):
        layer = spatial.read_layer(_shapefile(tmp_path, MAINLAND, encoding))
    assert layer["name"].tolist() == MAINLAND and "Big5" not in caplog.text


def test_a_big5_csv_is_read_as_big5(tmp_path):
    path = tmp_path / "stations.csv"
    path.write_bytes((HEADER + "".join(f"S{k},{n},121.5{k},25.03\n" for k, n in enumerate(TAIWAN))).encode("cp950"))
    assert spatial.read_points_table(path)["name"].tolist() == TAIWAN


# ---------------------------------------------------------------- 4: a KMZ of two KML documents


def _doc(name: str, points: list[tuple[str, float, float]]) -> str:
    marks = "".join(f"<Placemark><name>{n}</name><Point><coordinates>{x},{y}</coordinates></Point></Placemark>"
                    for n, x, y in points)
    return (f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
            f"<name>{name}</name>{marks}</Document></kml>")


NORTH = [("S1", 114.05, 22.54), ("S2", 114.06, 22.55)]
SOUTH = [("S3", 114.07, 22.52)]


@pytest.mark.parametrize("names", [("doc.kml", "南片.kml"), ("北片.kml", "南片.kml"), ("files/b.kml", "doc.kml")])
def test_a_kmz_of_two_documents_is_refused_naming_both(tmp_path, capsys, names):
    """GDAL reads doc.kml (else the first document) and what it links: the other document's
    station S3 was dropped without a word. Now the KMZ is refused, naming both documents."""
    path = tmp_path / "stations.kmz"
    with zipfile.ZipFile(path, "w") as kmz:
        kmz.writestr(names[0], _doc("北片", NORTH))
        kmz.writestr(names[1], _doc("南片", SOUTH))
    with pytest.raises(InputFileError, match=rf"holds 2 KML documents with placemarks \({names[0]}: 2, {names[1]}: 1\)"
                                             r".*would be lost; unzip it .* give each \.kml file on its own"):
        spatial.read_layer(path)


def test_a_kmz_whose_one_document_of_placemarks_is_not_doc_kml_is_read(tmp_path):
    path = tmp_path / "stations.kmz"
    with zipfile.ZipFile(path, "w") as kmz:
        kmz.writestr("doc.kml", _doc("空", []))
        kmz.writestr("files/南片.kml", _doc("南片", SOUTH))
    assert spatial.read_layer(path)["Name"].tolist() == ["S3"]


def test_a_kmz_in_gdals_layout_still_reads_every_linked_document(tmp_path):
    """doc.kml linking layers/北片.kml and layers/南片.kml (as GDAL writes a KMZ of two layers)."""
    path = tmp_path / "stations.kmz"
    links = "".join(f"<NetworkLink><name>{n}</name><Link><href>layers/{n}.kml</href></Link></NetworkLink>"
                    for n in ("北片", "南片"))
    with zipfile.ZipFile(path, "w") as kmz:
        kmz.writestr("doc.kml", f'<kml xmlns="http://www.opengis.net/kml/2.2"><Document>{links}</Document></kml>')
        kmz.writestr("layers/北片.kml", _doc("北片", NORTH))
        kmz.writestr("layers/南片.kml", _doc("南片", SOUTH))
    assert spatial.read_layer(path, layer="南片")["Name"].tolist() == ["S3"]
    assert spatial.read_layer(path, layer="北片")["Name"].tolist() == ["S1", "S2"]


# ---------------------------------------------------------------- 5: warnings where logging is not set up


def test_a_warning_nobody_hears_is_given_as_a_spatial_warning(tmp_path, monkeypatch):
    """With no logging set up (a notebook), the package's warnings went nowhere: its NullHandler
    stopped Python's last resort. With no other handler to hear it, a warning is now a warning."""
    monkeypatch.setattr(logging.getLogger("spatial"), "propagate", False)  # as if pytest held no handler
    with pytest.warns(SpatialWarning, match=r"stations_cp950\.shp' has no \.cpg and its text reads as Big5"):
        spatial.read_layer(_shapefile(tmp_path, TAIWAN, "cp950"))


_NOTEBOOK = """
import logging, sys, warnings
import spatial
{setup}
spatial.read_layer(sys.argv[1])
"""


@pytest.mark.parametrize("setup, shown", [
    ("", "SpatialWarning: '{path}' has no .cpg"),
    ("logging.basicConfig(format='%(levelname)s %(message)s')", "WARNING '{path}' has no .cpg"),
], ids=["nothing set up", "logging set up"])
def test_a_script_or_notebook_sees_the_warning_once(tmp_path, setup, shown):
    path = _shapefile(tmp_path, TAIWAN, "cp950")
    run = subprocess.run([sys.executable, "-c", _NOTEBOOK.format(setup=setup), str(path)], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert run.stderr.count("has no .cpg") == 1 and shown.format(path=path) in run.stderr, run.stderr


def test_warnings_made_errors_stop_at_the_first_warning(tmp_path):
    path = _shapefile(tmp_path, TAIWAN, "cp950")
    run = subprocess.run([sys.executable, "-W", "error::UserWarning", "-c", _NOTEBOOK.format(setup=""), str(path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 1 and "spatial.core.logs.SpatialWarning: '" in run.stderr, run.stderr
