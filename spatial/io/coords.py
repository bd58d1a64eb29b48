"""Chinese map coordinates: WGS-84 <-> GCJ-02 (Amap, Tencent) <-> BD-09 (Baidu), vectorised.

PROJ does not implement these obfuscated systems (OSGeo/PROJ#982) and the Python packages that do
(``prcoords``, ``coordTransform_py``, ``eviltransform``) work one point at a time, so the standard
public algorithm is written here on numpy arrays: the Krasovsky-ellipsoid shift polynomial at
(lon - 105, lat - 35) for GCJ-02, and the rotation with ``x_pi = pi * 3000 / 180`` for BD-09.
Inverses are fixed-point iterations run until every point moves less than about 1e-5 m
(well inside the 0.01 m target). ``prcoords`` is the test oracle.

Every function leaves points outside China unchanged (the usual ``out_of_china`` box test on the
input coordinates): the shifts are only applied by Chinese map providers inside China.
"""

from __future__ import annotations

import logging
from typing import Callable

import geopandas as gpd
import numpy as np
import shapely
from numpy.typing import ArrayLike
from pyproj import CRS

from spatial.core.errors import CRSError, GeometryError, OptionError

logger = logging.getLogger(__name__)

__all__ = [
    "COORD_SYSTEMS",
    "normalize_coord_sys",
    "out_of_china",
    "wgs84_to_gcj02",
    "gcj02_to_wgs84",
    "gcj02_to_bd09",
    "bd09_to_gcj02",
    "wgs84_to_bd09",
    "bd09_to_wgs84",
    "convert",
    "to_wgs84",
    "from_wgs84",
    "with_lonlat",
]

#: Krasovsky 1940 semi-major axis (m) and first eccentricity squared, as used by GCJ-02.
_A = 6378245.0
_EE = 0.00669342162296594323
#: BD-09 rotation constant.
_X_PI = np.pi * 3000.0 / 180.0
#: Convergence of the inverse iterations, in degrees (1e-10 deg is about 0.01 mm).
_TOL_DEG = 1e-10
_MAX_ITER = 30

#: The coordinate systems understood here, with the spellings users write in their tables.
COORD_SYSTEMS = ("wgs84", "gcj02", "bd09")
_ALIASES = {
    "wgs84": "wgs84", "wgs-84": "wgs84", "wgs_84": "wgs84", "wgs": "wgs84", "gps": "wgs84",
    "epsg:4326": "wgs84", "4326": "wgs84", "cgcs2000": "wgs84",
    "gcj02": "gcj02", "gcj-02": "gcj02", "gcj_02": "gcj02", "gcj": "gcj02", "amap": "gcj02",
    "gaode": "gcj02", "高德": "gcj02", "tencent": "gcj02", "腾讯": "gcj02", "火星": "gcj02",
    "bd09": "bd09", "bd-09": "bd09", "bd_09": "bd09", "bd09ll": "bd09", "baidu": "bd09", "百度": "bd09",
}


def normalize_coord_sys(value: str) -> str:
    """Return ``"wgs84"``, ``"gcj02"`` or ``"bd09"`` for a spelling such as ``"GCJ-02"`` or ``"高德"``.

    Raises
    ------
    ValueError
        When the spelling is not known (the message lists the accepted names).
    """
    key = str(value).strip().lower()
    if key not in _ALIASES:
        raise OptionError(
            f"unknown coordinate system {value!r}; use one of 'wgs84', 'gcj02' (Amap/Tencent) "
            "or 'bd09' (Baidu)"
        )
    return _ALIASES[key]


def out_of_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """True where a point lies outside the box China's shifts apply to (the standard test)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _gcj_offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The GCJ-02 shift (dlon, dlat) in degrees at WGS-84 (lon, lat)."""
    x = lon - 105.0
    y = lat - 35.0
    sqrt_abs_x = np.sqrt(np.abs(x))
    common = 20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * sqrt_abs_x
        + common * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * sqrt_abs_x
        + common * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    rad_lat = np.radians(lat)
    magic = 1.0 - _EE * np.sin(rad_lat) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad_lat) * np.pi)
    return dlon, dlat


def _arrays(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    if lon.shape != lat.shape:
        raise OptionError(f"lon and lat must have the same shape, got {lon.shape} and {lat.shape}: give one "
                          "longitude per latitude")
    return lon, lat


def _wgs_to_gcj_raw(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    dlon, dlat = _gcj_offset(lon, lat)
    return lon + dlon, lat + dlat


def _gcj_to_bd_raw(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _bd_to_gcj_rough(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 0.0065
    y = lat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta), z * np.sin(theta)


def _invert(
    forward: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]],
    lon: np.ndarray,
    lat: np.ndarray,
    start: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """Solve forward(x) = (lon, lat) by fixed-point iteration from ``start``."""
    x_lon, x_lat = start
    for _ in range(_MAX_ITER):
        f_lon, f_lat = forward(x_lon, x_lat)
        d_lon = f_lon - lon
        d_lat = f_lat - lat
        x_lon = x_lon - d_lon
        x_lat = x_lat - d_lat
        if not np.any(np.abs(d_lon) > _TOL_DEG) and not np.any(np.abs(d_lat) > _TOL_DEG):
            break
    return x_lon, x_lat


def _where_china(lon, lat, out_lon, out_lat):
    outside = out_of_china(lon, lat)
    if outside.any():
        out_lon = np.where(outside, lon, out_lon)
        out_lat = np.where(outside, lat, out_lat)
    return out_lon, out_lat


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS-84 longitude/latitude (degrees) to GCJ-02 (Amap, Tencent, Google China).

    Parameters
    ----------
    lon, lat : array_like
        Coordinates in degrees, any matching shape.

    Returns
    -------
    tuple of numpy.ndarray
        ``(lon, lat)`` in GCJ-02; points outside China are returned unchanged.
    """
    lon, lat = _arrays(lon, lat)
    return _where_china(lon, lat, *_wgs_to_gcj_raw(lon, lat))


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Invert :func:`wgs84_to_gcj02` by fixed-point iteration (error well below 0.01 m)."""
    lon, lat = _arrays(lon, lat)
    dlon, dlat = _gcj_offset(lon, lat)
    out = _invert(_wgs_to_gcj_raw, lon, lat, (lon - dlon, lat - dlat))
    return _where_china(lon, lat, *out)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Convert GCJ-02 longitude/latitude to Baidu's BD-09 (points outside China unchanged)."""
    lon, lat = _arrays(lon, lat)
    return _where_china(lon, lat, *_gcj_to_bd_raw(lon, lat))


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Invert :func:`gcj02_to_bd09` by fixed-point iteration (error well below 0.01 m)."""
    lon, lat = _arrays(lon, lat)
    out = _invert(_gcj_to_bd_raw, lon, lat, _bd_to_gcj_rough(lon, lat))
    return _where_china(lon, lat, *out)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Convert WGS-84 longitude/latitude to BD-09 (via GCJ-02; points outside China unchanged)."""
    lon, lat = _arrays(lon, lat)
    g_lon, g_lat = _wgs_to_gcj_raw(lon, lat)
    return _where_china(lon, lat, *_gcj_to_bd_raw(g_lon, g_lat))


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Convert BD-09 longitude/latitude to WGS-84 (via GCJ-02; points outside China unchanged)."""
    lon, lat = _arrays(lon, lat)
    g_lon, g_lat = _invert(_gcj_to_bd_raw, lon, lat, _bd_to_gcj_rough(lon, lat))
    dlon, dlat = _gcj_offset(g_lon, g_lat)
    out = _invert(_wgs_to_gcj_raw, g_lon, g_lat, (g_lon - dlon, g_lat - dlat))
    return _where_china(lon, lat, *out)


_CONVERTERS = {
    ("wgs84", "gcj02"): wgs84_to_gcj02,
    ("gcj02", "wgs84"): gcj02_to_wgs84,
    ("gcj02", "bd09"): gcj02_to_bd09,
    ("bd09", "gcj02"): bd09_to_gcj02,
    ("wgs84", "bd09"): wgs84_to_bd09,
    ("bd09", "wgs84"): bd09_to_wgs84,
}


def convert(
    lon: ArrayLike, lat: ArrayLike, *, source: str, target: str
) -> tuple[np.ndarray, np.ndarray]:
    """Convert coordinate arrays between any two of ``wgs84``, ``gcj02`` and ``bd09``."""
    source, target = normalize_coord_sys(source), normalize_coord_sys(target)
    lon, lat = _arrays(lon, lat)
    if source == target:
        return lon.copy(), lat.copy()
    return _CONVERTERS[(source, target)](lon, lat)


def _transform_gdf(gdf: gpd.GeoDataFrame, name: str, source: str, target: str) -> gpd.GeoDataFrame:
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise GeometryError(f"'{name}' must be a GeoDataFrame (a layer with geometry and a CRS), got "
                            f"{type(gdf).__name__}; read it with spatial.read_points_table or geopandas.read_file")
    if gdf.crs is None:
        raise CRSError(
            f"'{name}' has no CRS; GCJ-02/BD-09 coordinates are longitude/latitude, so set it "
            "with gdf.set_crs('EPSG:4326') first"
        )
    crs = CRS.from_user_input(gdf.crs)
    source, target = normalize_coord_sys(source), normalize_coord_sys(target)
    if source == target:
        return gdf.copy()
    if not crs.is_geographic:  # projected from GCJ-02/BD-09 numbers: the shift lives in lon/lat
        return _transform_gdf(gdf.to_crs(4326), name, source, target).to_crs(crs)
    func = _CONVERTERS[(source, target)]

    def _xy(coords: np.ndarray) -> np.ndarray:
        lon, lat = func(coords[:, 0], coords[:, 1])
        return np.column_stack([lon, lat])

    out = gdf.copy()
    geom_col = out.geometry.name
    out[geom_col] = shapely.transform(out.geometry.values, _xy)
    if target == "wgs84":  # what the numbers were read as: the walks' check tries WGS-84 read so by mistake
        out.attrs["coord_sys_read"] = source
    logger.debug("'%s': converted %d geometries from %s to %s", name, len(out), source, target)
    return out


def to_wgs84(gdf: gpd.GeoDataFrame, coord_sys: str, *, name: str = "layer") -> gpd.GeoDataFrame:
    """Return a copy of ``gdf`` whose lon/lat geometries, given in ``coord_sys``, are moved to WGS-84.

    Parameters
    ----------
    gdf : GeoDataFrame
        Any geometry type, usually in EPSG:4326 as labelled even though the numbers are really
        GCJ-02 or BD-09. A layer in a projected CRS (such numbers labelled WGS-84 and then
        projected, e.g. to UTM) is moved through longitude/latitude and given back in its CRS.
    coord_sys : str
        ``"wgs84"``, ``"gcj02"`` or ``"bd09"`` (aliases such as ``"GCJ-02"``, ``"baidu"`` accepted).
    name : str
        Layer name used in error messages.

    Returns
    -------
    GeoDataFrame
        Same index, columns and CRS; only the coordinates change.

    Examples
    --------
    >>> import spatial
    >>> stations = spatial.load_demo()["stations"]
    >>> picked = spatial.from_wgs84(stations, "gcj02")  # as if read off an Amap pick-up tool
    >>> back = spatial.to_wgs84(picked, "gcj02")
    >>> float(back.to_crs(32650).distance(stations.to_crs(32650)).max()) < 0.01
    True
    """
    return _transform_gdf(gdf, name, coord_sys, "wgs84")


def from_wgs84(gdf: gpd.GeoDataFrame, coord_sys: str, *, name: str = "layer") -> gpd.GeoDataFrame:
    """Return a copy of ``gdf`` (WGS-84 lon/lat) with coordinates shifted into ``coord_sys``.

    Use it to draw layers over GCJ-02 (Amap) or BD-09 (Baidu) basemaps. See :func:`to_wgs84`.

    Examples
    --------
    >>> import spatial
    >>> stations = spatial.load_demo()["stations"]
    >>> gcj = spatial.from_wgs84(stations, "gcj02")  # to draw over an Amap basemap
    >>> shift_m = gcj.to_crs(32650).distance(stations.to_crs(32650))
    >>> bool(shift_m.between(500, 700).all())  # GCJ-02 is about 600 m off in Shenzhen
    True
    """
    if gdf is not None and isinstance(gdf, gpd.GeoDataFrame) and gdf.crs is not None:
        crs = CRS.from_user_input(gdf.crs)
        if crs.is_geographic and not crs.equals(CRS.from_epsg(4326)) and crs.to_epsg() != 4490:
            raise CRSError(
                f"'{name}' is in {crs.name}; reproject to WGS-84 with gdf.to_crs('EPSG:4326') "
                "before shifting it"
            )
    return _transform_gdf(gdf, name, "wgs84", coord_sys)


def with_lonlat(layer: gpd.GeoDataFrame, *, x: str | None = None, y: str | None = None,
                after: str | None = None) -> gpd.GeoDataFrame:
    """A copy of ``layer`` that says where its rows are in WGS-84 longitude and latitude.

    Officials find a place on a phone map by degrees; metres of an unnamed UTM zone mean nothing
    to them. With ``x`` and ``y`` (coordinate columns in the layer's CRS, such as a gap's
    ``site_x``/``site_y``) those two columns become ``{stem}lon`` and ``{stem}lat`` in their place
    (``site_x`` -> ``site_lon``); without them, ``lon`` and ``lat`` of each row's geometry (a
    point inside a polygon) are added after column ``after`` (default: at the end). A layer
    without a CRS is returned unchanged.

    Parameters
    ----------
    layer : GeoDataFrame
        Any layer with a CRS.
    x, y : str, optional
        Names of the coordinate columns to convert (both or neither); missing values stay missing.
    after : str, optional
        Column after which ``lon`` and ``lat`` are inserted.

    Returns
    -------
    GeoDataFrame
        The copy, in the layer's own CRS.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> gaps = gpd.GeoDataFrame({"site_x": [500000.0], "site_y": [0.0]}, geometry=[Point(500000, 0)],
    ...                         crs="EPSG:32650")
    >>> round(float(with_lonlat(gaps, x="site_x", y="site_y")["site_lon"].iloc[0]), 6)
    117.0
    >>> list(with_lonlat(gaps, after="site_x").columns)
    ['site_x', 'lon', 'lat', 'site_y', 'geometry']
    """
    from pyproj import Transformer

    out = layer.copy()
    crs = getattr(layer, "crs", None)
    if crs is None:
        return out
    to = Transformer.from_crs(CRS.from_user_input(crs), CRS.from_epsg(4326), always_xy=True)
    if x is not None and y is not None:
        if x not in out.columns or y not in out.columns:
            return out
        lon, lat = to.transform(np.asarray(out[x], dtype=float), np.asarray(out[y], dtype=float))
        stem = x[:-1] if x.endswith("x") else f"{x}_"
        at = list(out.columns).index(x)
        out = out.drop(columns=[x, y])
        out.insert(at, f"{stem}lon", np.asarray(lon, dtype=float))
        out.insert(at + 1, f"{stem}lat", np.asarray(lat, dtype=float))
        return out
    points = shapely.point_on_surface(np.asarray(out.geometry.values, dtype=object))
    xy = shapely.get_coordinates(points, include_z=False)
    empty = shapely.is_empty(points) | shapely.is_missing(points)
    lon = np.full(len(out), np.nan)
    lat = np.full(len(out), np.nan)
    if len(xy):
        lo, la = to.transform(xy[:, 0], xy[:, 1])
        lon[~empty], lat[~empty] = lo, la
    at = list(out.columns).index(after) + 1 if after in out.columns else len(out.columns) - 1
    out.insert(at, "lon", lon)
    out.insert(at + 1, "lat", lat)
    return out
