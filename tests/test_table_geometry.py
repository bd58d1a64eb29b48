"""Tables with coordinates as planners export them: ArcGIS's POINT_X/POINT_Y, 东经/北纬, and any
geometry as WKT in one column (QGIS's ``WKT``, geopandas's ``geometry``, PostGIS's EWKT). Every
row gets its geometry or is named in a one-line error; nothing is dropped."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Point, box

from spatial import ColumnError, CRSError
from spatial.cli import main
from spatial.io.coords import gcj02_to_wgs84
from spatial.io.layers import read_points_table

LON, LAT = [114.0551, 114.0602, 114.0713], [22.5410, 22.5388, 22.5462]


def _as_wkt(gdf: gpd.GeoDataFrame) -> pd.DataFrame:
    """The table geopandas users write with ``to_csv``: the geometry as WKT, at full precision."""
    return pd.DataFrame(gdf.drop(columns="geometry")).assign(
        geometry=shapely.to_wkt(gdf.geometry.values, rounding_precision=-1))


def _csv(tmp_path, table: dict, name="t.csv"):
    path = tmp_path / name
    pd.DataFrame(table).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("x, y", [("POINT_X", "POINT_Y"), ("东经", "北纬"), ("Point_X (WGS84)", "point_y")])
def test_arcgis_and_chinese_coordinate_names(tmp_path, x, y):
    gdf = read_points_table(_csv(tmp_path, {"名称": ["甲", "乙", "丙"], x: LON, y: LAT}))
    assert gdf.geometry.x.tolist() == LON and gdf.geometry.y.tolist() == LAT
    assert gdf.crs.to_epsg() == 4326 and list(gdf.columns) == ["名称", x, y, "geometry"]


def test_wkt_polygons_as_geopandas_writes_them(tmp_path):
    cells = gpd.GeoDataFrame({"unit_id": ["U1", "U2"], "households": [120, 0]},
                             geometry=[box(114.05, 22.54, 114.051, 22.541), box(114.051, 22.54, 114.052, 22.541)],
                             crs=4326)
    path = tmp_path / "units.csv"
    _as_wkt(cells).to_csv(path, index=False)
    gdf = read_points_table(path)
    assert list(gdf.columns) == ["unit_id", "households", "geometry"]  # the WKT column became the geometry
    assert gdf["households"].tolist() == [120, 0] and gdf.crs.to_epsg() == 4326
    assert gdf.geometry.geom_equals_exact(cells.geometry, 0).all()


def test_qgis_wkt_column_and_lon_lat_columns_win_over_it(tmp_path):
    wkt = [f"POINT ({x} {y})" for x, y in zip(LON, LAT)]
    gdf = read_points_table(_csv(tmp_path, {"WKT": wkt, "名称": ["甲", "乙", "丙"]}))
    assert gdf.geometry.x.tolist() == LON and "WKT" not in gdf.columns
    both = read_points_table(_csv(tmp_path, {"wkt_geom": ["POINT (1 1)"] * 3, "lon": LON, "lat": LAT}))
    assert both.geometry.x.tolist() == LON and "wkt_geom" in both.columns  # lon/lat first


def test_ewkt_gives_the_crs_and_refuses_mixed_or_contradicted_systems(tmp_path):
    path = _csv(tmp_path, {"geom": ["SRID=32650;POINT (806000 2494000)", "srid=32650; POINT (806100 2494000)"]})
    gdf = read_points_table(path)
    assert gdf.crs.to_epsg() == 32650 and gdf.geometry.x.tolist() == [806000, 806100]
    assert read_points_table(path, crs="EPSG:32650").crs.to_epsg() == 32650
    with pytest.raises(CRSError, match=r"the WKT says SRID=32650 but crs='EPSG:4547'"):
        read_points_table(path, crs="EPSG:4547")
    mixed = _csv(tmp_path, {"geom": ["SRID=32650;POINT (806000 2494000)", "POINT (114.05 22.54)"]}, "mixed.csv")
    with pytest.raises(CRSError, match=r"'mixed.csv': column 'geom' mixes coordinate systems"):
        read_points_table(mixed)


@pytest.mark.parametrize(
    "value, message",
    [
        ("POLYGON ((114.05 22.54, 114.06", r"'geometry' is not WKT geometry in row 3 \(geometry='POLYGON"),
        ("", r"no geometry in row 3 \(geometry=empty\)"),
        ("POINT EMPTY", r"no geometry in row 3 \(geometry='POINT EMPTY'\)"),
        ("POINT (806000 2494000)", r"out of range .* row 3 .*save the table as a GeoPackage with its CRS"),
    ],
)
def test_bad_wkt_rows_are_named(tmp_path, value, message):
    wkt = ["POINT (114.05 22.54)", value, "POINT (114.06 22.55)"]
    with pytest.raises(ColumnError, match=message):
        read_points_table(_csv(tmp_path, {"geometry": wkt, "n": [1, 2, 3]}))


def test_latitude_first_wkt_and_no_coordinates_say_what_to_do(tmp_path):
    wkt = [f"POINT ({y} {x})" for x, y in zip(LON, LAT)]
    with pytest.raises(ColumnError, match="looks like latitude first.*longitude then latitude"):
        read_points_table(_csv(tmp_path, {"WKT": wkt}))
    with pytest.raises(ColumnError, match=r"no longitude column .* and no WKT geometry column .*it has: E, N\. "
                                          r"Name the columns lon and lat"):
        read_points_table(_csv(tmp_path, {"E": LON, "N": LAT}))


def test_gcj02_wkt_is_moved_vertex_by_vertex(tmp_path):
    ring = [(114.05, 22.54), (114.06, 22.54), (114.06, 22.55), (114.05, 22.54)]
    poly = shapely.Polygon(ring)
    gdf = read_points_table(_csv(tmp_path, {"WKT": [shapely.to_wkt(poly, rounding_precision=-1)]}), coord_sys="gcj02")
    lon, lat = gcj02_to_wgs84(np.array(ring)[:, 0], np.array(ring)[:, 1])
    assert np.abs(shapely.get_coordinates(gdf.geometry.values) - np.column_stack([lon, lat])).max() < 1e-12


def test_cli_draws_grids_from_a_wkt_csv_of_units(tmp_path):
    cells = [box(114.05 + 0.001 * i, 22.54 + 0.001 * j, 114.051 + 0.001 * i, 22.541 + 0.001 * j)
             for i in range(4) for j in range(2)]
    units = gpd.GeoDataFrame({"unit_id": [f"U{k}" for k in range(8)], "community_id": "C1",
                              "households": [100] * 8}, geometry=cells, crs=4326)
    gpd.GeoDataFrame({"community_id": ["C1"]}, geometry=[box(114.05, 22.54, 114.054, 22.542)],
                     crs=4326).to_file(tmp_path / "c.geojson")
    units.to_file(tmp_path / "u.gpkg")
    _as_wkt(units).to_csv(tmp_path / "u.csv", index=False)
    for name in ("u.gpkg", "u.csv"):
        assert main(["-q", "grids", str(tmp_path / "c.geojson"), str(tmp_path / name), "--min", "150", "--max",
                     "250", "--out", str(tmp_path / f"{name}.gpkg")]) == 0
    a, b = (gpd.read_file(tmp_path / f"{n}.gpkg", layer="units") for n in ("u.gpkg", "u.csv"))
    assert a["grid_id"].tolist() == b["grid_id"].tolist() and b["grid_id"].notna().all()
    assert b.geometry.geom_equals_exact(units.geometry, 1e-12).all()


def test_points_still_come_out_as_points(tmp_path):
    gdf = read_points_table(_csv(tmp_path, {"lon": LON, "lat": LAT}))
    assert gdf.geometry.geom_equals(gpd.GeoSeries([Point(x, y) for x, y in zip(LON, LAT)], crs=4326)).all()


def test_one_coordinate_column_named_the_other_found(tmp_path):
    path = _csv(tmp_path, {"E": LON, "纬度": LAT})
    assert read_points_table(path, lon_col="E").geometry.y.tolist() == LAT
    with pytest.raises(ColumnError, match=r"has no latitude column; it has: E, N\. Name it with lat_col="):
        read_points_table(_csv(tmp_path, {"E": LON, "N": LAT}, "en.csv"), lon_col="E")
