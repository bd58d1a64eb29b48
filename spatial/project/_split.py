"""Plumbing of ``spatial.project.distributed``: split layers into parts, GeoParquet parts, and the worker tasks.

The client splits by a plain column value (street or city) and bounding-box queries, never by a
spatial shuffle, and writes each part as GeoParquet; a worker reads only its part (for the
walking network, a bounding-box filter on one GeoParquet edge file written with a covering bbox
column), runs the single-process engine on it and returns a small frame. Tasks are module-level
functions so that any Dask worker can import them.
"""

from __future__ import annotations

import logging
import sys
import threading
import time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from spatial.core.errors import CRSError
from spatial.network._water import NO_WATER, RAIL, RIVER, SHORE, Water
from spatial.network.graph import WalkNetwork, _csr, network_from_arrays

logger = logging.getLogger(__name__)

#: Columns added to grids by ``spatial.grids.workforce.staffing`` (recomputed by the client).
STAFF_COLUMNS = ("full_time_workers", "part_time_workers", "building_leads", "household_leads")
#: Row-group size of the edge file: small enough that a bbox filter skips most of a province.
EDGE_ROW_GROUP = 20_000
NONE_KEY = "(none)"


def peak_rss_mb() -> float:
    """Peak resident memory of this process, MB: ``VmHWM`` on Linux, else ``ru_maxrss``, else NaN
    (Windows has neither; the module ``resource`` is Unix's alone).

    (``ru_maxrss`` also counts the parent a worker process was forked from, before its exec.)
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import resource
    except ImportError:  # Windows
        return float("nan")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def part_keys(values: pd.Series) -> np.ndarray:
    """Part key of each row: the value as text, ``"(none)"`` where missing."""
    return np.asarray(values.astype(object).where(values.notna(), NONE_KEY).astype(str).to_numpy(), dtype=object)


# ----------------------------------------------------------------------------- grids


def grid_task(units_path: str, comms_path: str, roads_path: str | None, out_path: str, options: dict) -> dict:
    """Worker: ``partition_grids`` on one part; grids to ``out_path``, returns unit→grid and report
    (and the package's warnings, for the client to say once each)."""
    from spatial.grids.partition import partition_grids

    t0, c0 = time.perf_counter(), time.thread_time()
    units = gpd.read_parquet(units_path)
    comms = gpd.read_parquet(comms_path)
    roads = gpd.read_parquet(roads_path) if roads_path else None
    rows = units.pop("_row").to_numpy()
    with _held_warnings() as said:
        res = partition_grids(units, comms, roads=roads, code_layout=None, **options)
    grids = res.grids.drop(columns=[c for c in STAFF_COLUMNS if c in res.grids.columns])
    grids.to_parquet(out_path)
    return {
        "units": pd.DataFrame({"_row": rows, "grid_id": res.units["grid_id"].to_numpy(object)}),
        "report": res.report,
        "warnings": said,
        "n_units": len(units),
        "seconds": time.perf_counter() - t0,
        "cpu_seconds": time.thread_time() - c0,
        "peak_rss_mb": peak_rss_mb(),
    }


# ----------------------------------------------------------------------------- network parts


def write_edges(network: WalkNetwork, path: Path) -> None:
    """Write a network's kept and dropped edges as one GeoParquet file with a covering bbox column.

    Rows are sorted along a Hilbert curve so that a bounding-box filter reads few row groups;
    ``edge_pos`` keeps each edge's position, so a worker rebuilds its edges in the original order.
    """
    m = network.n_edges
    water = network.water  # river lines and shorelines: rows of their own (kind in column water)
    wet = np.concatenate([water.rivers, water.outlines, water.rails]).astype(object)  # banks as shores
    dropped = np.concatenate([np.asarray(network.dropped_geometry, dtype=object), wet])
    nd = len(dropped)
    u, v = network.edge_u.astype(np.int64), network.edge_v.astype(np.int64)
    frame = gpd.GeoDataFrame(
        {
            "edge_pos": np.arange(m + nd, dtype=np.int64),
            "u": np.r_[u, np.full(nd, -1)],
            "v": np.r_[v, np.full(nd, -1)],
            "ux": np.r_[network.node_xy[u, 0], np.full(nd, np.nan)],
            "uy": np.r_[network.node_xy[u, 1], np.full(nd, np.nan)],
            "vx": np.r_[network.node_xy[v, 0], np.full(nd, np.nan)],
            "vy": np.r_[network.node_xy[v, 1], np.full(nd, np.nan)],
            "length_m": np.r_[network.length_m, np.full(nd, np.nan)],
            "highway": np.r_[np.asarray(network.highway, object).astype(str) if len(network.highway) == m
                             else np.full(m, ""), np.full(nd, "")],
            "name": np.r_[np.asarray(network.name, object).astype(str) if len(network.name) == m
                          else np.full(m, ""), np.full(nd, "")],
            "dropped": np.r_[np.zeros(m, bool), np.ones(nd, bool)],
            "off_ground": np.r_[network.off_ground if len(network.off_ground) == m else np.zeros(m, bool),
                                np.zeros(nd, bool)],
            "off_ground_kind": np.r_[network.off_ground_kind if len(network.off_ground_kind) == m
                                     else np.zeros(m, np.int8), np.zeros(nd, np.int8)].astype(np.int8),
            "water": np.r_[np.full(nd - len(wet) + m, ""), np.full(len(water.rivers), RIVER),
                           np.full(len(water.outlines), SHORE), np.full(len(water.rails), RAIL)].astype(object),
        },
        geometry=np.concatenate([np.asarray(network.geometry, dtype=object), dropped]),
        crs=network.crs,
    )
    if len(frame):
        frame = frame.iloc[np.argsort(frame.geometry.hilbert_distance(), kind="stable")]
    frame.to_parquet(path, index=False, write_covering_bbox=True, row_group_size=EDGE_ROW_GROUP)


def edge_arrays(path: str, bbox: tuple[float, float, float, float]) -> dict:
    """Arrays of the kept and dropped edges whose bounding box meets ``bbox``, in their original order."""
    edges = gpd.read_parquet(path, bbox=bbox)
    if edges.crs is None:
        raise CRSError(f"network edge file {path} has no CRS; write it with spatial.project.distributed.network_to_parquet")
    kind = edges["water"].to_numpy(object) if "water" in edges.columns else np.full(len(edges), "", object)
    wet = edges.loc[kind != ""].sort_values("edge_pos")
    edges = edges.loc[kind == ""]
    kept = edges.loc[~edges["dropped"].to_numpy(bool)].sort_values("edge_pos")
    gone = edges.loc[edges["dropped"].to_numpy(bool)].sort_values("edge_pos")
    u, v = kept["u"].to_numpy(np.int64), kept["v"].to_numpy(np.int64)
    ids, pos = np.unique(np.r_[u, v], return_inverse=True)
    xy = np.empty((len(ids), 2))
    xy[pos, 0] = np.r_[kept["ux"].to_numpy(), kept["vx"].to_numpy()]
    xy[pos, 1] = np.r_[kept["uy"].to_numpy(), kept["vy"].to_numpy()]
    return {"crs": edges.crs, "node_id": ids.astype(object), "xy": xy, "eu": pos[: len(u)].astype(np.int32),
            "ev": pos[len(u):].astype(np.int32), "geometry": np.asarray(kept.geometry.values, dtype=object),
            "length": kept["length_m"].to_numpy(np.float64), "highway": kept["highway"].to_numpy(object),
            "name": kept["name"].to_numpy(object), "dropped": np.asarray(gone.geometry.values, dtype=object),
            "off_ground": (kept["off_ground"].to_numpy(bool) if "off_ground" in kept.columns
                           else np.zeros(len(kept), bool)),
            "off_ground_kind": (kept["off_ground_kind"].to_numpy(np.int8) if "off_ground_kind" in kept.columns
                                else np.zeros(len(kept), np.int8)),
            "water": Water(**{name: np.asarray(wet.geometry.values[wet["water"].to_numpy(object) == k], dtype=object)
                              for name, k in (("rivers", RIVER), ("shores", SHORE), ("rails", RAIL))})}


def build_network(a: dict, *, dummy_far_m: float | None = None) -> WalkNetwork:
    """A WalkNetwork of edge arrays (same CSR rules as the full one), stored lengths kept exactly.

    With ``dummy_far_m``, one isolated 1 m edge is added that far beyond every node: a station on
    it serves nobody (see :func:`coverage_task`).
    """
    xy, eu, ev, geom, length = a["xy"], a["eu"], a["ev"], a["geometry"], a["length"]
    node_id, hw, nm = a["node_id"], a["highway"], a["name"]
    og = a.get("off_ground", np.zeros(len(eu), bool))
    kind = a.get("off_ground_kind", np.zeros(len(eu), np.int8))
    if dummy_far_m is not None:
        x0, y0 = (xy.max(axis=0) if len(xy) else np.zeros(2)) + dummy_far_m
        n = len(xy)
        xy = np.vstack([xy, [[x0, y0], [x0 + 1.0, y0]]])
        eu, ev = np.r_[eu, n].astype(np.int32), np.r_[ev, n + 1].astype(np.int32)
        geom = np.r_[geom, [shapely.LineString([(x0, y0), (x0 + 1.0, y0)])]]
        length, hw, nm = np.r_[length, 1.0], np.r_[hw, [""]], np.r_[nm, [""]]
        og, kind = np.r_[og, False], np.r_[kind, 0].astype(np.int8)
        node_id = np.r_[node_id, ["__dummy_a__", "__dummy_b__"]]
    net = network_from_arrays(xy, eu, ev, crs=a["crs"], node_id=node_id, geometry=geom, highway=hw, name=nm,
                              off_ground=og, off_ground_kind=kind)
    if not np.array_equal(length, net.length_m):  # keep the stored lengths exactly
        net = replace(net, length_m=length, graph=_csr(len(xy), eu, ev, length))
    return replace(net, dropped_geometry=a["dropped"], water=a.get("water", NO_WATER))


def read_edges(path: str, bbox: tuple[float, float, float, float]) -> WalkNetwork:
    """The sub-network of the edges whose bounding box meets ``bbox`` (at least one edge must)."""
    return build_network(edge_arrays(path, bbox))


def coverage_task(demand_path: str, stations_path: str, edges_path: str, bbox: tuple, options: dict) -> dict:
    """Worker: ``walking_coverage`` of one city's demand on its network within the margin; the
    package's warnings are returned for the client to say, once each."""
    from spatial.coverage._stationcheck import part_of_demand
    from spatial.coverage.walks import COVERAGE_COLUMNS, station_snaps, walking_coverage

    t0, c0 = time.perf_counter(), time.thread_time()
    demand = gpd.read_parquet(demand_path)
    stations = gpd.read_parquet(stations_path)
    arrays = edge_arrays(edges_path, bbox)
    rows = demand.pop("_row").to_numpy()
    id_col = options.get("station_id_col", "station_id")
    snapped = np.zeros(0, bool)
    if len(arrays["eu"]):
        net = build_network(arrays)
        if len(stations):
            walk_keys = ("max_snap_m", "max_off_network_m", "detour_factor", "gates", "barriers")
            snapped = station_snaps(stations, net, **{k: options[k] for k in walk_keys if k in options}).ok
    if not snapped.any():
        # no station within reach: one far off, on an edge of its own, so that the engine itself
        # labels this city's demand as the single-process run does ("beyond", or not snapped)
        far = 10 * (bbox[2] - bbox[0] + bbox[3] - bbox[1]) + 1e6
        net = build_network(arrays, dummy_far_m=far)
        x, y = net.node_xy[-2]
        stations = gpd.GeoDataFrame({id_col: np.array(["__no_station__"], dtype=object)},
                                    geometry=[shapely.Point(x + 0.5, y)], crs=net.crs)
    with part_of_demand(), _held_warnings() as said:  # a city wholly off the network is labelled so, as the whole run does
        out = walking_coverage(demand, stations, net, **options)
    frame = pd.DataFrame({c: out[c].to_numpy() for c in COVERAGE_COLUMNS})
    frame.insert(0, "_row", rows)
    return {"frame": frame, "n_demand": len(demand), "n_snapped": int(snapped.sum()), "n_edges": net.n_edges,
            "warnings": said,  # said by the client, once each (a worker showed them raw, under -q too)
            "coords_hints": list(out.attrs.get("coords_hints", ())),  # stations read off Amap ...: for the report
            "slope": out.attrs.get("slope"),  # the slope model and the stations no walk reaches: said of the whole
            "slope_effect": out.attrs.get("slope_effect"),  # this part's households within the band, flat and on slopes
            "station_reasons": {k: v for k, v in out.attrs.get("station_reasons", {}).get("reasons", {}).items()
                                if k != "__no_station__"},
            "seconds": time.perf_counter() - t0, "cpu_seconds": time.thread_time() - c0,
            "peak_rss_mb": peak_rss_mb()}


class _Held:
    """The package's warnings logged by one thread while it holds them, ``(logger name, level,
    message)``: the records themselves, each once (a record reaching several handlers is one)."""

    def __init__(self) -> None:
        self.said: list[tuple[str, int, str]] = []
        self._seen: list[logging.LogRecord] = []

    def keep(self, record: logging.LogRecord) -> None:
        if not any(r is record for r in self._seen[-4:]):  # (its handlers see it one after another)
            self._seen.append(record)
            self.said.append((record.name, record.levelno, record.getMessage()))


#: The threads holding their warnings now: thread id -> what they hold.
_HOLDING: dict[int, _Held] = {}
_HOLD_LOCK = threading.Lock()


class _ThreadHeld(logging.Filter):
    """On the handlers the package's records reach: a warning logged in a thread that holds its
    warnings is kept for it and goes to no handler; every other record passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        held = _HOLDING.get(record.thread) if record.levelno >= logging.WARNING else None
        if held is None:
            return True
        held.keep(record)
        return False


_FILTER = _ThreadHeld()


def _reached_handlers() -> list[logging.Handler]:
    """The handlers a record of the package's loggers reaches: ``spatial``'s, then its parents'."""
    found, log = [], logging.getLogger("spatial")
    while log is not None:
        found += log.handlers
        log = log.parent if log.propagate else None
    return found


@contextmanager
def _held_warnings():
    """The package's warnings logged by this thread in the block, kept (a list) instead of shown;
    the client logs each once (:func:`say_warnings`). A worker's process showed each as a raw
    ``SpatialWarning`` on the terminal, once per part (under ``-q`` too); a worker thread of the
    client's own process (``make_client(processes=False)``) logged each once per part. Only this
    thread's are held: another part's thread, or the client's, logs as before."""
    held = _Held()
    with _HOLD_LOCK:
        _HOLDING[threading.get_ident()] = held
        handlers = _reached_handlers()
        for h in handlers:
            h.addFilter(_FILTER)  # (added once: a filter already there is not added twice)
    try:
        yield held.said
    finally:
        with _HOLD_LOCK:
            _HOLDING.pop(threading.get_ident(), None)
            if not _HOLDING:  # the last part held: the handlers as they were
                for h in handlers + _reached_handlers():
                    h.removeFilter(_FILTER)


def say_warnings(results: list[dict]) -> None:
    """Log the parts' warnings as one process logs them: each distinct one once, in part order."""
    seen = set()
    for r in results:
        for name, level, message in r.get("warnings", ()):
            if (name, message) not in seen:
                seen.add((name, message))
                logging.getLogger(name).log(level, "%s", message)

