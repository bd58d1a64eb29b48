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
    """
    out = gdf.to_crs(crs)
    geom = out.geometry.values
    bad = ~shapely.is_valid(geom) & ~shapely.is_missing(geom)
    if bad.any():
        fixed = shapely.make_valid(np.asarray(geom[bad], dtype=object))
        fixed = np.array([polygonal(g) for g in fixed], dtype=object)
        out = out.copy()
        out.loc[bad, out.geometry.name] = fixed
        logger.debug("repaired %d geometries made invalid by reprojection", int(bad.sum()))
    return out
