"""spatial: community management grids (网格) and 15-minute walking service circles (15分钟服务圈).

The public API, GeoDataFrames in and out::

    import spatial
    layers = spatial.load_demo()                      # the embedded Futian data
    plan = spatial.partition_grids(layers["units"], layers["communities"])
    demand = spatial.walking_coverage(plan.units, layers["stations"], layers["network"])
    spatial.coverage_map(demand, layers["stations"])  # shows inline in Jupyter

Heavy modules (folium, osmnx) load on first use, so ``import spatial`` stays quick.
"""

from __future__ import annotations

import importlib
import logging

from ._errors import (
    ColumnError,
    CRSError,
    DuplicateIdError,
    GeometryError,
    InfeasibleError,
    InputFileError,
    NetworkError,
    SpatialError,
)
from ._validate import Report

__version__ = "0.1.0"

logging.getLogger(__name__).addHandler(logging.NullHandler())

#: public name -> module that defines it
_LAZY = {
    # reading, writing, checking
    "read_layer": "io", "read_points_table": "io", "write_layers": "io", "write_shapefile": "io",
    "to_wgs84": "coords", "from_wgs84": "coords", "validate_inputs": "validate",
    "read_network": "network", "edges_frame": "network", "WalkNetwork": "network",
    "load_demo": "datasets", "demo_paths": "datasets",
    # grids
    "partition_grids": "grids", "redraw_grids": "redraw", "evaluate_grids": "evaluate",
    "units_from_buildings": "tessellation", "spread_by_floor_area": "tessellation",
    "assign_grid_codes": "codes", "staffing": "workforce", "ten_household_groups": "workforce",
    "merge_grid_layers": "merge",
    # walking coverage
    "make_bands": "bands", "walking_coverage": "coverage", "coverage_summary": "coverage",
    "isochrones": "service_areas", "coverage_gaps": "gaps",
    # siting
    "site_stations": "siting",
    # maps and reports
    "grid_map": "maps", "coverage_map": "maps", "overview_map": "maps", "save_map": "maps",
    "write_workbook": "workbook", "overview_png": "staticmap",
    # whole projects
    "load_project": "project", "run_project": "run",
}

__all__ = sorted([
    "ColumnError", "CRSError", "DuplicateIdError", "GeometryError", "InfeasibleError",
    "InputFileError", "NetworkError", "Report", "SpatialError", "__version__", *_LAZY,
])


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'spatial' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
