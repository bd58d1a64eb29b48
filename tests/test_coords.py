"""Specification of spatial.io.coords: WGS-84 / GCJ-02 / BD-09 conversions checked against prcoords."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import prcoords
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString, Point, Polygon

from spatial import CRSError
from spatial.io.coords import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    convert,
    from_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    normalize_coord_sys,
    out_of_china,
    to_wgs84,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

# a 25 x 25 grid of points across China (Xinjiang to Heilongjiang, Hainan to Inner Mongolia)
_LON, _LAT = (a.ravel() for a in np.meshgrid(np.linspace(73.7, 134.7, 25), np.linspace(18.3, 53.4, 25)))


def _metres(lon1, lat1, lon2, lat2):
    """Local flat-earth distance in metres (exact enough at centimetre scale)."""
    k = np.pi / 180 * 6371000
    return np.hypot((lon1 - lon2) * k * np.cos(np.radians(lat1)), (lat1 - lat2) * k)


def test_wgs84_to_gcj02_matches_prcoords_to_1e9_degrees():
    lon, lat = wgs84_to_gcj02(_LON, _LAT)
    ref = np.array([prcoords.wgs_gcj((b, a)) for a, b in zip(_LON, _LAT)])  # (lat, lon) tuples
    np.testing.assert_allclose(lon, ref[:, 1], rtol=0, atol=1e-9)
    np.testing.assert_allclose(lat, ref[:, 0], rtol=0, atol=1e-9)


def test_gcj02_to_bd09_and_wgs84_to_bd09_match_prcoords():
    g_lon, g_lat = wgs84_to_gcj02(_LON, _LAT)
    lon, lat = gcj02_to_bd09(g_lon, g_lat)
    ref = np.array([prcoords.gcj_bd((b, a)) for a, b in zip(g_lon, g_lat)])
    np.testing.assert_allclose(lon, ref[:, 1], rtol=0, atol=1e-9)
    np.testing.assert_allclose(lat, ref[:, 0], rtol=0, atol=1e-9)
    lon2, lat2 = wgs84_to_bd09(_LON, _LAT)
    ref2 = np.array([prcoords.wgs_bd((b, a)) for a, b in zip(_LON, _LAT)])
    np.testing.assert_allclose(lon2, ref2[:, 1], rtol=0, atol=1e-9)
    np.testing.assert_allclose(lat2, ref2[:, 0], rtol=0, atol=1e-9)


def test_shift_sizes_are_the_known_ones():
    # GCJ-02 moves points by tens to hundreds of metres; BD-09 by several hundred more
    g = _metres(*wgs84_to_gcj02(_LON, _LAT), _LON, _LAT)
    b = _metres(*wgs84_to_bd09(_LON, _LAT), _LON, _LAT)
    assert 20 < g.min() and g.max() < 800
    assert 300 < b.min() and b.max() < 2000


@pytest.mark.parametrize(
    "forward, inverse",
    [(wgs84_to_gcj02, gcj02_to_wgs84), (gcj02_to_bd09, bd09_to_gcj02), (wgs84_to_bd09, bd09_to_wgs84)],
)
def test_inverse_round_trip_within_a_centimetre(forward, inverse):
    lon, lat = inverse(*forward(_LON, _LAT))
    assert _metres(lon, lat, _LON, _LAT).max() < 0.01


def test_inverse_beats_prcoords_precise_inverse():
    # prcoords' "bored" inverse is the reference for GCJ-02 -> WGS-84
    g_lon, g_lat = wgs84_to_gcj02(_LON, _LAT)
    lon, lat = gcj02_to_wgs84(g_lon, g_lat)
    ref = np.array([prcoords.gcj_wgs_bored((b, a)) for a, b in zip(g_lon, g_lat)])
    assert _metres(lon, lat, ref[:, 1], ref[:, 0]).max() < 0.01


@settings(max_examples=200, deadline=None)
@given(st.floats(73.7, 134.7), st.floats(18.2, 53.5))
def test_round_trip_property_anywhere_in_china(lon, lat):
    for fwd, inv in ((wgs84_to_gcj02, gcj02_to_wgs84), (wgs84_to_bd09, bd09_to_wgs84)):
        back = inv(*fwd(lon, lat))
        assert _metres(back[0], back[1], lon, lat) < 0.01


def test_points_outside_china_are_unchanged():
    lon = np.array([2.35, -74.0, 139.69, 114.06])  # Paris, New York, Tokyo, Shenzhen
    lat = np.array([48.85, 40.7, 35.68, 22.54])
    assert out_of_china(lon, lat).tolist() == [True, True, True, False]
    for func in (wgs84_to_gcj02, gcj02_to_wgs84, gcj02_to_bd09, bd09_to_gcj02, wgs84_to_bd09, bd09_to_wgs84):
        out_lon, out_lat = func(lon, lat)
        assert np.array_equal(out_lon[:3], lon[:3]) and np.array_equal(out_lat[:3], lat[:3])
        assert out_lon[3] != lon[3]


def test_convert_between_any_two_systems_and_aliases():
    lon, lat = convert(_LON, _LAT, source="WGS-84", target="百度")
    np.testing.assert_array_equal(lon, wgs84_to_bd09(_LON, _LAT)[0])
    same = convert(_LON, _LAT, source="gcj02", target="高德")
    np.testing.assert_array_equal(same[0], _LON)
    assert normalize_coord_sys("Amap") == "gcj02"
    with pytest.raises(ValueError, match="unknown coordinate system 'mars'"):
        normalize_coord_sys("mars")


def test_to_wgs84_moves_every_geometry_type_and_keeps_index_and_columns():
    gdf = gpd.GeoDataFrame(
        {"名称": ["站", "路", "区"]},
        geometry=[Point(114.06, 22.54), LineString([(114.0, 22.5), (114.1, 22.6)]),
                  Polygon([(114.0, 22.5), (114.1, 22.5), (114.1, 22.6)])],
        index=[10, 20, 30],
        crs="EPSG:4326",
    )
    out = to_wgs84(gdf, "gcj02")
    assert list(out.index) == [10, 20, 30] and list(out.columns) == list(gdf.columns)
    assert out.crs == gdf.crs
    first = shapely.get_coordinates(out.geometry.iloc[0])[0]
    expect = gcj02_to_wgs84(114.06, 22.54)
    assert first == pytest.approx([float(expect[0]), float(expect[1])], abs=1e-12)
    assert shapely.get_num_coordinates(out.geometry.values).tolist() == [1, 2, 4]
    back = from_wgs84(out, "gcj02")
    assert np.abs(shapely.get_coordinates(back.geometry.values) - shapely.get_coordinates(gdf.geometry.values)).max() < 1e-9
    assert gdf.geometry.iloc[0].x == 114.06  # the input is not modified


def test_to_wgs84_refuses_no_crs_and_moves_projected_layers_through_lon_lat():
    gdf = gpd.GeoDataFrame(geometry=[Point(114.06, 22.54)])
    with pytest.raises(CRSError, match=r"set_crs\('EPSG:4326'\)"):
        to_wgs84(gdf, "bd09", name="stations")
    # Baidu numbers labelled WGS-84, then projected to UTM by software that believed the label
    lonlat = gdf.set_crs(4326)
    projected = to_wgs84(lonlat.to_crs(32650), "bd09", name="stations")
    assert projected.crs == lonlat.to_crs(32650).crs
    want = to_wgs84(lonlat, "bd09").to_crs(32650).geometry.iloc[0]
    assert projected.geometry.iloc[0].distance(want) < 0.01
    assert 700 < projected.geometry.iloc[0].distance(lonlat.to_crs(32650).geometry.iloc[0]) < 1500
