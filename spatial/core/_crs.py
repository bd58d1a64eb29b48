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

__all__ = ["GROUND_SCALE_TOLERANCE", "datum_warning", "ground_metres", "guess_crs", "layer_lonlat", "metric_crs",
           "require_crs", "require_degrees_in_range", "require_frame", "to_metric", "zone_fit_between",
           "zone_fit_hint"]


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
    if hasattr(obj, "edge_u") and hasattr(obj, "geometry"):  # a WalkNetwork, where its edges are due
        build = "pass its edges as a layer: spatial.edges_frame(network)"
    # a table without geometry (pd.DataFrame(gdf), a CSV), None or a list of layers
    raise GeometryError(f"'{name}' must be a {what}, got {type(obj).__name__}; {build}")


def require_crs(gdf: gpd.GeoDataFrame, name: str) -> CRS:
    """Return the CRS of ``gdf`` or raise :class:`CRSError` naming the layer (and
    :class:`GeometryError` when it is no GeoDataFrame, see :func:`require_frame`)."""
    require_frame(gdf, name)
    if gdf.crs is None:
        raise CRSError(
            f"'{name}' has no CRS; set it with gdf.set_crs('EPSG:4326') (or the CRS the "
            f"coordinates are really in) before passing it in{guess_crs(gdf)}"
        )
    crs = CRS.from_user_input(gdf.crs)
    require_degrees_in_range(gdf, f"'{name}'", crs=crs)
    return crs


def require_degrees_in_range(gdf: gpd.GeoDataFrame, what: str, *, crs: CRS | None = None,
                             fix: str = "set the CRS they are really in with gdf.set_crs(..., allow_override=True)",
                             swap_fix: str | None = None) -> None:
    """Raise :class:`CRSError` when a layer declares degrees (a geographic CRS) but holds
    coordinates no longitude or latitude reaches: metres labelled EPSG:4326, a common slip when
    a layer is saved. Such a layer would otherwise fail deep inside (no UTM zone, GEOS errors).
    ``what`` names the layer in the message (quoted by the caller); ``fix`` says what to do.

    A layer in a projected CRS is refused when its coordinates lie nowhere on Earth in that
    CRS (PROJ gives no longitude/latitude for them): most often a Gauss-Krüger easting saved
    with its zone number in front (38 500 000) under the CRS without it (EPSG:4547, false easting
    500 000), or the other way round; the message names the CRS the numbers fit. So is one whose
    eastings carry another zone's number (38 500 000 under zone 39), one a zone CRS puts far from
    its land while the numbers look like another system's, and one whose x and y fit only
    swapped (the northing first: ``swap_fix`` says what to do then, by default swap them in
    QGIS or geopandas).

    Examples
    --------
    >>> import shapely
    >>> utm_points = gpd.GeoDataFrame(geometry=[shapely.Point(385426.0, 2494620.0)], crs="EPSG:4326")
    >>> require_degrees_in_range(utm_points, "'stations'")
    Traceback (most recent call last):
    ...
    spatial.core.errors.CRSError: 'stations' declares degrees (EPSG:4326) but its coordinates reach x 385426, y 2494620: not longitude/latitude (projected metres?); the numbers look like Gauss-Krüger or UTM metres with no zone number, so they do not say their central meridian: ask whoever made them (CGCS2000 3-degree zones without the number are EPSG:4534 for 75°E to EPSG:4554 for 135°E, EPSG:4547 for 114°E); set the CRS they are really in with gdf.set_crs(..., allow_override=True)
    """
    crs = CRS.from_user_input(gdf.crs) if crs is None else crs
    if crs.is_projected and len(gdf):
        _require_placeable(gdf, what, crs, fix, swap_fix)
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
            f"x {x:.0f}, y {y:.0f}: not longitude/latitude (projected metres?){_guess_hint(x0, y0, x1, y1)}; {fix}"
        )


#: What to do with a layer whose x and y are swapped, unless the caller says otherwise.
SWAP_FIX = ("swap them (QGIS: Processing > Swap X and Y coordinates, then export; from Python: "
            "gdf.set_geometry(shapely.transform(gdf.geometry.values, lambda c: c[:, ::-1])))")


def _require_placeable(gdf: gpd.GeoDataFrame, what: str, crs: CRS, fix: str, swap_fix: str | None = None) -> None:
    """Raise :class:`CRSError` when a projected layer does not lie where its CRS puts things: its
    corners have no longitude/latitude, its eastings carry another Gauss-Krüger zone number than
    the CRS's (38 500 000 under zone 39), or a zone CRS (transverse Mercator, a few degrees wide)
    puts it far from the land it is made for while its numbers look like another system's
    (northing first, longitude/latitude, a city's own system: :func:`_guess_hint`)."""
    x0, y0, x1, y1 = gdf.total_bounds
    if not np.all(np.isfinite([x0, y0, x1, y1])):
        return
    code = crs.to_epsg()
    label = f"EPSG:{code} ({crs.name})" if code else crs.name
    mismatch = _other_zone(crs, x0, x1, (y0 + y1) / 2)
    if mismatch:
        raise CRSError(f"{what} declares {label} but its eastings x {x0:.0f}-{x1:.0f} {mismatch}; {fix}")
    xs, ys = np.array([x0, x1, x0, x1]), np.array([y0, y0, y1, y1])
    try:
        lon, lat = _to_lonlat(crs).transform(xs, ys)
    except Exception:  # noqa: BLE001 - a CRS PROJ cannot invert: nothing to check it against
        return
    placed = bool(np.all(np.isfinite(lon)) and np.all(np.isfinite(lat)))
    far = _far_from_area(crs, float(np.mean(lon)), float(np.mean(lat))) if placed else ""
    if placed and not far:
        return
    if _fits_swapped(crs, (x0 + x1) / 2, (y0 + y1) / 2):
        raise CRSError(f"{what} declares {label} but its coordinates x {x0:.0f}, y {y0:.0f} fit it only the other "
                       f"way round: x and y are swapped (the northing first, as surveyors write X and Y); "
                       f"{swap_fix or SWAP_FIX}")
    if far:  # refused when the numbers look like another system; else a layer put in a zone CRS of
        guess = _guess_hint(x0, y0, x1, y1)  # another place (Prague in UTM 50N) is measured elsewhere
        if not guess:
            return
        raise CRSError(f"{what} declares {label} but its coordinates x {x0:.0f}, y {y0:.0f} put it {far}: "
                       f"they are in another CRS{guess}; {fix}")
    raise CRSError(f"{what} declares {label} but its coordinates x {x0:.0f}, y {y0:.0f} lie nowhere on "
                   f"Earth in it{_zone_hint(crs, x0, x1)}; {fix}")


@lru_cache(maxsize=64)
def _to_lonlat(crs: CRS):
    from pyproj import Transformer

    return Transformer.from_crs(crs, "EPSG:4326", always_xy=True)


def _tm_params(crs: CRS) -> dict[str, float] | None:
    """False easting, central meridian and scale of a transverse Mercator (Gauss-Krüger) CRS."""
    op = crs.coordinate_operation if crs.is_projected else None
    if op is None or "transverse mercator" not in op.method_name.lower():
        return None
    params = {p.name.lower(): p.value for p in op.params}
    out = {"false_e": params.get("false easting"), "meridian": params.get("longitude of natural origin"),
           "scale": params.get("scale factor at natural origin")}
    return out if out["false_e"] is not None and out["meridian"] is not None else None


def _zone_meridian(zone: int) -> float | None:
    """Central meridian of a Chinese Gauss-Krüger zone number as eastings carry it in front:
    6-degree zones 13-23 (75°E-135°E), 3-degree zones 25-45 (75°E-135°E)."""
    if 25 <= zone <= 45:
        return 3.0 * zone
    if 13 <= zone <= 23:
        return 6.0 * zone - 3.0
    return None


def _other_zone(crs: CRS, x0: float, x1: float, y: float) -> str:
    """Why eastings carrying a zone number (38 500 000) do not fit a zone CRS with another one
    (zone 39, false easting 39 500 000), and the EPSG CRS they fit; "" when they carry its own."""
    tm = _tm_params(crs)
    if tm is None or tm["false_e"] < 1_000_000 or x0 < 1_000_000 or int(x0 // 1e6) != int(x1 // 1e6):
        return ""
    zone, own = int(x0 // 1e6), int(tm["false_e"] // 1e6)
    meridian = _zone_meridian(zone)
    if zone == own or meridian is None:
        return ""
    want = zone * 1_000_000 + tm["false_e"] % 1_000_000
    match = _same_but_false_easting(crs, meridian, want)
    try:
        lon, lat = _to_lonlat(crs).transform((x0 + x1) / 2, y)
    except Exception:  # noqa: BLE001 - only the message loses a clause
        lon = lat = np.nan
    where = f": read in it the layer would lie at {_lonlat_text(lon, lat)}" if np.isfinite([lon, lat]).all() else ""
    return (f"start with zone number {zone} (central meridian {meridian:g}°E), not {own}{where}; "
            + (f"they fit {match}" if match else f"they fit the same datum's zone {zone}"))


def _far_from_area(crs: CRS, lon: float, lat: float) -> str:
    """Where (lon, lat) lies when a zone CRS (transverse Mercator, its area of use at most a few
    degrees wide, as Gauss-Krüger and UTM zones are) puts it further outside that area than the
    area is wide (3° at least), or 10° north or south of it; "" when it lies near enough."""
    area = crs.area_of_use
    if _tm_params(crs) is None or area is None or area.east - area.west > 12 or area.east < area.west:
        return ""
    margin = max(3.0, area.east - area.west)
    out_lon = max(area.west - lon, lon - area.east, 0.0)
    out_lat = max(area.south - lat, lat - area.north, 0.0)
    if out_lon <= margin and out_lat <= 10.0:
        return ""
    return (f"at {_lonlat_text(lon, lat)}, far from where that CRS is used ({area.west:g}°E to {area.east:g}°E, "
            f"{area.south:g}°N to {area.north:g}°N)")


def _lonlat_text(lon: float, lat: float) -> str:
    """A place as people write it: ``107.35°E 22.24°N``."""
    lon, lat = round(lon, 2) + 0.0, round(lat, 2) + 0.0  # -0.001 is 0.00°N
    return f"{abs(lon):.2f}°{'E' if lon >= 0 else 'W'} {abs(lat):.2f}°{'N' if lat >= 0 else 'S'}"


def _fits_swapped(crs: CRS, x: float, y: float) -> bool:
    """Whether the point (y, x) - a layer's middle with its x and y swapped - lies inside the area
    of use of ``crs`` (within 1°), when the point as given does not."""
    area = crs.area_of_use
    if area is None:
        return False
    try:
        lon, lat = _to_lonlat(crs).transform(y, x)
    except Exception:  # noqa: BLE001 - PROJ cannot place it: not swapped either
        return False
    return bool(np.isfinite(lon) and np.isfinite(lat) and area.west - 1 <= lon <= area.east + 1
                and area.south - 1 <= lat <= area.north + 1)


def guess_crs(layer) -> str:
    """What the coordinates of a layer without a CRS (or with a wrong one) look like, as a clause
    for a message ("; the numbers look like Gauss-Krüger zone 38 ... EPSG:4526 in CGCS2000"),
    or "" when they look like nothing common (or the layer has no extent). ``layer``: a
    GeoDataFrame or its bounds (x0, y0, x1, y1)."""
    if isinstance(layer, (gpd.GeoDataFrame, gpd.GeoSeries)):
        bounds = layer.total_bounds if len(layer) else (np.nan,) * 4
    else:
        bounds = tuple(layer)
    return _guess_hint(*bounds) if np.all(np.isfinite(bounds)) else ""


def _guess_hint(x0: float, y0: float, x1: float, y1: float) -> str:
    """What a layer's numbers look like, for a message about a layer without a CRS or with the
    wrong one: longitude/latitude, a Gauss-Krüger zone with its number in front of the eastings
    (the EPSG CRSs of that zone in CGCS2000, Xi'an 1980 and Beijing 1954), Gauss-Krüger or UTM
    metres without it, or either with the northing first; "" when they look like none of these.

    Examples
    --------
    >>> _guess_hint(38_499_000, 2_490_000, 38_510_000, 2_500_000)
    '; the numbers look like Gauss-Krüger zone 38 (central meridian 114°E) with the zone number in front of the eastings: EPSG:4526 in CGCS2000 (EPSG:2362 in Xian 1980, EPSG:2414 in Beijing 1954)'
    """
    def prefixed(a0: float, a1: float) -> int | None:
        zone = int(a0 // 1e6)
        return zone if a0 >= 1e6 and zone == int(a1 // 1e6) and _zone_meridian(zone) is not None else None

    def northing(b0: float, b1: float) -> bool:  # China lies 1 900-5 900 km north of the equator
        return 1e6 <= b0 and b1 < 7e6

    def easting(a0: float, a1: float) -> bool:  # within 500 km of a central meridian
        return 0 < a0 and a1 < 1e6

    if -180 <= x0 and x1 <= 540 and -90 <= y0 and y1 <= 90:
        return "; the numbers look like longitude/latitude: EPSG:4326 (WGS 84) or EPSG:4490 (CGCS2000)"
    if -90 <= x0 and x1 <= 90 and -180 <= y0 and y1 <= 180:
        return "; the numbers look like latitude first, then longitude: swap x and y"
    for (a0, a1, b0, b1), first in (((x0, x1, y0, y1), ""), ((y0, y1, x0, x1), "the northing first, ")):
        zone = prefixed(a0, a1)
        if zone is not None and northing(b0, b1):
            meridian = _zone_meridian(zone)
            codes = _zone_codes(meridian, zone * 1_000_000 + 500_000)
            named = ", ".join(f"{code} in {datum}" for datum, code in codes[1:])
            return (f"; the numbers look like Gauss-Krüger zone {zone} (central meridian {meridian:g}°E) with {first}"
                    "the zone number in front of the eastings"
                    + (f": {codes[0][1]} in {codes[0][0]}" + (f" ({named})" if named else "") if codes else "")
                    + ("; swap x and y" if first else ""))
        if easting(a0, a1) and northing(b0, b1):
            return (f"; the numbers look like Gauss-Krüger or UTM metres with {first}no zone number, so they do not "
                    "say their central meridian: ask whoever made them (CGCS2000 3-degree zones without the "
                    "number are EPSG:4534 for 75°E to EPSG:4554 for 135°E, EPSG:4547 for 114°E)"
                    + ("; swap x and y" if first else ""))
    if max(abs(x0), abs(x1), abs(y0), abs(y1)) < 200_000:
        return ("; the numbers look like a city's own system (城市独立坐标系: metres from an origin in the city), "
                "which no EPSG code names: ask whoever made them for the layer in CGCS2000")
    return ""


def _zone_codes(meridian: float, false_e: float) -> list[tuple[str, str]]:
    """EPSG codes of the Gauss-Krüger CRS with this central meridian and false easting in
    CGCS2000, Xi'an 1980 and Beijing 1954, in that order (those EPSG has)."""
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_crs_info
    from pyproj.enums import PJType

    datums = {4490: "CGCS2000", 4610: "Xian 1980", 4214: "Beijing 1954"}
    found: dict[int, str] = {}
    aoi = AreaOfInterest(meridian - 0.5, 20.0, meridian + 0.5, 45.0)
    for info in query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS, area_of_interest=aoi):
        other = CRS.from_epsg(info.code)
        tm, base = _tm_params(other), other.geodetic_crs.to_epsg() if other.geodetic_crs else None
        if base in datums and base not in found and tm is not None and tm["meridian"] == meridian \
                and tm["false_e"] == false_e:
            found[base] = f"EPSG:{info.code}"
    return [(datums[b], found[b]) for b in datums if b in found]


#: Datums PROJ has no published transformation to WGS 84 for (it moves them by a "ballpark"
#: offset of zero), by their EPSG geographic CRS and the words their names carry in ESRI's .prj.
_NO_SHIFT_DATUMS = {4610: ("Xian 1980", ("xian", "1980")), 4555: ("New Beijing", ("new", "beijing"))}


def datum_warning(crs, what: str) -> str | None:
    """A sentence when ``crs`` is on a datum PROJ moves to WGS 84 with no shift (Xi'an 1980, New
    Beijing: no transformation is published; local ones are held by the surveying offices), so
    the layer lands tens of metres, up to about 100 m, off WGS-84 data such as an OpenStreetMap
    network. None for every other CRS (CGCS2000 agrees with WGS 84 within a metre).

    Examples
    --------
    >>> datum_warning("EPSG:2383", "'units'")[:80]
    "'units' is in Xian 1980 (EPSG:2383, Xian 1980 / 3-degree Gauss-Kruger CM 114E), "
    >>> datum_warning("EPSG:4547", "'units'") is None
    True
    """
    crs = CRS.from_user_input(crs)
    base = crs.geodetic_crs
    if base is None:
        return None
    code, name = base.to_epsg(), base.name.lower().replace("_", " ")
    datum = next((label for epsg, (label, words) in _NO_SHIFT_DATUMS.items()
                  if code == epsg or all(w in name for w in words)), None)
    if datum is None:
        return None
    own = crs.to_epsg()
    return (f"{what} is in {datum} ({f'EPSG:{own}, ' if own else ''}{crs.name}), which PROJ moves to WGS-84 with no "
            f"datum shift (none is published): it may lie tens of metres, up to about 100 m, off the walking "
            f"network and other layers in WGS-84 or CGCS2000; ask whoever made it for the layer in CGCS2000 "
            f"(国家2000), or convert it with the local parameters first")


#: A layer nearer than this (km) to the one it should lie on is not read as another zone's.
ZONE_AWAY_KM = 50.0


def zone_fit_hint(layer: gpd.GeoDataFrame, bounds, crs, name: str, near: str = "the walking network"
                  ) -> str | None:
    """A sentence when ``layer``, in a Gauss-Krüger or UTM zone (transverse Mercator), lies away
    from ``bounds`` (x0, y0, x1, y1 in ``crs``: the walking network, the roads) but would lie
    on them read in another zone CRS with the same false easting: 4547's numbers (CGCS2000
    CM 114E) labelled 4548 (CM 117E), the 6-degree 4509, or UTM 50N (32650), are read 300 km
    east. The CRS named is of the layer's own datum when EPSG has one that fits, else CGCS2000's.
    None when the layer is in no such zone, lies on ``bounds`` already, or fits no other zone.

    Examples
    --------
    >>> import shapely
    >>> pts = gpd.GeoDataFrame(geometry=[shapely.Point(505090, 2493654)], crs="EPSG:4548")
    >>> zone_fit_hint(pts, (114.0, 22.5, 114.1, 22.6), "EPSG:4326", "stations")[:119]
    "'stations' lies 301 km from the walking network read in EPSG:4548 (CGCS2000 / 3-degree Gauss-Kruger CM 117E), but on it"
    """
    from pyproj import Transformer
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_crs_info
    from pyproj.enums import PJType

    own_crs = CRS.from_user_input(layer.crs) if layer.crs is not None else None
    tm = _tm_params(own_crs) if own_crs is not None else None
    if tm is None or not len(layer) or not np.all(np.isfinite(layer.total_bounds)):
        return None
    x0, y0, x1, y1 = layer.total_bounds
    centre = ((x0 + x1) / 2, (y0 + y1) / 2)
    lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
        [bounds[0], bounds[2], bounds[0], bounds[2]], [bounds[1], bounds[1], bounds[3], bounds[3]])
    if not (np.all(np.isfinite(lon)) and np.all(np.isfinite(lat))):
        return None
    pad = 0.02  # about 2 km: a layer of the same town sticks out of the network's box by less
    west, east, south, north = min(lon) - pad, max(lon) + pad, min(lat) - pad, max(lat) + pad

    def at(other: CRS) -> tuple[float, float]:
        try:
            return _to_lonlat(other).transform(*centre, errcheck=True)
        except Exception:  # noqa: BLE001 - no place for it in that CRS
            return (np.nan, np.nan)

    here = at(own_crs)
    if west <= here[0] <= east and south <= here[1] <= north:
        return None
    if np.all(np.isfinite(here)):  # a zone away is 100 km and more; nearer is a place, not a label
        from pyproj import Geod

        to_box = (min(max(here[0], west), east), min(max(here[1], south), north))
        away = Geod(ellps="WGS84").inv(here[0], here[1], *to_box)[2] / 1000
        if away < ZONE_AWAY_KM:
            return None
        far = f"lies {away:,.0f} km from {near}"
    else:
        far = f"lies nowhere near {near}"
    fits = []
    aoi = AreaOfInterest(max(west, -180), max(south, -90), min(east, 180), min(north, 90))
    for info in query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS, area_of_interest=aoi):
        other = CRS.from_epsg(info.code)
        params = _tm_params(other)
        if params is None or params["false_e"] != tm["false_e"] or abs(params["meridian"] - tm["meridian"]) < 1:
            continue  # the same meridian on another datum moves it metres, not a zone
        lo, la = at(other)
        if west <= lo <= east and south <= la <= north:
            fits.append((other.geodetic_crs != own_crs.geodetic_crs, other.geodetic_crs.to_epsg() != 4490,
                         info.code, info.name))
    if not fits:
        return None
    _, _, code, fit_name = min(fits)
    own_code = own_crs.to_epsg()
    own = f"EPSG:{own_code} ({own_crs.name})" if own_code else own_crs.name
    who = name if name.startswith("the ") else f"'{name}'"
    return (f"{who} {far} read in {own}, but on it read in EPSG:{code} ({fit_name}): the numbers are of "
            f"another zone than the one declared; save the layer with EPSG:{code} (QGIS: Layer Properties > Source "
            f"> Assigned CRS, then export; ogr2ogr -a_srs EPSG:{code} out.gpkg in.gpkg)")


def zone_fit_between(first: gpd.GeoDataFrame, first_name: str, second: gpd.GeoDataFrame, second_name: str) -> str:
    """:func:`zone_fit_hint` for two layers that should overlap and do not (units and communities,
    communities and roads): the first read against the second, then the other way round; as a
    clause for a message ("; 'units' lies 309 km from ...") or "" when neither fits another zone."""
    for layer, name, other, other_name in ((first, first_name, second, second_name),
                                           (second, second_name, first, first_name)):
        if layer is None or other is None or other.crs is None or not len(other):
            continue
        bounds = other.total_bounds
        if np.all(np.isfinite(bounds)):
            near = other_name if other_name.startswith("the ") else f"'{other_name}'"
            hint = zone_fit_hint(layer, bounds, other.crs, name, near=near)
            if hint:
                return "; " + hint
    return ""


def _zone_hint(crs: CRS, x0: float, x1: float) -> str:
    """Why a Gauss-Krüger (transverse Mercator) easting does not fit: its zone number in front
    (38 500 000) or missing (500 000), and the EPSG CRS of the same datum and meridian it fits."""
    tm = _tm_params(crs)
    if tm is None:
        return ""
    false_e, meridian = tm["false_e"], tm["meridian"]
    if false_e < 1_000_000 and x0 >= 1_000_000 and int(x0 // 1_000_000) == int(x1 // 1_000_000):
        zone = int(x0 // 1_000_000)
        want = zone * 1_000_000 + false_e
        meridian = _zone_meridian(zone) or meridian  # zone 38 is 114°E whatever meridian the label has
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
    """The EPSG CRS on the same datum as ``crs``, of its projection and scale, on central meridian
    ``meridian`` with false easting ``false_e``."""
    from pyproj.aoi import AreaOfInterest
    from pyproj.database import query_crs_info
    from pyproj.enums import PJType

    area, own = crs.area_of_use, _tm_params(crs)
    south, north = (area.south, area.north) if area else (-90.0, 90.0)
    aoi = AreaOfInterest(max(meridian - 0.5, -180), south, min(meridian + 0.5, 180), north)
    for info in query_crs_info(auth_name="EPSG", pj_types=PJType.PROJECTED_CRS, area_of_interest=aoi):
        other = CRS.from_epsg(info.code)
        tm = _tm_params(other)
        if (tm is not None and other.geodetic_crs == crs.geodetic_crs and tm["meridian"] == meridian
                and tm["false_e"] == false_e and tm["scale"] == own["scale"]):
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
