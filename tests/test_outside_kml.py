"""KML as an outside tester found it: folders inside folders (奥维互动地图 exports 党群服务站 > 北片,
南片) read as one layer, and the KMZ written for grid workers valid (each id once, each folder's
data under its own schema) and read back with its data. The files are written by hand or parsed
with the standard library, not only with the reader that pairs with the writer."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
import zipfile

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, Point, box

from spatial import InputFileError
from spatial.cli import main
from spatial.io.kml import write_kml
from spatial.io.layers import read_layer

K = "{http://www.opengis.net/kml/2.2}"
UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000
TO_LONLAT = Transformer.from_crs(UTM, 4326, always_xy=True)


def _mark(name: str, code: str, lon: float, lat: float) -> str:
    return (f"<Placemark><name>{name}</name><ExtendedData><Data name=\"站点编号\"><value>{code}</value></Data>"
            f"</ExtendedData><Point><coordinates>{lon!r},{lat!r},12.5</coordinates></Point></Placemark>")


def _nested(north: dict, south: dict, note: bool = True) -> str:
    """党群服务站 > 北片, 南片 (stations), and beside it 备注 (a line) when ``note``."""
    marks = {part: "".join(_mark(n, c, *xy) for n, (c, xy) in points.items())
             for part, points in (("北片", north), ("南片", south))}
    line = ("<Folder><name>备注</name><Placemark><name>说明线</name><LineString><coordinates>114.03,22.54 "
            "114.04,22.54</coordinates></LineString></Placemark></Folder>") if note else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>黄浦区党群服务站</name>
<Folder><name>党群服务站</name><Folder><name>北片</name>{marks["北片"]}</Folder>
<Folder><name>南片</name>{marks["南片"]}</Folder></Folder>{line}</Document></kml>"""


NORTH = {"甲站": ("S1", (114.031, 22.541)), "乙站": ("S2", (114.032, 22.542))}
SOUTH = {"丙站": ("S3", (114.033, 22.531))}


def _save(path, text):
    if path.suffix == ".kmz":
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("doc.kml", text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
def test_a_folder_of_folders_reads_all_their_placemarks_with_the_folder_of_each(tmp_path, suffix):
    path = _save(tmp_path / f"stations{suffix}", _nested(NORTH, SOUTH))
    gdf = read_layer(path, layer="党群服务站")
    assert list(gdf.columns) == ["Name", "站点编号", "folder", "geometry"]
    assert gdf["Name"].tolist() == ["甲站", "乙站", "丙站"] and gdf["站点编号"].tolist() == ["S1", "S2", "S3"]
    assert gdf["folder"].tolist() == ["北片", "北片", "南片"]
    assert gdf.crs.to_epsg() == 4326 and not gdf.geometry.has_z.any()
    # a folder of placemarks alone reads as before: no folder column
    assert list(read_layer(path, layer="南片").columns) == ["Name", "站点编号", "geometry"]


def test_unnamed_the_parent_folder_is_offered_with_its_sub_folders(tmp_path):
    path = _save(tmp_path / "stations.kml", _nested(NORTH, SOUTH))
    with pytest.raises(InputFileError, match=r"^'.*stations\.kml' holds 2 layers \(党群服务站: 3 \[北片: 2, 南片: 1\], "
                                             r"备注: 1\); name one as stations\.kml:党群服务站 \(layer= from Python; "
                                             r"in a project file, layer = \"党群服务站\"\)$"):
        read_layer(path)


@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
def test_placemarks_all_under_one_top_folder_need_no_name(tmp_path, suffix):
    path = _save(tmp_path / f"stations{suffix}", _nested(NORTH, SOUTH, note=False))
    gdf = read_layer(path)
    assert gdf["Name"].tolist() == ["甲站", "乙站", "丙站"] and gdf["folder"].tolist() == ["北片", "北片", "南片"]


def test_deeper_folders_are_given_by_their_path(tmp_path):
    inner = "".join(_mark(n, c, *xy) for n, (c, xy) in SOUTH.items())
    text = _nested(NORTH, {}, note=False).replace(
        "<Folder><name>南片</name></Folder>", f"<Folder><name>南片</name><Folder><name>一组</name>{inner}</Folder></Folder>")
    gdf = read_layer(_save(tmp_path / "s.kml", text), layer="党群服务站")
    assert gdf["folder"].tolist() == ["北片", "北片", "南片/一组"]


def _town(tmp_path):
    """A 400 x 200 m street grid (net.gpkg), eight units of 100 households (units.gpkg) in one
    community (communities.gpkg), and two stations in 党群服务站 > 北片, 南片 of stations.kml, each
    with a 站点编号 and a KML ``Name``."""
    lines = [LineString([(X0 + 100 * i, Y0), (X0 + 100 * i, Y0 + 200)]) for i in range(5)]
    lines += [LineString([(X0, Y0 + 100 * j), (X0 + 400, Y0 + 100 * j)]) for j in range(3)]
    gpd.GeoDataFrame({"highway": ["footway"] * len(lines)}, geometry=lines, crs=UTM).to_file(tmp_path / "net.gpkg")
    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
             for i in range(4) for j in range(2)]
    gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "community_id": "C1", "households": [100] * 8},
                     geometry=cells, crs=UTM).to_file(tmp_path / "units.gpkg")
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 200)],
                     crs=UTM).to_file(tmp_path / "communities.gpkg")
    north = {"甲站": ("S1", TO_LONLAT.transform(X0 + 100, Y0 + 100))}
    south = {"乙站": ("S2", TO_LONLAT.transform(X0 + 300, Y0 + 100))}
    _save(tmp_path / "stations.kml", _nested(north, south))


def test_coverage_takes_stations_from_a_folder_of_folders(tmp_path):
    _town(tmp_path)
    out = tmp_path / "cov.gpkg"
    assert main(["-q", "coverage", str(tmp_path / "net.gpkg"), str(tmp_path / "stations.kml:党群服务站"),
                 str(tmp_path / "units.gpkg"), "--out", str(out)]) == 0
    stations = gpd.read_file(out, layer="stations")
    assert stations["站点编号"].tolist() == ["S1", "S2"] and stations["name"].tolist() == ["甲站", "乙站"]
    assert stations["folder"].tolist() == ["北片", "南片"]


def test_kml_name_as_station_id_and_name_is_one_column_without_a_warning(tmp_path, caplog):
    # KML's Name was kept beside the 'name' copied from it: written as Name_2, with a warning
    _town(tmp_path)
    out = tmp_path / "cov.gpkg"
    assert main(["coverage", str(tmp_path / "net.gpkg"), str(tmp_path / "stations.kml:党群服务站"),
                 str(tmp_path / "units.gpkg"), "--station-id-col", "Name", "--out", str(out)]) == 0
    stations = gpd.read_file(out, layer="stations")
    assert stations["name"].tolist() == ["甲站", "乙站"] and not {"Name", "Name_2"} & set(stations.columns)
    assert set(gpd.read_file(out, layer="demand")["nearest_station"]) == {"甲站", "乙站"}
    assert "differ only in case" not in caplog.text


def test_a_project_reads_kml_stations_without_a_name_2(tmp_path, caplog):
    _town(tmp_path)
    project = tmp_path / "p.toml"
    project.write_text('[project]\nname = "kml"\noutput = "out"\n[inputs]\nnetwork = "net.gpkg"\n'
                       'communities = "communities.gpkg"\nunits = "units.gpkg"\nstations = { path = "stations.kml", layer = "党群服务站" }\n'
                       "[grids]\nenabled = false\n[coverage]\nminutes = [5]\n"
                       "[outputs]\nmaps = false\nworkbook = false\npng = false\n", encoding="utf-8")
    assert main(["-q", "run", str(project)]) == 0
    stations = gpd.read_file(tmp_path / "out" / "results.gpkg", layer="stations")
    assert stations["name"].tolist() == ["甲站", "乙站"] and not {"Name", "Name_2"} & set(stations.columns)
    assert "differ only in case" not in caplog.text


# ------------------------------------------------------------------------- the KMZ written for phones


def _layers():
    stations = gpd.GeoDataFrame({"name": ["甲站", "乙站"], "station_id": ["S1", "S2"], "户数": [120, 80]},
                                geometry=[Point(114.031, 22.541), Point(114.032, 22.542)], crs=4326)
    sites = gpd.GeoDataFrame({"site_id": ["N1"], "rank": [1], "gain_households": [300]},
                             geometry=[Point(114.035, 22.545)], crs=4326)
    # 党群服务站 and 建议新站点: both five characters, fifteen bytes of UTF-8
    return ({"党群服务站": stations, "建议新站点": sites},
            dict(names={"党群服务站": "name", "建议新站点": "site_id"},
                 fields={"党群服务站": ["station_id", "户数"], "建议新站点": ["rank", "gain_households"]}))


@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
def test_every_id_is_unique_and_every_folder_points_to_its_own_schema(tmp_path, suffix):
    layers, options = _layers()
    path = write_kml(layers, tmp_path / f"results{suffix}", **options)
    text = zipfile.ZipFile(path).read("doc.kml") if suffix == ".kmz" else path.read_bytes()
    root = ET.fromstring(text)
    ids = [e.get("id") for e in root.iter() if e.get("id") is not None]
    assert len(ids) == len(set(ids)) == 1 + 2 + 2 + 3  # the document, 2 folders, 2 schemas, 3 placemarks
    assert all(re.fullmatch(r"[A-Za-z_][\w.-]*", i) for i in ids)  # XML ids, not a row of underscores
    schemas = {s.get("id"): [f.get("name") for f in s.iter(f"{K}SimpleField")] for s in root.iter(f"{K}Schema")}
    folders = {d.findtext(f"{K}name"): d for d in root.iter(f"{K}Document") if d.findtext(f"{K}name")}
    assert list(folders) == ["党群服务站", "建议新站点"]
    for folder, wanted in (("党群服务站", ["station_id", "户数"]), ("建议新站点", ["rank", "gain_households"])):
        for data in folders[folder].iter(f"{K}SchemaData"):
            assert schemas[data.get("schemaUrl").removeprefix("#")] == wanted
            assert [d.get("name") for d in data] == wanted


@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
def test_a_kmz_written_here_reads_back_with_its_data(tmp_path, suffix):
    layers, options = _layers()
    path = write_kml(layers, tmp_path / f"results{suffix}", **options)
    stations = read_layer(path, layer="党群服务站")
    assert stations["Name"].tolist() == ["甲站", "乙站"] and stations["station_id"].tolist() == ["S1", "S2"]
    assert stations["户数"].astype(int).tolist() == [120, 80]
    sites = read_layer(path, layer="建议新站点")
    assert sites["gain_households"].astype(int).tolist() == [300] and "station_id" not in sites


def test_description_lines_break_in_google_earth_and_read_as_lines(tmp_path):
    # Google Earth shows a description as HTML: lines joined by a bare line break ran into one
    grids = gpd.GeoDataFrame({"grid_id": ["G1"], "households": [412], "note": ["A&B <新建>"]},
                             geometry=[box(114.03, 22.54, 114.04, 22.55)], crs=4326)
    path = write_kml({"网格": grids}, tmp_path / "g.kml", names={"网格": "grid_id"},
                     fields={"网格": ["households", "note"]}, labels={"households": "户数", "note": "备注"})
    description = ET.parse(path).getroot().find(f".//{K}Placemark/{K}description").text
    assert description == "户数: 412<br>\n备注: A&amp;B &lt;新建&gt;"  # as HTML: the text shown is A&B <新建>
    assert read_layer(path)["note"].tolist() == ["A&B <新建>"]  # the data keep the value as it was


def _descriptions(path):
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("doc.kml"))
    return [p.findtext(f"{K}description") for p in root.iter(f"{K}Placemark")]


def test_grids_are_described_with_their_communitys_name(tmp_path):
    from spatial.maps.kmz import results_kmz

    grids = gpd.GeoDataFrame({"grid_id": ["C1-01"], "community_id": ["C1"], "households": [412]},
                             geometry=[box(114.03, 22.54, 114.04, 22.55)], crs=4326)
    communities = gpd.GeoDataFrame({"community_id": ["C1"], "name": ["香蜜社区"]},
                                   geometry=[box(114.0, 22.5, 114.1, 22.6)], crs=4326)
    path = results_kmz(tmp_path / "g.kmz", {"grids": grids, "communities": communities})
    assert _descriptions(path) == ["所属社区: 香蜜社区<br>\n社区编号: C1<br>\n户数: 412"]


def test_the_grids_command_names_the_community_in_its_kmz(tmp_path):
    cells = [box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 100) for i in range(4)]
    gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(4)], "社区编号": "C1", "households": [100] * 4},
                     geometry=cells, crs=UTM).to_file(tmp_path / "u.gpkg")
    gpd.GeoDataFrame({"社区编号": ["C1"], "社区名称": ["竹林社区"]}, geometry=[box(X0, Y0, X0 + 400, Y0 + 100)],
                     crs=UTM).to_file(tmp_path / "c.gpkg")
    assert main(["-q", "grids", str(tmp_path / "c.gpkg"), str(tmp_path / "u.gpkg"), "--min", "150", "--max", "250",
                 "--out", str(tmp_path / "g.gpkg"), "--kml", str(tmp_path / "网格.kmz")]) == 0
    described = _descriptions(tmp_path / "网格.kmz")
    assert len(described) == 2 and all("所属社区: 竹林社区<br>\n" in d for d in described)


def test_two_chinese_fields_of_the_same_byte_length_both_survive(tmp_path):
    """站点编号 and 服务面积 are both 12 bytes: GDAL's LIBKML gave both as ``____________`` and one
    of the two columns was lost without a word."""
    kml = tmp_path / "站点.kml"
    kml.write_text(
        '<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
        '<Folder><name>党群服务站</name>'
        + "".join(f'<Placemark><name>{n}</name><ExtendedData><Data name="站点编号"><value>{i}</value></Data>'
                  f'<Data name="服务面积"><value>{a}</value></Data><Data name="kml_field_1"><value>x</value>'
                  f'</Data></ExtendedData><Point><coordinates>121.4{k},31.23</coordinates></Point></Placemark>'
                  for k, (n, i, a) in enumerate([("甲站", "S1", 300), ("乙站", "S2", 450)]))
        + "</Folder></Document></kml>", encoding="utf-8")
    for path in (kml, _zipped(kml, tmp_path / "站点.kmz")):
        got = read_layer(path)
        assert got["站点编号"].tolist() == ["S1", "S2"] and got["服务面积"].astype(int).tolist() == [300, 450]
        assert got["kml_field_1"].tolist() == ["x", "x"]  # a field of that name is not taken for a stand-in


def _zipped(kml, kmz):
    with zipfile.ZipFile(kmz, "w") as z:
        z.write(kml, "doc.kml")
    return kmz
