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
    odd = GeometryCollection([Point(X0, Y0), LineString([(X0, Y0), (X0 + 1, Y0)])])
    layer = gpd.GeoDataFrame({"k": [1, 2]}, geometry=[box(X0, Y0, X0 + 1, Y0 + 1), odd], crs=UTM)
    out = write_layers({"odd": layer}, tmp_path / "odd.gpkg")
    assert _wkb_types(out, "odd") == [3, 7]


def _dbf_fields(dbf: Path) -> dict[str, tuple[str, int, int]]:
    """``{name: (type, width, decimals)}`` from a DBF's header bytes."""
    data = dbf.read_bytes()
    header = struct.unpack("<H", data[8:10])[0]
    out = {}
    for k in range((header - 33) // 32):
        field = data[32 + 32 * k: 64 + 32 * k]
        out[field[:11].rstrip(b"\0").decode("ascii")] = (chr(field[11]), field[16], field[17])
    return out


def test_shapefile_counts_are_fields_arcgis_reads_as_long_integers(tmp_path):
    """A grid layer's households (int64) were written as N(18,0), which ArcGIS reads as Double
    (375.0 households); a whole number of 9 digits or fewer is a Long integer there."""
    import pandas as pd

    grids = gpd.GeoDataFrame({"grid_id": ["G1", "G2"], "households": [375, 412], "n_units": [3, 4],
                              "leads": pd.array([2, None], dtype="Int64"), "big": [5_000_000_000, 1],
                              "area_m2": [10_000.5, 2.0]},
                             geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100)], crs=UTM)
    shp = write_shapefile(grids, tmp_path / "grids.shp")
    fields = _dbf_fields(shp.with_suffix(".dbf"))
    for name in ("households", "n_units", "leads"):
        kind, width, decimals = fields[name]
        assert (kind, decimals) == ("N", 0) and width <= 9, (name, fields[name])
    assert fields["big"][1] >= 10  # 5,000,000,000 needs its width: not cut
    assert fields["area_m2"][2] > 0  # reals stay reals
    back = gpd.read_file(shp, engine="pyogrio")
    assert back["households"].tolist() == [375, 412] and back["big"].tolist() == [5_000_000_000, 1]
    assert back["leads"].iloc[0] == 2 and pd.isna(back["leads"].iloc[1])
    assert grids["households"].dtype == "int64"  # the caller's frame is as it was
