"""CRS checks at the edges: a layer must declare a CRS, degrees must hold longitude/latitude, and
the maths runs in a CRS whose metres are ground metres (the local UTM zone).

Private to :mod:`spatial.core`; :mod:`spatial.core.checks` re-exports every public name, which is
where the rest of the package imports them from.
"""

from __future__ import annotations

from functools import lru_cache

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from spatial.core.errors import CRSError, GeometryError

__all__ = ["GROUND_SCALE_TOLERANCE", "ground_metres", "layer_lonlat", "metric_crs", "require_crs",
           "require_degrees_in_range", "require_frame", "to_metric"]


def require_frame(obj, name: str, *, geometry: bool = True,
                  build: str = "read it with geopandas.read_file, or build points with "
                               "geopandas.GeoDataFrame(df, geometry=geopandas.points_from_xy(lon, lat), crs=4326)"
                  ) -> None:
    """Raise :class:`GeometryError` naming the layer ``name`` unless ``obj`` is a GeoDataFrame (or,
    with ``geometry=False``, any DataFrame): a GeoSeries (``gdf.geometry``, the shapes without the
    columns), a plain table, None or a list would otherwise end in a pandas AttributeError deep
    inside. ``build`` says how to make the layer from a table.

    Examples
    --------
    >>> require_frame(gpd.GeoSeries.from_xy([0], [0], crs=4326), "stations")
    Traceback (most recent call last):
    ...
    spatial.core.errors.GeometryError: 'stations' must be a GeoDataFrame (a layer with geometry and a CRS), got a GeoSeries: the geometries alone, without the layer's columns; pass the GeoDataFrame itself (gdf, not gdf.geometry or gdf['geometry'])
    """
    if isinstance(obj, gpd.GeoDataFrame) or (not geometry and isinstance(obj, pd.DataFrame)):
        return
    what = "GeoDataFrame (a layer with geometry and a CRS)" if geometry else "DataFrame or GeoDataFrame (a table)"
    if isinstance(obj, pd.Series):  # gdf.geometry, gdf["geometry"] or one column of the table
        kind = "GeoSeries" if isinstance(obj, gpd.GeoSeries) else "Series"
        raise GeometryError(f"'{name}' must be a {what}, got a {kind}: the "
                            f"{'geometries' if kind == 'GeoSeries' else 'values of one column'} alone, without the "
                            "layer's columns; pass the GeoDataFrame itself (gdf, not gdf.geometry or gdf['geometry'])")
    # a table without geometry (pd.DataFrame(gdf), a CSV), None or a list of layers
    raise GeometryError(f"'{name}' must be a {what}, got {type(obj).__name__}; {build}")


def require_crs(gdf: gpd.GeoDataFrame, name: str) -> CRS:
    """Return the CRS of ``gdf`` or raise :class:`CRSError` naming the layer (and
    :class:`GeometryError` when it is no GeoDataFrame, see :func:`require_frame`)."""
    require_frame(gdf, name)
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

    A layer in a projected CRS is refused when its coordinates lie nowhere on Earth in that
    CRS (PROJ gives no longitude/latitude for them): most often a Gauss-Krüger easting saved
    with its zone number in front (38 500 000) under the CRS without it (EPSG:4547, false easting
    500 000), or the other way round; the message names the CRS the numbers fit.

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
    if crs.is_projected and len(gdf):
        _require_placeable(gdf, what, crs, fix)
        return
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


def _require_placeable(gdf: gpd.GeoDataFrame, what: str, crs: CRS, fix: str) -> None:
    """Raise :class:`CRSError` when the corners of a projected layer have no longitude/latitude."""
    x0, y0, x1, y1 = gdf.total_bounds
    if not np.all(np.isfinite([x0, y0, x1, y1])):
        return
    xs, ys = np.array([x0, x1, x0, x1]), np.array([y0, y0, y1, y1])
    try:
        lon, lat = _to_lonlat(crs).transform(xs, ys)
    except Exception:  # noqa: BLE001 - a CRS PROJ cannot invert: nothing to check it against
        return
    if np.all(np.isfinite(lon)) and np.all(np.isfinite(lat)):
        return
    code = crs.to_epsg()
    label = f"EPSG:{code} ({crs.name})" if code else crs.name
    raise CRSError(f"{what} declares {label} but its coordinates x {x0:.0f}, y {y0:.0f} lie nowhere on "
                   f"Earth in it{_zone_hint(crs, x0, x1)}; {fix}")


@lru_cache(maxsize=64)
def _to_lonlat(crs: CRS):
    from pyproj import Transformer

    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


def _zone_hint(crs: CRS, x0: float, x1: float) -> str:
    """Why a Gauss-Krüger (transverse Mercator) easting does not fit: its zone number in front
    (38 500 000) or missing (500 000), and the EPSG CRS of the same datum and meridian it fits."""
    op = crs.coordinate_operation
    if op is None or "transverse mercator" not in op.method_name.lower():
        return ""
    params = {p.name.lower(): p.value for p in op.params}
    false_e, meridian = params.get("false easting"), params.get("longitude of natural origin")
    if false_e is None or meridian is None:
        return ""
    if false_e < 1_000_000 and x0 >= 1_000_000 and int(x0 // 1_000_000) == int(x1 // 1_000_000):
        zone = int(x0 // 1_000_000)
        want = zone * 1_000_000 + false_e
        why = (f": the eastings start with a zone number ({zone}), which {crs.name} has no room for "
               f"(its false easting is {false_e:,.0f})")
    elif false_e >= 1_000_000 and x1 < 1_000_000:
        want = false_e % 1_000_000
        why = (f": the eastings have no zone number in front, which {crs.name} expects (its false "
               f"easting is {false_e:,.0f})")
    else:
        return ""
    match = _same_but_false_easting(crs, meridian, want)
    return why + (f"; they fit {match}" if match else f"; they fit the same projection with false easting {want:,.0f}")


def _same_but_false_easting(crs: CRS, meridian: float, false_e: float) -> str | None:
    """The EPSG CRS on the same datum and central meridian as ``crs`` with false easting ``false_e``."""
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_crs_info
    from pyproj.enums import PJType

    area = crs.area_of_use
    aoi = AreaOfInterest(area.west, area.south, area.east, area.north) if area else None
    for info in query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS, area_of_interest=aoi):
        other = CRS.from_epsg(info.code)
        op = other.coordinate_operation
        if op is None or other.geodetic_crs != crs.geodetic_crs or op.method_name != crs.coordinate_operation.method_name:
            continue
        params = {p.name.lower(): p.value for p in op.params}
        if (params.get("longitude of natural origin") == meridian and params.get("false easting") == false_e
                and params.get("scale factor at natural origin")
                == {p.name.lower(): p.value for p in crs.coordinate_operation.params}.get("scale factor at natural origin")):
            return f"EPSG:{info.code} ({info.name})"
    return None


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
    try:
        target = crs if crs is not None else metric_crs(gdf)
    except GeometryError:  # named: "every layer is empty" does not say which
        raise GeometryError(f"'{name}' is empty (no rows, or none with a geometry); give at least one") from None
    if CRS.from_user_input(gdf.crs) == CRS.from_user_input(target):
        return gdf
    return gdf.to_crs(target)
