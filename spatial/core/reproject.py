"""Reprojection that keeps polygons valid (Voronoi cells can self-touch after a CRS change)."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import shapely

from spatial.core.checks import polygonal

logger = logging.getLogger(__name__)


def to_crs_valid(gdf: gpd.GeoDataFrame, crs) -> gpd.GeoDataFrame:
    """``gdf.to_crs(crs)``, then repair polygons the reprojection made invalid.

    Cells with near-coincident vertices (a few millimetres apart) can self-intersect once
    rounded to degrees; ``make_valid`` fixes them and only their polygonal part is kept.
    Heights are dropped first (as :func:`spatial.io.layers.read_layer` drops a KML's): the maths
    is in the plane, and the vertices an overlay adds to a 3D polygon have no height, which
    PROJ turns into infinite coordinates.
    """
    if len(gdf) and shapely.has_z(gdf.geometry.values).any():
        gdf = gdf.set_geometry(shapely.force_2d(gdf.geometry.values), crs=gdf.crs)
    out = gdf.to_crs(crs)
    geom = out.geometry.values
    bad = ~shapely.is_valid(geom) & ~shapely.is_missing(geom)
    if bad.any():
        broken = np.asarray(geom[bad], dtype=object)
        fixed = shapely.make_valid(broken)
        fixed = np.array([_without_crumbs(polygonal(g), len(shapely.get_parts(b)))
                          for g, b in zip(fixed, broken)], dtype=object)
        out = out.copy()
        out.loc[bad, out.geometry.name] = fixed
        logger.debug("repaired %d geometries made invalid by reprojection", int(bad.sum()))
    return out


def as_returned(geoms, crs_m, crs_in) -> np.ndarray:
    """``geoms`` (in the metric ``crs_m``) as they will be returned in ``crs_in`` by
    :func:`to_crs_valid`, measured back in ``crs_m``: the shapes whose area, perimeter and
    Polsby-Popper a table beside the returned layer should give. A hairline slit or hole of a
    dissolved grid (valid in metres) collapses when rounded to degrees or Web Mercator, and the
    repair removes it; measured before that, a grid's perimeter counted the slit twice (tens of
    metres on Bubeneč's footprints). Unchanged when the two CRS are the same."""
    geoms = np.asarray(geoms, dtype=object)
    if crs_in is None or crs_m is None or gpd.GeoSeries([], crs=crs_in).crs == gpd.GeoSeries([], crs=crs_m).crs:
        return geoms
    frame = gpd.GeoDataFrame(geometry=list(geoms), crs=crs_m)
    return np.asarray(to_crs_valid(to_crs_valid(frame, crs_in), crs_m).geometry.values, dtype=object)


#: A part the repair splits off that holds less than this share of the geometry's area is a crumb
#: of the rounding (millimetres at a vertex where the ring touched itself), not land.
_CRUMB_SHARE = 1e-5


def _without_crumbs(geom, n_before: int):
    """``geom`` without the smallest parts the repair added beyond the ``n_before`` it had, when
    each holds less than :data:`_CRUMB_SHARE` of its area (a grid stays one piece after a round
    trip through degrees), and without the pinholes it left: holes of less than that share of
    their part (a hairline spike of a dissolved grid, valid in metres, crosses itself in degrees
    and comes back from the repair as a hole of 1e-7 m², which GIS tools and 多网合一's
    noding stumble on)."""
    geom = _without_pinholes(geom)
    parts = shapely.get_parts(geom)
    if len(parts) <= max(n_before, 1):
        return geom
    area = shapely.area(parts)
    order = np.argsort(area)  # smallest first
    drop = order[: len(parts) - max(n_before, 1)]
    drop = drop[area[drop] < _CRUMB_SHARE * area.sum()]
    if len(drop) == 0:
        return geom
    kept = np.delete(parts, drop)
    return kept[0] if len(kept) == 1 else shapely.multipolygons(kept)


def _without_pinholes(geom):
    """``geom`` with the holes of each polygon holding less than :data:`_CRUMB_SHARE` of its area filled."""
    parts = shapely.get_parts(geom)
    if not len(parts) or not any(len(p.interiors) for p in parts if p.geom_type == "Polygon"):
        return geom
    out = []
    for p in parts:
        if p.geom_type != "Polygon" or not p.interiors:
            out.append(p)
            continue
        limit = _CRUMB_SHARE * shapely.area(shapely.Polygon(p.exterior))
        out.append(shapely.Polygon(p.exterior, [r for r in p.interiors if shapely.Polygon(r).area >= limit]))
    return out[0] if len(out) == 1 and geom.geom_type == "Polygon" else shapely.multipolygons(out)
