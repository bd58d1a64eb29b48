"""The steps of a project run, each calling the library's public functions in turn."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from spatial.core.checks import Report
from spatial.project._gridstep import extend_once as _extend_once
from spatial.project._gridstep import grid_roads, grid_roads_wanted
from spatial.project._gridstep import with_four_bounds as _with_four_bounds
from spatial.project._inputs import _find_columns, _opt, read_input, read_network_and_roads
from spatial.project._maps import run_maps, run_png
from spatial.project._tables import _about, _grid_summary, _moves_csv, _moves_words, _wgs84
from spatial.project.config import Project

logger = logging.getLogger(__name__)

def whole_network_m(network) -> float:
    """A walk no shortest walk on ``network`` can exceed (every edge once, plus both legs off it):
    the Dask run's margin when ``[coverage] max_walk_m`` is not given, so that every part sees all
    it needs and the Dask run gives what the one-process run gives."""
    return float(network.length_m.sum()) + 20_000.0


STEP_NAMES = ["read", "validate", "grids", "coverage", "siting", "write"]


def run_steps(project: Project, out: Path, steps, report: Report, *,
              scheduler: str | None = None) -> tuple[dict[str, Any], list[Path]]:
    """Run the steps of ``project`` into ``out``; return the computed layers and written files.

    With ``scheduler`` the grid and coverage steps run on Dask (:mod:`spatial.project.distributed`).
    """
    if scheduler is None:
        return _run_steps(project, out, steps, report, None)
    from spatial.core.errors import SpatialError
    from spatial.project.distributed import make_client

    from spatial.project._start import children, stop_quietly

    d = project.distributed
    before = children()
    try:
        client = make_client(scheduler, n_workers=d["n_workers"], memory_limit=d["memory_limit"],
                             timeout_s=d.get("connect_timeout_s", 10.0))
    except (OSError, TimeoutError) as exc:
        raise SpatialError(f"cannot reach the Dask scheduler {scheduler!r} ({str(exc).splitlines()[0] if str(exc) else type(exc).__name__}); "
                           "start it or check the address, or run without --scheduler") from exc
    with client:
        try:
            return _run_steps(project, out, steps, report, client)
        except KeyboardInterrupt:  # (or a SIGTERM raised as one): the cluster's workers stopped now, not after
            stop_quietly(before)  # 4 s of waiting for each busy one, with no CommClosedError traceback
            raise


def _run_steps(project: Project, out: Path, steps, report: Report, client) -> tuple[dict[str, Any], list[Path]]:

    layers: dict[str, Any] = {}
    with steps.step("read", layers):
        # the small layers first: a wrong column is found before the network is read
        for name in sorted(project.inputs, key=lambda n: n == "network"):
            if name == "network":
                project = _find_columns(project, layers)
                if grid_roads_wanted(project):  # one read of the file: the walks and the roads grids follow
                    layers["network"], layers["_grid_roads"] = read_network_and_roads(project.inputs["network"])
                    continue
            layers[name] = read_input(project.inputs[name], name)
        if "network" not in layers:
            project = _find_columns(project, layers)
        if isinstance(project.grids.get("lock"), dict) and project.grids.get("enabled", True):  # the lock list's file
            from spatial.project._inputs import read_lock

            layers["_lock"] = read_lock(project.grids["lock"])
    with steps.step("validate", layers):
        _validate(project, layers, report)
    with steps.step("grids", layers):
        if project.grids.get("enabled", True):
            _grids(project, layers, report, client)
    with steps.step("coverage", layers):
        if project.coverage.get("enabled", True) and "network" in layers and "stations" in layers:
            _coverage(project, layers, client, report)
    with steps.step("siting", layers):
        s = project.siting
        if s.get("enabled", True) and "coverage_demand" in layers and (s.get("k") or s.get("target")):
            _siting(project, layers, report)
    with steps.step("write", layers):
        layers["report"] = report.to_frame(zh_columns=True)  # the Chinese for the workbook; not in results.gpkg
        files = _write(project, layers, out)
    return layers, files


def _validate(project: Project, layers: dict, report: Report) -> None:
    from spatial.io.validate import validate_inputs
    from spatial.network.graph import edges_frame

    edges = edges_frame(layers["network"]) if "network" in layers else None
    if "buildings" in layers:  # units built from the buildings, as ``spatial grids --from-buildings``
        layers["units"] = _units_from_buildings(project, layers, edges, report)
    cleaned, rep = validate_inputs(
        communities=layers.get("communities"),
        units=layers.get("units"),
        stations=layers.get("stations"),
        network_edges=edges,
        households_col=_opt(project, "units", "households_col", "households"),
        unit_id_col=_opt(project, "units", "id_col", "unit_id"),
        community_id_col=_opt(project, "communities", "id_col", "community_id"),
        station_id_col=_opt(project, "stations", "id_col", "station_id"),
        population_col=_opt(project, "units", "population_col", "population"),
    )
    layers.update({k: v for k, v in cleaned.items() if v is not None})
    hh = _opt(project, "units", "households_col", "households")
    units = cleaned.get("units")
    if units is not None and "buildings" not in layers and len(units) and not (units[hh].to_numpy(float) > 0).any():
        from spatial.core.errors import ColumnError  # (all 0: every share 'nan', every grid under the band)

        raise ColumnError(f"'{project.inputs['units'].path.name}' column '{hh}' is 0 in every row ({len(units):,} rows): "
                          "there are no households to count; fill in the households, or name the column that holds "
                          "them with households_col = \"...\" in [inputs] units")
    if edges is not None:
        layers["network_edges"] = edges
        report.extend(_report_from_frame(layers["network"].report))
    report.extend(rep)


def _units_from_buildings(project: Project, layers: dict, edges, report: Report):
    """``[inputs] buildings`` (footprints or points with households): units that tile each
    community, cut by the roads (else the network file's roads, every class, as ``spatial grids
    --from-buildings --roads NETWORK`` cuts them) into street blocks."""
    from spatial.grids._footprints import say_over_band
    from spatial.grids.tessellation import units_from_buildings
    from spatial.io._rownames import building_id_column, building_names

    spec = project.inputs["buildings"]
    roads = grid_roads(project, layers, report)
    buildings = layers["buildings"]  # (the report names them as the planner finds them: 楼号 12栋 (fid 12), row 12)
    bid = building_id_column(buildings, project.grids.get("building_id_col"), layer=spec.path.name,
                             option="[grids] building_id_col")
    buildings = buildings.set_axis(building_names(buildings, spec.path, spec.layer, bid))
    units = units_from_buildings(buildings, layers["communities"],
                                 roads=roads if roads is not None else edges,
                                 households_col=spec.options.get("households_col", "households"),
                                 population_col=spec.options.get("population_col", "population"),
                                 floors_col=spec.options.get("floors_col"),
                                 community_id_col=_opt(project, "communities", "id_col", "community_id"),
                                 gated_col=project.grids.get("gated_col") or "gated", report=report)
    say_over_band(units, units["building_index"], spec.options.get("households_col", "households"),
                  project.grids.get("max_households"), report, option="max_households under [grids]")
    logger.info("built %d units from %d buildings in %s", len(units), len(layers["buildings"]), spec.path.name)
    return units


def _report_from_frame(frame: pd.DataFrame) -> Report:
    return Report.from_frame(frame)  # with the Chinese texts the frame carries


def _split_key(project: Project, communities) -> str:
    """The column that splits the work between Dask workers: ``[distributed] by``, else street,
    else the communities' id column."""
    cid = _opt(project, "communities", "id_col", "community_id")
    key = project.distributed.get("by") or ("street" if "street" in communities.columns else cid)
    if key not in communities.columns:
        from spatial.core.errors import ColumnError

        have = ", ".join(str(c) for c in communities.columns if c != communities.geometry.name)
        raise ColumnError(f"[distributed] by: the communities ({project.inputs['communities'].path.name}) have no "
                          f"column {key!r}; they have: {have}; give one of them, or leave by out (parts by "
                          "street, else by community)")
    return key


def _rule_pct(project: Project) -> float | None:
    """The rule near the mean the project's grids are drawn to: ``[grids] max_deviation_pct``, or
    the default 5% when new grids are drawn with balance "equal" (the report then names the grids
    off it; a redraw keeps to the band only), else None: what the editor flags grids by and the
    GeoPackage records."""
    g = project.grids
    if g.get("max_deviation_pct") is not None:
        return float(g["max_deviation_pct"])
    if g.get("balance", "band") == "equal" and project.inputs.get("plan") is None:
        from spatial.grids._objective import MAX_DEVIATION_PCT

        return float(MAX_DEVIATION_PCT)
    return None


def _grids(project: Project, layers: dict, report: Report, client=None) -> None:
    from spatial.grids.partition import partition_grids

    if "plan" in layers:
        from spatial.project._redraw import redraw

        return redraw(project, layers, report)
    g = project.grids
    roads = grid_roads(project, layers, report)  # every road class of the network file, as spatial grids --roads
    options = dict(
        households_col=_opt(project, "units", "households_col", "households"),
        population_col=_opt(project, "units", "population_col", "population"),
        min_households=g["min_households"],
        max_households=g["max_households"],
        roads=roads,
        blocks=g.get("blocks"),
        balance=g.get("balance", "band"),
        code_layout=g["code_layout"], object_type=g["object_type"],
        street_gap_m=g.get("street_gap_m", 30.0),
        restarts=g.get("restarts"),
        max_deviation_pct=g.get("max_deviation_pct"), gated_col=g.get("gated_col") or "gated",
        check_overlaps=False,  # validated with the other inputs
    )
    if client is None:
        result = partition_grids(layers["units"], layers["communities"], **options)
    else:
        from spatial.project.distributed import run_grids_distributed

        result = run_grids_distributed(layers["units"], layers["communities"], client=client,
                                       by=_split_key(project, layers["communities"]), **options)
    layers["grids"] = _with_four_bounds(result.grids, roads, layers["communities"], report)
    layers["units"] = result.units
    if "buildings" in layers:  # a footprint in parts: the grids drawn holding its parts, where more than one
        from spatial.grids._footprints import name_grids_of_parts

        name_grids_of_parts(report.rows, result.units,
                            unit_id_col=_opt(project, "units", "id_col", "unit_id"))
    _extend_once(report, result.report, layers)


def _coverage(project: Project, layers: dict, client=None, report: Report | None = None) -> None:
    from spatial.coverage.bands import make_bands
    from spatial.coverage.gaps import coverage_gaps
    from spatial.coverage.service_areas import isochrones
    from spatial.coverage.walks import KEPT_STATION, coverage_summary, report_reasons, walking_coverage

    c = project.coverage
    band_opts = {"minutes": c["minutes"] if not c.get("meters") else None, "meters": c.get("meters"),
                 "speed_kmh": c["speed_kmh"]}
    bands = make_bands(**band_opts)
    network = layers["network"]
    max_walk_m = c.get("max_walk_m")
    dem = layers.get("dem")
    if c.get("dem") is not None and dem is None:  # slopes: sampled once, used by walks, areas and siting
        from spatial.network.elevation import edge_times

        dem = layers["dem"] = edge_times(network, c["dem"])
        if report is not None:
            report.extend(_report_from_frame(dem.report))
    walk_opts = _walk_options(project, layers)
    if client is None:
        demand = walking_coverage(layers["units"], layers["stations"], network, max_snap_m=c["max_snap_m"],
                                  max_walk_m=max_walk_m, dem=dem, **band_opts, **walk_opts)
    else:
        # each part samples its own window of the DEM file
        part_opts = band_opts if dem is None else {**band_opts, "dem": c["dem"]}
        demand = _coverage_distributed(project, layers, client, max_walk_m or whole_network_m(network),
                                       {**part_opts, **walk_opts})
    layers["coverage_demand"] = demand
    if report is not None:  # every unit the demand layer marks with a reason is in the report too
        report_reasons(report, demand, "coverage_demand", id_col=_opt(project, "units", "id_col", "unit_id"))
    cid = _opt(project, "communities", "id_col", "community_id")
    placed = _placed(project, demand, layers.get("communities"))  # placed once, for both summaries
    layers["coverage_summary"] = coverage_summary(
        placed, bands=bands, communities=layers.get("communities"),
        grids=layers.get("grids"), households_col=_opt(project, "units", "households_col", "households"),
        population_col=_opt(project, "units", "population_col", "population"), community_id_col=cid)
    layers["isochrones"] = isochrones(layers["stations"], network, cell_m=c["cell_m"],
                                      max_snap_m=c["max_snap_m"], dem=dem, study_area=layers.get("communities"),
                                      **band_opts, **walk_opts)
    gap_band = c.get("gap_band") or bands[-1].label
    layers["gaps"], gap_of = coverage_gaps(placed, network, band=gap_band, max_snap_m=c["max_snap_m"],
                                   detour_factor=c["detour_factor"],
                                   households_col=_opt(project, "units", "households_col", "households"),
                                   population_col=_opt(project, "units", "population_col", "population"),
                                   speed_kmh=c["speed_kmh"], dem=dem, barriers=walk_opts["barriers"],
                                   gates=walk_opts["gates"],
                                   community_id_col=cid,  # each gap's community, as the summary places homes
                                   points=True)
    layers["gap_of"] = gap_of["gap_id"]  # each home's gap: the siting says which gaps its sites fill
    _station_load(project, layers, bands[-1].limit_m, walk_opts, placed)
    if report is not None:  # a station serving nobody (off the network, or its homes all nearer
        # another) in the 数据问题清单 with its reason, as spatial coverage's report layer lists it
        stations = layers["stations"]
        report_reasons(report, pd.DataFrame({"station_id": stations["station_id"].to_numpy(),
                                             "reason": stations["reason"].to_numpy()}),
                       "stations", id_col="station_id", action=KEPT_STATION)


def _walk_options(project: Project, layers: dict) -> dict:
    """Walks over unmapped ground, the same for coverage, station load and siting."""
    c = project.coverage
    return {"detour_factor": c["detour_factor"], "max_off_network_m": c["max_off_network_m"],
            "gates": layers.get("gates"), "barriers": layers.get("barriers")}


def _station_load(project: Project, layers: dict, limit_m: float, walk_opts: dict, placed) -> None:
    """Each station's catchment and floor area per 100 households; 2SFCA per home and community
    (``placed``: the demand with each home's community as the grid step placed it)."""
    from spatial.coverage.load import fca_by_community, station_fca, station_load
    from spatial.coverage.walks import station_snaps

    c = project.coverage
    hh = _opt(project, "units", "households_col", "households")
    sid = "station_id"  # as walking_coverage was given (validate_inputs names it so)
    area = c["station_area_col"]
    if area == "floor_area_m2" and area not in layers["stations"].columns:  # the default: 建筑面积, 面积 ...
        from spatial.io.columns import find_column

        area = find_column(layers["stations"], "floor_area", layer="stations", required=False) or area
        if area != "floor_area_m2":
            logger.warning("stations: using column %s as floor_area_m2", area)
    # why a station serves nobody (too far from the network: a typo, one outside the area), as spatial
    # coverage's stations layer says it: the maps' popups, the KMZ and results.gpkg carry it
    why = station_snaps(layers["stations"], layers["network"], max_snap_m=c["max_snap_m"], **walk_opts).reason
    stations = station_load(layers["coverage_demand"], layers["stations"].assign(reason=why.astype(str)),
                            station_id_col=sid, area_col=area, households_col=hh, min_m2_per_100hh=c["min_m2_per_100hh"],
                            population_col=_opt(project, "units", "population_col", "population"))
    if area in stations.columns:
        dem = None if c.get("meters") else layers.get("dem")  # minutes on slopes: the coverage's own times
        demand, fca = station_fca(layers["coverage_demand"], layers["stations"], layers["network"], limit_m=limit_m,
                                  decay_sigma_m=c["fca_decay_sigma_m"], area_col=area, households_col=hh,
                                  station_id_col=sid, max_snap_m=c["max_snap_m"], dem=dem, **walk_opts)
        stations["fca_m2_per_100hh"] = fca["fca_m2_per_100hh"].to_numpy()
        layers["coverage_demand"] = demand
        layers["fca_by_community"] = fca_by_community(
            _with_communities(project, demand, placed), households_col=hh,
            min_m2_per_100hh=c["min_m2_per_100hh"], communities=layers.get("communities"),
            community_id_col=_opt(project, "communities", "id_col", "community_id"))
    layers["stations"] = stations


def _coverage_distributed(project: Project, layers: dict, client, max_walk_m: float, band_opts: dict):
    """Coverage on Dask, split like the grids: every unit carries its part's key for the run."""
    from spatial.project.distributed import run_coverage_distributed

    units, communities = layers["units"], layers["communities"]
    key = _split_key(project, communities)
    added = key not in units.columns
    if added:
        units = units.assign(**{key: _unit_keys(project, units, communities, key)})
    demand = run_coverage_distributed(units, layers["stations"], layers["network"], by=key, client=client,
                                      max_walk_m=max_walk_m, max_snap_m=project.coverage["max_snap_m"],
                                      **band_opts)
    return demand.drop(columns=key) if added else demand


def _unit_keys(project: Project, units, communities, key: str) -> pd.Series:
    """Each unit's value of the communities' column ``key``, from its community as the grid step
    places it: the units' community id column where given, else the community most of it lies in
    (units outside every community get no value: they form a part of their own)."""
    import numpy as np

    pos = _community_pos(project, units, communities)
    values = communities[key].to_numpy(dtype=object)
    return pd.Series(np.where(pos >= 0, values[np.maximum(pos, 0)], None), index=units.index, dtype=object)


def _community_pos(project: Project, units, communities):
    """Each unit's community (its position in ``communities``, -1 for none) by the grid step's
    rule: the units' community id where given, else the community most of it lies in."""
    from spatial.grids._units import community_positions

    return community_positions(units, communities,  # (reported by validate)
                               community_id_col=_opt(project, "communities", "id_col", "community_id"),
                               unit_id_col=_opt(project, "units", "id_col", "unit_id"))


def _with_communities(project: Project, frame, placed):
    """``frame`` (rows as in ``placed``) with ``placed``'s community id column."""
    cid = _opt(project, "communities", "id_col", "community_id")
    if cid not in placed.columns or len(frame) != len(placed):
        return frame
    return frame.assign(**{cid: placed[cid].to_numpy()})


def _placed(project: Project, demand, communities):
    """``demand`` with each home's community id (``[inputs] communities`` id column) as the grid
    step placed its unit, for the summaries per street and community: a unit partly in a
    community but centred outside it is counted there, as its grid is (not under '(none)')."""
    import numpy as np

    if communities is None or not len(demand):
        return demand
    cid = _opt(project, "communities", "id_col", "community_id")
    pos = _community_pos(project, demand, communities)
    ids = communities[cid].to_numpy(dtype=object)
    return demand.assign(**{cid: np.where(pos >= 0, ids[np.maximum(pos, 0)], None)})


def _largest_band(project: Project) -> str:
    """The label of the project's largest coverage band (``15min``, or ``1000m`` with ``meters``)."""
    from spatial.coverage.bands import make_bands

    c = project.coverage
    return make_bands(minutes=c["minutes"] if not c.get("meters") else None, meters=c.get("meters"),
                      speed_kmh=c["speed_kmh"])[-1].label


def _siting(project: Project, layers: dict, report: Report) -> None:
    from spatial.siting.sites import fill_gaps, site_stations

    s, c = project.siting, project.coverage
    band_opts = {"minutes": c["minutes"] if not c.get("meters") else None, "meters": c.get("meters"),
                 "speed_kmh": c["speed_kmh"]}
    # each home in its community as the grid step placed it, as the coverage summary counts it: the
    # before/after table has the same community rows (without the units' own community id, it had none)
    demand = _placed(project, layers["coverage_demand"], layers.get("communities"))
    cid = _opt(project, "communities", "id_col", "community_id")
    if cid != "community_id" and cid in demand.columns and "community_id" not in demand.columns:
        demand = demand.rename(columns={cid: "community_id"})  # the column the before/after groups by
    result = site_stations(
        demand, layers["stations"], layers["network"],
        candidates=layers.get("candidates"), k=s.get("k"), target=s.get("target"),
        band=s.get("band") or _largest_band(project), max_snap_m=c["max_snap_m"],
        min_floor_area_m2=s.get("min_floor_area_m2"), candidate_spacing_m=s.get("candidate_spacing_m") or 100.0,
        capacity_households=s.get("capacity_households"), time_limit_s=s.get("time_limit_s") or 30.0,
        dem=layers.get("dem"), **band_opts,
        **_walk_options(project, layers))
    layers["sites"] = result.sites
    if layers.get("gap_of") is not None and layers.get("gaps") is not None and result.band.label == (
            project.coverage.get("gap_band") or _largest_band(project)):  # the gaps of the band sited for
        layers["gaps"], layers["sites"] = fill_gaps(layers["gaps"], result, layers["gap_of"],
                                                    _opt(project, "units", "households_col", "households"))
    layers["sites_before_after"] = result.before_after
    layers["siting_optimality"] = result.optimality
    # candidates left out, each with its reason; the homes no walk reaches are rows of
    # coverage_demand already (same units, same reason): not said twice
    said = {(r["row_id"], r["problem"]) for r in report.rows if r["layer"] == "coverage_demand"}
    # nor the elevations' dem row and flat edges, said when the coverage sampled the same DEM
    seen = {(r["layer"], r["row_id"], r["problem"]) for r in report.rows if r["layer"] in ("dem", "network")}
    # nor the hint that the stations or homes look like Amap numbers, said by the coverage of the same layers
    seen |= {(r["layer"], r["row_id"], r["problem"]) for r in report.rows if r["row_id"] == "-"}
    # nor a station off the network, said by the coverage (kept; serves nobody) with the same reason
    seen |= {(r["layer"], r["row_id"], r["problem"]) for r in report.rows if r["layer"] == "stations"}
    report.rows.extend(r for r in _report_from_frame(result.report).rows
                       if not (r["layer"] == "demand" and (r["row_id"], r["problem"]) in said)
                       and (r["layer"], r["row_id"], r["problem"]) not in seen)


def _write(project: Project, layers: dict, out: Path) -> list[Path]:
    from spatial.io.layers import write_layers, write_shapefile
    from spatial.io.tables import write_csv
    from spatial.io.workbook import csv_figures, integer_counts, station_load_table

    files: list[Path] = []
    names = ["communities", "grids", "units", "moves", "stations", "coverage_demand", "isochrones", "gaps",
             "sites", "report"]
    # counts as integers (412 households, not 412.0), as the input gave them
    keep = {n: _wgs84(layers[n]) for n in names if n in layers and layers[n] is not None}
    keep = {n: integer_counts(v) if isinstance(v, pd.DataFrame) else v for n, v in keep.items()}
    gpkg = out / "results.gpkg"
    if gpkg.exists():
        gpkg.unlink()
    meta = {}
    if "coverage_demand" in keep:  # what `spatial map --coverage results.gpkg` states and credits
        from spatial.coverage.walks import coverage_metadata

        meta["coverage_demand"] = coverage_metadata(project.coverage["speed_kmh"],
                                                    getattr(layers.get("network"), "from_osm", True))
    if "grids" in keep:  # the band of the grids' band_status, which the editor and the map check them against
        from spatial.grids.plan import band_metadata

        meta["grids"] = band_metadata(project.grids["min_households"], project.grids["max_households"],
                                      _rule_pct(project), layers.get("_retired", ()), project.grids.get("gated_col"))
    from spatial.maps._gis_styles import GEOMETRY_TYPES, qgis_styles

    # QGIS opens the layers drawn as the web maps draw them (layer_styles); an empty layer keeps its type
    write_layers(keep, gpkg, metadata=meta or None, styles=qgis_styles(keep, lang=project.outputs.get("lang", "zh")),
                 geometry_types=GEOMETRY_TYPES)
    files.append(gpkg)
    lang = project.outputs.get("lang", "zh")  # a Chinese run's CSVs say each code as the sheet and map do
    for name in ("coverage_summary", "sites_before_after", "fca_by_community"):
        if name in layers:
            path = out / f"{name}.csv"
            write_csv(csv_figures(layers[name], lang=lang), path)
            files.append(path)
    load = None
    if "stations" in layers and "coverage_demand" in layers:  # the tables officials act on
        # the stations' own id, name, type, community and area and their load: no 站长's phone
        load = station_load_table(layers["stations"], area_col=project.coverage.get("station_area_col"))
        path = out / "station_load.csv"
        write_csv(csv_figures(load, lang=lang), path)
        files.append(path)
    if "gaps" in layers and "coverage_demand" in layers:
        path = out / "gaps.csv"
        write_csv(csv_figures(pd.DataFrame(_wgs84(layers["gaps"]).drop(columns="geometry", errors="ignore")), lang=lang),
                  path)
        files.append(path)
    if "grids" in layers:
        path = out / "grids.csv"
        write_csv(csv_figures(layers["grids"], lang=lang), path)
        files.append(path)
    if "moves" in layers:  # a redrawn plan: which units changed grid, and why
        path = out / "moves.csv"
        write_csv(_moves_csv(layers["moves"], lang), path)
        files.append(path)
    o = project.outputs
    if o.get("shapefile"):
        for name in ("grids", "units"):
            if name in layers:
                shp = write_shapefile(layers[name], out / "shapefile" / f"{name}.shp",  # with its QGIS style
                                      style=qgis_styles({name: layers[name]}, lang=o.get("lang", "zh")).get(name))
                files.append(shp)
    if o.get("workbook") and ("coverage_summary" in layers or "grids" in layers):
        from spatial.io.workbook import write_workbook

        # a project that draws grids only (no stations yet) writes its grid table too: the copy
        # Excel opens with the 20-digit codes intact (grids.csv shows them as 1.00E+19)
        covered = "coverage_summary" in layers
        summary = layers["coverage_summary"] if covered else _grid_summary(layers["grids"], layers.get("communities"))
        about = _about(project, layers)
        if not covered:  # the 说明 sheet states no walking speed or bands for a run that walked nothing
            about = {k: about[k] for k in ("min_households", "max_households", "credits")}
        files.append(write_workbook(out / "summary.xlsx", summary,
                                    grids=layers.get("grids"), sites=layers.get("sites"),
                                    before_after=layers.get("sites_before_after"),
                                    report=layers.get("report"), communities=layers.get("communities"),
                                    about=about, lang=o.get("lang", "zh"),
                                    gaps=layers.get("gaps"),
                                    station_load=load,
                                    moves=_moves_words(layers.get("moves"), o.get("lang", "zh"))))
    if o.get("kml"):
        from spatial.maps.kmz import results_kmz

        dem = layers.get("dem")  # the gaps' minutes on the slopes: each gap says the model, as the maps
        files.append(results_kmz(out / "results.kmz", layers, lang=o.get("lang", "zh"),
                                 slope=None if dem is None else dem.describe(o.get("lang", "zh"))))
    if o.get("maps"):
        files.extend(run_maps(project, layers, out, rule_pct=_rule_pct(project)))
    if o.get("png"):  # magenta = beyond the gaps' band
        files.append(run_png(project, layers, out, band=project.coverage.get("gap_band") or _largest_band(project)))
    return files
