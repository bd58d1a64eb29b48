"""CRS checks at the edges: a layer must declare a CRS, degrees must hold longitude/latitude, and
the maths runs in a CRS whose metres are ground metres (the local UTM zone).

Private to :mod:`spatial.core`; :mod:`spatial.core.checks` re-exports every public name, which is
where the rest of the package imports them from.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS

from spatial.core.errors import CRSError, GeometryError

__all__ = ["GROUND_SCALE_TOLERANCE", "ground_metres", "layer_lonlat", "metric_crs", "require_crs",
           "require_degrees_in_range", "to_metric"]


def require_crs(gdf: gpd.GeoDataFrame, name: str) -> CRS:
    """Return the CRS of ``gdf`` or raise :class:`CRSError` naming the layer."""
    if not isinstance(gdf, gpd.GeoDataFrame):  # a table without geometry (pd.DataFrame(gdf), a CSV)
        raise GeometryError(f"'{name}' must be a GeoDataFrame (a layer with geometry and a CRS), got "
                            f"{type(gdf).__name__}; read it with geopandas.read_file, or build points with "
                            "geopandas.GeoDataFrame(df, geometry=geopandas.points_from_xy(lon, lat), crs=4326)")
    if gdf.crs is None:
        raise CRSError(
            f"'{name}' has no CRS; set it with gdf.set_crs('EPSG:4326') (or the CRS the "
            "coordinates are really in) before passing it in"
        )
    crs = CRS.from_user_input(gdf.crs)
    require_degrees_in_range(gdf, f"'{name}'", crs=crs)
    return crs


def require_degrees_in_range(gdf: gpd.GeoDataFrame, what: str, *, crs: CRS | None = None,
                             fix: str = "set the CRS they are really in with gdf.set_crs(..., allow_override=True)"
                             ) -> None:
    """Raise :class:`CRSError` when a layer declares degrees (a geographic CRS) but holds
    coordinates no longitude or latitude reaches: metres labelled EPSG:4326, a common slip when
    a layer is saved. Such a layer would otherwise fail deep inside (no UTM zone, GEOS errors).
    ``what`` names the layer in the message (quoted by the caller); ``fix`` says what to do.

    Examples
    --------
    >>> import shapely
    >>> utm_points = gpd.GeoDataFrame(geometry=[shapely.Point(385426.0, 2494620.0)], crs="EPSG:4326")
    >>> require_degrees_in_range(utm_points, "'stations'")
    Traceback (most recent call last):
    ...
    spatial.core.errors.CRSError: 'stations' declares degrees (EPSG:4326) but its coordinates reach x 385426, y 2494620: not longitude/latitude (projected metres?); set the CRS they are really in with gdf.set_crs(..., allow_override=True)
    """
    crs = CRS.from_user_input(gdf.crs) if crs is None else crs
    if not crs.is_geographic or not len(gdf):
        return
    x0, y0, x1, y1 = gdf.total_bounds
    if not np.all(np.isfinite([x0, y0, x1, y1])):
        return
    if max(abs(x0), abs(x1)) > 540 or max(abs(y0), abs(y1)) > 90.5:  # 0-360 longitudes are allowed
        x = x0 if abs(x0) > abs(x1) else x1
        y = y0 if abs(y0) > abs(y1) else y1
        code = crs.to_epsg()
        raise CRSError(
            f"{what} declares degrees ({f'EPSG:{code}' if code else crs.name}) but its coordinates reach "
            f"x {x:.0f}, y {y:.0f}: not longitude/latitude (projected metres?); {fix}"
        )


#: Largest scale error (|k - 1|) at a layer's centre for its CRS to count as ground metres. UTM
#: and Gauss-Krüger zones stay within 0.14% inside their zone; Web Mercator is 8% off at
#: Shenzhen's latitude and 56% at Prague's.
GROUND_SCALE_TOLERANCE = 0.005


def ground_metres(crs, lonlat: tuple[float, float] | None = None) -> bool:
    """Whether lengths measured in ``crs`` are metres on the ground (near ``lonlat``).

    False for geographic CRSs (degrees), projected CRSs in feet or other units, and, at
    ``lonlat``, any projection whose scale is off by more than :data:`GROUND_SCALE_TOLERANCE`
    (Web Mercator EPSG:3857, World Mercator, a UTM zone far from the data). Without a location,
    Mercator projections (not transverse or oblique ones) are refused by name.

    Examples
    --------
    >>> ground_metres("EPSG:32650", (114.05, 22.54)), ground_metres("EPSG:3857", (114.05, 22.54))
    (True, False)
    >>> ground_metres("EPSG:4326"), ground_metres("EPSG:2263")  # degrees; US survey feet
    (False, False)
    """
    crs = CRS.from_user_input(crs)
    if not crs.is_projected or not crs.axis_info or crs.axis_info[0].unit_name not in ("metre", "meter"):
        return False
    if lonlat is not None and np.all(np.isfinite(lonlat)):
        scale = _scale_at(crs, float(lonlat[0]), float(lonlat[1]))
        if scale is not None:
            return bool(np.isfinite(scale).all() and (np.abs(scale - 1) <= GROUND_SCALE_TOLERANCE).all())
    method = (crs.coordinate_operation.method_name if crs.coordinate_operation else "").lower()
    return not ("mercator" in method and "transverse" not in method and "oblique" not in method)


def layer_lonlat(gdf: gpd.GeoDataFrame) -> tuple[float, float] | None:
    """Longitude and latitude of the centre of a layer's bounds (None when it has no extent)."""
    bounds = gdf.total_bounds
    if gdf.crs is None or not np.all(np.isfinite(bounds)):
        return None
    from pyproj import Transformer

    to_ll = Transformer.from_crs(gdf.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_ll.transform((bounds[0] + bounds[2]) / 2, (bounds[1] + bounds[3]) / 2)
    return (lon, lat) if np.isfinite(lon) and np.isfinite(lat) else None


def _scale_at(crs: CRS, lon: float, lat: float) -> np.ndarray | None:
    """Map length over ground length eastwards and northwards at (lon, lat), WGS 84 degrees:
    100 m steps projected through PROJ against the same steps on the ellipsoid (pyproj.Geod).
    Measured, not read from ``Proj.get_factors``, which takes longitudes from the CRS's own prime
    meridian (Ferro for S-JTSK EPSG:5221, Paris for NTF) and so misjudged such CRSs by 17°."""
    from pyproj import Geod, Transformer

    try:
        to = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
        geod = Geod(ellps="WGS84")
        d_lon = 100.0 / (111_320.0 * max(np.cos(np.radians(lat)), 1e-6))
        d_lat = 100.0 / 110_574.0
        x, y = to.transform([lon, lon + d_lon, lon], [lat, lat, lat + d_lat], errcheck=True)
    except Exception:  # noqa: BLE001 - a CRS PROJ cannot use here: fall back to the name test
        return None
    ground = np.array([geod.inv(lon, lat, lon + d_lon, lat)[2], geod.inv(lon, lat, lon, lat + d_lat)[2]])
    mapped = np.hypot(np.array(x[1:]) - x[0], np.array(y[1:]) - y[0])
    return mapped / ground


def metric_crs(*layers: gpd.GeoDataFrame) -> CRS:
    """A metric CRS for doing maths on these layers: the first CRS in ground metres, else local UTM.

    A CRS that is not in ground metres (degrees, feet, Web Mercator: see :func:`ground_metres`)
    is not used; the UTM zone of the first non-empty layer is estimated instead.
    """
    for gdf in layers:
        if gdf is not None and gdf.crs is not None:
            crs = CRS.from_user_input(gdf.crs)
            if ground_metres(crs, layer_lonlat(gdf) if len(gdf) else None):
                return crs
    for gdf in layers:
        if gdf is not None and len(gdf) and not gdf.geometry.is_empty.all():
            return gdf.estimate_utm_crs()
    raise GeometryError("cannot choose a metric CRS: every layer is empty")


def to_metric(gdf: gpd.GeoDataFrame, name: str, crs: CRS | None = None) -> gpd.GeoDataFrame:
    """Check the CRS of ``gdf`` once and return it in ``crs`` (or its local UTM zone)."""
    require_crs(gdf, name)
    target = crs if crs is not None else metric_crs(gdf)
    if CRS.from_user_input(gdf.crs) == CRS.from_user_input(target):
        return gdf
    return gdf.to_crs(target)
