"""Maps of what ``spatial grids`` / ``coverage`` / ``site`` wrote to GeoPackages (for ``spatial map``)."""

from __future__ import annotations

from pathlib import Path

import folium
import pandas as pd

from spatial.maps._data import read_layers
from spatial.maps.interactive import coverage_map, grid_map, overview_map

__all__ = ["map_from_files"]


def map_from_files(
    *,
    grids: str | Path | None = None,
    coverage: str | Path | None = None,
    sites: str | Path | None = None,
    **options,
) -> folium.Map:
    """The map of what ``spatial grids`` / ``coverage`` / ``site`` wrote to GeoPackages.

    Parameters
    ----------
    grids : path, optional
        GeoPackage with a ``grids`` layer (and optionally ``communities``, ``units``,
        ``network_edges``).
    coverage : path, optional
        GeoPackage with ``demand`` (or ``coverage_demand``) and ``stations`` (optionally ``isochrones``, ``gaps``,
        ``coverage_summary``, ``communities``, ``network_edges``); the summary is also read from
        ``<name>_summary.csv`` beside it, as ``spatial coverage`` writes it.
    sites : path, optional
        GeoPackage with a ``sites`` layer; drawn on the overview (needs both other files).
    **options
        Passed to :func:`grid_map`, :func:`coverage_map` or :func:`overview_map` (``lang``,
        ``tiles``, ``speed_kmh``, ``min_households`` ...).

    Returns
    -------
    folium.Map
        The overview when both ``grids`` and ``coverage`` are given, else the one map.
    """
    if grids is None and coverage is None:
        raise ValueError("give grids= or coverage= (or both)")
    g = read_layers(grids, ["grids"], ["communities", "units", "network_edges"], "grids") if grids else {}
    c = (read_layers(coverage, [("demand", "coverage_demand"), "stations"],
                     ["isochrones", "gaps", "coverage_summary", "communities", "network_edges", "report"],
                     "coverage")
         if coverage else {})
    dem_row = c["report"][c["report"]["layer"] == "dem"] if "report" in c and "layer" in c["report"] else []
    if len(dem_row) and "slope" not in options:  # walks timed on slopes: state the model by the speed
        from spatial.network.elevation import slope_note

        options = {**options, "slope": slope_note(dem_row["action"].iloc[0], dem_row["problem"].iloc[0])}
    s = read_layers(sites, ["sites"], [], "sites") if sites else {}
    csv = Path(coverage).with_name(Path(coverage).stem + "_summary.csv") if coverage else None
    if c and "coverage_summary" not in c and csv.exists():  # `spatial coverage` writes it as CSV
        c["coverage_summary"] = pd.read_csv(csv, encoding="utf-8-sig", dtype={"id": str})
    context = {"communities": c.get("communities", g.get("communities")),
               "network_edges": c.get("network_edges", g.get("network_edges"))}
    cov = {"isochrones": c.get("isochrones"), "gaps": c.get("gaps"), "summary": c.get("coverage_summary")}
    grid_opts = ("min_households", "max_households", "households_col", "label_col")
    cov_opts = ("bands", "speed_kmh", "slope", "band_col", "name_col")
    if g and c:
        opts = {k: v for k, v in options.items() if k not in ("households_col", "label_col", "band_col", "name_col")}
        return overview_map(g["grids"], c["demand"], c["stations"], sites=s.get("sites"),
                            **cov, **context, **opts)  # units are drawn as demand
    if sites:
        raise ValueError("sites are drawn on the overview: give both grids= and coverage=")
    if g:
        opts = {k: v for k, v in options.items() if k not in cov_opts}
        return grid_map(g["grids"], units=g.get("units"), **context, **opts)
    opts = {k: v for k, v in options.items() if k not in grid_opts}
    return coverage_map(c["demand"], c["stations"], **cov, **context, **opts)
