"""Province scale on Dask: the grid and coverage jobs split by street or city, one task per part.

Dask (``dask.distributed``) schedules the tasks, on a ``LocalCluster`` or any cluster whose
scheduler address is given; nothing here is a home-made pool. The client splits the inputs by a
plain column value (grids nest in communities, so the grid job splits by the communities'
``street`` or city column) and writes each part as GeoParquet; each worker reads only its part
and runs the single-process engine on it, so results are identical to one call on everything:

* grids: the client repairs geometries and chooses the metric CRS once for the whole input (a
  local UTM zone estimated per part could differ between parts), places every unit in its part
  with the engine's own rule, and numbers grid codes and staffs grids on the whole table at the
  end (their numbering depends on the CRS too). Grid ids (``<community_id>-NN``) and the local
  search are per community, so nothing else depends on which communities share a task.
* coverage: a city's task gets its demand points, the stations within ``max_walk_m`` of the
  city's bounding box and the network edges within ``max_walk_m`` plus the longest leg to the
  network (``max_snap_m``, or ``max_off_network_m`` for estimated walks) of it, read from one
  GeoParquet edge file through its covering bbox column. Any walk of at most ``max_walk_m``
  from a point of the city stays inside that box, so walks, bands and nearest stations up to
  ``max_walk_m`` are exact; longer walks are cut off (``walk_m = inf``) in both runs alike.
  ``max_walk_m`` defaults to the largest band.

Memory per worker is bounded by the largest part (street or city), not the province; the client
holds the province's layers, as the single-process run does. For a remote cluster, ``workdir``
must be a path that the client and every worker see (a shared file system).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import logging
import signal
import tempfile
import threading
import time
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyproj
import shapely

from spatial.core.checks import (
    Report,
    check_households,
    metric_crs,
    repair_geometries,
    require_columns,
    require_crs,
    require_unique,
)
from spatial.core.errors import NetworkError, OptionError, OptionTypeError, SpatialError
from spatial.coverage.bands import DEFAULT_MINUTES, DEFAULT_SPEED_KMH, make_bands
from spatial.coverage.walks import (COVERAGE_COLUMNS, DEFAULT_DETOUR_FACTOR, DEFAULT_MAX_OFF_NETWORK_M, _households,
                                    search_limit_m)
from spatial.grids._explain import band_fit_rows, explain_band_fit
from spatial.grids._units import community_of
from spatial.grids.partition import GridResult, _codes_and_staff
from spatial.network.elevation import FASTEST
from spatial.network.graph import WalkNetwork
from spatial.network.read import read_network
from spatial.network.snapping import home_frame, polygon_points
from spatial.project._partnotes import say_of_whole
from spatial.project._start import started_apart
from spatial.project._split import coverage_task, grid_task, part_keys, say_warnings, write_edges

logger = logging.getLogger(__name__)

__all__ = ["make_client", "network_to_parquet", "run_grids_distributed", "run_coverage_distributed"]

_INSTALL = "pip install 'spatial[dask]'"


def _dask():
    """``dask.distributed``, or an ImportError saying how to install it."""
    try:
        import dask.distributed as dd
        import pyarrow  # noqa: F401  (GeoParquet parts)
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(f"spatial.project.distributed needs Dask and pyarrow: {_INSTALL}") from exc
    return dd


def make_client(scheduler: str = "local", *, n_workers: int = 2, threads_per_worker: int = 1,
                memory_limit: str | int = "2GiB", processes: bool = True, timeout_s: float = 10.0):
    """A Dask client: a new ``LocalCluster`` (``"local"``) or one connected to a scheduler address.

    Parameters
    ----------
    scheduler : str
        ``"local"`` for a LocalCluster on this machine, else a scheduler address such as
        ``"tcp://10.0.0.5:8786"`` (options below are then ignored: the cluster has its workers).
    n_workers, threads_per_worker : int
        Size of the LocalCluster (one thread per worker by default: the engines are single-threaded
        numpy/GEOS code and a process per core avoids the GIL).
    memory_limit : str or int
        Per-worker memory limit of the LocalCluster, e.g. ``"2GiB"``.
    processes : bool
        Worker processes (default) or threads in this process (quick for tests).
    timeout_s : float
        How long to try to reach a scheduler address before giving up (``OSError``).

    Returns
    -------
    distributed.Client
        Close it with ``client.close()`` (a LocalCluster it started closes with it).
    """
    dd = _dask()
    if scheduler == "local":
        if n_workers < 1 or threads_per_worker < 1:
            raise OptionError(f"n_workers and threads_per_worker must be whole numbers >= 1, got {n_workers!r}, "
                              f"{threads_per_worker!r}")
        return started_apart(lambda: dd.Client(n_workers=n_workers, threads_per_worker=threads_per_worker,
                                               memory_limit=memory_limit, processes=processes, dashboard_address=":0"))
    if not isinstance(scheduler, str) or not scheduler:
        raise OptionError(f"scheduler must be 'local' or a scheduler address like 'tcp://host:8786', not {scheduler!r}")
    return dd.Client(scheduler, timeout=f"{timeout_s}s")


@contextlib.contextmanager
def _session(client, workdir):
    """The given client (or a temporary LocalCluster) and a work directory (or a temporary one)."""
    own = client is None
    client = make_client() if own else client
    tmp = tempfile.TemporaryDirectory(prefix="spatial-dask-") if workdir is None else None
    path = Path(tmp.name if tmp is not None else workdir)
    path.mkdir(parents=True, exist_ok=True)
    try:
        yield client, path
    finally:
        if own:
            client.close()
        if tmp is not None:
            tmp.cleanup()


def _known(options: Mapping, engine: str, *, exclude: tuple[str, ...]) -> None:
    """Refuse options the engine does not take, before any part is written (not late, in a worker)."""
    from spatial.coverage import walks as coverage
    from spatial.grids import partition as grids

    fn = {"partition_grids": grids.partition_grids, "walking_coverage": coverage.walking_coverage}[engine]
    names = set(inspect.signature(fn).parameters) - set(exclude)
    bad = sorted(set(options) - names)
    if bad:
        raise OptionTypeError(f"{engine} has no option {', '.join(map(repr, bad))}; it takes: {', '.join(sorted(names))}")


def _gather(client, futures: list, what: str) -> list:
    """Results of ``futures`` in submission order, logging progress."""
    dd = _dask()
    t0 = time.perf_counter()
    done = 0
    for _ in dd.as_completed(futures):
        done += 1
        logger.debug("%s: %d of %d parts done", what, done, len(futures))
    results = client.gather(futures)
    logger.info("%s: %d parts in %.1f s", what, len(futures), time.perf_counter() - t0)
    for r in results:  # per-part sizes, times and worker memory, for benchmarks and logs
        stats = {k: v for k, v in r.items() if isinstance(v, (int, float))}
        logger.debug("%s part: %s", what, stats, extra={"part_stats": {"job": what, **stats}})
    return results


# ----------------------------------------------------------------------------- grids


def run_grids_distributed(units: gpd.GeoDataFrame, communities: gpd.GeoDataFrame, *, by: str = "street",
                          client=None, workdir: str | Path | None = None, **grid_options) -> GridResult:
    """:func:`spatial.grids.partition.partition_grids` run on Dask, one task per street (or city).

    Parameters
    ----------
    units, communities : GeoDataFrame
        As for :func:`~spatial.grids.partition.partition_grids`; ``communities`` must have the ``by`` column.
    by : str
        Column of ``communities`` that splits the job (``street``, a city column ...). Communities
        with no value form one more part.
    client : distributed.Client, optional
        From :func:`make_client`; default a LocalCluster of 2 workers for this call.
    workdir : path, optional
        Where the GeoParquet parts go (default a temporary directory, removed afterwards). Must be
        visible to every worker.
    **grid_options
        Options of :func:`~spatial.grids.partition.partition_grids` (``n_grids`` only as a mapping per
        community; a province total would be apportioned across parts).

    Returns
    -------
    GridResult
        Identical to ``partition_grids(units, communities, **grid_options)``; the report holds the
        same rows (in part order).
    """
    opts = dict(grid_options)
    _known(opts, "partition_grids", exclude=("units", "communities"))
    if opts.get("n_grids") is not None and not isinstance(opts["n_grids"], Mapping):
        raise OptionError("run_grids_distributed takes n_grids only as a mapping {community_id: grids}; "
                         "a province total cannot be apportioned part by part")
    code_layout = opts.pop("code_layout", "cjt349")
    object_type = opts.pop("object_type", "000000")
    roads = opts.pop("roads", None)
    unit_id_col = opts.get("unit_id_col", "unit_id")
    community_id_col = opts.get("community_id_col", "community_id")
    households_col = opts.get("households_col", "households")
    crs_in = require_crs(units, "units")
    require_crs(communities, "communities")
    require_columns(communities, [community_id_col, by], "communities")
    require_unique(communities, community_id_col, "communities")
    has_id = unit_id_col in units.columns
    if has_id:
        require_unique(units, unit_id_col, "units")
    else:
        require_unique(units, None, "units")
    hh_all = check_households(units, households_col, "units", id_col=unit_id_col if has_id else None)

    report = Report()
    units_v = repair_geometries(units, "units", report, id_col=unit_id_col if has_id else None)
    comms_v = repair_geometries(communities, "communities", report, id_col=community_id_col)
    crs_m = metric_crs(units, communities)
    units_m, comms_m = units_v.to_crs(crs_m), comms_v.to_crs(crs_m)
    unit_ids = units[unit_id_col].to_numpy() if has_id else units.index.to_numpy()
    comm_of = community_of(np.asarray(units_m.geometry.values, dtype=object),
                            np.asarray(comms_m.geometry.values, dtype=object),
                            communities[community_id_col].to_numpy(), units, community_id_col, unit_ids, Report())
    ckey = part_keys(communities[by])
    keys = pd.unique(ckey)
    cpart = pd.Index(keys).get_indexer(ckey)
    # units outside every community go with the first part, whose engine reports them
    upart = np.where(comm_of >= 0, cpart[np.maximum(comm_of, 0)], 0)
    # the engine refuses a call without units: parts holding none join the largest part
    sizes = np.bincount(upart, minlength=len(keys))
    if (sizes == 0).any():
        cpart = np.where(sizes[cpart] == 0, int(np.argmax(sizes)), cpart)
    logger.info("grids: %d units, %d communities in %d parts by '%s'", len(units), len(communities), len(keys), by)

    extra = [opts.get(k, d) for k, d in (("households_col", "households"), ("population_col", "population"),
                                         ("buildings_col", "buildings"), ("gated_col", "gated"))]
    extra += [opts[k] for k in ("together", "locked", "blocks") if isinstance(opts.get(k), str)]
    cols = [c for c in dict.fromkeys([unit_id_col, community_id_col, *extra]) if c in units.columns]
    roads_m = roads.to_crs(crs_m) if roads is not None and require_crs(roads, "roads") else None
    road_pad = float(opts.get("road_buffer_m", 5.0)) + 1.0

    with _session(client, workdir) as (cl, path):
        futures, outs = [], []
        order = np.argsort(-np.bincount(upart, minlength=len(keys)), kind="stable")  # big parts first
        for k in order:
            uidx = np.flatnonzero(upart == k)
            cidx = np.flatnonzero(cpart == k)
            if len(uidx) == 0 and len(cidx) == 0:
                continue
            # the units in their own CRS, the communities in the metric one: the engine then works
            # in crs_m and measures and returns the grids in the input's CRS, as one call does
            part_units = units_v.iloc[uidx][[*cols, units_v.geometry.name]].copy()
            part_units["_row"] = uidx
            part_comms = comms_m.iloc[cidx][[community_id_col, comms_m.geometry.name]]
            up, cp, out = (str(path / f"grids{k:05d}_{s}.parquet") for s in ("units", "comms", "out"))
            part_units.to_parquet(up)
            part_comms.to_parquet(cp)
            rp = None
            if roads_m is not None:
                box = shapely.box(*shapely.total_bounds(np.r_[units_m.geometry.values[uidx],
                                                              part_comms.geometry.values]))
                hit = roads_m.sindex.query(shapely.buffer(box, road_pad, join_style="mitre"), predicate="intersects")
                rp = str(path / f"grids{k:05d}_roads.parquet")
                keep = [c for c in ("kind", "highway", "waterway") if c in roads_m.columns]  # arterials, rivers
                roads_m.iloc[np.sort(hit)][[*keep, roads_m.geometry.name]].to_parquet(rp)
            part_opts = _subset_labels(opts, set(unit_ids[uidx].tolist()))
            if isinstance(opts.get("n_grids"), Mapping):  # each part the counts of its own communities
                part_opts["n_grids"] = _part_counts(opts["n_grids"], communities[community_id_col].to_numpy(),
                                                    cidx, first=k == order[0])
            futures.append(cl.submit(grid_task, up, cp, rp, out, part_opts, pure=False))
            outs.append((k, out))
        results = _gather(cl, futures, "grids")
        pos = {k: i for i, (k, _) in enumerate(outs)}
        parts = [gpd.read_parquet(out) for _, out in sorted(outs)]
        results = [results[pos[k]] for k, _ in sorted(outs)]
        say_warnings(results)  # each part's warnings, each once (as one call says them)

    grids = pd.concat(parts, ignore_index=True)
    cpos = pd.Series(np.arange(len(communities)), index=communities[community_id_col].to_numpy())
    grids = grids.iloc[np.argsort(cpos.loc[grids["community_id"].to_numpy()].to_numpy(), kind="stable")]
    # (each part reprojected by partition_grids: a polygon the rounding to degrees makes invalid is repaired)
    grids = gpd.GeoDataFrame(grids.reset_index(drop=True), geometry=grids.geometry.name, crs=crs_in)
    grid_of = np.full(len(units), None, dtype=object)
    for r in results:
        ids = r["units"]["grid_id"].to_numpy(object)
        grid_of[r["units"]["_row"].to_numpy()] = np.where(pd.isna(ids), None, ids)
    out_units = units.copy()
    out_units["grid_id"] = pd.Series(grid_of, index=units.index, dtype=object)
    part_report = pd.concat([r["report"] for r in results], ignore_index=True)
    grids = _codes_and_staff(grids, communities, community_id_col, code_layout, report, object_type=object_type)
    # a households column unfit for the band: said once, of all the units and first, as one call
    # says it (each part's engine judged its own units: a row each, or none where the whole has one)
    fit = Report()
    explain_band_fit(fit, hh_all.to_numpy(dtype=float), households_col, float(opts.get("max_households", 500)))
    part_report = part_report.loc[~band_fit_rows(part_report)]
    frame = pd.concat([fit.to_frame(zh_columns=True), report.to_frame(zh_columns=True), part_report],
                      ignore_index=True)
    once = frame["row_id"].eq("-") & frame.duplicated()  # layer-wide notes repeat once per part
    return GridResult(grids, out_units, frame.loc[~once].reset_index(drop=True))


def _part_counts(n_grids: Mapping, comm_ids: np.ndarray, cidx: np.ndarray, *, first: bool) -> dict:
    """The entries of ``n_grids`` for the communities at ``cidx`` (a key matching an id or its
    text, as the engine matches them); keys matching no community go with the ``first`` part,
    whose engine reports them once."""
    def norm(v):
        return str(v).strip()

    mine = {norm(c) for c in comm_ids[cidx]}
    known = {norm(c) for c in comm_ids}
    return {key: v for key, v in n_grids.items() if norm(key) in mine or (first and norm(key) not in known)}


def _subset_labels(opts: dict, ids: set) -> dict:
    """Options with ``locked`` / ``together`` / ``blocks`` mappings cut down to the part's unit ids."""
    out = dict(opts)
    text = {str(u).strip() for u in ids}  # keys may be the ids' text, as the engine matches them
    for k in ("locked", "together", "blocks"):
        spec = opts.get(k)
        if isinstance(spec, (Mapping, pd.Series)):
            out[k] = {u: g for u, g in spec.items() if u in ids or str(u).strip() in text}
    return out


# ----------------------------------------------------------------------------- coverage


def network_to_parquet(network, path: str | Path, **read_options) -> Path:
    """Write a walking network as the GeoParquet edge file that coverage workers read by bbox.

    Parameters
    ----------
    network : WalkNetwork, path or graph
        A :class:`~spatial.network.graph.WalkNetwork`, or any source of :func:`~spatial.network.read.read_network`
        (read here with ``read_options``: components and highway classes are chosen once, for the
        whole province, exactly as in a single-process run).
    path : path
        The ``.parquet`` file to write.

    Returns
    -------
    pathlib.Path
    """
    net = network if isinstance(network, WalkNetwork) else read_network(network, **read_options)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_edges(net, path)
    logger.info("network: %d edges written to %s", net.n_edges, path)
    return path


def _parquet_crs(path: Path) -> pyproj.CRS:
    """CRS of a GeoParquet file from its metadata, without reading the rows."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    if b"geo" not in meta:
        raise NetworkError(f"{path} is not a GeoParquet edge file; write it with network_to_parquet(network, path)")
    geo = json.loads(meta[b"geo"])
    crs = geo["columns"][geo["primary_column"]].get("crs", "OGC:CRS84")
    if crs is None:
        raise NetworkError(f"edge file {path} has no CRS; write it with network_to_parquet(network, path)")
    return pyproj.CRS.from_user_input(crs if isinstance(crs, str) else json.dumps(crs))


def _rep_xy(gdf: gpd.GeoDataFrame, crs, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Representative points of a layer in ``crs`` (as ``snapping.layer_xy`` takes them) and their xy."""
    geom = gdf.geometry if require_crs(gdf, name) == crs else gdf.geometry.to_crs(crs)
    values = np.asarray(geom.values, dtype=object)
    pts = np.full(len(values), None, dtype=object)
    good = ~(shapely.is_missing(values) | shapely.is_empty(values))
    g = values[good]
    shapes = shapely.get_type_id(g) != 0
    g[shapes] = polygon_points(g[shapes], crs, home_frame(geom.total_bounds, crs))
    pts[good] = g
    xy = np.full((len(values), 2), np.nan)
    xy[good] = shapely.get_coordinates(pts[good].astype(object))
    return pts, xy


def _check_whole(demand, stations, edges_path: Path, access: np.ndarray, d_xy: np.ndarray, options: Mapping, *,
                 no_station: bool) -> None:
    """The single-process run's checks of the whole input, when the parts say they may fail: no
    station on the network, or every home unreachable (the demand of another place, or in
    another CRS: a Gauss-Krüger layer under another zone's label). Each is refused with the same
    message, zone hint included, on the whole network, read here only then."""
    from types import SimpleNamespace

    from spatial.coverage._shift import shift_hint
    from spatial.coverage._stationcheck import check_demand_reaches, check_station_snaps
    from spatial.coverage.walks import station_snaps
    from spatial.project._split import build_network, edge_arrays

    network = build_network(edge_arrays(str(edges_path), None))
    if no_station:
        walk_keys = ("max_snap_m", "max_off_network_m", "detour_factor", "gates", "barriers")
        snap = station_snaps(stations, network, **{k: options[k] for k in walk_keys if k in options})
        ids = stations[options.get("station_id_col", "station_id")].to_numpy()
        check_station_snaps(stations, snap, network, ids, max_snap_m=options.get("max_snap_m", 100.0),
                            max_off_network_m=options.get("max_off_network_m", DEFAULT_MAX_OFF_NETWORK_M),
                            shifted=shift_hint(stations, network, name="stations"))
    check_demand_reaches(demand, SimpleNamespace(access=access), network, d_xy)  # the parts' own labels


def run_coverage_distributed(demand: gpd.GeoDataFrame, stations: gpd.GeoDataFrame, network_source, *,
                             by: str = "city", client=None, max_walk_m: float | None = None,
                             network_options: Mapping | None = None, workdir: str | Path | None = None,
                             **coverage_options) -> gpd.GeoDataFrame:
    """:func:`spatial.coverage.walks.walking_coverage` run on Dask, one task per city (or street).

    Parameters
    ----------
    demand, stations : GeoDataFrame
        As for :func:`~spatial.coverage.walks.walking_coverage`; ``demand`` must have the ``by`` column.
    network_source : WalkNetwork, path or graph
        A GeoParquet edge file from :func:`network_to_parquet` (workers read only their city's
        edges from it), a :class:`~spatial.network.graph.WalkNetwork`, or any source of
        :func:`~spatial.network.read.read_network` (read once with ``network_options`` and written to
        ``workdir``).
    by : str
        Column of ``demand`` that splits the job; rows with no value form one more part.
    client : distributed.Client, optional
        From :func:`make_client`; default a LocalCluster of 2 workers for this call.
    max_walk_m : float, optional
        Longest walk searched, metres (default: the largest band). Walks beyond it get
        ``walk_m = inf``; compare with ``walking_coverage(..., max_walk_m=...)`` of the same limit.
    workdir : path, optional
        Where GeoParquet parts go (default a temporary directory). Must be visible to every worker.
    **coverage_options
        Options of :func:`~spatial.coverage.walks.walking_coverage` (``minutes``, ``meters``,
        ``speed_kmh``, ``max_snap_m``, ``station_id_col``, ``dem``: a GeoTIFF path, of which
        each part reads only the window over its own edges).

    Returns
    -------
    GeoDataFrame
        ``demand`` (same index, columns, geometry) plus ``walk_m``, ``walk_min``,
        ``nearest_station``, ``band``, ``reason``, ``access`` and ``off_network_m``, identical to
        the single-process result; ``attrs["coords_hints"]`` as there, when the largest part whose
        stations or homes look like GCJ-02/BD-09 numbers labelled WGS-84 found them so, and
        ``attrs["car_network"]`` when a WalkNetwork given has no footway or path (one for cars).

    Raises
    ------
    NetworkError
        As the single-process run, with its message (the CRS zone the numbers fit, when they fit
        one): no station reaches the network, or no home comes near it (the whole demand is
        judged, never one city of it).
    """
    dem = coverage_options.get("dem")
    if dem is not None and (not isinstance(dem, (str, Path)) or str(dem).lower().endswith(".graphml")):
        raise SpatialError("run_coverage_distributed takes dem= as the path of a GeoTIFF DEM (each part reads "
                           f"its own window of it), not {type(dem).__name__} {str(dem)[:80]!r}")
    _known(coverage_options, "walking_coverage", exclude=("demand", "stations", "network", "max_walk_m"))
    require_crs(demand, "demand")
    require_crs(stations, "stations")
    require_columns(demand, [by], "demand")
    id_col = coverage_options.get("station_id_col", "station_id")
    require_columns(stations, [id_col], "stations")
    require_unique(stations, id_col, "stations")
    meters = coverage_options.get("meters")
    bands = make_bands(minutes=None if meters is not None else coverage_options.get("minutes", DEFAULT_MINUTES),
                       meters=meters, speed_kmh=coverage_options.get("speed_kmh", DEFAULT_SPEED_KMH))
    limit = float(max(b.limit_m for b in bands) if max_walk_m is None else max_walk_m)
    if not (np.isfinite(limit) and limit > 0):
        raise OptionError(f"max_walk_m must be a positive number of metres, got {max_walk_m!r}: a city's task "
                         "cannot be exact for unbounded walks")
    max_snap_m = float(coverage_options.get("max_snap_m", 100.0))
    # a home's leg to the network (estimated over unmapped ground up to max_off_network_m) and its
    # walk; on slopes (``dem``, minute bands) a walk of ``limit`` reaches up to FASTEST times as far
    # downhill; each part samples its own window of the DEM file in walking_coverage
    off_m = coverage_options.get("max_off_network_m", DEFAULT_MAX_OFF_NETWORK_M)
    # walking_coverage searches a little past the limit (the detour of the longest estimated leg)
    searched = search_limit_m(limit, detour_factor=coverage_options.get("detour_factor", DEFAULT_DETOUR_FACTOR),
                              max_off_network_m=off_m)
    reach = searched * FASTEST if coverage_options.get("dem") is not None and meters is None else searched
    margin = reach + max(max_snap_m, float(off_m or 0.0))
    options = {**coverage_options, "max_walk_m": limit}

    with _session(client, workdir) as (cl, path):
        if isinstance(network_source, (str, Path)) and str(network_source).endswith((".parquet", ".geoparquet")):
            edges_path = Path(network_source)
            if not edges_path.exists():
                raise NetworkError(f"network edge file {edges_path} does not exist")
        else:
            edges_path = network_to_parquet(network_source, path / "edges.parquet", **dict(network_options or {}))
        crs = _parquet_crs(edges_path)
        d_pts, d_xy = _rep_xy(demand, crs, "demand")
        s_pts, s_xy = _rep_xy(stations, crs, "stations")
        s_ok = np.isfinite(s_xy).all(axis=1)
        keys = part_keys(demand[by])
        codes, uniq = pd.factorize(keys)
        logger.info("coverage: %d demand points in %d parts by '%s'; limit %.0f m, margin %.0f m",
                    len(demand), len(uniq), by, limit, margin)
        futures = []
        hh = _households(demand)
        sent = np.zeros(len(stations), bool)  # stations some part walks from (the others: their reasons below)
        sizes = np.bincount(codes, minlength=len(uniq))
        for k in np.argsort(-sizes, kind="stable"):
            rows = np.flatnonzero(codes == k)
            xy = d_xy[rows]
            fin = np.isfinite(xy).all(axis=1)
            lo = xy[fin].min(axis=0) if fin.any() else np.zeros(2)
            hi = xy[fin].max(axis=0) if fin.any() else np.zeros(2)
            near = s_ok & np.all((s_xy >= lo - reach) & (s_xy <= hi + reach), axis=1)
            near[~s_ok] = False
            dp, sp_ = str(path / f"cov{k:05d}_demand.parquet"), str(path / f"cov{k:05d}_stations.parquet")
            gpd.GeoDataFrame({"_row": rows, "households": hh[rows]},  # (what the slopes change is said in households)
                             geometry=gpd.GeoSeries(d_pts[rows], crs=crs).values, crs=crs).to_parquet(dp)
            sidx = np.flatnonzero(near)
            sent[sidx] = True
            gpd.GeoDataFrame({id_col: stations[id_col].to_numpy()[sidx]},
                             geometry=gpd.GeoSeries(s_pts[sidx], crs=crs).values, crs=crs).to_parquet(sp_)
            bbox = (*(lo - margin), *(hi + margin))
            futures.append(cl.submit(coverage_task, dp, sp_, str(edges_path), tuple(map(float, bbox)), options,
                                     pure=False))
        results = _gather(cl, futures, "coverage")
        say_warnings(results)
        frame = pd.concat([r["frame"] for r in results], ignore_index=True).sort_values("_row")
        # no part had a station on its network: judged on the whole, as the plain run judges (stations sent to
        # no part lie far from every home: in another zone, or off the network)
        no_station = not any(r["n_snapped"] for r in results)
        if no_station or (len(frame) and (frame["access"] == "unreachable").all()):  # (the edges still there)
            _check_whole(demand, stations, edges_path, frame["access"].to_numpy(), d_xy, coverage_options,
                         no_station=no_station)
        if len(frame) != len(demand) or not np.array_equal(frame["_row"].to_numpy(), np.arange(len(demand))):
            raise RuntimeError("coverage parts lost or repeated demand rows; please report this bug")
        out = demand.copy()
        for c in COVERAGE_COLUMNS:
            out[c] = frame[c].to_numpy()
        # what one process says beside the columns (the walls with no gate, a station inside walls: report
        # rows; the bands, the slope model), said of the whole demand (a Dask run had kept none of it)
        say_of_whole(out, results, demand=demand, stations=stations, d_xy=d_xy, s_xy=s_xy, edges_path=str(edges_path),
                     crs=crs, bands=bands, speed_kmh=coverage_options.get("speed_kmh", DEFAULT_SPEED_KMH),
                     options=coverage_options, sent=sent)

    # the stations or homes that look like Amap/Baidu numbers labelled WGS-84, as the largest part that
    # found it says (a Dask run kept none: no report row, no note on the maps, where one process has them)
    hints = {}
    for r in results:
        for layer, hint in r.get("coords_hints", ()):
            hints.setdefault(layer, hint)
    if hints:
        out.attrs["coords_hints"] = list(hints.items())
    from spatial.core._carnet import car_network

    if car_network(getattr(network_source, "report", None)):  # a network for cars, as one process says it
        out.attrs["car_network"] = True
    return out
