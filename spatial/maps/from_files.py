"""Maps of what ``spatial grids`` / ``coverage`` / ``site`` wrote to GeoPackages (for ``spatial map``)."""

from __future__ import annotations

import logging
import math
from pathlib import Path

import folium
import numpy as np
import pandas as pd

from spatial.core.errors import OptionError, SpatialError
from spatial.maps import _style as st
from spatial.maps._data import read_layers
from spatial.maps.interactive import coverage_map, grid_map, overview_map

__all__ = ["map_from_files"]

logger = logging.getLogger(__name__)


def map_from_files(
    *,
    grids: str | Path | None = None,
    coverage: str | Path | None = None,
    sites: str | Path | None = None,
    network_edges=None,
    **options,
) -> folium.Map:
    """The map of what ``spatial grids`` / ``coverage`` / ``site`` wrote to GeoPackages.

    Parameters
    ----------
    grids : path, optional
        GeoPackage with a ``grids`` layer, or the ``grid_scores`` of ``spatial grids --evaluate``
        (and optionally ``communities``, ``units``, ``network_edges``, and the ``report`` whose rows on
        a grid its popup shows).
    coverage : path, optional
        GeoPackage with ``demand`` (or ``coverage_demand``) and ``stations`` (optionally ``isochrones``, ``gaps``,
        ``coverage_summary``, ``communities``, ``network_edges``); the summary is also read from
        ``<name>_summary.csv`` beside it, as ``spatial coverage`` writes it.
    sites : path, optional
        GeoPackage with a ``sites`` layer; drawn over the coverage (needs ``coverage``).
    network_edges : GeoDataFrame of lines, optional
        Streets drawn as context (``spatial map --roads``), over the files' own ``network_edges``:
        the GeoPackages of ``spatial coverage`` and ``spatial run`` hold none, and offline, with no
        basemap, a map without streets shows gaps and stations on a blank page.
    **options
        Passed to :func:`grid_map`, :func:`coverage_map` or :func:`overview_map` (``lang``,
        ``tiles``, ``speed_kmh``, ``min_households`` ...). The walking speed is the one the
        coverage file records (``spatial coverage`` and ``spatial run`` write it into the
        ``demand`` layer's metadata; an older file's is worked out from its ``walk_m`` and
        ``walk_min``); ``speed_kmh`` is for a file that says none, and is refused when it
        differs from the file's. A file whose network is OpenStreetMap data gets its credit, and one
        whose report says the stations or homes look like GCJ-02/BD-09 numbers, the map's note.
        Without ``min_households`` and ``max_households``, grids whose ``band_status`` (written
        by ``spatial grids``) disagrees with the default band of 300-500 households were drawn
        for another band: they are coloured by their own status (``status_col``).

    Raises
    ------
    SpatialError
        ``speed_kmh`` differs from the speed the coverage file was made with.

    Returns
    -------
    folium.Map
        The overview when both ``grids`` and ``coverage`` are given, else the one map.
    """
    if grids is None and coverage is None:
        raise OptionError("map_from_files needs grids= (spatial grids' .gpkg) or coverage= (spatial coverage's "
                          ".gpkg), or both")
    # the grids of spatial grids (or spatial run), or of an evaluation (grid_scores) with its report's rows
    g = (read_layers(grids, [("grids", "grid_scores")], ["communities", "units", "network_edges", "report"], "grids")
         if grids else {})
    c = (read_layers(coverage, [("demand", "coverage_demand"), "stations"],
                     ["isochrones", "gaps", "coverage_summary", "communities", "network_edges", "report"],
                     "coverage")
         if coverage else {})
    if c:
        options = _coverage_source(coverage, c["demand"], options)
        from spatial.coverage._hints import hints_of_report

        # stations or homes that looked like Amap/Baidu numbers (the report's row): said on the map, as
        # on the maps of spatial run
        hints = hints_of_report(c.get("report"))
        if hints:
            c["demand"].attrs["coords_hints"] = hints
        from spatial.core._carnet import car_network

        if car_network(c.get("report")):  # a network with no footway (one for cars): said on the map too
            c["demand"].attrs["car_network"] = True
    dem_row = c["report"][c["report"]["layer"] == "dem"] if "report" in c and "layer" in c["report"] else []
    if len(dem_row) and "slope" not in options:  # walks timed on slopes: state the model by the speed
        from spatial.network.elevation import slope_note_of

        options = {**options, "slope": slope_note_of(dem_row.iloc[0], options.get("lang", "zh"))}
    s = read_layers(sites, ["sites"], ["report", "gaps"], "sites") if sites else {}
    if s and c.get("gaps") is not None:  # which gaps each site fills (spatial site's gaps layer), on the coverage's
        c["gaps"], s["sites"] = _fills_on(c["gaps"], s.get("gaps"), s["sites"], coverage, sites)
    if s:  # candidates read off Amap (spatial site's report): the new sites are off with them
        from spatial.coverage._hints import hints_of_report

        hints = hints_of_report(s.get("report"))
        if hints:
            s["sites"].attrs["coords_hints"] = hints
    if c and s:  # the sites chosen on the walks the coverage timed: both on slopes or both flat
        sited_dem = "report" in s and "layer" in s["report"] and (s["report"]["layer"] == "dem").any()
        if sited_dem != bool(len(dem_row)):
            logger.warning("the sites of %s were chosen on %s walks but the walks of %s are timed %s: the map's bands "
                           "and new sites are on different times; run %s again with the same --dem", sites,
                           *(("flat", coverage, "on slopes (its report has a dem row)", "spatial site") if len(dem_row)
                             else ("sloped (--dem)", coverage, "on flat ground", "spatial coverage")))
    csv = Path(coverage).with_name(Path(coverage).stem + "_summary.csv") if coverage else None
    if c and "coverage_summary" not in c and csv.exists():  # `spatial coverage` writes it as CSV
        from spatial.io.layers import read_table

        # as an office saves it again from Excel (GBK, a column added) and refused where Excel changed its ids
        summary = read_table(csv, name="coverage summary")
        if "id" in summary.columns:  # ids as text, as the communities' (12-digit codes read as numbers)
            summary["id"] = summary["id"].map(lambda v: v if pd.isna(v) else str(v))
        c["coverage_summary"] = summary
    if g and "min_households" not in options and "max_households" not in options and "status_col" not in options:
        from spatial.grids.plan import recorded_band

        band = recorded_band(grids)  # the band spatial grids / spatial run drew them for, in numbers
        options = {**options, **({"min_households": band[0], "max_households": band[1]} if band is not None else
                                 _band_of(g["grids"], options.get("households_col", "households")))}
    context = {"communities": c.get("communities", g.get("communities")),
               "network_edges": network_edges if network_edges is not None
               else c.get("network_edges", g.get("network_edges"))}
    cov = {"isochrones": c.get("isochrones"), "gaps": c.get("gaps"), "summary": c.get("coverage_summary")}
    grid_opts = ("min_households", "max_households", "households_col", "label_col", "status_col")
    cov_opts = ("bands", "speed_kmh", "slope", "band_col", "name_col")
    if g and c:
        if "grid_id" in c["demand"].columns and "grid_id" in g["grids"].columns:
            from spatial.coverage._summary import same_plan  # (no walking network loaded)

            # last month's coverage over this month's grids: homes would name grids they do not lie in
            same_plan(c["demand"], c["demand"]["grid_id"], g["grids"], "grid_id", "grids")
        opts = {k: v for k, v in options.items() if k not in ("households_col", "label_col", "band_col", "name_col")}
        return overview_map(g["grids"], c["demand"], c["stations"], sites=s.get("sites"), notes=g.get("report"),
                            **cov, **context, **opts)  # units are drawn as demand
    if sites and not c:
        raise OptionError("sites are drawn over the coverage: give coverage= (spatial coverage's .gpkg) too")
    if g:
        opts = {k: v for k, v in options.items() if k not in cov_opts}
        return grid_map(g["grids"], units=g.get("units"), notes=g.get("report"), **context, **opts)
    opts = {k: v for k, v in options.items() if k not in grid_opts}
    return coverage_map(c["demand"], c["stations"], sites=s.get("sites"), **cov, **context, **opts)


def _band_of(grids: pd.DataFrame, households_col: str) -> dict:
    """``{"status_col": "band_status"}`` when the grids' own status (``spatial grids`` writes it
    against the band it drew them for) disagrees with the default band of 300-500 households
    (a plan drawn with --min 200 --max 400 had 115 of its 211 grids, all in its band, drawn as
    under 300), else nothing: the map then checks them against the default band, in numbers."""
    if "band_status" not in grids.columns or households_col not in grids.columns:
        return {}
    status = grids["band_status"].astype(str).to_numpy()
    if not set(status) <= {"under", "in", "over"}:
        return {}
    hh = pd.to_numeric(grids[households_col], errors="coerce").to_numpy(dtype=float)
    default = np.where(hh < 300, "under", np.where(hh > 500, "over", "in"))
    return {} if (default == status).all() else {"status_col": "band_status"}


def _coverage_source(path, demand: pd.DataFrame, options: dict) -> dict:
    """``options`` with the walking speed the coverage file was made with and, when its network is
    OpenStreetMap data, the credit ODbL asks for (as ``spatial run``'s maps give it)."""
    import pyogrio

    from spatial.coverage._metadata import read_coverage_metadata
    from spatial.maps._style import OSM_ATTRIBUTION

    layer = "demand" if "demand" in {str(r[0]) for r in pyogrio.list_layers(path)} else "coverage_demand"
    speed, osm = read_coverage_metadata(pyogrio.read_info(path, layer=layer).get("layer_metadata"))
    source = "records" if speed is not None else "was walked at"
    if speed is None:
        speed = _speed_of_walks(demand)
    given = options.get("speed_kmh")
    if given is not None and speed is not None and not math.isclose(given, speed, rel_tol=1e-3):
        raise SpatialError(f"the speed asked for, {given:g} km/h, differs from the {speed:g} km/h the coverage in "
                           f"'{path}' {source}; leave --speed-kmh (speed_kmh=) out: the map states the file's")
    out = dict(options)
    if given is None and speed is not None:
        out["speed_kmh"] = speed
    if osm:
        credits = st.credit_list(out.get("credits"))
        out["credits"] = credits if OSM_ATTRIBUTION in credits else [OSM_ATTRIBUTION, *credits]
    return out


def _speed_of_walks(demand: pd.DataFrame) -> float | None:
    """The speed (km/h) a ``demand`` layer's ``walk_min`` was worked out at from its ``walk_m``
    (None when they do not tell one speed: no such columns, no walks, or walks timed on slopes)."""
    if not {"walk_m", "walk_min"} <= set(demand.columns):
        return None
    m = pd.to_numeric(demand["walk_m"], errors="coerce").to_numpy(dtype=float)
    t = pd.to_numeric(demand["walk_min"], errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(m) & np.isfinite(t) & (m > 1) & (t > 0)
    if not ok.any():
        return None
    speeds = m[ok] * 60.0 / (t[ok] * 1000.0)
    speed = float(np.median(speeds))
    if not np.allclose(speeds, speed, rtol=1e-6):  # slopes: each walk has its own pace
        return None
    return round(speed, 6)


def _fills_on(gaps, sited, sites, coverage, path):
    """``(gaps, sites)``: the coverage's ``gaps`` with ``filled_by`` and ``households_filled`` of
    ``spatial site``'s own ``gaps`` layer (``sited``) when the two are the same gaps (the same ids
    with the same households: the same walks); else, the sites' ``gaps`` (ids of gaps the map does
    not draw) left out, said once."""
    from spatial.siting._fills import FILL_COLUMNS

    if sited is None or not set(FILL_COLUMNS) <= set(sited.columns):  # sited before December 2026
        return gaps, sites
    def key(frame):
        return sorted(zip(frame["gap_id"].astype(str), pd.to_numeric(frame["households"], errors="coerce").round(6)))
    if "households" in gaps.columns and "households" in sited.columns and key(gaps) == key(sited):
        fills = sited.set_index(sited["gap_id"].astype(str))[FILL_COLUMNS]
        ids = gaps["gap_id"].astype(str)
        return gaps.assign(filled_by=ids.map(fills["filled_by"]).fillna("").to_numpy(),
                           households_filled=ids.map(fills["households_filled"]).to_numpy()), sites
    logger.warning("the gaps of %s are not those of %s (other walks or homes): which gaps each site fills is left "
                   "off the map; run spatial coverage and spatial site on the same files and options", path, coverage)
    return gaps, sites.drop(columns=["gaps"], errors="ignore")
