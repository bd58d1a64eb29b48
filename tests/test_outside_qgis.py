"""Results as QGIS and ArcGIS Pro users open them: each file written by the package read back with
an independent reader (sqlite3 on the GeoPackage's own tables, the DBF header's bytes, the KML's
XML) and checked against what the desktop GIS needs. Each fault found on the demo's output,
reduced to a tiny input with a known answer."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

import geopandas as gpd
import pytest
import shapely
from shapely.geometry import GeometryCollection, LineString, Point, box

from spatial.io.writers import write_layers, write_shapefile

UTM = "EPSG:32650"
X0, Y0 = 800_000, 2_490_000


def _declared_types(gpkg: Path) -> dict[str, str]:
    """``{table: geometry type}`` as the GeoPackage declares it in ``gpkg_geometry_columns``."""
    with sqlite3.connect(gpkg) as con:
        return dict(con.execute("select table_name, geometry_type_name from gpkg_geometry_columns"))


def _wkb_types(gpkg: Path, table: str) -> list[int]:
    """The WKB geometry type of each row of ``table``, read from the GeoPackage blobs themselves."""
    out = []
    with sqlite3.connect(gpkg) as con:
        col = con.execute("select column_name from gpkg_geometry_columns where table_name = ?", (table,)).fetchone()[0]
        for (blob,) in con.execute(f'select "{col}" from "{table}"'):
            flags = blob[3]
            envelope = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}[(flags >> 1) & 7]
            wkb = blob[8 + envelope:]
            out.append(struct.unpack("<I" if wkb[0] == 1 else ">I", wkb[1:5])[0])
    return out


def test_an_area_layer_with_slivers_of_lines_is_written_as_one_polygon_type(tmp_path):
    """The demo's isochrones layer held 37 Polygons, 7 MultiPolygons and 7 GeometryCollections
    (a polygon plus a LineString or Point of no area on its edge): GDAL declared the layer
    GEOMETRY, which QGIS splits into three sublayers and ArcGIS Pro does not open."""
    square = box(X0, Y0, X0 + 100, Y0 + 100)
    crumbs = GeometryCollection([box(X0 + 200, Y0, X0 + 300, Y0 + 100), LineString([(X0 + 300, Y0), (X0 + 350, Y0)]),
                                 Point(X0 + 400, Y0)])
    two = shapely.MultiPolygon([box(X0, Y0 + 200, X0 + 50, Y0 + 250), box(X0 + 100, Y0 + 200, X0 + 150, Y0 + 250)])
    layer = gpd.GeoDataFrame({"band": ["5min", "10min", "15min"]}, geometry=[square, crumbs, two], crs=UTM)
    out = write_layers({"isochrones": layer}, tmp_path / "areas.gpkg")
    assert _declared_types(out) == {"isochrones": "MULTIPOLYGON"}
    assert _wkb_types(out, "isochrones") == [6, 6, 6]  # every row a MultiPolygon
    back = gpd.read_file(out, layer="isochrones", engine="pyogrio").to_crs(UTM)
    assert back["band"].tolist() == ["5min", "10min", "15min"]  # no row lost
    assert back.area.round(3).tolist() == [10_000.0, 10_000.0, 5_000.0]  # no area lost
    assert len(layer.geometry[1].geoms) == 3  # the caller's frame is as it was


def test_a_collection_of_lines_and_points_beside_polygons_is_left_to_say_itself(tmp_path):
    """Nothing is dropped to make a layer one type: a collection with no area stays as it is."""
    layer = gpd.GeoDataFrame({"k": [1, 2]}, geometry=[box(X0, Y0, X0 + 1, Y0 + 1),
                                                      GeometryCollection([Point(X0, Y0), LineString([(X0, Y0), (X0 + 1, Y0)])])],
                             crs=UTM)
    out = write_layers({"odd": layer}, tmp_path / "odd.gpkg")
    assert _wkb_types(out, "odd") == [3, 7]
