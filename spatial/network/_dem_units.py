"""The vertical unit of a DEM (a compound CRS's vertical axis, else the band's unit), in metres,
and what to do with a DEM that comes as several tiles.

Split out of :mod:`spatial.network.elevation`, which reads the DEM through it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyproj

from spatial.core.errors import SpatialError

__all__ = ["vertical_unit", "merge_tiles_hint"]

#: Vertical units a DEM may declare (band unit or the vertical CRS's), in metres.
_UNITS_M = {"m": 1.0, "metre": 1.0, "meter": 1.0, "metres": 1.0, "meters": 1.0,
            "ft": 0.3048, "foot": 0.3048, "feet": 0.3048, "international foot": 0.3048,
            "us survey foot": 1200 / 3937, "us-ft": 1200 / 3937, "ftus": 1200 / 3937, "us_survey_foot": 1200 / 3937,
            "cm": 0.01, "centimetre": 0.01, "centimeter": 0.01, "dm": 0.1, "decimetre": 0.1, "decimeter": 0.1,
            "mm": 0.001, "millimetre": 0.001, "millimeter": 0.001}


def vertical_unit(path: Path, src, crs: pyproj.CRS) -> tuple[str, float]:
    """The DEM's vertical unit and its size in metres: the vertical CRS's axis unit (a compound
    CRS such as ``EPSG:32650+6360``), else the band's unit, else metres.

    Raises
    ------
    SpatialError
        The DEM declares a unit that is not a length this module knows.
    """
    if crs.is_compound:
        for sub in crs.sub_crs_list:
            if sub.is_vertical and sub.axis_info:
                ax = sub.axis_info[0]
                return ax.unit_name, float(ax.unit_conversion_factor)
    unit = str((src.units or ("",))[0] or "").strip()
    if not unit:
        return "metre", 1.0
    key = unit.lower()
    if key not in _UNITS_M:  # "m asl", "metres above sea level", "feet (NAVD88)": the first word
        key = re.split(r"[\s(\[,;]+", key)[0]
    if key not in _UNITS_M:
        raise SpatialError(f"DEM {path} says its elevations are in {unit!r}, not a length unit known here "
                           f"(metres, feet, US survey feet, cm, dm, mm); convert it to metres or clear the band's unit")
    return unit, _UNITS_M[key]


def merge_tiles_hint(tiles) -> str:
    """What to say of DEM tiles given as several files (two SRTM tiles of a town on their border):
    one DEM is read, so they are merged into one file first, with rasterio's ``rio merge``
    (installed with rasterio, which spatial needs).

    Examples
    --------
    >>> merge_tiles_hint(["N25E108.tif", "N25E109.tif"])[60:118]
    ' (rio merge N25E108.tif N25E109.tif dem_merged.tif, the co'
    """
    tiles = [str(t) for t in tiles]
    return (f"one DEM is read, not {len(tiles)} tiles: merge them into one file first (rio merge {' '.join(tiles)} "
            "dem_merged.tif, the command of rasterio, installed with spatial) and give that one")
