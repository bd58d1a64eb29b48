"""KML and KMZ as Google Earth and 奥维互动地图 (Ovital) export them: folders inside folders,
``<name>`` and ``<description>`` only, heights of 0. The file below is written by hand, not by
GDAL, so the reader is checked against the format and not against its own writer."""

from __future__ import annotations

import zipfile

import geopandas as gpd
import pytest
from pyproj import Transformer
from shapely.geometry import LineString, box

from spatial import InputFileError
from spatial.cli import main
from spatial.io.layers import read_layer

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000
TO_LONLAT = Transformer.from_crs(UTM, 4326, always_xy=True)


def _ovital(points: dict[str, tuple[float, float]]) -> str:
    """An Ovital-style export: a favourites folder holding a folder of stations and one of grids."""
    marks = "".join(
        f"<Placemark><name>{name}</name><description>开放时间 9:00-18:00</description>"
        f"<Point><coordinates>{lon!r},{lat!r},0</coordinates></Point></Placemark>"
        for name, (lon, lat) in points.items())
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>奥维互动地图导出</name>
<Folder><name>我的收藏</name>
  <Folder><name>党群服务站</name>{marks}</Folder>
  <Folder><name>网格边界</name><Placemark><name>第一网格</name><Polygon><outerBoundaryIs><LinearRing>
    <coordinates>114.03,22.54,0 114.04,22.54,0 114.04,22.55,0 114.03,22.55,0 114.03,22.54,0</coordinates>
  </LinearRing></outerBoundaryIs></Polygon></Placemark></Folder>
</Folder></Document></kml>"""


POINTS = {"香蜜社区党群服务中心": (114.0346, 22.5432), "竹林社区党群服务中心": (114.0211, 22.5391)}


@pytest.fixture
def kml(tmp_path):
    path = tmp_path / "ovital.kml"
    path.write_text(_ovital(POINTS), encoding="utf-8")
    return path


def test_a_kml_folder_is_a_layer_of_flat_placemarks(kml):
    gdf = read_layer(kml, layer="党群服务站")
    assert list(gdf.columns) == ["Name", "description", "geometry"]  # KML's unused styling columns dropped
    assert gdf.crs.to_epsg() == 4326 and not gdf.geometry.has_z.any()
    assert gdf["Name"].tolist() == list(POINTS)
    assert [(p.x, p.y) for p in gdf.geometry] == list(POINTS.values())
    grids = read_layer(kml, layer="网格边界")
    assert grids.geometry.iloc[0].equals(box(114.03, 22.54, 114.04, 22.55)) and "description" not in grids


def test_several_folders_with_placemarks_are_named_and_kmz_reads_alike(kml, tmp_path):
    # the favourites folder holds no placemark of its own: only the two folders inside it count
    with pytest.raises(InputFileError, match=r"holds 2 layers \(党群服务站: 2, 网格边界: 1\); name one as "
                                             r"ovital\.kml:党群服务站"):
        read_layer(kml)
    with pytest.raises(InputFileError, match="has no layer '站点'; it has: 我的收藏, 党群服务站, 网格边界"):  # noqa: E501
        read_layer(kml, layer="站点")
    kmz = tmp_path / "ovital.kmz"
    with zipfile.ZipFile(kmz, "w") as z:
        z.write(kml, "doc.kml")
    assert read_layer(kmz, layer="党群服务站").geom_equals_exact(read_layer(kml, layer="党群服务站"), 0).all()


def test_cli_takes_stations_from_a_kml_folder(tmp_path):
    lines = [LineString([(X0 + 100 * i, Y0), (X0 + 100 * i, Y0 + 200)]) for i in range(5)]
    lines += [LineString([(X0, Y0 + 100 * j), (X0 + 400, Y0 + 100 * j)]) for j in range(3)]
    gpd.GeoDataFrame({"highway": ["footway"] * len(lines)}, geometry=lines, crs=UTM).to_file(tmp_path / "net.gpkg")
    cells = [box(X0 + 100 * i, Y0 + 100 * j, X0 + 100 * (i + 1), Y0 + 100 * (j + 1))
             for i in range(4) for j in range(2)]
    gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "households": [100] * 8}, geometry=cells,
                     crs=UTM).to_file(tmp_path / "units.gpkg")
    stations = {"甲站": TO_LONLAT.transform(X0 + 100, Y0 + 100), "乙站": TO_LONLAT.transform(X0 + 300, Y0 + 100)}
    (tmp_path / "stations.kml").write_text(_ovital(stations), encoding="utf-8")
    out = tmp_path / "cov.gpkg"
    assert main(["-q", "coverage", str(tmp_path / "net.gpkg"), str(tmp_path / "stations.kml:党群服务站"),
                 str(tmp_path / "units.gpkg"), "--station-id-col", "Name", "--out", str(out)]) == 0
    demand = gpd.read_file(out, layer="demand")
    assert set(demand["nearest_station"]) == {"甲站", "乙站"} and demand["walk_m"].max() < 400.01
    assert gpd.read_file(out, layer="stations")["name"].tolist() == ["甲站", "乙站"]


GOOGLE_EARTH = """<?xml version="1.0" encoding="UTF-8"?>
<kml xmlns="http://www.opengis.net/kml/2.2"><Document><name>网格.kml</name>
<Placemark><name>第一网格</name>
 <ExtendedData><Data name="户数"><value>412</value></Data><Data name="网格员"><value>张三</value></Data></ExtendedData>
 <MultiGeometry>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>114.03,22.54,0 114.04,22.54,0 114.04,22.55,0 114.03,22.54,0
  </coordinates></LinearRing></outerBoundaryIs></Polygon>
  <Polygon><outerBoundaryIs><LinearRing><coordinates>114.05,22.54,0 114.06,22.54,0 114.06,22.55,0 114.05,22.54,0
  </coordinates></LinearRing></outerBoundaryIs></Polygon>
 </MultiGeometry></Placemark>
<Placemark><name>第二网格</name><ExtendedData><Data name="户数"><value>388</value></Data></ExtendedData>
 <Polygon><outerBoundaryIs><LinearRing><coordinates>114.04,22.54 114.05,22.54 114.05,22.55 114.04,22.54
 </coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>
</Document></kml>"""


@pytest.mark.parametrize("suffix", [".kml", ".kmz"])
def test_google_earth_data_keeps_its_chinese_names(tmp_path, suffix):
    # GDAL's LIBKML driver gives <Data name="户数"> as "______"; the names come back from the file
    path = tmp_path / f"网格{suffix}"
    if suffix == ".kml":
        path.write_text(GOOGLE_EARTH, encoding="utf-8")
    else:
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("doc.kml", GOOGLE_EARTH)
    gdf = read_layer(path)
    assert list(gdf.columns) == ["Name", "户数", "网格员", "geometry"]
    assert gdf["户数"].astype(int).tolist() == [412, 388] and gdf["网格员"].iloc[0] == "张三"
    assert gdf.geom_type.tolist() == ["MultiPolygon", "Polygon"]
