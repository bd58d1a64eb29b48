"""spatial: community management grids (网格) and 15-minute walking service circles (15分钟服务圈).

The public API, GeoDataFrames in and out::

    import spatial
    layers = spatial.load_demo()                      # the embedded Futian data
    plan = spatial.partition_grids(layers["units"], layers["communities"])
    demand = spatial.walking_coverage(plan.units, layers["stations"], layers["network"])
    spatial.coverage_map(demand, layers["stations"])  # shows inline in Jupyter

Every name but the errors loads its module on first use, so ``import spatial`` loads none of
geopandas, pandas, numpy, scipy, folium or osmnx (nor does ``spatial --help``). The code
lives in packages by job (see ``docs/architecture.md``): :mod:`spatial.io`, :mod:`spatial.network`,
:mod:`spatial.coverage`, :mod:`spatial.grids`, :mod:`spatial.siting`, :mod:`spatial.maps`,
:mod:`spatial.project` and :mod:`spatial.cli`, on the base :mod:`spatial.core`. They and their
modules load on first use too: ``spatial.network.elevation.edge_times(network, "dem.tif")`` works
right after ``import spatial``.
"""

from __future__ import annotations

import importlib
import logging

from spatial.core.errors import (
    ColumnError,
    CRSError,
    DuplicateIdError,
    GeometryError,
    InfeasibleError,
    InputFileError,
    NetworkError,
    OptionError,
    OptionTypeError,
    SpatialError,
)
from spatial.core.logs import ShownWarnings, SpatialWarning

#: The package's version, written here only: pyproject.toml reads it ([tool.setuptools.dynamic]).
__version__ = "0.1.0"

# where nobody set up logging (a notebook, a script), the package's warnings are shown as warnings
logging.getLogger(__name__).addHandler(ShownWarnings())

#: public name -> module (below ``spatial``) that defines it
_LAZY = {
    # what was repaired, flagged or set aside
    "Report": "core.checks",
    # reading, writing, checking
    "read_layer": "io.layers", "read_points_table": "io.layers", "write_layers": "io.layers",
    "write_shapefile": "io.layers", "write_kml": "io.kml", "to_wgs84": "io.coords", "from_wgs84": "io.coords",
    "validate_inputs": "io.validate", "write_workbook": "io.workbook",
    # walking network
    "read_network": "network.read", "edges_frame": "network.graph", "WalkNetwork": "network.graph",
    "read_roads": "network.roads",
    # data to try things on
    "load_demo": "datasets.embedded", "demo_paths": "datasets.embedded",
    # grids
    "partition_grids": "grids.partition", "redraw_grids": "grids.redraw", "evaluate_grids": "grids.evaluate",
    "units_from_buildings": "grids.tessellation", "spread_by_floor_area": "grids.tessellation",
    "assign_grid_codes": "grids.codes", "staffing": "grids.workforce",
    "ten_household_groups": "grids.workforce", "merge_grid_layers": "grids.merge",
    "read_plan": "grids.plan", "plan_from_polygons": "grids.plan", "four_bounds": "grids.four_bounds",
    # walking coverage
    "make_bands": "coverage.bands", "walking_coverage": "coverage.walks",
    "coverage_summary": "coverage.walks", "isochrones": "coverage.service_areas",
    "coverage_gaps": "coverage.gaps", "station_load": "coverage.load", "station_fca": "coverage.load",
    # siting
    "site_stations": "siting.sites",
    # maps and reports
    "grid_map": "maps.interactive", "coverage_map": "maps.interactive",
    "overview_map": "maps.interactive", "save_map": "maps.interactive", "overview_png": "maps.static",
    "grid_editor": "maps.editor", "save_grid_editor": "maps.editor",
    # whole projects
    "load_project": "project.config", "run_project": "project.run",
}

__all__ = sorted([
    "ColumnError", "CRSError", "DuplicateIdError", "GeometryError", "InfeasibleError", "InputFileError",
    "NetworkError", "OptionError", "OptionTypeError", "SpatialError", "SpatialWarning", "__version__", *_LAZY,
])


#: the packages by job, loaded on first use too: docs/ write ``spatial.network.elevation.edge_times(...)``
_PACKAGES = frozenset({"core", "io", "network", "datasets", "coverage", "grids", "siting", "maps", "project", "cli"})


def __getattr__(name: str):
    module = _LAZY.get(name)
    if module is None:
        if name in _PACKAGES:  # each loads its own modules as they are named (spatial.core._lazy)
            return importlib.import_module(f".{name}", __name__)
        raise AttributeError(f"module 'spatial' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
